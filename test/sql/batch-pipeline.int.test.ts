import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchPipeline, SqlRunner } from '../../application/ports/sql.ts';
import { ReadModelDbError } from '../../projections/db/read-model-db.ts';
import { postgresFactory, type Subject } from '../projections/support/subjects.ts';

// PostgreSQL only: PGlite has no pipeline (one connection in this process; its batches are waited for).
const postgres = await postgresFactory('batch_pipeline');
afterAll(() => postgres.drop());

describe.skipIf(!postgres.database.available)('withPipeline on PostgreSQL', () => {
  let s: Subject;
  const schema = 'pipeline_spec';
  beforeAll(async () => {
    s = await postgres.open();
  });
  afterAll(() => s.close());
  beforeEach(async () => {
    await s.db.exec(`drop schema if exists ${schema} cascade; create schema ${schema};
      create table ${schema}.a (k text primary key, v int not null);
      create table ${schema}.cp (name text primary key, position int not null);
      insert into ${schema}.cp values ('p', 0);
      create function ${schema}.exactly_one(n bigint) returns bigint language plpgsql as $fn$
      begin
        if n <> 1 then raise exception 'moved' using errcode = 'OMSXX'; end if;
        return n;
      end $fn$;`);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await s.db.exec(`drop schema if exists ${schema} cascade`);
  });

  const pipelined = <T>(work: (pipeline: BatchPipeline) => Promise<T>) => {
    if (s.db.withPipeline === undefined) throw new Error('the PostgreSQL database has a pipeline');
    return s.db.withPipeline(work);
  };
  /** One batch's writes: rows by COPY, then the checkpoint from → to (guarded). */
  const writes = async (tx: SqlRunner, keys: readonly string[], from: number, to: number) => {
    await tx.copyFrom!(`${schema}.a`, ['k', 'v'], keys.map((k) => `${k}\t${to}\n`).join(''));
    tx.defer!({
      table: `${schema}.cp`,
      text: `update ${schema}.cp set position = $2 where name = 'p' and position = $1 returning 1`,
      params: [from, to],
      name: `${schema}_cp_move`,
      check: `${schema}.exactly_one($rows)`,
    });
    await tx.flush!();
  };
  const rows = async () =>
    (await s.db.query<{ k: string; v: number }>(`select k, v from ${schema}.a order by k`)).rows;
  const position = async () =>
    (await s.db.query<{ position: number }>(`select position from ${schema}.cp`)).rows[0]!.position;

  it('Given three batches, When each is made while the one before it commits, Then all are kept, in order, and each was sent before the one before it was known to be committed', async () => {
    const committedBeforeNextWasSent: boolean[] = [];
    await pipelined(async (pipeline) => {
      let previous: Promise<void> | undefined;
      const outcomes: Promise<void>[] = [];
      for (const [i, keys] of [['a1', 'a2'], ['b1'], ['c1', 'c2', 'c3']].entries()) {
        let settled = false;
        void previous?.then(() => {
          settled = true;
        });
        const batch = await pipeline.batch((tx) => writes(tx, keys, i, i + 1));
        if (previous !== undefined) committedBeforeNextWasSent.push(settled);
        previous = batch.committed;
        outcomes.push(batch.committed);
      }
      await Promise.all(outcomes);
    });
    expect(committedBeforeNextWasSent).toEqual([false, false]);
    expect(await rows()).toEqual([
      { k: 'a1', v: 1 },
      { k: 'a2', v: 1 },
      { k: 'b1', v: 2 },
      { k: 'c1', v: 3 },
      { k: 'c2', v: 3 },
      { k: 'c3', v: 3 },
    ]);
    expect(await position()).toBe(3);
  });

  it('Given a batch whose COPY meets a row already there, When it and a batch guarded on it are sent, Then both fail (the first with the unique violation), nothing of either is kept, and the pipeline says so', async () => {
    await s.db.exec(`insert into ${schema}.a values ('x', 0)`);
    let first: Promise<void> | undefined;
    let second: Promise<void> | undefined;
    const pipeline = pipelined(async (p) => {
      first = (await p.batch((tx) => writes(tx, ['w', 'x'], 0, 1))).committed;
      second = (await p.batch((tx) => writes(tx, ['y'], 1, 2))).committed;
      await Promise.allSettled([first, second]);
    });
    await expect(pipeline).rejects.toMatchObject({ sqlState: '23505' });
    await expect(first).rejects.toMatchObject({ sqlState: '23505' });
    // The second batch ran on its own: its compare-and-set found the checkpoint where the first left it.
    await expect(second).rejects.toMatchObject({ sqlState: 'OMSXX' });
    expect(await rows()).toEqual([{ k: 'x', v: 0 }]);
    expect(await position()).toBe(0);
  });

  it('Given a batch whose write failed, When it reads, Then the read reports the write’s failure, and the statements after it are not sent', async () => {
    await s.db.exec(`insert into ${schema}.a values ('x', 0)`);
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    const seen: unknown[] = [];
    const run = pipelined(async (p) => {
      await p.batch(async (tx) => {
        await tx.copyFrom!(`${schema}.a`, ['k', 'v'], 'x\t1\n');
        await tx.exec(`insert into ${schema}.a values ('after', 1)`);
        await tx.query('select 1').catch((error: unknown) => {
          seen.push(error);
          throw error;
        });
      });
    });
    await expect(run).rejects.toBeInstanceOf(ReadModelDbError);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ sqlState: '23505' });
    expect(await rows()).toEqual([{ k: 'x', v: 0 }]);
    const texts = sent.mock.calls.map(([q]) =>
      typeof q === 'string' ? q : ((q as { text?: string }).text ?? ''),
    );
    expect(texts.filter((t) => t.includes("'after'") || t === 'select 1')).toEqual([]);
    expect(texts).toContain('rollback');
    // And the pool's connections are sound afterwards (the pipeline's was dropped)
    expect((await s.db.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
  });
});
