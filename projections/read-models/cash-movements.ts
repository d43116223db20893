import { z } from 'zod';
import type {
  BalanceRow,
  BalancesQuery,
  CashMovementRow,
  LedgerPage,
  LedgerQuery,
} from '../../application/ports/queries.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import type { CashMovementData } from '../../domain/ledger/contract.ts';
import { CashMovementKindSchema } from '../../domain/ledger/ledger.ts';
import { iso, type SqlRunner } from '../db/read-model-db.ts';
import type { ProjectedCashEvent } from '../events.ts';
import type { ReadModelTable } from '../schema.ts';
import { keysetCursor } from './keyset.ts';
import { type Filter, whereClause } from './where.ts';

/**
 * Read model `cash_movements`: one row per venue cash movement (Deribit transaction log entry,
 * Bitget bill), as the ledger ingester recorded it.
 *
 * Handles: `VenueCashMovementRecorded`. Change: a row inserted once per (venue, account, venue
 * entry id); the same event applied again inserts nothing. `our_balance` is the running sum of the
 * changes recorded for the account and currency up to that row (in venue order), so our balance
 * next to the venue's (`balance_after`) is one row away: a difference is a break.
 */
export const cashMovementsTable: ReadModelTable = {
  name: 'cash_movements',
  key: ['venue', 'account', 'venue_entry_id'],
  create: (s) => `
create table ${s}.cash_movements (
  venue text not null,
  account text not null,
  currency text not null,
  venue_entry_id text not null,
  venue_seq numeric,
  venue_type text not null,
  kind text not null,
  change numeric not null,
  funding numeric,
  fee numeric,
  pnl numeric,
  balance_after numeric,
  our_balance numeric not null,
  price numeric,
  symbol text,
  trade_id text,
  venue_order_id text,
  at timestamptz not null,
  global_position text collate "C" not null,
  primary key (venue, account, venue_entry_id)
);`,
  indexes: (s) => `
create index cash_movements_account_time on ${s}.cash_movements (venue, account, currency, at, venue_seq, venue_entry_id);
create index cash_movements_kind_time on ${s}.cash_movements (kind, at);
create index cash_movements_time on ${s}.cash_movements (at, global_position);
create index cash_movements_running on ${s}.cash_movements (venue, account, currency, global_position);`,
};

const text = (value: { toString(): string } | undefined) => (value === undefined ? null : value.toString());

const movementRow = (m: CashMovementData, position: string) => ({
  venue: m.venue,
  account: m.account,
  currency: m.currency,
  venue_entry_id: m.venueEntryId,
  venue_seq: m.venueSeq ?? null,
  venue_type: m.venueType,
  kind: m.kind,
  change: m.change.toString(),
  funding: text(m.funding),
  fee: text(m.fee),
  pnl: text(m.pnl),
  balance_after: text(m.balanceAfter),
  price: text(m.price),
  symbol: m.symbol ?? null,
  trade_id: m.tradeId ?? null,
  venue_order_id: m.venueOrderId ?? null,
  at: m.at,
  global_position: position,
});

/**
 * Inserts the batch's movements (each once) with our running balance: the account's last
 * `our_balance` plus the changes, in the order the ingester recorded them (each stream is one
 * account and currency, appended in venue order).
 */
export const writeCashMovements = async (
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedCashEvent[],
): Promise<Set<string>> => {
  if (events.length === 0) return new Set();
  const rows = events.map((e) => movementRow(e.movement, e.position));
  const result = await tx.query(
    `with incoming as (
       select r.*
       from jsonb_to_recordset($1::jsonb) as r(venue text, account text, currency text,
         venue_entry_id text, venue_seq numeric, venue_type text, kind text, change numeric, funding numeric,
         fee numeric, pnl numeric, balance_after numeric, price numeric, symbol text, trade_id text,
         venue_order_id text, at timestamptz, global_position text)
       where not exists (select 1 from ${schema}.cash_movements c
         where c.venue = r.venue and c.account = r.account and c.venue_entry_id = r.venue_entry_id)
     ),
     keys as (select distinct venue, account, currency from incoming),
     -- Materialized: one opening balance per account, not one per incoming row (inlined, the
     -- planner evaluates the look-up for every row the join returns).
     opening as materialized (
       select k.venue, k.account, k.currency,
         coalesce((select c.our_balance from ${schema}.cash_movements c
                   where c.venue = k.venue and c.account = k.account and c.currency = k.currency
                   order by c.global_position desc limit 1), 0) as balance
       from keys k
     )
     insert into ${schema}.cash_movements
     select i.venue, i.account, i.currency, i.venue_entry_id, i.venue_seq, i.venue_type, i.kind, i.change,
       i.funding, i.fee, i.pnl, i.balance_after,
       o.balance + sum(i.change) over (partition by i.venue, i.account, i.currency order by i.global_position),
       i.price, i.symbol, i.trade_id, i.venue_order_id, i.at, i.global_position
     from incoming i join opening o using (venue, account, currency)
     on conflict (venue, account, venue_entry_id) do nothing
     returning venue, account, venue_entry_id`,
    [JSON.stringify(rows)],
    `${schema}_cash_movements_insert`,
  );
  return new Set(
    (result.rows as { venue: string; account: string; venue_entry_id: string }[]).map((r) =>
      movementKey(r.venue, r.account, r.venue_entry_id),
    ),
  );
};

