import type { Decimal } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import type { LedgerTrade, LogCoverage, VenueTradeEntry } from '../../domain/ledger/trade-matching.ts';
import type { OrderStatus } from '../../domain/order/transitions.ts';
import type { PositionSide } from '../../domain/position/position.ts';

/**
 * What the service's processors read from the read models (PostgreSQL or the embedded PGlite).
 * Read models lag the events slightly: callers that need them current wait with `whenCaughtUp`.
 */
export interface ServiceReadModel {
  /** Orders that still need the venue: pending_new, unknown, pending_cancel, pending_amend. */
  ordersNeedingWork(): Promise<string[]>;
  /** Orders that may be working at the venue (any live status). */
  liveOrders(venue: Venue, account: string): Promise<LiveOrderRef[]>;
  orderIdByVenueOrderId(venue: Venue, account: string, venueOrderId: string): Promise<string | undefined>;
  positionSizes(venue: Venue, account: string): Promise<PositionSize[]>;
  /** Venue time of the latest fill recorded for the account, if any. */
  lastFillTime(venue: Venue, account: string): Promise<string | undefined>;
  /** The orders that already hold these trades of the account (trade id → order id). */
  ordersOfTrades(venue: Venue, account: string, tradeIds: readonly string[]): Promise<Map<string, string>>;
  /** Per currency: the sum of the account's recorded cash movements, and the venue's balance after the latest. */
  cashBalances(venue: Venue, account: string): Promise<CashBalance[]>;
  /** The account's fills with the cash our ledger posted for each, its venue trade entries, and what its log covers. */
  ledgerTrades(venue: Venue, account: string): Promise<LedgerTrades>;
  /** The instruments to mark: those with an open position, or traded at or after `since` (ISO-8601). */
  instrumentsToMark(since: string): Promise<InstrumentRef[]>;
}

export interface InstrumentRef {
  venue: Venue;
  symbol: string;
}

export interface LedgerTrades {
  fills: LedgerTrade[];
  venueEntries: VenueTradeEntry[];
  coverage: LogCoverage[];
}

export interface CashBalance {
  currency: string;
  ours: Decimal;
  theirs: Decimal | undefined;
}

export interface LiveOrderRef {
  orderId: string;
  symbol: string;
  venueOrderIds: string[];
  clientOrderId: string;
  /** What the read models hold of it (for reconciliation to tell an order it need not look at). */
  status: OrderStatus;
  /** The venue order id it goes by now. */
  venueOrderId: string | undefined;
  amount: Decimal;
  filled: Decimal;
  price: Decimal | undefined;
  /** A request to the venue whose outcome is not known yet. */
  requestUnresolved: boolean;
  /** When the OMS recorded it (its first event, ISO-8601, the service's clock). */
  createdAt: string;
}

export interface PositionSize {
  symbol: string;
  side: PositionSide;
  size: Decimal;
}

/** How far the projection that maintains the read models has come. */
export interface ProjectionProgress<P> {
  /** Resolves once the read models followed the store live (the first time); rejects if they failed. */
  whenLive(): Promise<void>;
  /** Resolves once the read models include `position`; rejects after `timeoutMs`. */
  whenCaughtUp(position: P, timeoutMs: number): Promise<void>;
  /** The position the read models are at (undefined: the start of the store). */
  checkpoint(): P | undefined;
}
