import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlResult, SqlRunner, WriterLock } from '../../application/ports/sql.ts';
import { batchSession } from './batch-runner.ts';
import type { TranslateSqlError } from './sql-state.ts';

type PgliteQueryable = PGlite | Transaction;

const run = async <R>(
  db: PgliteQueryable,
  translate: TranslateSqlError,
  text: string,
  params?: readonly unknown[],
): Promise<SqlResult<R>> => {
  try {
    const result = await db.query<R>(text, params ? [...params] : undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  } catch (error) {
    throw translate(error);
  }
};

/** Statements on PGlite, with what they throw translated. It runs in this process: no prepared statements. */
export const pgliteRunner = (db: PgliteQueryable, translate: TranslateSqlError): SqlRunner => ({
  query: (text, params) => run(db, translate, text, params),
  exec: async (sql) => {
    try {
      await db.exec(sql);
    } catch (error) {
      throw translate(error);
    }
  },
});

/** A transaction's runner: COPY reads its rows from PGlite's `/dev/blob`. */
const transactionRunner = (tx: Transaction, translate: TranslateSqlError): SqlRunner => ({
  ...pgliteRunner(tx, translate),
  copyFrom: async (table, columns, rows) => {
    try {
      await tx.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], {
        blob: new Blob([rows]),
      });
    } catch (error) {
      throw translate(error);
    }
  },
});

/** Writer locks per PGlite instance and key: a queue of waiters, in-process. */
const locks = new WeakMap<PGlite, Map<string, Promise<void>>>();

/** Waits for `previous` to settle, or gives the turn away (to whoever is next) when `signal` aborts. */
const awaitTurn = (previous: Promise<void>, free: () => void, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      previous.then(free, free);
      reject(new Error('aborted while waiting for the writer lock'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    previous.then(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, resolve);
  });

const acquireLock = async (db: PGlite, key: string, signal?: AbortSignal): Promise<WriterLock> => {
  let table = locks.get(db);
  if (!table) {
    table = new Map();
    locks.set(db, table);
  }
  const held = table;
  const previous = held.get(key) ?? Promise.resolve();
  let free!: () => void;
  const mine = new Promise<void>((resolve) => {
    free = resolve;
  });
  const tail = previous.then(() => mine);
  held.set(key, tail);
  await awaitTurn(previous, free, signal);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      free();
      if (held.get(key) === tail) held.delete(key);
    },
  };
};

/**
 * The PGlite side of the SQL driver layer: one connection in this process, which queues every query
 * and transaction itself (a transaction blocks every other caller: keep them short). The database
 * belongs to whoever opened it: `close` here closes nothing unless `onClose` says so.
 */
export const createPgliteDatabase = (
  db: PGlite,
  translate: TranslateSqlError,
  onClose: () => Promise<void> = async () => undefined,
): SqlDatabase => ({
  dialect: 'pglite',
  ...pgliteRunner(db, translate),
  withTransaction: (work, options) =>
    db.transaction(async (tx) => {
      if (options?.repeatableRead)
        await run(tx, translate, 'set transaction isolation level repeatable read');
      return work(transactionRunner(tx, translate));
    }),
  // In-process: no round trips to save; the writes still go out as `withBatch` says (one snapshot).
  withBatch: (work) =>
    db.transaction(async (tx) => {
      const session = batchSession(transactionRunner(tx, translate));
      const result = await work(session.runner);
      await session.finish();
      return result;
    }),
  acquireWriterLock: (key, signal) => acquireLock(db, key, signal),
  close: onClose,
});
