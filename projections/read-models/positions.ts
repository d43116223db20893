import { z } from 'zod';
import type { PositionRow as ApiPositionRow, PositionsQuery } from '../../application/ports/queries.ts';
import type { InstrumentRef, PositionSize } from '../../application/ports/read-models.ts';
import { type Decimal, DecimalSchema } from '../../domain/decimal.ts';
import { type Venue, VenueSchema } from '../../domain/instrument.ts';
import { averageEntry, type Position, type PositionKey } from '../../domain/position/position.ts';
import { unrealizedPnl } from '../../domain/position/valuation.ts';
import { iso, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import type { ReadModelTable } from '../schema.ts';

/**
 * Read model `positions`: per venue, account, instrument and side (`net` in one-way mode, `long` /
 * `short` legs in hedge mode), computed with the domain's position math (`applyFill`).
 *
 * Handles: the fills the `fills` read model inserted (each trade once), in `$all` order. Change:
 * the position after the batch replaces the row when the batch's last fill is newer
 * (`last_position`).
 */
export const positionsTable: ReadModelTable = {
  name: 'positions',
  key: ['venue', 'account', 'instrument', 'side'],
  create: (s) => `
create table ${s}.positions (
  venue text not null,
  account text not null,
  instrument text not null,
  side text not null,
  settlement text not null,
  size numeric not null,
  entry_cost numeric not null,
  average_entry numeric,
  realized_pnl numeric not null,
  settlement_pnl numeric not null,
  funding_pnl numeric not null,
  pnl_currency text not null,
  fees jsonb not null,
  fills_count bigint not null,
  last_fill_at timestamptz,
  last_position text collate "C" not null,
  primary key (venue, account, instrument, side)
);`,
  indexes: (s) => `
create index positions_open on ${s}.positions (venue, account) where size <> 0;`,
};

export interface PositionEntry {
  readonly position: Position;
  /** The part of the realized PnL that deliveries and expiries realized. */
  readonly settlementPnl: Decimal;
  /** Funding received (positive) or paid, in the PnL currency: its own component, apart from realized PnL. */
  readonly fundingPnl: Decimal;
  readonly fills: number;
  readonly lastPosition: string;
}

const positionRow = (entry: PositionEntry) => {
  const p = entry.position;
  return {
    venue: p.key.venue,
    account: p.key.account,
    instrument: p.key.symbol,
    side: p.key.side,
    settlement: p.settlement,
    size: p.size.toString(),
    entry_cost: p.entryCost.toString(),
    average_entry: averageEntry(p)?.toString() ?? null,
    realized_pnl: p.realizedPnl.toString(),
    settlement_pnl: entry.settlementPnl.toString(),
    funding_pnl: entry.fundingPnl.toString(),
    pnl_currency: p.pnlCurrency,
    fees: Object.fromEntries(
      Object.keys(p.fees)
        .sort()
        .map((c) => [c, p.fees[c]!.toString()]),
    ),
    fills_count: entry.fills,
    last_fill_at: p.lastFillAt ?? null,
    last_position: entry.lastPosition,
  };
};

export const writePositions = async (tx: SqlRunner, schema: string, entries: readonly PositionEntry[]) => {
  if (entries.length === 0) return;
  await writeOrDefer(tx, {
    table: `${schema}.positions`,
    text: `insert into ${schema}.positions
     select * from jsonb_to_recordset($1::jsonb) as r(venue text, account text, instrument text, side text,
       settlement text, size numeric, entry_cost numeric, average_entry numeric, realized_pnl numeric,
       settlement_pnl numeric, funding_pnl numeric, pnl_currency text, fees jsonb, fills_count bigint,
       last_fill_at timestamptz, last_position text)
     on conflict (venue, account, instrument, side) do update set
       size = excluded.size, entry_cost = excluded.entry_cost, average_entry = excluded.average_entry,
       realized_pnl = excluded.realized_pnl, settlement_pnl = excluded.settlement_pnl,
       funding_pnl = excluded.funding_pnl, fees = excluded.fees, fills_count = excluded.fills_count,
       last_fill_at = excluded.last_fill_at, last_position = excluded.last_position
     where positions.last_position < excluded.last_position`,
    params: [JSON.stringify(entries.map(positionRow))],
    name: `${schema}_positions_upsert`,
  });
};

const columns = `venue, account, instrument, side, settlement, size::text as size,
  entry_cost::text as entry_cost, average_entry::text as average_entry, realized_pnl::text as realized_pnl,
  settlement_pnl::text as settlement_pnl, funding_pnl::text as funding_pnl, pnl_currency, fees, fills_count::text as fills_count, last_fill_at, last_position`;

export const positionRowSchema = z.object({
  venue: z.enum(['deribit', 'bitget']),
  account: z.string(),
  instrument: z.string(),
  side: z.enum(['net', 'long', 'short']),
  settlement: z.enum(['linear', 'inverse']),
  size: z.string(),
  entry_cost: z.string(),
  average_entry: z.string().nullable(),
  realized_pnl: z.string(),
  settlement_pnl: z.string(),
  funding_pnl: z.string(),
  pnl_currency: z.string(),
  fees: z.record(z.string(), z.string()),
  fills_count: z.string(),
  last_fill_at: z.date().nullable(),
  last_position: z.string(),
});
export type PositionRow = z.output<typeof positionRowSchema>;

const keySchema = (row: PositionRow): PositionKey => ({
  venue: row.venue,
  account: row.account,
  symbol: row.instrument,
  side: row.side,
});

/** A row back to the domain's Position (zod-checked, decimals exact). */
export const positionEntryOf = (row: PositionRow): PositionEntry => ({
  position: {
    key: keySchema(row),
    settlement: row.settlement,
    pnlCurrency: row.pnl_currency,
    size: DecimalSchema.parse(row.size),
    entryCost: DecimalSchema.parse(row.entry_cost),
    realizedPnl: DecimalSchema.parse(row.realized_pnl),
    fees: Object.fromEntries(Object.entries(row.fees).map(([c, v]) => [c, DecimalSchema.parse(v)])),
    lastFillAt: row.last_fill_at?.toISOString(),
  },
  settlementPnl: DecimalSchema.parse(row.settlement_pnl),
  fundingPnl: DecimalSchema.parse(row.funding_pnl),
  fills: Number(row.fills_count),
  lastPosition: row.last_position,
});

/** The positions of some keys, as applied so far (to continue them when not cached). */
export const readPositions = async (
  tx: SqlRunner,
  schema: string,
  keys: readonly PositionKey[],
): Promise<PositionEntry[]> => {
  const result = await tx.query(
    `select ${columns} from ${schema}.positions p
     where (p.venue, p.account, p.instrument, p.side) in
       (select k.venue, k.account, k.instrument, k.side
        from jsonb_to_recordset($1::jsonb) as k(venue text, account text, instrument text, side text))`,
    [
      JSON.stringify(
        keys.map((k) => ({ venue: k.venue, account: k.account, instrument: k.symbol, side: k.side })),
      ),
    ],
    `${schema}_positions_of`,
  );
  return result.rows.map((row) => positionEntryOf(positionRowSchema.parse(row)));
};

export const positionFilterSchema = z.object({
  venue: z.string().optional(),
  account: z.string().optional(),
  instrument: z.string().optional(),
  /** Leave out flat positions (size 0). */
  openOnly: z.boolean().default(false),
});
export type PositionFilter = z.input<typeof positionFilterSchema>;

const apiPositionRow = z.object({
  venue: z.string(),
  account: z.string(),
  instrument: z.string(),
  side: z.enum(['net', 'long', 'short']),
  settlement: z.enum(['linear', 'inverse']),
  size: z.string(),
  entry_cost: z.string(),
  average_entry: z.string().nullable(),
  realized_pnl: z.string(),
  settlement_pnl: z.string(),
  funding_pnl: z.string(),
  pnl_currency: z.string(),
  fills_count: z.string(),
  fees: z.union([z.record(z.string(), z.string()), z.string()]),
  last_fill_at: z.union([z.date(), z.string()]).nullable(),
  mark: z.string().nullable(),
  mark_at: z.union([z.date(), z.string()]).nullable(),
});

/**
 * The columns the API reads of a positions (or position_history, `p`) row and the latest mark of
 * its instrument (`m`, from `markJoin`), numbers as the domain writes them.
 */
export const API_POSITION_COLUMNS = `p.venue, p.account, p.instrument, p.side, p.settlement,
  trim_scale(p.size)::text as size, trim_scale(p.entry_cost)::text as entry_cost,
  trim_scale(p.average_entry)::text as average_entry, trim_scale(p.realized_pnl)::text as realized_pnl,
  trim_scale(p.settlement_pnl)::text as settlement_pnl, trim_scale(p.funding_pnl)::text as funding_pnl,
  p.pnl_currency, p.fees, p.fills_count::text as fills_count, m.mark, m.at as mark_at`;

/** The latest mark of the row's instrument (`m`), at or before a bound when given (a parameter). */
export const markJoin = (s: string, bound?: string) => `left join lateral (
    select trim_scale(k.mark)::text as mark, k.at from ${s}.marks k
    where k.venue = p.venue and k.instrument = p.instrument ${bound === undefined ? '' : `and k.at <= ${bound}`}
    order by k.at desc limit 1) m on true`;

/** Query (service): an account's position sizes, for reconciliation. */
export const positionSizes = async (
  db: SqlRunner,
  s: string,
  venue: Venue,
  account: string,
): Promise<PositionSize[]> => {
  const { rows } = await db.query<{ instrument: string; side: 'net' | 'long' | 'short'; size: string }>(
    `select instrument, side, size::text as size from ${s}.positions where venue = $1 and account = $2`,
    [venue, account],
  );
  return rows.map((r) => ({ symbol: r.instrument, side: r.side, size: DecimalSchema.parse(r.size) }));
};

/** Query (service): the instruments with an open position or a fill at or after `since` (mark recording). */
export const instrumentsToMark = async (
  db: SqlRunner,
  s: string,
  since: string,
): Promise<InstrumentRef[]> => {
  const { rows } = await db.query<{ venue: Venue; instrument: string }>(
    `select distinct venue, instrument from ${s}.positions
     where size <> 0 or last_fill_at >= $1::timestamptz order by venue, instrument`,
    [since],
  );
  return rows.map((r) => ({ venue: r.venue, symbol: r.instrument }));
};

/** Query (API): positions with filters, flat ones only when asked. */
export const apiPositions = async (
  db: SqlRunner,
  s: string,
  query: PositionsQuery,
): Promise<ApiPositionRow[]> => {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.venue) where.push(`p.venue = $${params.push(query.venue)}`);
  if (query.account) where.push(`p.account = $${params.push(query.account)}`);
  if (query.symbol) where.push(`p.instrument = $${params.push(query.symbol)}`);
  if (!query.includeFlat) where.push('p.size <> 0');
  const { rows } = await db.query(
    `select ${API_POSITION_COLUMNS}, p.last_fill_at
     from ${s}.positions p ${markJoin(s)}
     ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
     order by p.venue, p.account, p.instrument, p.side`,
    params,
  );
  return rows.map(toApiPositionRow);
};

