import { randomUUID } from 'node:crypto';
import { type Event, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { ExpectedRevision } from '../../application/ports/event-store.ts';
import { testDatabase } from '../../test/support/postgres.ts';
import { sampleMetadata, sampleOrderData } from '../lib/baselines.ts';
import { type BenchContext, type Benchmark, postgresNote } from '../lib/benchmark.ts';
import { measureRotated, median, percentile } from '../lib/stats.ts';

/**
 * Our PostgreSQL event store against the best TypeScript peer, Emmett's PostgreSQL event store
 * (`@event-driven-io/emmett-postgresql`), and the raw-INSERT baseline, in one run on one database:
 * each round runs the three in rotating slices (ours, Emmett, INSERT; Emmett, INSERT, ours; ...),
 * so that the machine's load hits each alike. Same events (an order event's data and metadata,
 * ~300 bytes of JSON), same scenarios as B1/B2/B4, an exact expected revision on every append for
 * both stores, 16 connections each.
 */

type Op = (i: number, worker: number) => Promise<unknown>;

interface Scenario {
  readonly name: string;
  readonly unit: string;
  readonly count: number;
  readonly concurrency: number;
  readonly size: number;
  /** Which stream an operation appends to. */
  readonly stream: (i: number, worker: number) => number;
}

interface Row {
  readonly scenario: Scenario;
  readonly rates: [number[], number[], number[]];
  readonly latencies: [number[], number[]];
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const pct = (values: number[]) => values.map((v) => (v * 100).toFixed(0)).join(', ');

const newEvent = (i: number) => ({
  id: randomUUID(),
  type: 'OrderPlaced',
  data: sampleOrderData(i),
  metadata: sampleMetadata(),
});

async function run(context: BenchContext, url: string, source: string): Promise<void> {
  const ours = await openPostgresEventStore({ connectionString: url, maxConnections: 16 });
  const emmettPool = new pg.Pool({ connectionString: url, max: 16 });
  const emmett = getPostgreSQLEventStore(url, { connectionOptions: { pool: emmettPool, pooled: true } });
  const rawPool = new pg.Pool({ connectionString: url, max: 16 });
  // The benchmark's database is dropped at the end (its connections terminated): an idle client
  // told so must not take the process down.
  for (const pool of [emmettPool, rawPool]) pool.on('error', () => undefined);
  try {
    // Emmett creates its schema on its first append: not part of any measurement.
    await emmett.appendToStream(`warm-${randomUUID()}`, [{ type: 'Warm', data: {} }]);
    await rawPool.query(`create table bench_events_like (like ${ours.schema}.events including all);
      alter table bench_events_like alter column hash drop not null;`);
    const note = await postgresNote(source, rawPool);
    let runs = 0;

    const oursOp = (s: Scenario): Op => {
      const id = `ours-${runs++}`;
      const revisions = new Map<number, ExpectedRevision>();
      return async (i, worker) => {
        const k = s.stream(i, worker);
        const events = Array.from({ length: s.size }, (_, j) => newEvent(i + j));
        const r = await ours.append(`${id}-${k}`, events, {
          expectedRevision: revisions.get(k) ?? 'no_stream',
        });
        revisions.set(k, r.nextExpectedRevision);
      };
    };
    const emmettOp = (s: Scenario): Op => {
      const id = `emmett-${runs++}`;
      const versions = new Map<number, bigint>();
      return async (i, worker) => {
        const k = s.stream(i, worker);
        const events: Event[] = Array.from({ length: s.size }, (_, j) => {
          const e = newEvent(i + j);
          return { type: e.type, data: e.data, metadata: e.metadata } as unknown as Event;
        });
        const r = await emmett.appendToStream(`${id}-${k}`, events, {
          expectedStreamVersion: versions.get(k) ?? STREAM_DOES_NOT_EXIST,
        });
        versions.set(k, r.nextExpectedStreamVersion);
      };
    };
    const insertOp = (s: Scenario): Op => {
      const id = `raw-${runs++}`;
      let seq = 0;
      return (i) => {
        const events = Array.from({ length: s.size }, (_, j) => newEvent(i + j));
        return rawPool.query({
          name: 'bench_peer_insert',
          text: `insert into bench_events_like (stream_id, revision, event_id, type, data, metadata)
            select $1, r, i, t, d, m from unnest($2::bigint[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) as u(r, i, t, d, m)`,
          values: [
            `${id}-${seq++}`,
            events.map((_, j) => j),
            events.map((e) => e.id),
            events.map((e) => e.type),
            events.map((e) => JSON.stringify(e.data)),
            events.map((e) => JSON.stringify(e.metadata)),
          ],
        });
      };
    };

    const scaled = (n: number) => Math.max(30, Math.round(n * context.scale));
    const scenarios: Scenario[] = [
      {
        name: 'B1 append 1 event, sequential',
        unit: 'appends/s',
        count: scaled(1500),
        concurrency: 1,
        size: 1,
        stream: (i) => i % 100,
      },
      {
        name: 'B2 append 1 event, 16 in flight',
        unit: 'appends/s',
        count: scaled(3000),
        concurrency: 16,
        size: 1,
        stream: (_, w) => w,
      },
      {
        name: 'B4 append 100 events',
        unit: 'events/s',
        count: scaled(90),
        concurrency: 1,
        size: 100,
        stream: (i) => i % 10,
      },
    ];
    const rows: Row[] = [];
    for (const s of scenarios) {
      const row: Row = { scenario: s, rates: [[], [], []], latencies: [[], []] };
      // Round 0 warms up (JIT, caches, prepared statements) and is discarded.
      for (let round = 0; round <= context.rounds; round++) {
        const samples = await measureRotated(
          s.count,
          9,
          s.concurrency,
          [oursOp(s), emmettOp(s), insertOp(s)],
          s.size,
        );
        if (round === 0) continue;
        samples.forEach((sample, k) => {
          row.rates[k]!.push(sample.rate);
        });
        row.latencies[0].push(...samples[0]!.latenciesMs);
        row.latencies[1].push(...samples[1]!.latenciesMs);
      }
      rows.push(row);
      context.log(`  ${s.name}: done`);
    }

    context.log(`\n### PostgreSQL (${note}), ${context.rounds} rounds\n`);
    context.log(
      '| scenario | ours | Emmett | raw INSERT | ours / Emmett (rounds) | ours / INSERT | Emmett / INSERT | p50 / p99 ms ours | p50 / p99 ms Emmett |',
    );
    context.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { scenario, rates, latencies } of rows) {
      const [o, e, r] = rates;
      const vsPeer = o.map((x, k) => x / e[k]!);
      const vsRawOurs = o.map((x, k) => x / r[k]!);
      const vsRawPeer = e.map((x, k) => x / r[k]!);
      context.log(
        `| ${scenario.name} | ${fmt(median(o))} ${scenario.unit} | ${fmt(median(e))} | ${fmt(median(r))} | ${median(vsPeer).toFixed(2)}x (${vsPeer
          .map((v) => v.toFixed(2))
          .join(
            ', ',
          )}) | ${(median(vsRawOurs) * 100).toFixed(0)}% (${pct(vsRawOurs)}) | ${(median(vsRawPeer) * 100).toFixed(0)}% | ${fmt(
          percentile(latencies[0], 50),
        )} / ${fmt(percentile(latencies[0], 99))} | ${fmt(percentile(latencies[1], 50))} / ${fmt(percentile(latencies[1], 99))} |`,
      );
    }
  } finally {
    await emmett.close().catch(() => undefined);
    await emmettPool.end().catch(() => undefined);
    await rawPool.end().catch(() => undefined);
    await ours.close();
  }
}

export const benchmark: Benchmark = {
  name: 'event-store-peer',
  description: "appends on our PostgreSQL event store, Emmett's and raw INSERTs, side by side in one run",
  run: async (context) => {
    const db = await testDatabase('bench-event-store-peer');
    if (!db.available) {
      context.log(`skipped: ${db.reason}`);
      return;
    }
    try {
      await run(context, db.url, db.source);
    } finally {
      await db.drop();
    }
  },
};
