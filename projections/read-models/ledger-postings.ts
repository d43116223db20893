import { z } from 'zod';
import type { PostingPage, PostingsQuery } from '../../application/ports/queries.ts';
import type { LedgerTrades } from '../../application/ports/read-models.ts';
import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import { cashAccountKey, type EntrySource, ledgerEntries } from '../../domain/ledger/entries.ts';
import { isBalanced, LedgerAccountSchema } from '../../domain/ledger/ledger.ts';
import { copyRowsInto, iso, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import type { ReadModelTable } from '../schema.ts';
import { keysetCursor } from './keyset.ts';
import { type Filter, whereClause } from './where.ts';

/**
 * Read model `ledger_postings`: the double-entry ledger, per venue account and currency. One row
 * per posting (an entry's line in one ledger account); the entry's lines share its id, its cause
 * and the running balance of the venue-cash account after it. The amounts are the domain's rules
 * (`domain/ledger/ledger.ts`, entries named in `domain/ledger/entries.ts`); the chart of accounts
 * is in docs/read-models.md.
 *
 * Handles: `OrderFilled` of a trade inserted into `fills` now (its PnL from the position it moved,
 * its fee), and `VenueCashMovementRecorded` inserted into `cash_movements` now (the venue's trade
 * entries post nothing: the trade is posted from our fill). Change: the entry's rows inserted,
 * each entry once (its sources are new by construction); `cash_balance` is the account's previous
 * balance plus the entry's cash lines, in `$all` order. Every entry balances (checked before the
 * insert, and by `oms verify` on the table).
 */
export const ledgerPostingsTable: ReadModelTable = {
  name: 'ledger_postings',
  key: ['venue', 'account', 'currency', 'entry_id', 'ledger_account'],
  create: (s) => `
create table ${s}.ledger_postings (
  venue text not null,
  account text not null,
  currency text not null,
  entry_id text not null,
  ledger_account text not null,
  -- debit positive, credit negative; an entry's amounts sum to zero
  amount numeric not null,
  cause text not null,
  trade_id text,
  order_id text,
  venue_entry_id text,
  venue_type text,
  symbol text,
  at timestamptz not null,
  cash_balance numeric not null,
  global_position text collate "C" not null,
  primary key (venue, account, currency, entry_id, ledger_account)
);`,
  indexes: (s) => `
create index ledger_postings_running on ${s}.ledger_postings (venue, account, currency, global_position);
create index ledger_postings_time on ${s}.ledger_postings (at, global_position);
create index ledger_postings_trade on ${s}.ledger_postings (venue, account, trade_id) where trade_id is not null;`,
  invariants: (s) => `
select venue, account, currency, entry_id, trim_scale(sum(amount))::text as imbalance
from ${s}.ledger_postings group by venue, account, currency, entry_id having sum(amount) <> 0`,
};

/** The cash balance after the last entry of each of these accounts (venue, account, currency). */
const openingBalances = async (
  tx: SqlRunner,
  schema: string,
  keys: readonly { venue: string; account: string; currency: string }[],
): Promise<Map<string, Decimal>> => {
  if (keys.length === 0) return new Map();
  const { rows } = await tx.query<{ venue: string; account: string; currency: string; balance: string }>(
    `select k.venue, k.account, k.currency, last.balance
     from jsonb_to_recordset($1::jsonb) as k(venue text, account text, currency text)
     cross join lateral (
       select p.cash_balance::text as balance from ${schema}.ledger_postings p
       where p.venue = k.venue and p.account = k.account and p.currency = k.currency
       order by p.global_position desc limit 1
     ) last`,
    [JSON.stringify(keys)],
    `${schema}_ledger_opening`,
  );
  return new Map(rows.map((r) => [cashAccountKey(r.venue, r.account, r.currency), parseDecimal(r.balance)]));
};

/** The accounts (venue, account, currency) these sources may post to. */
const accountsOf = (sources: readonly EntrySource[]) => {
  const keys = new Map<string, { venue: string; account: string; currency: string }>();
  const add = (venue: string, account: string, currency: string) =>
    keys.set(cashAccountKey(venue, account, currency), { venue, account, currency });
  for (const s of sources) {
    if (s.cause === 'movement') add(s.movement.venue, s.movement.account, s.movement.currency);
    else {
      add(s.venue, s.account, s.pnlCurrency);
      add(s.venue, s.account, s.feeCurrency);
    }
  }
  return [...keys.values()];
};

export interface PostedLedger {
  /** Entries posted. */
  readonly entries: number;
  /** Each account's (venue, account, currency: `cashAccountKey`) cash balance after them. */
  readonly balances: ReadonlyMap<string, Decimal>;
}

/**
 * Posts the entries of these (new) sources, in the order given (`$all` order). `known` gives an
 * account's balance when the caller holds it (the projection keeps them between batches); the
 * others are read. `copy`: by COPY (a large batch), else one insert from JSON.
 */
export const writeLedgerPostings = async (
  tx: SqlRunner,
  schema: string,
  sources: readonly EntrySource[],
  options: { known?: (accountKey: string) => Decimal | undefined; copy?: boolean } = {},
): Promise<PostedLedger> => {
  if (sources.length === 0) return { entries: 0, balances: new Map() };
  const known = options.known ?? (() => undefined);
  const unknown = accountsOf(sources).filter(
    (k) => known(cashAccountKey(k.venue, k.account, k.currency)) === undefined,
  );
  const opening = await openingBalances(tx, schema, unknown);
  const entries = ledgerEntries(sources, (key) => known(key) ?? opening.get(key));
  const balances = new Map<string, Decimal>();
  if (entries.length === 0) return { entries: 0, balances };
  const rows = entries.flatMap((e) => {
    if (!isBalanced(e.postings))
      throw new Error(`ledger entry ${e.entryId} (${e.currency}) does not balance`);
    balances.set(cashAccountKey(e.venue, e.account, e.currency), e.cashBalance);
    return e.postings.map((p) => ({
      venue: e.venue,
      account: e.account,
      currency: e.currency,
      entry_id: e.entryId,
      ledger_account: p.account,
      amount: p.amount.toString(),
      cause: e.cause,
      trade_id: e.tradeId ?? null,
      order_id: e.orderId ?? null,
      venue_entry_id: e.venueEntryId ?? null,
      venue_type: e.venueType ?? null,
      symbol: e.symbol ?? null,
      at: e.at,
      cash_balance: e.cashBalance.toString(),
      global_position: e.position,
    }));
  });
  if (options.copy === true && tx.copyFrom !== undefined) {
    // Each entry is new by construction (its source is new now): a row already there fails the
    // batch either way.
    await copyRowsInto(tx, `${schema}.ledger_postings`, rows);
  } else {
    await writeOrDefer(tx, {
      table: `${schema}.ledger_postings`,
      text: `insert into ${schema}.ledger_postings
       select * from jsonb_to_recordset($1::jsonb) as r(venue text, account text, currency text, entry_id text,
         ledger_account text, amount numeric, cause text, trade_id text, order_id text, venue_entry_id text,
         venue_type text, symbol text, at timestamptz, cash_balance numeric, global_position text)`,
      params: [JSON.stringify(rows)],
      name: `${schema}_ledger_postings_insert`,
    });
  }
  return { entries: entries.length, balances };
};

// ------------------------------------------------------------------------------------------------
// Queries: the postings, newest first, in keyset pages (the API's); the trades the reconciliation
// compares with the venue's log (the service's)
// ------------------------------------------------------------------------------------------------

const postingRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  entry_id: z.string(),
  ledger_account: LedgerAccountSchema,
  amount: z.string(),
  cause: z.string(),
  trade_id: z.string().nullable(),
  order_id: z.string().nullable(),
  venue_entry_id: z.string().nullable(),
  venue_type: z.string().nullable(),
  symbol: z.string().nullable(),
  at: z.union([z.date(), z.string()]),
  cash_balance: z.string(),
  global_position: z.string(),
});

