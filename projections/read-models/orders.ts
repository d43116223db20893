import { z } from 'zod';
import type { OrderListQuery, OrderPage } from '../../application/ports/queries.ts';
import type { LiveOrderRef } from '../../application/ports/read-models.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import { averageFillPrice, type Order } from '../../domain/order/state.ts';
import {
  AWAITING_VENUE_STATUSES,
  ORDER_STATUSES,
  type OrderStatus,
  TERMINAL_STATUSES,
} from '../../domain/order/transitions.ts';
import { copyRowsInto, iso, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import type { ReadModelTable } from '../schema.ts';
import { keysetCursor } from './keyset.ts';
import { type Filter, whereClause } from './where.ts';

/** A set of the domain's statuses as an SQL list, `('filled', ...)` (statuses are plain identifiers). */
const sqlList = (statuses: Iterable<OrderStatus>) =>
  `(${[...statuses].map((status) => `'${status}'`).join(', ')})`;

/** Statuses in which an order cannot change any more. */
export const TERMINAL_SQL = sqlList(TERMINAL_STATUSES);
/** Statuses in which a request of ours waits for the venue: the submission protocol works on these. */
export const NEEDING_WORK_SQL = sqlList(AWAITING_VENUE_STATUSES);

/**
 * Read model `orders`: the current state of each order, computed by the domain's `evolve` (so it
 * cannot drift from the decider).
 *
 * Handles: every order event. Change: the order's row is replaced by its state after the batch,
 * only if the batch brings a newer revision (`last_revision`), so applying a batch twice is a no-op.
 */
export const ordersTable: ReadModelTable = {
  name: 'orders',
  key: ['order_id'],
  create: (s) => `
create table ${s}.orders (
  order_id uuid primary key,
  venue text not null,
  account text not null,
  instrument text not null,
  instrument_kind text not null,
  settlement text not null,
  amount_unit text not null,
  side text not null,
  type text not null,
  time_in_force text not null,
  status text not null,
  intent text not null,
  amount numeric not null,
  filled numeric not null,
  remaining numeric not null,
  average_price numeric,
  price numeric,
  trigger_price numeric,
  reduce_only boolean not null,
  post_only boolean not null,
  position_mode text not null,
  trade_side text,
  venue_order_id text,
  venue_order_ids text[] not null,
  client_order_id text not null,
  client_order_ids text[] not null,
  fees jsonb not null,
  unresolved_request text,
  anomalies int not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_revision bigint not null,
  last_position text collate "C" not null
);`,
  indexes: (s) => `
create index orders_account on ${s}.orders (venue, account, created_at desc);
create index orders_instrument on ${s}.orders (instrument, created_at desc);
create index orders_live on ${s}.orders (status) where status not in ${TERMINAL_SQL};
create index orders_venue_order_id on ${s}.orders (venue, venue_order_id);
create index orders_client_order_id on ${s}.orders (client_order_id);
create index orders_created on ${s}.orders (created_at desc);`,
};

/** An order's state as the projection keeps it between batches. */
export interface OrderEntry {
  readonly state: Order;
  readonly lastRevision: bigint;
  readonly lastPosition: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const feesJson = (fees: Readonly<Record<string, { toString(): string }>>) =>
  Object.fromEntries(
    Object.keys(fees)
      .sort()
      .map((currency) => [currency, fees[currency]!.toString()]),
  );

const orderRow = (orderId: string, entry: OrderEntry) => {
  const { state } = entry;
  const o = state.order;
  return {
    order_id: orderId,
    venue: o.instrument.venue,
    account: o.account,
    instrument: o.instrument.symbol,
    instrument_kind: o.instrument.kind,
    settlement: o.instrument.settlement,
    amount_unit: o.instrument.amountUnit,
    side: o.side,
    type: o.type,
    time_in_force: o.timeInForce,
    status: state.status,
    intent: o.intent,
    amount: o.amount.toString(),
    filled: state.filled.toString(),
    remaining: o.amount.minus(state.filled).toString(),
    average_price: averageFillPrice(state)?.toString() ?? null,
    price: o.price?.toString() ?? null,
    trigger_price: o.trigger?.price.toString() ?? null,
    reduce_only: o.reduceOnly,
    post_only: o.postOnly,
    position_mode: o.positionMode,
    trade_side: o.tradeSide ?? null,
    venue_order_id: state.venueOrderId ?? null,
    venue_order_ids: state.venueOrderIds,
    client_order_id: o.clientOrderId,
    client_order_ids: state.clientOrderIds,
    fees: feesJson(state.fees),
    unresolved_request: state.unresolved ?? null,
    anomalies: state.anomalies,
    created_at: entry.createdAt,
    updated_at: entry.updatedAt,
    last_revision: entry.lastRevision.toString(),
    last_position: entry.lastPosition,
  };
};

export const writeOrders = async (tx: SqlRunner, schema: string, orders: ReadonlyMap<string, OrderEntry>) => {
  if (orders.size === 0) return;
  const rows = [...orders].map(([orderId, entry]) => orderRow(orderId, entry));
  await writeOrDefer(tx, {
    table: `${schema}.orders`,
    text: `insert into ${schema}.orders
     select * from jsonb_to_recordset($1::jsonb) as r(order_id uuid, venue text, account text, instrument text,
       instrument_kind text, settlement text, amount_unit text, side text, type text, time_in_force text,
       status text, intent text, amount numeric, filled numeric, remaining numeric, average_price numeric,
       price numeric, trigger_price numeric, reduce_only boolean, post_only boolean, position_mode text,
       trade_side text, venue_order_id text, venue_order_ids text[], client_order_id text,
       client_order_ids text[], fees jsonb, unresolved_request text, anomalies int, created_at timestamptz,
       updated_at timestamptz, last_revision bigint, last_position text)
     on conflict (order_id) do update set
       status = excluded.status, amount = excluded.amount, filled = excluded.filled,
       remaining = excluded.remaining, average_price = excluded.average_price, price = excluded.price,
       trigger_price = excluded.trigger_price, venue_order_id = excluded.venue_order_id,
       venue_order_ids = excluded.venue_order_ids, client_order_id = excluded.client_order_id,
       client_order_ids = excluded.client_order_ids, fees = excluded.fees,
       unresolved_request = excluded.unresolved_request, anomalies = excluded.anomalies,
       updated_at = excluded.updated_at, last_revision = excluded.last_revision,
       last_position = excluded.last_position
     where orders.last_revision < excluded.last_revision`,
    params: [JSON.stringify(rows)],
    name: `${schema}_orders_upsert`,
  });
};

/**
 * Bulk path: rows of orders that have none yet, by COPY (the same row objects as the upsert, as
 * `copyRowsInto` writes them). A row already there fails it (SQLSTATE 23505): only for orders known
 * to be new.
 */
export const copyNewOrders = async (
  tx: SqlRunner,
  schema: string,
  orders: ReadonlyMap<string, OrderEntry>,
) => {
  const rows = [...orders].map(([orderId, entry]) => orderRow(orderId, entry));
  await copyRowsInto(tx, `${schema}.orders`, rows);
};

const columns = `order_id::text as order_id, venue, account, instrument, instrument_kind, settlement, amount_unit,
  side, type, time_in_force, status, intent, amount::text as amount, filled::text as filled,
  remaining::text as remaining, average_price::text as average_price, price::text as price,
  trigger_price::text as trigger_price, reduce_only, post_only, position_mode, trade_side, venue_order_id,
  venue_order_ids, client_order_id, client_order_ids, fees, unresolved_request, anomalies, created_at,
  updated_at, last_revision::text as last_revision, last_position`;

/** A row of `orders` as read back (decimals as strings, exact). */
export const orderRowSchema = z.object({
  order_id: z.string(),
  venue: z.string(),
  account: z.string(),
  instrument: z.string(),
  instrument_kind: z.string(),
  settlement: z.string(),
  amount_unit: z.string(),
  side: z.string(),
  type: z.string(),
  time_in_force: z.string(),
  status: z.string(),
  intent: z.string(),
  amount: z.string(),
  filled: z.string(),
  remaining: z.string(),
  average_price: z.string().nullable(),
  price: z.string().nullable(),
  trigger_price: z.string().nullable(),
  reduce_only: z.boolean(),
  post_only: z.boolean(),
  position_mode: z.string(),
  trade_side: z.string().nullable(),
  venue_order_id: z.string().nullable(),
  venue_order_ids: z.array(z.string()),
  client_order_id: z.string(),
  client_order_ids: z.array(z.string()),
  fees: z.record(z.string(), z.string()),
  unresolved_request: z.string().nullable(),
  anomalies: z.number().int(),
  created_at: z.date(),
  updated_at: z.date(),
  last_revision: z.string(),
  last_position: z.string(),
});
export type OrderRow = z.output<typeof orderRowSchema>;

/** Query: one order by id. */
export const getOrder = async (
  sql: SqlRunner,
  base: string,
  orderId: string,
): Promise<OrderRow | undefined> => {
  const result = await sql.query(`select ${columns} from ${base}.orders where order_id = $1`, [orderId]);
  return result.rows[0] === undefined ? undefined : orderRowSchema.parse(result.rows[0]);
};

const orderSummaryRow = z.object({
  order_id: z.string(),
  status: z.string(),
  venue: z.string(),
  account: z.string(),
  instrument: z.string(),
  side: z.string(),
  type: z.string(),
  amount: z.string(),
  filled: z.string(),
  average_price: z.string().nullable(),
  price: z.string().nullable(),
  reduce_only: z.boolean(),
  intent: z.string(),
  client_order_id: z.string(),
  venue_order_id: z.string().nullable(),
  created_at: z.union([z.date(), z.string()]),
  updated_at: z.union([z.date(), z.string()]),
});

/** Keyset cursor over (created_at desc, order_id desc). */
const cursor = keysetCursor(z.uuid());

/** Query (service): the orders whose outcome at the venue is still awaited. */
export const ordersNeedingWork = async (db: SqlRunner, s: string): Promise<string[]> => {
  const { rows } = await db.query<{ order_id: string }>(
    `select order_id::text from ${s}.orders where status in ${NEEDING_WORK_SQL}`,
  );
  return rows.map((r) => r.order_id);
};

/** Query (service): an account's orders that may still be working at the venue. */
const OrderStatusSchema = z.enum(ORDER_STATUSES);

export const liveOrders = async (
  db: SqlRunner,
  s: string,
  venue: Venue,
  account: string,
): Promise<LiveOrderRef[]> => {
  const { rows } = await db.query<{
    order_id: string;
    instrument: string;
    venue_order_ids: string[];
    client_order_id: string;
    status: string;
    venue_order_id: string | null;
    amount: string;
    filled: string;
    price: string | null;
    unresolved: boolean;
    created_at: Date | string;
  }>(
    `select order_id::text, instrument, venue_order_ids, client_order_id, status, venue_order_id,
       amount::text, filled::text, price::text, unresolved_request is not null as unresolved, created_at
     from ${s}.orders
     where venue = $1 and account = $2 and status not in ${TERMINAL_SQL}`,
    [venue, account],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    symbol: r.instrument,
    venueOrderIds: r.venue_order_ids,
    clientOrderId: r.client_order_id,
    status: OrderStatusSchema.parse(r.status),
    venueOrderId: r.venue_order_id ?? undefined,
    amount: parseDecimal(r.amount),
    filled: parseDecimal(r.filled),
    price: r.price === null ? undefined : parseDecimal(r.price),
    requestUnresolved: r.unresolved,
    createdAt: iso(r.created_at)!,
  }));
};

