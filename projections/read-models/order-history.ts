import { z } from 'zod';
import { ROWS_PRESUMED_ABSENT } from '../checkpoint.ts';
import { copyRow, isUniqueViolation, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import type { ProjectedEvent } from '../events.ts';
import type { ReadModelTable } from '../schema.ts';

/**
 * Read model `order_history`: the audit trail. Every event of every order, in stream order, with
 * its metadata and its data (as decoded: upcast to the current schema version).
 *
 * Handles: every order event. Change: one row per event, inserted once (key: order id, revision);
 * an event already there is left as it is.
 */
export const orderHistoryTable: ReadModelTable = {
  name: 'order_history',
  key: ['order_id', 'revision'],
  create: (s) => `
create table ${s}.order_history (
  order_id uuid not null,
  revision bigint not null,
  global_position text collate "C" not null,
  event_id uuid not null,
  type text not null,
  recorded_at timestamptz not null,
  venue_time timestamptz,
  stored_at timestamptz not null,
  command_id text not null,
  idempotency_key text,
  correlation_id text not null,
  causation_id text not null,
  source text not null,
  schema_version int not null,
  data jsonb not null,
  primary key (order_id, revision)
);`,
  indexes: (s) => `
create index order_history_correlation on ${s}.order_history (correlation_id);
create index order_history_recorded on ${s}.order_history (recorded_at);`,
};

const historyRow = (e: ProjectedEvent) => ({
  order_id: e.orderId,
  revision: e.revision.toString(),
  global_position: e.position,
  event_id: e.eventId,
  type: e.event.type,
  recorded_at: e.metadata.recordedAt,
  venue_time: e.metadata.venueTime ?? null,
  stored_at: e.storedAt.toISOString(),
  command_id: e.metadata.commandId,
  idempotency_key: e.metadata.idempotencyKey ?? null,
  correlation_id: e.metadata.correlationId,
  causation_id: e.metadata.causationId,
  source: e.metadata.source,
  schema_version: e.metadata.schemaVersion,
  data: e.event.data,
});

const historyInsert = (schema: string) => ({
  table: `${schema}.order_history`,
  text: `insert into ${schema}.order_history
     select * from jsonb_to_recordset($1::jsonb) as r(order_id uuid, revision bigint, global_position text,
       event_id uuid, type text, recorded_at timestamptz, venue_time timestamptz, stored_at timestamptz,
       command_id text, idempotency_key text, correlation_id text, causation_id text, source text,
       schema_version int, data jsonb)
     on conflict (order_id, revision) do nothing`,
  name: `${schema}_history_insert`,
});

/** Set-based: one statement for the whole batch. Returns the rows inserted (events already there are not). */
export const writeOrderHistory = async (
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedEvent[],
): Promise<number> => {
  if (events.length === 0) return 0;
  const { text, name } = historyInsert(schema);
  const result = await tx.query(text, [JSON.stringify(events.map(historyRow))], name);
  return result.rowCount;
};

/**
 * History rows of events presumed new, queued on a batch runner: `guard` (`batch_guard`) fails the
 * batch's statement, SQLSTATE `ROWS_PRESUMED_ABSENT`, unless every row went in.
 */
export const addNewOrderHistory = (
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedEvent[],
  guard: string,
) => {
  if (tx.defer === undefined) throw new Error('a checked history insert needs a batch runner (withBatch)');
  if (events.length === 0) return;
  const insert = historyInsert(schema);
  tx.defer({
    table: insert.table,
    text: `${insert.text} returning 1`,
    params: [JSON.stringify(events.map(historyRow))],
    name: `${insert.name}_checked`,
    check: `${guard}($rows, jsonb_array_length($1::jsonb), '${ROWS_PRESUMED_ABSENT}', 'history rows presumed absent were there')`,
  });
};

/** As `writeOrderHistory`, without counting what it inserted: on a batch runner, queued (`writeOrDefer`). */
export const addOrderHistory = async (tx: SqlRunner, schema: string, events: readonly ProjectedEvent[]) => {
  if (events.length === 0) return;
  await writeOrDefer(tx, { ...historyInsert(schema), params: [JSON.stringify(events.map(historyRow))] });
};

const historyColumns = [
  'order_id',
  'revision',
  'global_position',
  'event_id',
  'type',
  'recorded_at',
  'venue_time',
  'stored_at',
  'command_id',
  'idempotency_key',
  'correlation_id',
  'causation_id',
  'source',
  'schema_version',
  'data',
] as const;

/** The same row as `historyRow`, in COPY's text format (the JSON of `data` as jsonb reads it). */
const historyCopyRow = (e: ProjectedEvent) =>
  copyRow([
    e.orderId,
    e.revision.toString(),
    e.position,
    e.eventId,
    e.event.type,
    e.metadata.recordedAt,
    e.metadata.venueTime,
    e.storedAt.toISOString(),
    e.metadata.commandId,
    e.metadata.idempotencyKey,
    e.metadata.correlationId,
    e.metadata.causationId,
    e.metadata.source,
    String(e.metadata.schemaVersion),
    JSON.stringify(e.event.data),
  ]);

/**
 * Bulk path: the batch's rows by COPY (PostgreSQL loads them with far less work than the insert
 * from `jsonb_to_recordset`). COPY has no `on conflict`: a row already there fails it, with
 * SQLSTATE 23505, which the caller must be ready for (see order-projection.ts).
 */
export const copyOrderHistory = async (
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedEvent[],
): Promise<void> => {
  if (tx.copyFrom === undefined) throw new Error('copyOrderHistory: this runner has no COPY');
  if (events.length === 0) return;
  await tx.copyFrom(`${schema}.order_history`, historyColumns, events.map(historyCopyRow).join(''));
};

/**
 * History rows of events presumed new, by COPY when `copy`: false when any was there already (the
 * COPY then fails whole, SQLSTATE 23505 unique_violation: the caller rolls back to its savepoint).
 */
export const writeNewOrderHistory = async (
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedEvent[],
  copy: boolean,
): Promise<boolean> => {
  if (!copy) return (await writeOrderHistory(tx, schema, events)) === events.length;
  try {
    await copyOrderHistory(tx, schema, events);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
};

export const historyEventRowSchema = z.object({
  order_id: z.string(),
  revision: z.string(),
  type: z.string(),
  data: z.unknown(),
  recorded_at: z.date(),
  global_position: z.string(),
});

/** The events of some orders as applied so far (to rebuild their state when not cached). */
export const readHistoryOf = async (tx: SqlRunner, schema: string, orderIds: readonly string[]) => {
  const result = await tx.query(
    `select order_id::text as order_id, revision::text as revision, type, data, recorded_at, global_position
     from ${schema}.order_history where order_id = any($1::uuid[]) order by order_id, revision`,
    [orderIds],
    `${schema}_history_of`,
  );
  return result.rows.map((row) => historyEventRowSchema.parse(row));
};