/** The key of a movement: venue, account, venue entry id. */
export const movementKey = (venue: string, account: string, venueEntryId: string) =>
  `${venue}\u0000${account}\u0000${venueEntryId}`;

// ------------------------------------------------------------------------------------------------
// Queries (the API's): the movements, newest first, in keyset pages; our balances beside the venue's
// ------------------------------------------------------------------------------------------------

const movementRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  venue_entry_id: z.string(),
  venue_seq: z.string().nullable(),
  venue_type: z.string(),
  kind: CashMovementKindSchema,
  change: z.string(),
  funding: z.string().nullable(),
  fee: z.string().nullable(),
  pnl: z.string().nullable(),
  balance_after: z.string().nullable(),
  our_balance: z.string(),
  symbol: z.string().nullable(),
  trade_id: z.string().nullable(),
  venue_order_id: z.string().nullable(),
  at: z.union([z.date(), z.string()]),
  global_position: z.string(),
});

/** Keyset cursor over (at desc, global_position desc). */
const cursor = keysetCursor(z.string().min(1).max(100));

/** Numbers as the domain writes them: `trim_scale` drops the zeros a numeric's scale adds. */
const MOVEMENT_COLUMNS = `venue, account, currency, venue_entry_id, trim_scale(venue_seq)::text as venue_seq, venue_type,
  kind, trim_scale(change)::text as change, trim_scale(funding)::text as funding, trim_scale(fee)::text as fee,
  trim_scale(pnl)::text as pnl, trim_scale(balance_after)::text as balance_after,
  trim_scale(our_balance)::text as our_balance, symbol, trade_id, venue_order_id, at, global_position`;

/** Query (API): a page of cash movements, newest first. */
export const ledgerPage = async (db: SqlRunner, s: string, query: LedgerQuery): Promise<LedgerPage> => {
  const filters: Filter[] = [
    ['venue = $', query.venue],
    ['account = $', query.account],
    ['currency = $', query.currency],
    ['kind = any($::text[])', query.kind],
    ['at >= $::timestamptz', query.from],
    ['at < $::timestamptz', query.to],
  ];
  if (query.cursor)
    filters.push(['(at, global_position) < ($::timestamptz, $)', ...cursor.decode(query.cursor)]);
  const { where, params } = whereClause(filters);
  params.push(query.limit + 1);
  const { rows } = await db.query(
    `select ${MOVEMENT_COLUMNS} from ${s}.cash_movements ${where}
     order by at desc, global_position desc limit $${params.length}`,
    params,
  );
  const parsed = rows.map((r) => movementRowSchema.parse(r));
  const page = parsed.slice(0, query.limit);
  const last = page.at(-1);
  return {
    movements: page.map(toMovementRow),
    nextCursor:
      parsed.length > query.limit && last ? cursor.encode(iso(last.at) ?? '', last.global_position) : null,
  };
};

/** Numeric text as the domain writes it (no trailing zeros of a scale). */
const canon = <T extends string | null>(value: T): T =>
  (value === null ? null : parseDecimal(value).toString()) as T;

const toMovementRow = (r: z.infer<typeof movementRowSchema>): CashMovementRow => ({
  venue: r.venue,
  account: r.account,
  currency: r.currency,
  venueEntryId: r.venue_entry_id,
  venueSeq: r.venue_seq,
  venueType: r.venue_type,
  kind: r.kind,
  change: r.change,
  funding: r.funding,
  fee: r.fee,
  pnl: r.pnl,
  balanceAfter: r.balance_after,
  ourBalance: r.our_balance,
  symbol: r.symbol,
  tradeId: r.trade_id,
  venueOrderId: r.venue_order_id,
  at: iso(r.at) ?? '',
});

const balanceRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  ours: z.string(),
  theirs: z.string().nullable(),
  difference: z.string().nullable(),
  ledger: z.string().nullable(),
  movements: z.union([z.string(), z.number()]).transform(Number),
  as_of: z.union([z.date(), z.string()]),
});

/** Query (API): our balance (the sum of the recorded changes) beside the venue's, per account and currency. */
export const cashBalances = async (db: SqlRunner, s: string, query: BalancesQuery): Promise<BalanceRow[]> => {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of [
    ['venue', query.venue],
    ['account', query.account],
    ['currency', query.currency],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  const { rows } = await db.query(
    `select venue, account, currency, sum(change)::text as ours,
            (array_agg(balance_after order by global_position desc))[1]::text as theirs,
            (sum(change) - (array_agg(balance_after order by global_position desc))[1])::text as difference,
            count(*) as movements, max(at) as as_of,
            (select p.cash_balance::text from ${s}.ledger_postings p
             where p.venue = m.venue and p.account = m.account and p.currency = m.currency
             order by p.global_position desc limit 1) as ledger
     from ${s}.cash_movements m ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
     group by venue, account, currency order by venue, account, currency`,
    params,
  );
  return rows.map((raw) => {
    const r = balanceRowSchema.parse(raw);
    return {
      venue: r.venue,
      account: r.account,
      currency: r.currency,
      ours: canon(r.ours),
      theirs: canon(r.theirs),
      difference: canon(r.difference),
      ledger: canon(r.ledger),
      movements: r.movements,
      asOf: iso(r.as_of) ?? '',
    };
  });
};
