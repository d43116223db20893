import type { Decimal } from '../../domain/decimal.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { cashAccountKey, type EntrySource, ledgerEntries } from '../../domain/ledger/entries.ts';
import { isBalanced } from '../../domain/ledger/ledger.ts';
import type { SqlRunner } from '../db/read-model-db.ts';
import type { ReadModelTable } from '../schema.ts';

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
select venue, account, currency, entry_id, sum(amount)::text as imbalance
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

/** Posts the entries of these (new) sources, in the order given (`$all` order). Returns how many. */
export const writeLedgerPostings = async (
  tx: SqlRunner,
  schema: string,
  sources: readonly EntrySource[],
): Promise<number> => {
  if (sources.length === 0) return 0;
  const opening = await openingBalances(tx, schema, accountsOf(sources));
  const entries = ledgerEntries(sources, (key) => opening.get(key));
  if (entries.length === 0) return 0;
  const rows = entries.flatMap((e) => {
    if (!isBalanced(e.postings))
      throw new Error(`ledger entry ${e.entryId} (${e.currency}) does not balance`);
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
  await tx.query(
    `insert into ${schema}.ledger_postings
     select * from jsonb_to_recordset($1::jsonb) as r(venue text, account text, currency text, entry_id text,
       ledger_account text, amount numeric, cause text, trade_id text, order_id text, venue_entry_id text,
       venue_type text, symbol text, at timestamptz, cash_balance numeric, global_position text)`,
    [JSON.stringify(rows)],
    `${schema}_ledger_postings_insert`,
  );
  return entries.length;
};
