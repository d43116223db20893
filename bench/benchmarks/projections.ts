import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import pino from 'pino';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { createPgliteReadModelDb } from '../../projections/db/pglite.ts';
import { createPostgresReadModelDb } from '../../projections/db/postgres.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { generateHistory } from '../../test/projections/support/history-generator.ts';
import { testDatabase } from '../../test/support/postgres.ts';
import { type BenchContext, type Benchmark, postgresNote } from '../lib/benchmark.ts';
import { measure, median, percentile } from '../lib/stats.ts';
import { loadHistory } from '../projections/load-history.ts';

/**
 * B6: rebuild of all read models from a realistic generated history (1M events at scale 1), on
 * PostgreSQL and PGlite, beside two baselines of the same run: COPY of the same events into a
 * table shaped like the events table, and a keyset scan of the events (pages of 1000). Peak RSS
 * is sampled during each rebuild, at two history lengths (a quarter, then all of it).
 *
 * B7: live lag at half of B2's rate (B2: 16 appends in flight, measured in the same run), open
 * loop: commit -> visible in the read models (p50/p99), and zero skipped events.
 */

const silent = pino({ level: 'silent' });
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

interface Target {
  readonly name: 'PostgreSQL' | 'PGlite';
  readonly store: SqlEventStore;
  readonly db: ReadModelDb;
  /** COPY of csv rows into a table. */
  copy(table: string, columns: string, csv: string): Promise<void>;
  readonly note: string;
  /** How the rebuild child reaches the store (`postgres <url>` / `pglite <dir>`). */
  readonly childArgs: readonly string[];
  /** PGlite: the parent lets go of the data directory while the child runs. */
  beforeChild(): Promise<void>;
  afterChild(): Promise<void>;
}

const csvField = (v: string) => `"${v.replaceAll('"', '""')}"`;

/** The events as COPY csv, in chunks, read back from the store itself (same rows as the scan). */
const copyBaseline = async (target: Target): Promise<number> => {
  const s = target.store.schema;
  await target.store.sql.exec(
    `drop schema if exists bench_copy cascade; create schema bench_copy;
     create table bench_copy.events (like ${s}.events including all);
     create index if not exists bench_events_gp on ${s}.events (global_position);`,
  );
  // Build the csv first (not timed): the baseline is the database's bulk load, not our JSON work.
  const chunks: string[] = [];
  let after = { tx: '0', gp: '0' };
  let rows = 0;
  for (;;) {
    const page = await target.store.sql.query<{
      tx: string;
      gp: string;
      stream_id: string;
      revision: string;
      event_id: string;
      type: string;
      data: string;
      metadata: string;
    }>(
      `select tx::text as tx, global_position::text as gp, stream_id, revision::text as revision,
         event_id::text as event_id, type, data::text as data, metadata::text as metadata
       from ${s}.events where global_position > $1::bigint
       order by global_position limit 20000`,
      [after.gp],
    );
    if (page.rows.length === 0) break;
    const lines = page.rows.map((r) =>
      [r.stream_id, r.revision, r.event_id, r.type, r.data, r.metadata].map(csvField).join(','),
    );
    chunks.push(`${lines.join('\n')}\n`);
    rows += page.rows.length;
    const last = page.rows[page.rows.length - 1]!;
    after = { tx: last.tx, gp: last.gp };
  }
  const started = performance.now();
  for (const chunk of chunks) {
    await target.copy('bench_copy.events', 'stream_id, revision, event_id, type, data, metadata', chunk);
  }
  const rate = rows / ((performance.now() - started) / 1000);
  await target.store.sql.exec(
    `drop schema if exists bench_copy cascade; drop index if exists ${s}.bench_events_gp;`,
  );
  return rate;
};

/** Keyset scan of all events, pages of 1000, rows (with their JSON) transferred to Node. */
const scanBaseline = async (target: Target): Promise<number> => {
  const s = target.store.schema;
  const started = performance.now();
  let after = { tx: '0', gp: '0' };
  let rows = 0;
  for (;;) {
    const page = await target.store.sql.query<{ tx: string; gp: string }>(
      `select tx::text as tx, global_position::text as gp, stream_id, revision, event_id, type, data, metadata, created
       from ${s}.events where (tx, global_position) > ($1::xid8, $2::bigint)
       order by tx, global_position limit 1000`,
      // Unnamed: a named statement's generic plan ignores the keyset and scans the table per page.
      [after.tx, after.gp],
    );
    if (page.rows.length === 0) break;
    rows += page.rows.length;
    const last = page.rows[page.rows.length - 1]!;
    after = { tx: last.tx, gp: last.gp };
  }
  return rows / ((performance.now() - started) / 1000);
};

