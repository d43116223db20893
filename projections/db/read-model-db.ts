import type { DeferredWrite, SqlDatabase, SqlRunner } from '../../application/ports/sql.ts';

export type { DeferredWrite, SqlResult, SqlRunner, WriterLock } from '../../application/ports/sql.ts';

/**
 * The read-model database as projections see it: PostgreSQL (a `pg` pool) or the embedded PGlite,
 * given by the SQL driver layer (`adapters/sql/`). Read models never live in the event store
 * itself; with the PostgreSQL and PGlite stores they share its database (in their own schema), with
 * EventStoreDB they live in a PostgreSQL database given by configuration.
 */
export type ReadModelDb = SqlDatabase;

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

/**
 * Loads rows into `table` by COPY: objects whose keys are the table's columns, in order (the
 * objects the set-based statements send to `jsonb_to_recordset`), each value as `copyValue` writes
 * it. A row already there fails it (SQLSTATE 23505).
 */
export const copyRowsInto = async (
  tx: SqlRunner,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> => {
  if (tx.copyFrom === undefined) throw new Error(`COPY into ${table}: this runner has no COPY`);
  if (rows.length === 0) return;
  let text = '';
  for (const row of rows) text += `${Object.values(row).map(copyValue).join('\t')}\n`;
  await tx.copyFrom(table, Object.keys(rows[0]!), text);
};

/**
 * A write whose result the caller does not read: queued on a batch runner (`withBatch`: it goes
 * out with the batch's other writes, in one statement), or sent now on any other runner.
 */
export const writeOrDefer = async (tx: SqlRunner, write: Omit<DeferredWrite, 'check'>): Promise<void> => {
  if (tx.defer !== undefined) tx.defer(write);
  else await tx.query(write.text, write.params, write.name);
};

/** One row in COPY's text format (tab-separated fields, newline-terminated). */
export const copyRow = (fields: readonly (string | null | undefined)[]): string =>
  `${fields.map(copyField).join('\t')}\n`;

/** A timestamp read back from the database (a Date from pg, a string or Date from PGlite) as ISO-8601. */
export const iso = (d: Date | string | null): string | null =>
  d === null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString();

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

/** SQLSTATE 23505 unique_violation: a row whose key is already there (a COPY of rows presumed new). */
export const isUniqueViolation = (error: unknown): boolean =>
  error instanceof ReadModelDbError && error.sqlState === '23505';

/** A transient database failure: worth a retry with backoff. */
export const isTransient = (error: unknown): boolean =>
  (error instanceof ReadModelDbError && error.transient) ||
  (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'STORE_UNAVAILABLE');
