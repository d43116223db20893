import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SqlExecutor } from '../../adapters/event-store/sql/sql-driver.ts';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';

/**
 * The physical baselines of ../shared/reference/benchmarks-and-faults.md, for benchmarks that
 * measure something bigger than one append (the service): raw INSERTs of event-sized rows into
 * `bench.events_like`, a table created `like <schema>.events including all` (its audit hash left
 * empty: a raw INSERT computes none, as in the event-store benchmark), over the same
 * driver. B1: one row per transaction on one connection; B2: the same with 16 in flight on 16
 * connections; B4: 100-row `INSERT ... SELECT FROM unnest(...)` per transaction.
 */

export interface Baselines {
  /** One row per statement (autocommit); `name` makes it a prepared statement on pg. */
  insertOne(i: number): Promise<unknown>;
  /** `size` rows in one statement. */
  insertBatch(i: number, size: number): Promise<unknown>;
  /** How many may run at once: 16 on PostgreSQL (a pool of 16), 1 on PGlite (one connection). */
  readonly connections: number;
  close(): Promise<void>;
}

/** An order event's data as the benchmarks write it: decimals as strings, ids; ~300 bytes of JSON. */
export const sampleOrderData = (i: number) => ({
  orderId: randomUUID(),
  clientOrderId: `o-${i.toString(16)}`,
  venue: 'deribit',
  account: 'main',
  instrument: 'BTC-PERPETUAL',
  side: 'buy',
  type: 'limit',
  amount: '1250.00000000',
  price: '64123.50000000',
  timeInForce: 'gtc',
  reduceOnly: false,
  postOnly: true,
});

/** An event's metadata as the service records it. */
export const sampleMetadata = () => ({
  commandId: randomUUID(),
  correlationId: randomUUID(),
  causationId: randomUUID(),
  recordedAt: new Date().toISOString(),
  source: 'client',
});

const row = (i: number) => ({
  id: randomUUID(),
  type: 'OrderRequested',
  data: JSON.stringify(sampleOrderData(i)),
  metadata: JSON.stringify(sampleMetadata()),
});

const insertOneSql = `insert into bench.events_like (stream_id, revision, event_id, type, data, metadata)
  values ($1, $2, $3, $4, $5, $6)`;
const insertBatchSql = `insert into bench.events_like (stream_id, revision, event_id, type, data, metadata)
  select $1, r, i, t, d, m from unnest($2::bigint[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) as u(r, i, t, d, m)`;

/** Creates the baseline table next to the store's events; on PostgreSQL a pool of 16 of its own. */
export async function openBaselines(store: SqlEventStore, databaseUrl?: string): Promise<Baselines> {
  await store.sql.exec(`drop schema if exists bench cascade; create schema bench;
    create table bench.events_like (like ${store.schema}.events including all);
    alter table bench.events_like alter column hash drop not null;`);
  let executor: SqlExecutor = store.sql;
  let pool: pg.Pool | undefined;
  if (databaseUrl !== undefined) {
    const p = new pg.Pool({ connectionString: databaseUrl, max: 16 });
    pool = p;
    executor = {
      query: async (text, params, name) => {
        const values = params ? [...params] : [];
        const r = await (name ? p.query({ name, text, values }) : p.query(text, values));
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      },
      exec: async (sql) => {
        await p.query(sql);
      },
    };
  }
  const prepared = (name: string) => (pool ? name : undefined);
  const run = `${Date.now().toString(36)}`;
  // Stream ids must never repeat across calls (the primary key is (stream_id, revision)).
  let seq = 0;
  return {
    connections: pool ? 16 : 1,
    insertOne: (i) => {
      const r = row(i);
      return executor.query(
        insertOneSql,
        [`base-${run}-${seq++}`, 0, r.id, r.type, r.data, r.metadata],
        prepared('bench_insert_one'),
      );
    },
    insertBatch: (i, size) => {
      const rows = Array.from({ length: size }, (_, k) => row(i + k));
      return executor.query(
        insertBatchSql,
        [
          `batch-${run}-${seq++}`,
          rows.map((_, k) => k),
          rows.map((r) => r.id),
          rows.map((r) => r.type),
          rows.map((r) => r.data),
          rows.map((r) => r.metadata),
        ],
        prepared('bench_insert_batch'),
      );
    },
    close: async () => {
      await pool?.end();
      await store.sql.exec('drop schema if exists bench cascade;').catch(() => undefined);
    },
  };
}
