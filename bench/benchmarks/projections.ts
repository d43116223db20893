import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { generateHistory } from '../../test/projections/support/history-generator.ts';
import { testDatabase } from '../../test/support/postgres.ts';
import { type BenchContext, type Benchmark, postgresNote } from '../lib/benchmark.ts';
import { measure, percentile } from '../lib/stats.ts';
import { b6, fmt, silent, type Target } from '../projections/b6-rebuild.ts';
import { appendAtRate } from '../projections/open-loop.ts';

/**
 * B6: rebuild of all read models from a realistic generated history (1M events at scale 1), on
 * PostgreSQL and PGlite, beside two baselines of the same run: COPY of the same events into a
 * table shaped like the events table, and a keyset scan of the events (pages of 1000). Peak RSS
 * is sampled during each rebuild, at two history lengths (a quarter, then all of it).
 *
 * B7: live lag at half of B2's rate (B2: 16 appends in flight, measured in the same run), open
 * loop: commit -> visible in the read models (p50/p99), and zero skipped events.
 */

/** B2's rate in this run: 16 appends in flight on distinct streams, one event each. */
const b2Rate = async (target: Target, count: number) => {
  const revisions = new Map<number, bigint>();
  const id = randomUUID().slice(0, 8);
  const sample = await measure(count, 16, async (i, worker) => {
    const r = await target.store.append(
      `b2-${id}-${worker}`,
      [{ id: randomUUID(), type: 'BenchEvent', data: { i }, metadata: {} }],
      { expectedRevision: revisions.get(worker) ?? 'no_stream' },
    );
    revisions.set(worker, r.nextExpectedRevision);
  });
  return sample.rate;
};

const b7 = async (target: Target, context: BenchContext) => {
  const b2 = await b2Rate(target, Math.round(4000 * context.scale) + 200);
  const rate = b2 / 2;
  const seconds = Math.max(5, 20 * context.scale);
  const count = Math.round(rate * seconds);
  const pending = new Map<string, number>(); // serialized position -> commit time
  const lags: number[] = [];
  const codec = target.store.positions;
  const runner = createProjectionRunner({
    store: target.store,
    db: target.db,
    logger: silent,
    onBatch: (batch) => {
      const now = performance.now();
      for (const [position, committed] of pending) {
        if (position <= batch.position) {
          lags.push(now - committed);
          pending.delete(position);
        }
      }
    },
  });
  runner.start();
  // Wait until the runner follows $all live.
  const warm = await target.store.append(
    `b7-warm-${randomUUID()}`,
    [{ id: randomUUID(), type: 'Warm', data: {}, metadata: {} }],
    {
      expectedRevision: 'no_stream',
    },
  );
  await runner.whenCaughtUp(warm.position, 600_000);
  const history = generateHistory({ seed: 77, events: count + 1000 });
  const before = await target.store.sql.query<{ n: string }>(
    `select count(*)::text as n from oms_read.order_history`,
  );
  const { appended, last = warm.position } = await appendAtRate(target.store, history, {
    rate,
    count,
    committed: (position) => pending.set(codec.serialize(position), performance.now()),
  });
  await runner.whenCaughtUp(last, 60_000);
  await runner.stop();
  const after = await target.store.sql.query<{ n: string }>(
    `select count(*)::text as n from oms_read.order_history`,
  );
  const projected = Number(after.rows[0]!.n) - Number(before.rows[0]!.n);
  const skipped = appended - projected;
  const p99 = percentile(lags, 99);
  return [
    `| B7 live lag at ${fmt(rate)} appends/s (B2 ${fmt(b2)}/s ÷ 2), ${fmt(appended)} events | p50 ${fmt(
      percentile(lags, 50),
    )} ms, p99 ${fmt(p99)} ms, max ${fmt(Math.max(...lags))} ms | skipped ${skipped} | p99 < 100 ms, 0 skipped | ${
      p99 < 100 && skipped === 0 ? 'yes' : 'NO'
    } |`,
  ];
};

const report = (target: Target, b6Lines: string[], b7Lines: string[], context: BenchContext) => {
  context.log(`\n### ${target.name} (${target.note})\n`);
  context.log(
    '| scenario | subject (median; rounds) | COPY baseline | ratio | keyset scan baseline | peak RSS | target | met |',
  );
  context.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const line of b6Lines) context.log(line);
  context.log('\n| scenario | lag | events | target | met |');
  context.log('| --- | --- | --- | --- | --- |');
  for (const line of b7Lines) context.log(line);
};

/** B7 (live lag) and then B6 (rebuild) on one target, and their report. */
const measureBoth = async (target: Target, context: BenchContext, total: number) => {
  const b7Lines = await b7(target, context);
  const b6Lines = await b6(target, context, total);
  report(target, b6Lines, b7Lines, context);
};

export const benchmark: Benchmark = {
  name: 'projections',
  description:
    'B6 rebuild (vs COPY and keyset scan, peak RSS at two lengths) and B7 live lag, PostgreSQL and PGlite',
  run: async (context) => {
    const total = Math.max(10_000, Math.round(1_000_000 * context.scale));
    const only = process.env.BENCH_TARGETS?.split(',');
    const db =
      only && !only.includes('postgres')
        ? { available: false as const, reason: 'BENCH_TARGETS' }
        : await testDatabase('bench-projections');
    if (db.available) {
      const store = await openPostgresEventStore({ connectionString: db.url, maxConnections: 20 });
      const readModels = createPostgresReadModelDb({ pool: store.pool });
      const target: Target = {
        name: 'PostgreSQL',
        store,
        db: readModels,
        childArgs: ['postgres', db.url],
        beforeChild: async () => undefined,
        afterChild: async () => undefined,
        note: await postgresNote(db.source, store.pool),
        copy: async (table, columns, csv) => {
          const client = await store.pool.connect();
          try {
            await pipeline(
              Readable.from([csv]),
              client.query(copyFrom(`copy ${table} (${columns}) from stdin with (format csv)`)),
            );
          } finally {
            client.release();
          }
        },
      };
      try {
        await measureBoth(target, context, total);
      } finally {
        await store.close();
        await db.drop();
      }
    } else {
      context.log(`PostgreSQL skipped: ${db.reason}`);
    }
    if (only && !only.includes('pglite')) return;
    const dir = await mkdtemp(join(tmpdir(), 'oms-bench-projections-'));
    const dataDir = join(dir, 'data');
    let store: PgliteEventStore = await openPgliteEventStore({ dataDir });
    let readModels = createPgliteReadModelDb(store.db);
    const target: Target = {
      name: 'PGlite',
      get store() {
        return store;
      },
      get db() {
        return readModels;
      },
      note: 'on disk in a temp directory, one connection, same process',
      childArgs: ['pglite', dataDir],
      beforeChild: () => store.close(),
      afterChild: async () => {
        store = await openPgliteEventStore({ dataDir });
        readModels = createPgliteReadModelDb(store.db);
      },
      copy: async (table, columns, csv) => {
        await store.db.query(`copy ${table} (${columns}) from '/dev/blob' with (format csv)`, [], {
          blob: new Blob([csv]),
        });
      },
    };
    try {
      await measureBoth(target, context, total);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
