import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlExecutor } from '../../adapters/event-store/sql/sql-driver.ts';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import type { ExpectedRevision } from '../../application/ports/event-store.ts';
import { testDatabase } from '../../test/support/postgres.ts';
import { sampleMetadata, sampleOrderData } from '../lib/baselines.ts';
import { type BenchContext, type Benchmark, postgresNote } from '../lib/benchmark.ts';
import { measureInterleaved, median, percentile } from '../lib/stats.ts';

/**
 * B1, B2, B4 (and B10's PGlite half) of ../shared/reference/benchmarks-and-faults.md: appends
 * through the port against raw INSERTs into a table shaped like the events table (same columns,
 * defaults and indexes: `like events including all`), measured in the same run, round by round.
 */

const newEvent = (i: number) => ({
  id: randomUUID(),
  type: 'OrderPlaced',
  data: sampleOrderData(i),
  metadata: sampleMetadata(),
});

interface Target {
  readonly name: string;
  readonly store: SqlEventStore;
  /** Executor for the baseline statements; for `pg` a pool of its own with 16 connections. */
  readonly baseline: SqlExecutor;
  /** Named prepared statements on `pg` (as the store's append uses); PGlite ignores the name. */
  readonly prepared: boolean;
  close(): Promise<void>;
}

const baselineInsert = `insert into bench.events_like (stream_id, revision, event_id, type, data, metadata)
  values ($1, $2, $3, $4, $5, $6)`;
const baselineBatch = `insert into bench.events_like (stream_id, revision, event_id, type, data, metadata)
  select $1, r, i, t, d, m from unnest($2::bigint[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) as u(r, i, t, d, m)`;

/**
 * The baseline table has the events table's columns, defaults and indexes; its rows carry no hash
 * (a raw INSERT has no chain to keep), so the ratio includes what the tamper-evident chain costs.
 */
const prepareBaselineTable = async (store: SqlEventStore) => {
  await store.sql.exec(`drop schema if exists bench cascade; create schema bench;
    create table bench.events_like (like ${store.schema}.events including all);
    alter table bench.events_like alter column hash drop not null;`);
};

