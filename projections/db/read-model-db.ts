/**
 * The read-model database as projections see it: PostgreSQL (a `pg` pool) or the embedded PGlite.
 * Read models never live in the event store itself; with the PostgreSQL and PGlite stores they
 * share its database (in their own schema), with EventStoreDB they live in a PostgreSQL database
 * given by configuration.
 */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface SqlRunner {
  /** `name` makes it a prepared statement on `pg` (planned once per connection); PGlite ignores it. */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    name?: string,
  ): Promise<SqlResult<R>>;
  /** A script of several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk load: `copy <table> (<columns>) from stdin` of rows in COPY's text format (see
   * `copyRow`). Only inside a transaction (both drivers have it there); callers keep a
   * statement path for runners without it.
   */
  copyFrom?(table: string, columns: readonly string[], rows: string): Promise<void>;
}

const copySpecial = /[\\\t\n\r]/;
const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field in COPY's text format: `\N` for null; backslash, tab, newline and CR escaped. */
export const copyField = (value: string | null | undefined): string =>
  value === null || value === undefined
    ? '\\N'
    : copySpecial.test(value)
      ? value.replace(/[\\\t\n\r]/g, (c) => copyEscapes[c]!)
      : value;

/** An array of text as a PostgreSQL array literal (every element quoted). */
const arrayLiteral = (items: readonly unknown[]): string =>
  `{${items.map((item) => (item === null || item === undefined ? 'NULL' : `"${String(item).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;

/**
 * A value of a row as `jsonb_to_recordset` would read it from the row's JSON, in COPY's text
 * format: null as `\N`, booleans `t`/`f`, arrays as text arrays, other objects as jsonb.
 */
export const copyValue = (value: unknown): string => {
  if (value === null || value === undefined) return '\\N';
  switch (typeof value) {
    case 'string':
      return copyField(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      return copyField(Array.isArray(value) ? arrayLiteral(value) : JSON.stringify(value));
  }
};

/** One row in COPY's text format (tab-separated fields, newline-terminated). */
export const copyRow = (fields: readonly (string | null | undefined)[]): string =>
  `${fields.map(copyField).join('\t')}\n`;

/** A timestamp read back from the database (a Date from pg, a string or Date from PGlite) as ISO-8601. */
export const iso = (d: Date | string | null): string | null =>
  d === null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString();

export interface WriterLock {
  release(): Promise<void>;
}

export interface ReadModelDb extends SqlRunner {
  readonly dialect: 'postgres' | 'pglite';
  /** BEGIN ... COMMIT on one connection; ROLLBACK when `work` throws. */
  withTransaction<T>(work: (tx: SqlRunner) => Promise<T>, options?: { repeatableRead?: boolean }): Promise<T>;
  /**
   * The single-writer lock of a projection: resolves once this caller holds it, waiting while
   * another instance (process or runner) does. PostgreSQL: a session advisory lock on a connection
   * of its own (released if the process dies); PGlite: an in-process lock (the data directory lock
   * already keeps other processes out).
   */
  acquireWriterLock(key: string, signal?: AbortSignal): Promise<WriterLock>;
  close(): Promise<void>;
}

/** Why a read-model database call failed: `transient` ones are retried with backoff. */
export class ReadModelDbError extends Error {
  readonly code = 'READ_MODEL_DB_ERROR';
  readonly transient: boolean;
  readonly sqlState: string | undefined;
  constructor(
    message: string,
    transient: boolean,
    sqlState: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReadModelDbError';
    this.transient = transient;
    this.sqlState = sqlState;
  }
}

const transientSqlState = (code: string): boolean =>
  code.startsWith('08') || // connection exception
  code.startsWith('53') || // insufficient resources
  code.startsWith('57P') || // shutdown, cannot connect now
  code === '40001' || // serialization failure
  code === '40P01' || // deadlock
  code === '55P03' || // lock not available
  code === '57014'; // statement timeout

/** Wraps what a driver threw: a SQLSTATE says whether it may succeed later; no SQLSTATE is a transport failure. */
export const toReadModelDbError = (error: unknown): ReadModelDbError => {
  if (error instanceof ReadModelDbError) return error;
  const code =
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : undefined;
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (sqlState === undefined)
    return new ReadModelDbError(`database unreachable: ${message}`, true, undefined, { cause: error });
  return new ReadModelDbError(`${message} (SQLSTATE ${sqlState})`, transientSqlState(sqlState), sqlState, {
    cause: error,
  });
};

/** A transient database failure: worth a retry with backoff. */
export const isTransient = (error: unknown): boolean =>
  (error instanceof ReadModelDbError && error.transient) ||
  (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'STORE_UNAVAILABLE');
