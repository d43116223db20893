// B7 on its own, against a database that already holds a history and its read models (a B6
// database, or any `oms` PostgreSQL store): a live runner follows `$all` while 16 lanes append a
// generated history at a fixed rate for five seconds; prints the lag from each append's commit to
// the batch that made it visible, and the batch transactions' durations. For comparing commits
// side by side on the same data (run one commit's, then the other's, alternated):
//   node --import tsx bench/projections/live-lag-probe.ts <postgres url> [appends/s] [seed]
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { generateHistory } from '../../test/projections/support/history-generator.ts';
import { percentile } from '../lib/stats.ts';
import { appendAtRate } from './open-loop.ts';

const [url, rateArg, seedArg] = process.argv.slice(2);
if (!url) throw new Error('usage: live-lag-probe.ts <postgres url> [appends/s] [seed]');
const rate = Number(rateArg ?? 800);
const seconds = 5;
const store = await openPostgresEventStore({ connectionString: url });
const codec = store.positions;
const inner = createPostgresReadModelDb({ pool: store.pool });
const transactions: number[] = [];
const timed = async <T>(unit: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await unit();
  } finally {
    transactions.push(performance.now() - started);
  }
};
const db: ReadModelDb = {
  ...inner,
  withTransaction: (work, options) => timed(() => inner.withTransaction(work, options)),
  withBatch: (work) => timed(() => inner.withBatch(work)),
};
const pending = new Map<string, number>(); // serialized position -> commit time
const lags: number[] = [];
let batches = 0;
const runner = createProjectionRunner({
  store,
  db,
  logger: pino({ level: 'warn' }),
  onBatch: (batch) => {
    batches += 1;
    const now = performance.now();
    for (const [position, committed] of pending) {
      if (position > batch.position) continue;
      lags.push(now - committed);
      pending.delete(position);
    }
  },
});
runner.start();
const warm = await store.append(
  `probe-warm-${randomUUID()}`,
  [{ id: randomUUID(), type: 'Warm', data: {}, metadata: {} }],
  { expectedRevision: 'no_stream' },
);
await runner.whenCaughtUp(warm.position, 600_000);
transactions.length = 0;
batches = 0;

const history = generateHistory({
  seed: Number(seedArg ?? Date.now() % 100_000),
  events: rate * seconds + 1000,
});
const { last = warm.position } = await appendAtRate(store, history, {
  rate,
  count: rate * seconds,
  committed: (position) => pending.set(codec.serialize(position), performance.now()),
});
await runner.whenCaughtUp(last, 60_000);
await runner.stop();
await store.close();
const ms = (values: number[], p: number) => percentile(values, p).toFixed(1);
process.stdout.write(
  `${rate} appends/s: lag p50 ${ms(lags, 50)} ms, p99 ${ms(lags, 99)} ms, max ${Math.max(...lags).toFixed(1)} ms; ` +
    `${batches} batches, transaction p50 ${ms(transactions, 50)} ms, p99 ${ms(transactions, 99)} ms\n`,
);
