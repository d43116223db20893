import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  type ReadModelDb,
  type SqlResult,
  type SqlRunner,
  toReadModelDbError,
  type WriterLock,
} from './read-model-db.ts';

type Queryable = PGlite | Transaction;

const run = async <R>(db: Queryable, text: string, params?: readonly unknown[]): Promise<SqlResult<R>> => {
  try {
    const result = await db.query<R>(text, params ? [...params] : undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  } catch (error) {
    throw toReadModelDbError(error);
  }
};

const runner = (db: Queryable): SqlRunner => ({
  query: (text, params) => run(db, text, params),
  exec: async (sql) => {
    try {
      await db.exec(sql);
    } catch (error) {
      throw toReadModelDbError(error);
    }
  },
});

/** A transaction's runner: COPY reads its rows from PGlite's `/dev/blob`. */
const transactionRunner = (tx: Transaction): SqlRunner => ({
  ...runner(tx),
  copyFrom: async (table, columns, rows) => {
    try {
      await tx.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], {
        blob: new Blob([rows]),
      });
    } catch (error) {
      throw toReadModelDbError(error);
    }
  },
});

/** Writer locks per PGlite instance and key: a queue of waiters, in-process. */
const locks = new WeakMap<PGlite, Map<string, Promise<void>>>();

/**
 * Read models in the embedded PGlite (the same database as the embedded event store). One
 * connection, one process: transactions are serialized by PGlite itself.
 */
export const createPgliteReadModelDb = (db: PGlite): ReadModelDb => {
  const acquireWriterLock = async (key: string, signal?: AbortSignal): Promise<WriterLock> => {
    let held = locks.get(db);
    if (!held) {
      held = new Map();
      locks.set(db, held);
    }
    const table = held;
    const previous = table.get(key) ?? Promise.resolve();
    let free!: () => void;
    const mine = new Promise<void>((resolve) => {
      free = resolve;
    });
    const tail = previous.then(() => mine);
    table.set(key, tail);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        // Give our turn away as soon as it comes.
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
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        free();
        if (table.get(key) === tail) table.delete(key);
      },
    };
  };

  return {
    dialect: 'pglite',
    ...runner(db),
    withTransaction: (work, options) =>
      db.transaction(async (tx) => {
        if (options?.repeatableRead) await run(tx, 'set transaction isolation level repeatable read');
        return work(transactionRunner(tx));
      }),
    acquireWriterLock,
    // The database belongs to the event store that opened it.
    close: async () => undefined,
  };
};
