import { z } from 'zod';
import { batchGuard } from './checkpoint.ts';
import type { SqlRunner } from './db/read-model-db.ts';
import { cashMovementsTable } from './read-models/cash-movements.ts';
import { fillsTable } from './read-models/fills.ts';
import { fundingPaymentsView } from './read-models/funding-payments.ts';
import { ledgerPostingsTable } from './read-models/ledger-postings.ts';
import { marksTable } from './read-models/marks.ts';
import { orderHistoryTable } from './read-models/order-history.ts';
import { ordersTable } from './read-models/orders.ts';
import { positionHistoryTable } from './read-models/position-history.ts';
import { positionsTable } from './read-models/positions.ts';

/**
 * Where the read models live. The base schema (default `oms_read`) holds the control table
 * `projections` (checkpoint, generation and status of each projection) and one view per read
 * model; the rows live in a generation schema `<base>_g<n>`. A rebuild fills generation n+1 while
 * readers and the live runner keep using n, then switches the views and the checkpoint in one
 * transaction (blue/green); verify builds a scratch schema and drops it.
 */

/**
 * Bump when a table's shape or its indexes change: a database built by another version must be
 * rebuilt (4: `cash_movements_running`, the index the running balance reads its opening from).
 */
export const READ_MODEL_VERSION = 4;

export const READ_MODELS = [
  orderHistoryTable,
  ordersTable,
  fillsTable,
  positionsTable,
  positionHistoryTable,
  cashMovementsTable,
  ledgerPostingsTable,
  marksTable,
] as const;

/**
 * Read models that are views over the tables of their generation (derived rows, nothing stored):
 * created after the tables, rebuilt and verified with them.
 */
export const READ_MODEL_VIEWS: readonly ReadModelView[] = [fundingPaymentsView];

export interface ReadModelView {
  readonly name: string;
  readonly create: (schema: string) => string;
}

export interface ReadModelTable {
  /** Table (and view) name. */
  readonly name: string;
  /** Primary key columns: verify compares rows by them. */
  readonly key: readonly string[];
  readonly create: (schema: string) => string;
  /** Secondary indexes: created after a rebuild's bulk load. */
  readonly indexes: (schema: string) => string;
  /** A query of the rows that break a rule of the table (none when it holds): verify reports them. */
  readonly invariants?: (schema: string) => string;
}

const identifier = /^[a-z_][a-z0-9_]{0,40}$/;

export const checkSchemaName = (schema: string): string => {
  if (!identifier.test(schema))
    throw new Error(`schema name ${JSON.stringify(schema)} must match ${identifier}`);
  return schema;
};

export const generationSchema = (base: string, generation: number): string => `${base}_g${generation}`;

export const controlDdl = (base: string): string => `
create schema if not exists ${base};
create table if not exists ${base}.projections (
  name text primary key,
  -- the version of the read-model tables this generation was built with
  version int not null,
  -- the schema holding the rows readers see (the views point at it)
  generation int not null,
  -- last applied position of $all, serialized by the event store's codec ('' = from the start)
  position text collate "C" not null,
  -- running | failed
  status text not null default 'running',
  failed_position text,
  failed_event_id text,
  failed_stream_id text,
  error text,
  failed_at timestamptz,
  updated_at timestamptz not null default now()
);
create or replace function ${batchGuard(base)}(actual bigint, expected bigint, code text, message text)
returns bigint language plpgsql as $fn$
begin
  if actual <> expected then
    raise exception using errcode = code, message = message;
  end if;
  return actual;
end $fn$;`;

/** Tables of one generation, with or without their secondary indexes. */
export const generationDdl = (schema: string, withIndexes: boolean): string =>
  [
    `create schema if not exists ${schema};`,
    ...READ_MODELS.map((t) => t.create(schema)),
    ...(withIndexes ? READ_MODELS.map((t) => t.indexes(schema)) : []),
    ...READ_MODEL_VIEWS.map((v) => v.create(schema)),
  ].join('\n');

/** Points the base schema's views at a generation. */
export const viewsDdl = (base: string, schema: string): string =>
  [...READ_MODELS, ...READ_MODEL_VIEWS]
    .map(
      (t) =>
        `drop view if exists ${base}.${t.name}; create view ${base}.${t.name} as select * from ${schema}.${t.name};`,
    )
    .join('\n');

export const projectionRowSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  generation: z.number().int(),
  position: z.string(),
  status: z.enum(['running', 'failed']),
  failed_position: z.string().nullable(),
  failed_event_id: z.string().nullable(),
  failed_stream_id: z.string().nullable(),
  error: z.string().nullable(),
  failed_at: z.date().nullable(),
  updated_at: z.date(),
});
export type ProjectionRow = z.output<typeof projectionRowSchema>;

export const readProjection = async (
  sql: SqlRunner,
  base: string,
  name: string,
): Promise<ProjectionRow | undefined> => {
  const result = await sql.query(`select * from ${base}.projections where name = $1`, [name]);
  return result.rows[0] === undefined ? undefined : projectionRowSchema.parse(result.rows[0]);
};

/** As `readProjection`, but undefined (not an error) when the read models were never created. */
export const findProjection = async (
  sql: SqlRunner,
  base: string,
  name: string,
): Promise<ProjectionRow | undefined> => {
  const exists = await sql.query<{ t: string | null }>(`select to_regclass($1)::text as t`, [
    `${base}.projections`,
  ]);
  return exists.rows[0]?.t == null ? undefined : readProjection(sql, base, name);
};

export const listProjections = async (sql: SqlRunner, base: string): Promise<ProjectionRow[]> => {
  const exists = await sql.query<{ t: string | null }>(`select to_regclass($1)::text as t`, [
    `${base}.projections`,
  ]);
  if (exists.rows[0]?.t == null) return [];
  const result = await sql.query(`select * from ${base}.projections order by name`);
  return result.rows.map((row) => projectionRowSchema.parse(row));
};

/**
 * Creates the control table, and on first use generation 1 with its views and a checkpoint at the
 * start. Serialized by an advisory lock so that processes starting at once agree.
 */
export const ensureReadModels = async (
  db: { withTransaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> },
  base: string,
  name: string,
  options: { initialize?: boolean } = {},
): Promise<ProjectionRow> => {
  checkSchemaName(base);
  return db.withTransaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`oms-read-models-ddl:${base}`]);
    await tx.exec(controlDdl(base));
    const existing = await readProjection(tx, base, name);
    if (existing) return existing;
    if (options.initialize === false) throw new Error(`no projection ${name} in ${base}.projections`);
    const schema = generationSchema(base, 1);
    await tx.exec(`drop schema if exists ${schema} cascade;`);
    await tx.exec(generationDdl(schema, true));
    await tx.exec(viewsDdl(base, schema));
    await tx.query(
      `insert into ${base}.projections (name, version, generation, position) values ($1, $2, 1, '')`,
      [name, READ_MODEL_VERSION],
    );
    return (await readProjection(tx, base, name))!;
  });
};