interface Row {
  readonly scenario: string;
  readonly subject: number[];
  readonly baseline: number[];
  readonly latencies: number[];
  readonly unit: string;
  readonly target?: number;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

type Op = (i: number, worker: number) => Promise<unknown>;

interface Scenario {
  readonly scenario: string;
  readonly unit: string;
  readonly target?: number;
  readonly count: number;
  readonly concurrency: number;
  readonly unitsPerOp: number;
  /** Fresh operations for one round (new stream ids, revision bookkeeping). */
  round(): { subject: Op; baseline: Op };
}

const runTarget = async (target: Target, context: BenchContext, counts: Counts): Promise<Row[]> => {
  const { store, baseline } = target;
  await prepareBaselineTable(store);
  let run = 0;
  const uniq = () => `${Date.now().toString(36)}-${run++}`;
  const name = (s: string) => (target.prepared ? s : undefined);

  /** Appends of `size` events to `streams` streams (stream = pick(i, worker)), exact expected revisions. */
  const appends = (size: number, pick: (i: number, worker: number) => number): Op => {
    const id = uniq();
    const revisions = new Map<number, ExpectedRevision>();
    return async (i, worker) => {
      const s = pick(i, worker);
      const events = Array.from({ length: size }, (_, k) => newEvent(i + k));
      const r = await store.append(`bench-${id}-${s}`, events, {
        expectedRevision: revisions.get(s) ?? 'no_stream',
      });
      revisions.set(s, r.nextExpectedRevision);
    };
  };
  const singleRowInsert = (): Op => {
    const id = uniq();
    return (i) => {
      const e = newEvent(i);
      return baseline.query(
        baselineInsert,
        [`base-${id}-${i}`, 0, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)],
        name('bench_insert'),
      );
    };
  };
  const batchInsert = (size: number): Op => {
    const id = uniq();
    return (i) => {
      const events = Array.from({ length: size }, (_, k) => newEvent(i + k));
      return baseline.query(
        baselineBatch,
        [
          `base-${id}-${i}`,
          events.map((_, k) => k),
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
        name('bench_batch'),
      );
    };
  };

  const pglite = target.name === 'PGlite';
  const scenarios: Scenario[] = [
    {
      scenario: 'B1 append 1 event, sequential',
      unit: 'appends/s',
      target: pglite ? 0.5 : 0.7,
      count: counts.b1,
      concurrency: 1,
      unitsPerOp: 1,
      round: () => ({ subject: appends(1, (i) => i % 100), baseline: singleRowInsert() }),
    },
    {
      scenario: 'B2 append 1 event, 16 in flight',
      unit: 'appends/s',
      target: pglite ? 0.5 : 0.6,
      count: counts.b2,
      concurrency: 16,
      unitsPerOp: 1,
      // distinct streams: one per worker
      round: () => ({ subject: appends(1, (_, worker) => worker), baseline: singleRowInsert() }),
    },
    {
      scenario: 'B4 append 100 events',
      unit: 'events/s',
      target: 0.5,
      count: counts.b4,
      concurrency: 1,
      unitsPerOp: 100,
      round: () => ({ subject: appends(100, (i) => i % 10), baseline: batchInsert(100) }),
    },
    {
      scenario: 'B4 append 10 events (info)',
      unit: 'events/s',
      count: counts.b4 * 4,
      concurrency: 1,
      unitsPerOp: 10,
      round: () => ({ subject: appends(10, (i) => i % 10), baseline: batchInsert(10) }),
    },
  ];

  const rows: Row[] = [];
  for (const s of scenarios) {
    const row: Row = {
      scenario: s.scenario,
      subject: [],
      baseline: [],
      latencies: [],
      unit: s.unit,
      ...(s.target ? { target: s.target } : {}),
    };
    // Round 0 warms up (JIT, caches, prepared statements) and is discarded.
    for (let round = 0; round <= context.rounds; round++) {
      const ops = s.round();
      const [subject, base] = await measureInterleaved(
        s.count,
        10,
        s.concurrency,
        ops.subject,
        ops.baseline,
        s.unitsPerOp,
      );
      if (round === 0) continue;
      row.subject.push(subject.rate);
      row.baseline.push(base.rate);
      row.latencies.push(...subject.latenciesMs);
    }
    rows.push(row);
    context.log(`  ${target.name} ${s.scenario}: done`);
  }
  return rows;
};

interface Counts {
  readonly b1: number;
  readonly b2: number;
  readonly b4: number;
}

const report = (targetName: string, note: string, rows: Row[], context: BenchContext) => {
  context.log(`\n### ${targetName} (${note})\n`);
  context.log('| scenario | port | baseline | ratio (median of rounds) | p50 ms | p99 ms | target | met |');
  context.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    const ratios = r.subject.map((s, i) => s / r.baseline[i]!);
    const ratio = median(ratios);
    const p99 = percentile(r.latencies, 99);
    const p99Target = r.scenario.startsWith('B1') && targetName === 'PostgreSQL';
    const met = r.target === undefined ? '' : ratio >= r.target && (!p99Target || p99 < 5) ? 'yes' : 'NO';
    context.log(
      `| ${r.scenario} | ${fmt(median(r.subject))} ${r.unit} | ${fmt(median(r.baseline))} | ${(ratio * 100).toFixed(0)}% (${ratios
        .map((x) => (x * 100).toFixed(0))
        .join(
          ', ',
        )}) | ${fmt(percentile(r.latencies, 50))} | ${fmt(p99)} | ${r.target ? `≥ ${r.target * 100}%${p99Target ? ', p99 < 5 ms' : ''}` : ''} | ${met} |`,
    );
  }
};

const scaled = (n: number, context: BenchContext) => Math.max(20, Math.round(n * context.scale));

export const benchmark: Benchmark = {
  name: 'event-store',
  description: 'B1/B2/B4 appends on PostgreSQL and PGlite against raw INSERT baselines of the same run',
  run: async (context) => {
    const db = await testDatabase('bench-event-store');
    if (db.available) {
      const store = await openPostgresEventStore({ connectionString: db.url, maxConnections: 17 });
      const pool = new pg.Pool({ connectionString: db.url, max: 16 });
      const baseline: SqlExecutor = {
        query: async (text, params, name) => {
          const r = await (name
            ? pool.query({ name, text, values: params ? [...params] : [] })
            : pool.query(text, params ? [...params] : []));
          return { rows: r.rows, rowCount: r.rowCount ?? 0 };
        },
        exec: async (sql) => {
          await pool.query(sql);
        },
      };
      const note = await postgresNote(db.source, pool);
      try {
        const rows = await runTarget(
          { name: 'PostgreSQL', store, baseline, prepared: true, close: async () => undefined },
          context,
          { b1: scaled(2000, context), b2: scaled(4000, context), b4: scaled(100, context) },
        );
        report('PostgreSQL', note, rows, context);
      } finally {
        await pool.end();
        await store.close();
        await db.drop();
      }
    } else {
      context.log(`PostgreSQL skipped: ${db.reason}`);
    }

    const dir = await mkdtemp(join(tmpdir(), 'oms-bench-pglite-'));
    const store = await openPgliteEventStore({ dataDir: join(dir, 'data') });
    try {
      const rows = await runTarget(
        { name: 'PGlite', store, baseline: store.sql, prepared: false, close: async () => undefined },
        context,
        { b1: scaled(2000, context), b2: scaled(2000, context), b4: scaled(100, context) },
      );
      report('PGlite', 'on disk in a temp directory, one connection', rows, context);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
