import type pg from 'pg';
import { z } from 'zod';
import type { ReaderHold } from '../../../application/ports/queries.ts';
import type { BackoffOptions } from '../../../application/support/backoff.ts';
import { buildQueries } from '../sql/queries.ts';
import { openSqlEventStore, type SqlEventStore } from '../sql/sql-event-store.ts';
import { createPostgresDriver } from './postgres-driver.ts';

export const postgresEventStoreConfigSchema = z.object({
  connectionString: z.string().min(1),
  schema: z.string().default('oms'),
  maxConnections: z.number().int().positive().default(20),
  applicationName: z.string().default('oms-event-store'),
  idleInTransactionTimeoutMs: z.number().int().nonnegative().default(60_000),
  /**
   * Client-side deadline of every statement (0: none). Without one, a statement sent into a dead
   * link (a route that drops packets, a server that froze) waits for TCP to give up: many minutes.
   */
  queryTimeoutMs: z.number().int().nonnegative().default(30_000),
  /** Deadline for opening a connection (0: none). */
  connectTimeoutMs: z.number().int().nonnegative().default(10_000),
  subscriptionBatchSize: z.number().int().positive().default(500),
  pollIntervalMs: z.number().int().positive().default(250),
});
export type PostgresEventStoreConfig = z.input<typeof postgresEventStoreConfigSchema>;

export interface PostgresEventStore extends SqlEventStore {
  /** The store's pool, for code that needs the driver itself (e.g. COPY). Do not end it: use close(). */
  readonly pool: pg.Pool;
  /** What currently holds `$all` readers back (subscription lag has no other cause on this store). */
  readerHold(): Promise<ReaderHold>;
}

/** Opens the store on a PostgreSQL server, creating or migrating its schema first. */
export const openPostgresEventStore = async (
  config: PostgresEventStoreConfig,
  options: { backoff?: BackoffOptions } = {},
): Promise<PostgresEventStore> => {
  const c = postgresEventStoreConfigSchema.parse(config);
  const driver = createPostgresDriver({
    connectionString: c.connectionString,
    schema: c.schema,
    maxConnections: c.maxConnections,
    applicationName: c.applicationName,
    idleInTransactionTimeoutMs: c.idleInTransactionTimeoutMs,
    queryTimeoutMs: c.queryTimeoutMs,
    connectTimeoutMs: c.connectTimeoutMs,
  });
  const store = await openSqlEventStore(driver, {
    schema: c.schema,
    subscriptionBatchSize: c.subscriptionBatchSize,
    pollIntervalMs: c.pollIntervalMs,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  const readerHoldQuery = buildQueries(c.schema).readerHold;
  return {
    ...store,
    pool: driver.pool,
    readerHold: async () => {
      const result = await driver.query<{ held_ms: number; writing_transactions: number }>(readerHoldQuery);
      const row = result.rows[0];
      return {
        // Another backend's transaction may have started after this statement's now(): never below 0.
        heldMs: Math.max(0, row?.held_ms ?? 0),
        writingTransactions: row?.writing_transactions ?? 0,
      };
    },
  };
};