/** Keyset cursor over (at, global_position, currency, ledger_account), descending. */
const tie = z.tuple([z.string().min(1).max(100), z.string().min(1).max(16), LedgerAccountSchema]);
const cursor = keysetCursor(
  z.string().refine((text) => {
    try {
      return tie.safeParse(JSON.parse(text)).success;
    } catch {
      return false;
    }
  }),
);

const canon = (text: string) => parseDecimal(text).toString();

/** Query (API): a page of postings, newest first. */
export const postingsPage = async (db: SqlRunner, s: string, query: PostingsQuery): Promise<PostingPage> => {
  const filters: Filter[] = [
    ['venue = $', query.venue],
    ['account = $', query.account],
    ['currency = $', query.currency],
    ['ledger_account = any($::text[])', query.ledgerAccount],
    ['at >= $::timestamptz', query.from],
    ['at < $::timestamptz', query.to],
  ];
  if (query.cursor) {
    const [at, text] = cursor.decode(query.cursor);
    const [position, currency, ledgerAccount] = tie.parse(JSON.parse(text));
    filters.push([
      '(at, global_position, currency, ledger_account) < ($::timestamptz, $, $, $)',
      at,
      position,
      currency,
      ledgerAccount,
    ]);
  }
  const { where, params } = whereClause(filters);
  params.push(query.limit + 1);
  const { rows } = await db.query(
    `select venue, account, currency, entry_id, ledger_account, trim_scale(amount)::text as amount, cause,
       trade_id, order_id, venue_entry_id, venue_type, symbol, at,
       trim_scale(cash_balance)::text as cash_balance, global_position
     from ${s}.ledger_postings ${where}
     order by at desc, global_position desc, currency desc, ledger_account desc limit $${params.length}`,
    params,
  );
  const parsed = rows.map((r) => postingRowSchema.parse(r));
  const page = parsed.slice(0, query.limit);
  const last = page.at(-1);
  return {
    postings: page.map((r) => ({
      venue: r.venue,
      account: r.account,
      currency: r.currency,
      entryId: r.entry_id,
      ledgerAccount: r.ledger_account,
      amount: canon(r.amount),
      cause: r.cause,
      tradeId: r.trade_id,
      orderId: r.order_id,
      venueEntryId: r.venue_entry_id,
      venueType: r.venue_type,
      symbol: r.symbol,
      at: iso(r.at) ?? '',
      cashBalance: canon(r.cash_balance),
    })),
    nextCursor:
      parsed.length > query.limit && last
        ? cursor.encode(
            iso(last.at) ?? '',
            JSON.stringify([last.global_position, last.currency, last.ledger_account]),
          )
        : null,
  };
};

