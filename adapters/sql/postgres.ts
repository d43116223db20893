import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { SqlDatabase, SqlResult, SqlRunner, WriterLock } from '../../application/ports/sql.ts';
import { batchPipeline } from './batch-pipeline.ts';
import { batchSession } from './batch-runner.ts';
import { pause, type TranslateSqlError } from './sql-state.ts';

/** A pool, a checked-out connection or a connection of its own. */
export type PgQueryable = pg.Pool | pg.PoolClient | pg.Client;

/** How often a waiting instance tries an advisory lock again (so that it can be stopped). */
const LOCK_RETRY_MS = 200;

const run = async <R>(
  client: PgQueryable,
  translate: TranslateSqlError,
  text: string,
  params: readonly unknown[] | undefined,
  name: string | undefined,
): Promise<SqlResult<R>> => {
  try {
    const values = params ? [...params] : undefined;
    const result = await (name ? client.query({ name, text, values }) : client.query(text, values));
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw translate(error);
  }
};

/** Statements on `client`, with what they throw translated. */
export const pgRunner = (client: PgQueryable, translate: TranslateSqlError): SqlRunner => ({
  query: (text, params, name) => run(client, translate, text, params, name),
  exec: async (sql) => {
    await run(client, translate, sql, undefined, undefined);
  },
});

/** A transaction's runner: its connection also takes COPY (pg-copy-streams). */
const transactionRunner = (
  client: pg.PoolClient,
  translate: TranslateSqlError,
): SqlRunner & Required<Pick<SqlRunner, 'copyFrom'>> => ({
  ...pgRunner(client, translate),
  copyFrom: async (table, columns, rows) => {
    try {
      await pipeline(
        Readable.from([rows]),
        client.query(copyFromStdin(`copy ${table} (${columns.join(', ')}) from stdin`)),
      );
    } catch (error) {
      throw translate(error);
    }
  },
});

/**
 * A connection checked out of the pool for a while. A checked-out client has no pool listener: a
 * connection that breaks meanwhile would emit an unhandled 'error' and crash the process. Its
 * queries fail anyway; it is dropped (not reused) on release.
 */
const checkOut = async (pool: pg.Pool, translate: TranslateSqlError) => {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translate(error);
  }
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  return {
    client,
    breaks: () => {
      broken = true;
    },
    release: () => {
      client.removeListener('error', onError);
      client.release(broken);
    },
  };
};

/**
 * The `pg` side of the SQL driver layer over a pool. `ownsPool`: `close` ends it (otherwise its
 * owner does).
 */
export const createPgDatabase = (
  pool: pg.Pool,
  translate: TranslateSqlError,
  ownsPool: boolean,
): SqlDatabase => {
  const withTransaction: SqlDatabase['withTransaction'] = async (work, options) => {
    const held = await checkOut(pool, translate);
    const begin = options?.repeatableRead ? 'begin isolation level repeatable read' : 'begin';
    try {
      await run(held.client, translate, begin, undefined, undefined);
      const result = await work(transactionRunner(held.client, translate));
      await run(held.client, translate, 'commit', undefined, undefined);
      return result;
    } catch (error) {
      await held.client.query('rollback').catch(held.breaks);
      throw error;
    } finally {
      held.release();
    }
  };

  /** BEGIN only before a statement that is not a deferred write (`batch-runner.ts`). */
  const withBatch: SqlDatabase['withBatch'] = async (work) => {
    const held = await checkOut(pool, translate);
    const session = batchSession(transactionRunner(held.client, translate), async () => {
      await run(held.client, translate, 'begin', undefined, undefined);
    });
    try {
      const result = await work(session.runner);
      await session.finish();
      if (session.begun) await run(held.client, translate, 'commit', undefined, undefined);
      return result;
    } catch (error) {
      if (session.begun) await held.client.query('rollback').catch(held.breaks);
      throw error;
    } finally {
      held.release();
    }
  };

  /** Batches back to back on one connection (`batch-pipeline.ts`); it is dropped after a failure. */
  const withPipeline: NonNullable<SqlDatabase['withPipeline']> = async (work) => {
    const held = await checkOut(pool, translate);
    const outcomes: Promise<void>[] = [];
    const commit = async () => {
      let result: pg.QueryResult;
      try {
        result = await held.client.query('commit');
      } catch (error) {
        throw translate(error);
      }
      // COMMIT of a transaction a statement aborted answers ROLLBACK (not an error).
      if (result.command !== 'COMMIT')
        throw new Error(`COMMIT answered ${result.command}: the batch rolled back`);
    };
    try {
      const pipeline = batchPipeline(transactionRunner(held.client, translate), commit, (committed) => {
        outcomes.push(committed);
      });
      const result = await work(pipeline);
      await Promise.all(outcomes);
      return result;
    } catch (error) {
      held.breaks();
      throw error;
    } finally {
      // Nothing sent may still be running when the connection goes back (or is dropped).
      await Promise.allSettled(outcomes);
      held.release();
    }
  };

  /**
   * A session advisory lock held on a connection of its own for as long as the holder runs;
   * PostgreSQL frees it if the process dies. A second holder waits, trying again every 200 ms.
   */
  const acquireWriterLock = async (key: string, signal?: AbortSignal): Promise<WriterLock> => {
    const held = await checkOut(pool, translate);
    try {
      for (;;) {
        if (signal?.aborted) throw new Error('aborted while waiting for the writer lock');
        const taken = await run<{ taken: boolean }>(
          held.client,
          translate,
          'select pg_try_advisory_lock(hashtext($1)) as taken',
          [key],
          undefined,
        );
        if (taken.rows[0]?.taken) break;
        await pause(LOCK_RETRY_MS, signal);
      }
    } catch (error) {
      held.release();
      throw error;
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // A session that broke freed the lock with it; otherwise unlock before reuse.
        await held.client.query('select pg_advisory_unlock(hashtext($1))', [key]).catch(held.breaks);
        held.release();
      },
    };
  };

  return {
    dialect: 'postgres',
    ...pgRunner(pool, translate),
    withTransaction,
    withBatch,
    withPipeline,
    acquireWriterLock,
    close: async () => {
      if (ownsPool) await pool.end();
    },
  };
};

/** A pool whose idle connections may break without crashing the process (the pool drops them). */
export const createPgPool = (config: pg.PoolConfig): pg.Pool => {
  const pool = new pg.Pool(config);
  pool.on('error', () => undefined);
  return pool;
};
