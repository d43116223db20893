import { afterAll, describe, expect, it } from 'vitest';
import { generationSchema, readProjection } from '../../projections/schema.ts';
import { statisticsKeeper } from '../../projections/table-statistics.ts';
import { until } from '../support/until.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { catchUp, postgresFactory, silent, subjectsOf } from './support/subjects.ts';

const pg = await postgresFactory('table_statistics');
afterAll(() => pg.drop());

const subjects = subjectsOf(pg, 'table statistics');

describe.each(subjects)('the statistics keeper on %s', (_name, open) => {
  it('Given read models that grew from nothing and never were analyzed, When the keeper checks, Then the database analyzes the tables with rows and leaves the empty ones alone; grown by less than twofold, they are not analyzed again', async () => {
    const s = await open();
    try {
      await appendHistory(s.store, generateHistory({ seed: 11, events: 1500 }));
      await catchUp(s);
      const generation = (await readProjection(s.db, s.base, 'order-read-models'))!.generation;
      const schema = generationSchema(s.base, generation);
      const analyzed = async () =>
        (
          await s.db.query<{ name: string }>(
            `select relname as name from pg_stat_user_tables
             where schemaname = $1 and last_analyze is not null order by relname`,
            [schema],
          )
        ).rows.map((r) => r.name);
      const changed = async (table: string) =>
        (
          await s.db.query<{ n: string }>(
            `select n_mod_since_analyze::text as n from pg_stat_user_tables where schemaname = $1 and relname = $2`,
            [schema, table],
          )
        ).rows[0]?.n ?? '0';
      const grown = ['fills', 'order_history', 'orders'];
      for (const table of grown)
        await until(`the counters of ${table}`, async () => Number(await changed(table)) > 0, 20_000, 200);
      expect(await analyzed()).toEqual([]);

      statisticsKeeper(s.db, silent).afterBatch(schema, 1000);

      await until(
        'an analyze',
        async () => {
          const done = await analyzed();
          return grown.every((table) => done.includes(table));
        },
        20_000,
        200,
      );
      const names = await analyzed();
      expect(names).not.toContain('cash_movements');
      expect(names).not.toContain('marks');

      // When a few hundred events more are projected and the keeper checks again
      const analyses = async () =>
        (
          await s.db.query<{ n: string }>(
            `select sum(analyze_count)::text as n from pg_stat_user_tables where schemaname = $1`,
            [schema],
          )
        ).rows[0]?.n;
      const before = await analyses();
      await appendHistory(s.store, generateHistory({ seed: 12, events: 300 }));
      await catchUp(s);
      const keeper = statisticsKeeper(s.db, silent);
      keeper.afterBatch(schema, 1000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Then nothing is analyzed again
      expect(await analyses()).toBe(before);
    } finally {
      await s.close();
    }
  }, 60_000);
});
