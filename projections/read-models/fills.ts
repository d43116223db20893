import { z } from 'zod';
import type { Decimal } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import type { Fill, OrderParams } from '../../domain/order/contract.ts';
import { copyRow, iso, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import { positionKeyOf } from '../position-fills.ts';
import type { ReadModelTable } from '../schema.ts';

/**
 * Read model `fills`: one row per venue trade, with what it did to its position.
 *
 * Handles: `OrderFilled` of an existing order. Change: a row inserted once per (venue, account,
 * trade id); a trade already there (the same batch applied again, or a trade reported on two
 * orders) is not inserted again, and only inserted trades move positions. Each row carries the
 * trading PnL the fill realized on its position (domain `applyFill`, in the position's PnL
 * currency: inverse contracts in coin, linear in quote) and the position's size after it, so the
 * sum of a position's fills' `realized_pnl` is its trading PnL (a delivery's PnL is not a fill's).
 */
export const fillsTable: ReadModelTable = {
  name: 'fills',
  key: ['venue', 'account', 'trade_id'],
  create: (s) => `
create table ${s}.fills (
  venue text not null,
  account text not null,
  trade_id text not null,
  order_id uuid not null,
  order_revision bigint not null,
  venue_order_id text,
  instrument text not null,
  side text not null,
  position_side text not null,
  price numeric not null,
  amount numeric not null,
  fee numeric not null,
  fee_currency text not null,
  liquidity text not null,
  executed_at timestamptz not null,
  recorded_at timestamptz not null,
  global_position text collate "C" not null,
  -- what the fill did to its position (null: it moved none, the position had it already)
  realized_pnl numeric,
  pnl_currency text,
  position_size_after numeric,
  primary key (venue, account, trade_id)
);`,
  indexes: (s) => `
create index fills_order on ${s}.fills (order_id);
create index fills_account_time on ${s}.fills (venue, account, executed_at desc);
create index fills_instrument_time on ${s}.fills (instrument, executed_at desc);
create index fills_time on ${s}.fills (executed_at desc, global_position desc);`,
};

export interface FillCandidate {
  readonly orderId: string;
  readonly revision: bigint;
  readonly order: OrderParams;
  readonly fill: Fill;
  readonly recordedAt: string;
  readonly position: string;
}

/** What a fill did to its position (domain `applyFill`): the PnL it realized, the size after it. */
export interface FillEffect {
  readonly realized: Decimal;
  readonly pnlCurrency: string;
  readonly sizeAfter: Decimal;
}

/** A fill to write, with its effect when it moved a position. */
export interface FillToWrite extends FillCandidate {
  readonly effect: FillEffect | undefined;
}

const fillRow = (c: FillToWrite) => ({
  venue: c.order.instrument.venue,
  account: c.order.account,
  trade_id: c.fill.tradeId,
  order_id: c.orderId,
  order_revision: c.revision.toString(),
  venue_order_id: c.fill.venueOrderId ?? null,
  instrument: c.order.instrument.symbol,
  side: c.order.side,
  position_side: positionKeyOf(c.order).side,
  price: c.fill.price.toString(),
  amount: c.fill.amount.toString(),
  fee: c.fill.fee.toString(),
  fee_currency: c.fill.feeCurrency,
  liquidity: c.fill.liquidity,
  executed_at: c.fill.executedAt,
  recorded_at: c.recordedAt,
  global_position: c.position,
  realized_pnl: c.effect?.realized.toString() ?? null,
  pnl_currency: c.effect?.pnlCurrency ?? null,
  position_size_after: c.effect?.sizeAfter.toString() ?? null,
});

const tradeKey = (r: { venue: string; account: string; trade_id: string }) =>
  `${r.venue}\u0000${r.account}\u0000${r.trade_id}`;

/** The keys (venue, account, trade id) of the batch's trades already in the table. */
export const existingTrades = async (
  tx: SqlRunner,
  schema: string,
  fills: readonly FillCandidate[],
): Promise<Set<string>> => {
  if (fills.length === 0) return new Set();
  const keys = fills.map((c) => ({
    venue: c.order.instrument.venue,
    account: c.order.account,
    trade_id: c.fill.tradeId,
  }));
  const result = await tx.query<{ venue: string; account: string; trade_id: string }>(
    `select f.venue, f.account, f.trade_id from ${schema}.fills f
     join jsonb_to_recordset($1::jsonb) as k(venue text, account text, trade_id text)
       on f.venue = k.venue and f.account = k.account and f.trade_id = k.trade_id`,
    [JSON.stringify(keys)],
    `${schema}_fills_existing`,
  );
  return new Set(result.rows.map(tradeKey));
};

/** Inserts the batch's fills (new trades: see `existingTrades`); a trade already there is left as it is. */
export const writeFills = async (tx: SqlRunner, schema: string, fills: readonly FillToWrite[]) => {
  if (fills.length === 0) return;
  await writeOrDefer(tx, {
    table: `${schema}.fills`,
    text: `insert into ${schema}.fills
     select * from jsonb_to_recordset($1::jsonb) as r(venue text, account text, trade_id text, order_id uuid,
       order_revision bigint, venue_order_id text, instrument text, side text, position_side text,
       price numeric, amount numeric, fee numeric, fee_currency text, liquidity text,
       executed_at timestamptz, recorded_at timestamptz, global_position text, realized_pnl numeric,
       pnl_currency text, position_size_after numeric)
     on conflict (venue, account, trade_id) do nothing`,
    params: [JSON.stringify(fills.map(fillRow))],
    name: `${schema}_fills_insert`,
  });
};

const fillColumns = [
  'venue',
  'account',
  'trade_id',
  'order_id',
  'order_revision',
  'venue_order_id',
  'instrument',
  'side',
  'position_side',
  'price',
  'amount',
  'fee',
  'fee_currency',
  'liquidity',
  'executed_at',
  'recorded_at',
  'global_position',
  'realized_pnl',
  'pnl_currency',
  'position_size_after',
] as const;

/** The same row as `fillRow`, in COPY's text format. */
const fillCopyRow = (c: FillToWrite) =>
  copyRow([
    c.order.instrument.venue,
    c.order.account,
    c.fill.tradeId,
    c.orderId,
    c.revision.toString(),
    c.fill.venueOrderId,
    c.order.instrument.symbol,
    c.order.side,
    positionKeyOf(c.order).side,
    c.fill.price.toString(),
    c.fill.amount.toString(),
    c.fill.fee.toString(),
    c.fill.feeCurrency,
    c.fill.liquidity,
    c.fill.executedAt,
    c.recordedAt,
    c.position,
    c.effect?.realized.toString(),
    c.effect?.pnlCurrency,
    c.effect?.sizeAfter.toString(),
  ]);

/**
 * Bulk path: the batch's fills by COPY. No `on conflict`: a trade already there (reported on two
 * orders) fails it with SQLSTATE 23505; the caller then writes them with `writeFills`.
 */
export const copyFills = async (tx: SqlRunner, schema: string, fills: readonly FillToWrite[]) => {
  if (tx.copyFrom === undefined) throw new Error('copyFills: this runner has no COPY');
  if (fills.length === 0) return;
  await tx.copyFrom(`${schema}.fills`, fillColumns, fills.map(fillCopyRow).join(''));
};

export const fillRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  trade_id: z.string(),
  order_id: z.string(),
  venue_order_id: z.string().nullable(),
  instrument: z.string(),
  side: z.string(),
  position_side: z.string(),
  price: z.string(),
  amount: z.string(),
  fee: z.string(),
  fee_currency: z.string(),
  liquidity: z.string(),
  executed_at: z.date(),
  recorded_at: z.date(),
});
export type FillRow = z.output<typeof fillRowSchema>;

