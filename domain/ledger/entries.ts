import { type Decimal, exactSum, ZERO } from '../decimal.ts';
import type { Venue } from '../instrument.ts';
import type { CashMovementData } from './contract.ts';
import {
  type CashModel,
  type CashMovement,
  type CashMovementKind,
  fillPostings,
  movementPostings,
  type Posting,
} from './ledger.ts';

/**
 * The ledger's entries, one per cause, per venue account and currency: what the read model
 * `ledger_postings` holds. The postings of each entry are the rules of `ledger.ts` (nothing here
 * decides an amount); this file names the entry, ties it to its cause and carries the running
 * balance of the `cash` account after it.
 *
 * Where the venue's log and our fills describe the same cash (a Deribit `trade` log entry, a
 * Bitget trade bill), the entry is ours: posted from our fill (`fillPostings`), and the venue's
 * entry posts nothing (`movementPostings` of a trade is empty); the reconciliation compares the
 * two instead (`trade-matching.ts`). So a trade is never counted twice, and our books are ours.
 */

/**
 * When each venue pays realized PnL into cash. Bitget: at each close (the bill of a close carries
 * its PnL; "Get Account Bills"). Deribit: futures' and perpetuals' session PnL and funding move
 * into cash at the daily settlement, 08:00 UTC (transaction log `settlement`; a `trade` entry's
 * `change` is its fee only).
 */
export const CASH_MODEL: Readonly<Record<Venue, CashModel>> = { bitget: 'immediate', deribit: 'session' };

/** One of our fills, with the PnL it realized (position math) in its instrument's PnL currency. */
export interface FillSource {
  readonly cause: 'fill';
  readonly venue: Venue;
  readonly account: string;
  readonly tradeId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly realized: Decimal;
  readonly pnlCurrency: string;
  /** Positive: paid. */
  readonly fee: Decimal;
  readonly feeCurrency: string;
  /** Venue time. */
  readonly at: string;
  /** Position in `$all` of the event that recorded it. */
  readonly position: string;
}

/** A venue cash movement recorded by the ledger ingester. */
export interface MovementSource {
  readonly cause: 'movement';
  readonly movement: CashMovementData;
  readonly position: string;
}

export type EntrySource = FillSource | MovementSource;

export interface LedgerEntry {
  readonly venue: Venue;
  readonly account: string;
  readonly currency: string;
  /** `fill:<trade id>` or `cash:<venue entry id>`: unique per venue account and currency. */
  readonly entryId: string;
  /** `fill`, or the movement's kind (funding, settlement, delivery, transfer, deposit, ...). */
  readonly cause: 'fill' | CashMovementKind;
  readonly tradeId?: string;
  readonly orderId?: string;
  readonly venueEntryId?: string;
  readonly venueType?: string;
  readonly symbol?: string;
  readonly at: string;
  readonly position: string;
  /** Balanced: they sum to zero. Never empty. */
  readonly postings: readonly Posting[];
  /** The `cash` account's balance after this entry (the account and currency's running sum). */
  readonly cashBalance: Decimal;
}

/** The key of a venue account and currency, for the running balances. */
export const cashAccountKey = (venue: string, account: string, currency: string): string =>
  `${venue}\u0000${account}\u0000${currency}`;

/** The venue's movement in the rules' terms: a delivery's or settlement's own PnL when the venue says. */
export const movementOf = (m: CashMovementData): CashMovement => ({
  kind: m.kind,
  change: m.change,
  ...(m.funding !== undefined && { funding: m.funding }),
  ...((m.kind === 'delivery' || m.kind === 'settlement') && m.pnl !== undefined && { settlementPnl: m.pnl }),
});

type Unbalanced = Omit<LedgerEntry, 'cashBalance'>;

/**
 * A fill's entries: one when its fee is paid in its PnL currency (both venues), else one per
 * currency (each balanced on its own).
 */
function fillEntries(f: FillSource): Unbalanced[] {
  const model = CASH_MODEL[f.venue];
  const parts =
    f.pnlCurrency === f.feeCurrency
      ? [{ currency: f.pnlCurrency, postings: fillPostings({ realized: f.realized, fee: f.fee }, model) }]
      : [
          { currency: f.pnlCurrency, postings: fillPostings({ realized: f.realized, fee: ZERO }, model) },
          { currency: f.feeCurrency, postings: fillPostings({ realized: ZERO, fee: f.fee }, model) },
        ];
  return parts.map((part) => ({
    venue: f.venue,
    account: f.account,
    currency: part.currency,
    entryId: `fill:${f.tradeId}`,
    cause: 'fill' as const,
    tradeId: f.tradeId,
    orderId: f.orderId,
    symbol: f.symbol,
    at: f.at,
    position: f.position,
    postings: part.postings,
  }));
}

function movementEntry({ movement: m, position }: MovementSource): Unbalanced {
  return {
    venue: m.venue,
    account: m.account,
    currency: m.currency,
    entryId: `cash:${m.venueEntryId}`,
    cause: m.kind,
    ...(m.tradeId !== undefined && { tradeId: m.tradeId }),
    venueEntryId: m.venueEntryId,
    venueType: m.venueType,
    ...(m.symbol !== undefined && { symbol: m.symbol }),
    at: m.at,
    position,
    postings: movementPostings(movementOf(m), CASH_MODEL[m.venue]),
  };
}

/**
 * The entries of these sources, in the order given (the order of `$all`), each with the running
 * balance of its account's cash from `opening` (the balance after the last entry already posted; zero
 * when none). A source that moves nothing (a venue trade entry, a fill with no PnL and no fee) has no
 * entry.
 */
export function ledgerEntries(
  sources: readonly EntrySource[],
  opening: (accountKey: string) => Decimal | undefined,
): LedgerEntry[] {
  const balances = new Map<string, Decimal>();
  const entries: LedgerEntry[] = [];
  for (const source of sources) {
    const unbalanced = source.cause === 'fill' ? fillEntries(source) : [movementEntry(source)];
    for (const entry of unbalanced) {
      if (entry.postings.length === 0) continue;
      const key = cashAccountKey(entry.venue, entry.account, entry.currency);
      const before = balances.get(key) ?? opening(key) ?? ZERO;
      // Exact: a balance of many 40-digit PnL amounts must not round.
      const cash = entry.postings.filter((p) => p.account === 'cash').map((p) => p.amount);
      const cashBalance = exactSum([before, ...cash]);
      balances.set(key, cashBalance);
      entries.push({ ...entry, cashBalance });
    }
  }
  return entries;
}
