import type { CashMovementData } from '../../domain/ledger/contract.ts';
import type { SqlRunner } from '../db/read-model-db.ts';
import type { ProjectedCashEvent } from '../events.ts';
import type { ReadModelTable } from '../schema.ts';

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
  symbol text,
  trade_id text,
  venue_order_id text,
  at timestamptz not null,
  global_position text collate "C" not null,
  primary key (venue, account, venue_entry_id)
);`,
  indexes: (s) => `
create index cash_movements_account_time on ${s}.cash_movements (venue, account, currency, at, venue_seq, venue_entry_id);
create index cash_movements_kind_time on ${s}.cash_movements (kind, at);`,
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
): Promise<number> => {
  if (events.length === 0) return 0;
  const rows = events.map((e) => movementRow(e.movement, e.position));
  const result = await tx.query(
    `with incoming as (
       select r.*
       from jsonb_to_recordset($1::jsonb) as r(venue text, account text, currency text,
         venue_entry_id text, venue_seq numeric, venue_type text, kind text, change numeric, funding numeric,
         fee numeric, pnl numeric, balance_after numeric, symbol text, trade_id text, venue_order_id text,
         at timestamptz, global_position text)
       where not exists (select 1 from ${schema}.cash_movements c
         where c.venue = r.venue and c.account = r.account and c.venue_entry_id = r.venue_entry_id)
     ),
     opening as (
       select distinct on (i.venue, i.account, i.currency) i.venue, i.account, i.currency,
         coalesce((select c.our_balance from ${schema}.cash_movements c
                   where c.venue = i.venue and c.account = i.account and c.currency = i.currency
                   order by c.global_position desc limit 1), 0) as balance
       from incoming i
     )
     insert into ${schema}.cash_movements
     select i.venue, i.account, i.currency, i.venue_entry_id, i.venue_seq, i.venue_type, i.kind, i.change,
       i.funding, i.fee, i.pnl, i.balance_after,
       o.balance + sum(i.change) over (partition by i.venue, i.account, i.currency order by i.global_position),
       i.symbol, i.trade_id, i.venue_order_id, i.at, i.global_position
     from incoming i join opening o using (venue, account, currency)
     on conflict (venue, account, venue_entry_id) do nothing`,
    [JSON.stringify(rows)],
    `${schema}_cash_movements_insert`,
  );
  return result.rowCount ?? 0;
};