const tradeRow = z.object({
  trade_id: z.string(),
  order_id: z.string(),
  symbol: z.string(),
  currency: z.string(),
  at: z.union([z.date(), z.string()]),
  cash: z.string(),
});
const entryRow = z.object({
  venue_entry_id: z.string(),
  trade_id: z.string().nullable(),
  symbol: z.string().nullable(),
  currency: z.string(),
  at: z.union([z.date(), z.string()]),
  change: z.string(),
});
const coverageRow = z.object({
  currency: z.string(),
  first: z.union([z.date(), z.string()]),
  last: z.union([z.date(), z.string()]),
});

/**
 * Query (service): the account's fills with the cash our ledger posted for each (in the fill's fee
 * currency; zero when the fill posted none), its venue trade and liquidation entries, and the span
 * of venue time each currency's log covers. The whole history: one pass per reconciliation.
 */
export const ledgerTrades = async (
  db: SqlRunner,
  s: string,
  venue: Venue,
  account: string,
): Promise<LedgerTrades> => {
  const fills = await db.query(
    `select f.trade_id, f.order_id::text as order_id, f.instrument as symbol, f.fee_currency as currency,
       f.executed_at as at, coalesce(trim_scale(p.amount), 0)::text as cash
     from ${s}.fills f
     left join ${s}.ledger_postings p on p.venue = f.venue and p.account = f.account
       and p.currency = f.fee_currency and p.entry_id = 'fill:' || f.trade_id and p.ledger_account = 'cash'
     where f.venue = $1 and f.account = $2`,
    [venue, account],
  );
  const entries = await db.query(
    `select venue_entry_id, trade_id, symbol, currency, at, trim_scale(change)::text as change
     from ${s}.cash_movements where venue = $1 and account = $2 and kind in ('trade', 'liquidation')`,
    [venue, account],
  );
  const coverage = await db.query(
    `select currency, min(at) as first, max(at) as last from ${s}.cash_movements
     where venue = $1 and account = $2 group by currency`,
    [venue, account],
  );
  return {
    fills: fills.rows.map((raw) => {
      const r = tradeRow.parse(raw);
      return {
        tradeId: r.trade_id,
        orderId: r.order_id,
        symbol: r.symbol,
        currency: r.currency,
        at: iso(r.at) ?? '',
        cash: parseDecimal(r.cash),
      };
    }),
    venueEntries: entries.rows.map((raw) => {
      const r = entryRow.parse(raw);
      return {
        venueEntryId: r.venue_entry_id,
        tradeId: r.trade_id ?? undefined,
        symbol: r.symbol ?? undefined,
        currency: r.currency,
        at: iso(r.at) ?? '',
        change: parseDecimal(r.change),
      };
    }),
    coverage: coverage.rows.map((raw) => {
      const r = coverageRow.parse(raw);
      return { currency: r.currency, from: iso(r.first) ?? '', to: iso(r.last) ?? '' };
    }),
  };
};
