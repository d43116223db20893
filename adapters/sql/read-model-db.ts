import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { type ReadModelDb, ReadModelDbError } from '../../projections/db/read-model-db.ts';
import { createPgliteDatabase } from './pglite.ts';
import { createPgDatabase, createPgPool } from './postgres.ts';
import { isTransientSqlState, messageOf, sqlStateOf } from './sql-state.ts';

/** Wraps what a driver threw: a SQLSTATE says whether it may succeed later; no SQLSTATE is a transport failure. */
export const toReadModelDbError = (error: unknown): ReadModelDbError => {
  if (error instanceof ReadModelDbError) return error;
  const sqlState = sqlStateOf(error);
  const message = messageOf(error);
  if (sqlState === undefined) {
    return new ReadModelDbError(`database unreachable: ${message}`, true, undefined, { cause: error });
  }
  return new ReadModelDbError(`${message} (SQLSTATE ${sqlState})`, isTransientSqlState(sqlState), sqlState, {
    cause: error,
  });
};

export interface PostgresReadModelDbOptions {
  /** An existing pool (e.g. the PostgreSQL event store's: read models then share its database). */
  readonly pool?: pg.Pool;
  /** Or a connection string: the read-model database gets a pool of its own. */
  readonly connectionString?: string;
  readonly maxConnections?: number;
  readonly applicationName?: string;
}

/** Read models on a PostgreSQL server, on a pool of their own or on the event store's. */
export const createPostgresReadModelDb = (options: PostgresReadModelDbOptions): ReadModelDb => {
  const pool =
    options.pool ??
    createPgPool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      application_name: options.applicationName ?? 'oms-read-models',
      // A batch transaction left open would hold back every $all reader of a store in this database.
      idle_in_transaction_session_timeout: 60_000,
    });
  return createPgDatabase(pool, toReadModelDbError, options.pool === undefined);
};

/** Read models in the embedded PGlite (the same database as the embedded event store, which closes it). */
export const createPgliteReadModelDb = (db: PGlite): ReadModelDb =>
  createPgliteDatabase(db, toReadModelDbError);
