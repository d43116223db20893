import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import type { BenchContext } from '../lib/benchmark.ts';
import { median } from '../lib/stats.ts';
import { loadHistory } from './load-history.ts';

/** B6: rebuilds of the read models, against the same run's COPY and scan baselines. */

export const silent = pino({ level: 'silent' });
export const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
export const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

export interface Target {
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
     alter table bench_copy.events alter column hash drop not null;
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
      `select e.tx::text as tx, e.global_position::text as gp, e.stream_id, e.revision, e.event_id, e.type,
         e.data, e.metadata, e.created
       from ${s}.events e where (e.tx, e.global_position) > ($1::xid8, $2::bigint)
       order by e.tx, e.global_position limit 1000`,
      // Unnamed: a named statement's generic plan ignores the keyset and scans the table per page.
      // Ordered by the table's columns: a bare `tx` would be the text alias above, which no index
      // serves (each page sorted the whole table) and which does not sort like an xid8.
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

/** The same run's COPY and scan baselines (medians are taken by the report). */
const copyAndScan = async (target: Target, rounds: number) => {
  const copies: number[] = [];
  const scans: number[] = [];
  for (let round = 0; round < rounds; round++) {
    copies.push(await copyBaseline(target));
    scans.push(await scanBaseline(target));
  }
  return { copies, scans };
};

/** One B6 row: the rebuild's rate (median and each round), its ratio to COPY, peak RSS, the verdict. */
const b6Row = (
  target: Target,
  loaded: number,
  rates: number[],
  peaks: number[],
  { copies, scans }: { copies: number[]; scans: number[] },
) => {
  const rate = median(rates);
  const copy = copies.length ? median(copies) : undefined;
  const scan = scans.length ? median(scans) : undefined;
  const pg = target.name === 'PostgreSQL';
  const targetRate = pg ? 100_000 : 30_000;
  const peak = Math.max(...peaks);
  const met =
    rate >= targetRate && peak < 300 * 1024 * 1024 && (copy === undefined || !pg || rate >= 0.4 * copy);
  const ratio = copy ? `${((rate / copy) * 100).toFixed(0)}%` : '-';
  return `| B6 rebuild, ${fmt(loaded)} events | ${fmt(rate)} events/s (${rates.map(fmt).join(', ')}) | ${
    copy ? `${fmt(copy)} rows/s` : '-'
  } | ${ratio} | ${scan ? `${fmt(scan)} rows/s` : '-'} | ${mib(peak)} MiB | ≥ ${fmt(targetRate)}/s${
    pg ? ', ≥ 40% of COPY' : ''
  }, < 300 MiB | ${met ? 'yes' : 'NO'} |`;
};

export const b6 = async (target: Target, context: BenchContext, total: number) => {
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
    const baselines = length === total ? await copyAndScan(target, rounds) : { copies: [], scans: [] };
    lines.push(b6Row(target, loaded, rates, peaks, baselines));
  }
  return lines;
};