/** Query (service): the order a venue's order id (current or former) belongs to. */
export const orderIdByVenueOrderId = async (
  db: SqlRunner,
  s: string,
  venue: Venue,
  account: string,
  venueOrderId: string,
): Promise<string | undefined> => {
  const { rows } = await db.query<{ order_id: string }>(
    `select order_id::text from ${s}.orders
     where venue = $1 and account = $2 and (venue_order_id = $3 or $3 = any(venue_order_ids)) limit 1`,
    [venue, account, venueOrderId],
  );
  return rows[0]?.order_id;
};

/** Query (API): a page of orders, newest first, with filters and a keyset cursor. */
export const orderPage = async (db: SqlRunner, s: string, query: OrderListQuery): Promise<OrderPage> => {
  const filters: Filter[] = [
    ['venue = $', query.venue],
    ['account = $', query.account],
    ['instrument = $', query.symbol],
    ['status = any($::text[])', query.status],
    ['created_at >= $::timestamptz', query.since],
  ];
  if (query.cursor)
    filters.push(['(created_at, order_id) < ($::timestamptz, $::uuid)', ...cursor.decode(query.cursor)]);
  const { where, params } = whereClause(filters);
  params.push(query.limit + 1);
  const { rows } = await db.query(
    `select order_id::text, status, venue, account, instrument, side, type, amount::text as amount,
            filled::text as filled, average_price::text as average_price, price::text as price, reduce_only,
            intent, client_order_id, venue_order_id, created_at, updated_at
     from ${s}.orders ${where}
     order by created_at desc, order_id desc limit $${params.length}`,
    params,
  );
  const parsed = rows.map((r) => orderSummaryRow.parse(r));
  const page = parsed.slice(0, query.limit);
  const last = page.at(-1);
  return {
    orders: page.map((r) => ({
      orderId: r.order_id,
      status: r.status as OrderPage['orders'][number]['status'],
      venue: r.venue,
      account: r.account,
      symbol: r.instrument,
      side: r.side,
      type: r.type,
      amount: r.amount,
      filled: r.filled,
      averagePrice: r.average_price,
      price: r.price,
      reduceOnly: r.reduce_only,
      intent: r.intent,
      clientOrderId: r.client_order_id,
      venueOrderId: r.venue_order_id,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    })),
    nextCursor:
      parsed.length > query.limit && last ? cursor.encode(iso(last.created_at) ?? '', last.order_id) : null,
  };
};
