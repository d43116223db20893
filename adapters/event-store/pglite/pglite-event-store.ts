import { PGlite, type Transaction } from '@electric-sql/pglite';
import { z } from 'zod';
import type { BackoffOptions } from '../../../application/support/backoff.ts';
import type { SqlDriver, SqlExecutor, SqlResult } from '../sql/sql-driver.ts';
import { translateSqlError } from '../sql/sql-errors.ts';
import { createSqlEventStore, migrate, type SqlEventStore } from '../sql/sql-event-store.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

export const pgliteEventStoreConfigSchema = z.object({
  /** Directory of the database; absent: in memory (tests). */
  dataDir: z.string().min(1).optional(),
  schema: z.string().default('oms'),
  subscriptionBatchSize: z.number().int().positive().default(500),
  pollIntervalMs: z.number().int().positive().default(250),
});
export type PgliteEventStoreConfig = z.input<typeof pgliteEventStoreConfigSchema>;

export interface PgliteEventStore extends SqlEventStore {
  /** The embedded database (read models live in it too). Do not close it: use close(). */
  readonly db: PGlite;
}

type PgliteQueryable = PGlite | Transaction;

const run = async <R>(
  db: PgliteQueryable,
  text: string,
  params?: readonly unknown[],
): Promise<SqlResult<R>> => {
  try {
    const result = await db.query<R>(text, params ? [...params] : undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  } catch (error) {
    throw translateSqlError(error);
  }
};

const executor = (db: PgliteQueryable): SqlExecutor => ({
  // PGlite runs in this process: no round trip to save, so no named prepared statements.
  query: (text, params) => run(db, text, params),
  exec: async (sql) => {
    try {
      await db.exec(sql);
    } catch (error) {
      throw translateSqlError(error);
    }
  },
});

/**
 * PGlite is one connection in this process: it queues every query and transaction itself, so the
 * driver only has to keep transactions short (a transaction blocks every other caller).
 */
const createPgliteDriver = (db: PGlite, onClose: () => Promise<void>): SqlDriver => ({
  ...executor(db),
  withTransaction: (work) => db.transaction((tx) => work(executor(tx))),
  // The data directory admits one process (the lock), so every append is this store's own and
  // wakes its subscriptions in-process: no NOTIFY needed.
  announceAppend: () => undefined,
  openSubscriptionSession: async () => {
    // Not a StoreUnavailableError: a subscription outliving its store ends instead of retrying.
    if (db.closed) throw new Error('the event store is closed');
    return { ...executor(db), close: async () => undefined };
  },
  close: onClose,
});

/**
 * Opens the embedded store: PostgreSQL compiled to WASM, in this process, same SQL as the server
 * store. It does not fsync: it survives a killed process, not an OS crash or a power loss.
 */
export const openPgliteEventStore = async (
  config: PgliteEventStoreConfig = {},
  options: { backoff?: BackoffOptions } = {},
): Promise<PgliteEventStore> => {
  const c = pgliteEventStoreConfigSchema.parse(config);
  const lock: DataDirLock | undefined = c.dataDir ? await acquireDataDirLock(c.dataDir) : undefined;
  let db: PGlite;
  try {
    db = c.dataDir ? await PGlite.create(c.dataDir) : await PGlite.create();
  } catch (error) {
    await lock?.release();
    throw error;
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.close();
    await lock?.release();
  };
  const driver = createPgliteDriver(db, close);
  try {
    await migrate(driver, c.schema);
  } catch (error) {
    await close();
    throw error;
  }
  const store = createSqlEventStore(driver, {
    schema: c.schema,
    subscriptionBatchSize: c.subscriptionBatchSize,
    pollIntervalMs: c.pollIntervalMs,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  return { ...store, db };
};