/**
 * A positions row (or a position_history row aliased alike) as the API gives it, with the latest
 * mark and the unrealized PnL at it (domain `unrealizedPnl`: inverse or linear, exact).
 */
export const toApiPositionRow = (raw: unknown): ApiPositionRow => {
  const r = apiPositionRow.parse(raw);
  const fees =
    typeof r.fees === 'string' ? z.record(z.string(), z.string()).parse(JSON.parse(r.fees)) : r.fees;
  const size = DecimalSchema.parse(r.size);
  const key = { venue: VenueSchema.parse(r.venue), account: r.account, symbol: r.instrument, side: r.side };
  const unrealized =
    r.mark === null
      ? null
      : unrealizedPnl(
          { key, settlement: r.settlement, size, entryCost: DecimalSchema.parse(r.entry_cost) },
          DecimalSchema.parse(r.mark),
        ).toString();
  return {
    venue: r.venue,
    account: r.account,
    symbol: r.instrument,
    side: r.side,
    size: r.size,
    entryCost: r.entry_cost,
    averageEntry: r.average_entry,
    realizedPnl: r.realized_pnl,
    settlementPnl: r.settlement_pnl,
    fundingPnl: r.funding_pnl,
    pnlCurrency: r.pnl_currency,
    fees,
    fillsCount: Number(r.fills_count),
    lastFillAt: iso(r.last_fill_at),
    mark: r.mark,
    markAt: iso(r.mark_at),
    unrealizedPnl: unrealized,
  };
};