const columns = `venue, account, trade_id, order_id::text as order_id, venue_order_id, instrument, side,
  position_side, price::text as price, amount::text as amount, fee::text as fee, fee_currency, liquidity,
  executed_at, recorded_at`;

/** Query: the fills of an order, in venue time. */
export const fillsOfOrder = async (sql: SqlRunner, base: string, orderId: string): Promise<FillRow[]> => {
  const result = await sql.query(
    `select ${columns} from ${base}.fills where order_id = $1 order by executed_at, trade_id`,
    [orderId],
  );
  return result.rows.map((row) => fillRowSchema.parse(row));
};

/** Query (service): when the account's last fill was executed, if it has any. */
export const lastFillTime = async (
  db: SqlRunner,
  s: string,
  venue: Venue,
  account: string,
): Promise<string | undefined> => {
  const { rows } = await db.query<{ last: Date | string | null }>(
    `select max(executed_at) as last from ${s}.fills where venue = $1 and account = $2`,
    [venue, account],
  );
  return iso(rows[0]?.last ?? null) ?? undefined;
};

/** Query (service): the orders that already hold these trades of the account (trade id → order id). */
export const ordersOfTrades = async (
  db: SqlRunner,
  s: string,
  venue: Venue,
  account: string,
  tradeIds: readonly string[],
): Promise<Map<string, string>> => {
  if (tradeIds.length === 0) return new Map();
  const { rows } = await db.query<{ trade_id: string; order_id: string }>(
    `select trade_id, order_id::text as order_id from ${s}.fills
     where venue = $1 and account = $2 and trade_id = any($3::text[])`,
    [venue, account, tradeIds],
  );
  return new Map(rows.map((r) => [r.trade_id, r.order_id]));
};
