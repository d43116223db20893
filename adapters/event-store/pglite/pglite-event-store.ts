import { PGlite } from '@electric-sql/pglite';
import { z } from 'zod';
import type { BackoffOptions } from '../../../application/support/backoff.ts';
import { createPgliteDatabase, pgliteRunner } from '../../sql/pglite.ts';
import type { SqlDriver } from '../sql/sql-driver.ts';
import { translateSqlError } from '../sql/sql-errors.ts';
import { openSqlEventStore, type SqlEventStore } from '../sql/sql-event-store.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { closeTree, makeDataDirPrivate } from './data-dir-permissions.ts';

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

/**
 * The event store's side of PGlite, on the SQL driver layer: the data directory admits one process
 * (the lock), so every append is this store's own and wakes its subscriptions in-process (no NOTIFY),
 * and a subscription reads on the one connection.
 */
const createPgliteDriver = (db: PGlite, onClose: () => Promise<void>): SqlDriver => {
  const database = createPgliteDatabase(db, translateSqlError, onClose);
  return {
    ...database,
    announceAppend: () => undefined,
    openSubscriptionSession: async () => {
      // Not a StoreUnavailableError: a subscription outliving its store ends instead of retrying.
      if (db.closed) throw new Error('the event store is closed');
      return { ...pgliteRunner(db, translateSqlError), close: async () => undefined };
    },
  };
};

/**
 * Opens the embedded store: PostgreSQL compiled to WASM, in this process, same SQL as the server
 * store. It does not fsync: it survives a killed process, not an OS crash or a power loss.
 */
export const openPgliteEventStore = async (
  config: PgliteEventStoreConfig = {},
  options: { backoff?: BackoffOptions } = {},
): Promise<PgliteEventStore> => {
  const c = pgliteEventStoreConfigSchema.parse(config);
  if (c.dataDir) await makeDataDirPrivate(c.dataDir);
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
    if (c.dataDir) await closeTree(c.dataDir).catch(() => undefined);
    await lock?.release();
  };
  const driver = createPgliteDriver(db, close);
  const store = await openSqlEventStore(driver, {
    schema: c.schema,
    subscriptionBatchSize: c.subscriptionBatchSize,
    pollIntervalMs: c.pollIntervalMs,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  // PGlite sets its own files' modes (0666): close them again now that it has created them.
  if (c.dataDir) await closeTree(c.dataDir);
  return { ...store, db };
};