/** One rebuild in a child process (its peak RSS is the rebuild's own). */
const rebuildOnce = async (target: Target) => {
  await target.beforeChild();
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '..', 'projections', 'rebuild-child.ts'),
        ...target.childArgs,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`rebuild child exited with ${code}: ${out}`);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { events: number; rate: number; peakRss: number };
    return { rate: r.rate, events: r.events, peakRss: r.peakRss };
  } finally {
    await target.afterChild();
  }
};

const b6 = async (target: Target, context: BenchContext, total: number) => {
  const rounds = Math.max(1, Math.min(context.rounds, 3));
  const lengths = [Math.round(total / 4), total];
  let loaded = 0;
  const lines: string[] = [];
  // Initialize the read models (generation 1), so that each rebuild builds the next generation.
  const init = createProjectionRunner({
    store: target.store,
    db: target.db,
    logger: silent,
    mode: 'catch-up',
  });
  init.start();
  await init.done;
  for (const length of lengths) {
    const t = performance.now();
    const { events } = await loadHistory(target.store, { seed: 2026, events: length, skip: loaded });
    loaded += events;
    context.log(
      `  ${target.name}: loaded ${fmt(loaded)} events in ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
    global.gc?.();
    const rates: number[] = [];
    const peaks: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const r = await rebuildOnce(target);
      rates.push(r.rate);
      peaks.push(r.peakRss);
      context.log(
        `  ${target.name} rebuild of ${fmt(r.events)} events: ${fmt(r.rate)} events/s, peak RSS ${mib(r.peakRss)} MiB`,
      );
    }
    const copies: number[] = [];
    const scans: number[] = [];
    if (length === total) {
      for (let round = 0; round < rounds; round++) {
        copies.push(await copyBaseline(target));
        scans.push(await scanBaseline(target));
      }
    }
    const rate = median(rates);
    const copy = copies.length ? median(copies) : undefined;
    const scan = scans.length ? median(scans) : undefined;
    const targetRate = target.name === 'PostgreSQL' ? 100_000 : 30_000;
    const met =
      rate >= targetRate &&
      Math.max(...peaks) < 300 * 1024 * 1024 &&
      (copy === undefined || target.name !== 'PostgreSQL' || rate >= 0.4 * copy);
    lines.push(
      `| B6 rebuild, ${fmt(loaded)} events | ${fmt(rate)} events/s (${rates.map(fmt).join(', ')}) | ${
        copy ? `${fmt(copy)} rows/s` : '-'
      } | ${copy ? `${((rate / copy) * 100).toFixed(0)}%` : '-'} | ${scan ? `${fmt(scan)} rows/s` : '-'} | ${mib(
        Math.max(...peaks),
      )} MiB | ≥ ${fmt(targetRate)}/s${target.name === 'PostgreSQL' ? ', ≥ 40% of COPY' : ''}, < 300 MiB | ${met ? 'yes' : 'NO'} |`,
    );
  }
  return lines;
};

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
  const lanes: Promise<void>[] = Array.from({ length: 16 }, () => Promise.resolve());
  const hash = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    return Math.abs(h) % 16;
  };
  const before = await target.store.sql.query<{ n: string }>(
    `select count(*)::text as n from oms_read.order_history`,
  );
  let appended = 0;
  let last: SqlPosition = warm.position;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const next = history.next();
    if (next.done) break;
    const append = next.value;
    if (append.duplicate) continue;
    // Open loop: the i-th append is due at started + i / rate.
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const lane = hash(append.streamId);
    lanes[lane] = lanes[lane]!.then(async () => {
      const result = await target.store.append(append.streamId, append.events, {
        expectedRevision: append.expectedRevision,
      });
      pending.set(codec.serialize(result.position), performance.now());
      if (codec.compare(result.position, last) > 0) last = result.position;
      appended += append.events.length;
    });
  }
  await Promise.all(lanes);
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
