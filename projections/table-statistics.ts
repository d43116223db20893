import type { Logger } from 'pino';
import type { SqlRunner } from './db/read-model-db.ts';
import { READ_MODELS } from './schema.ts';

/**
 * Keeps the planner's statistics of the read models fresh enough while the live runner grows them:
 * a table is analyzed when it has rows and never was analyzed, and again each time it has grown to
 * twice its rows at the last analyze (plus 1,000): a few times over its life, geometrically. Every
 * `checkEvery` events the runner applies, it asks the database (one query, in the background,
 * outside any batch) and analyzes the tables past that mark. Without it, where autovacuum is off
 * (as on the benchmark machine), a never-analyzed `fills` table made the trade-owner look-up (a
 * primary-key probe) scan the account's whole history by another index: 700 ms per look-up at 87k
 * fills. Not autovacuum's rule (10% of changed rows): analyzing `ledger_postings` or `orders` (their
 * jsonb) takes the database a second of work at 100k rows, a stall in the live lag every few
 * thousand events for a plan that does not change.
 */
export function statisticsKeeper(db: SqlRunner, log: Logger, options: { checkEvery?: number } = {}) {
  const checkEvery = options.checkEvery ?? 1000;
  const tables = READ_MODELS.map((t) => t.name);
  let atLast = 0;
  let checking = false;

  const check = async (schema: string) => {
    const { rows } = await db.query<{ name: string }>(
      `select s.relname as name from pg_stat_user_tables s join pg_class c on c.oid = s.relid
       where s.schemaname = $1 and s.relname = any($2::text[]) and s.n_live_tup > 0
         and (c.reltuples < 0 or s.n_live_tup >= 2 * c.reltuples + 1000)
       order by s.relname`,
      [schema, tables],
    );
    if (rows.length === 0) return;
    await db.exec(`analyze ${rows.map((r) => `${schema}.${r.name}`).join(', ')}`);
    log.debug({ tables: rows.map((r) => r.name) }, 'read models analyzed');
  };

  return {
    /** After a committed batch: `eventsApplied` since the runner started, into `schema`'s tables. */
    afterBatch(schema: string, eventsApplied: number): void {
      if (checking || eventsApplied - atLast < checkEvery) return;
      atLast = eventsApplied;
      checking = true;
      check(schema)
        .catch((error: unknown) => log.warn({ err: error }, 'analyze of the read models failed'))
        .finally(() => {
          checking = false;
        });
    },
  };
}
