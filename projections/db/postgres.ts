import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import {
  type ReadModelDb,
  type SqlResult,
  type SqlRunner,
  toReadModelDbError,
  type WriterLock,
} from './read-model-db.ts';

type Queryable = pg.Pool | pg.PoolClient;

/** How often a waiting instance tries the writer lock again. */
const LOCK_RETRY_MS = 200;

const run = async <R>(
  client: Queryable,
  text: string,
  params: readonly unknown[] | undefined,
  name: string | undefined,
): Promise<SqlResult<R>> => {
  try {
    const values = params ? [...params] : undefined;
    const result = await (name ? client.query({ name, text, values }) : client.query(text, values));
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw toReadModelDbError(error);
  }
};

const runner = (client: Queryable): SqlRunner => ({
  query: (text, params, name) => run(client, text, params, name),
  exec: async (sql) => {
    await run(client, sql, undefined, undefined);
  },
});

/** A transaction's runner: its connection also takes COPY (pg-copy-streams). */
const transactionRunner = (client: pg.PoolClient): SqlRunner => ({
  ...runner(client),
  copyFrom: async (table, columns, rows) => {
    try {
      await pipeline(
        Readable.from([rows]),
        client.query(copyFromStdin(`copy ${table} (${columns.join(', ')}) from stdin`)),
      );
    } catch (error) {
      throw toReadModelDbError(error);
    }
  },
});

export interface PostgresReadModelDbOptions {
  /** An existing pool (e.g. the PostgreSQL event store's: read models then share its database). */
  readonly pool?: pg.Pool;
  /** Or a connection string: the read-model database gets a pool of its own. */
  readonly connectionString?: string;
  readonly maxConnections?: number;
  readonly applicationName?: string;
}

/**
 * Read models on a PostgreSQL server. The writer lock is a session advisory lock held on a
 * connection of its own for as long as the projection runs; PostgreSQL frees it if the process
 * dies. A second instance waits, trying again every 200 ms (so that it can be stopped).
 */
export const createPostgresReadModelDb = (options: PostgresReadModelDbOptions): ReadModelDb => {
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      application_name: options.applicationName ?? 'oms-read-models',
      // A batch transaction left open would hold back every $all reader of a store in this database.
      idle_in_transaction_session_timeout: 60_000,
    });
  if (owned) pool.on('error', () => undefined);

  const withTransaction: ReadModelDb['withTransaction'] = async (work, txOptions) => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toReadModelDbError(error);
    }
    let broken = false;
    // A checked-out client has no pool listener: a connection that breaks mid-transaction would
    // emit an unhandled 'error' and crash the process. Its queries fail anyway; drop it on release.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await run(
        client,
        txOptions?.repeatableRead ? 'begin isolation level repeatable read' : 'begin',
        undefined,
        undefined,
      );
      const result = await work(transactionRunner(client));
      await run(client, 'commit', undefined, undefined);
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  };

  const acquireWriterLock = async (key: string, signal?: AbortSignal): Promise<WriterLock> => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toReadModelDbError(error);
    }
    // Try, then wait a little and try again: a waiting instance can be stopped at any moment.
    try {
      for (;;) {
        if (signal?.aborted) throw new Error('aborted while waiting for the writer lock');
        const taken = await run<{ taken: boolean }>(
          client,
          'select pg_try_advisory_lock(hashtext($1)) as taken',
          [key],
          undefined,
        );
        if (taken.rows[0]?.taken) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, LOCK_RETRY_MS);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          signal?.addEventListener('abort', done, { once: true });
        });
      }
    } catch (error) {
      client.release();
      throw error;
    }
    let released = false;
    // The session holding the lock may break (the database restarts, the link resets). A held
    // client has no pool listener: without this one its 'error' would crash the process.
    // PostgreSQL frees the lock with the session; the connection is dropped on release.
    let broken = false;
    client.on('error', () => {
      broken = true;
    });
    return {
      release: async () => {
        if (released) return;
        released = true;
        if (broken) {
          client.release(true);
          return;
        }
        try {
          await client.query('select pg_advisory_unlock(hashtext($1))', [key]);
          client.release();
        } catch {
          client.release(true);
        }
      },
    };
  };

  return {
    dialect: 'postgres',
    ...runner(pool),
    withTransaction,
    acquireWriterLock,
    close: async () => {
      if (owned) await pool.end();
    },
  };
};
