import type { Observable } from 'rxjs';
import type { Decimal } from '../../domain/decimal.ts';
import type { Instrument, Venue } from '../../domain/instrument.ts';
import type { CashMovementData } from '../../domain/ledger/contract.ts';
import type { VenueLatency } from '../../domain/metadata.ts';
import type {
  Amendment,
  CancelReason,
  Fill,
  OrderParams,
  OrderSide,
  OrderType,
  PositionMode,
  TradeSide,
} from '../../domain/order/contract.ts';
import type { RecordedResting } from '../../domain/order/resting.ts';
import type { PositionSide } from '../../domain/position/position.ts';
import type { VenuePriceLimits } from '../../domain/risk/pre-trade.ts';

/**
 * The venue port: what the order service needs from an exchange, whatever its protocol.
 * Deribit (JSON-RPC over WebSocket/HTTP) and Bitget (signed REST + private WebSocket) implement it.
 *
 * Adapters parse every venue message with zod and hand over normalized values: exact decimals,
 * economic sides (buy/sell as the trade's direction, also in Bitget hedge mode), ISO-8601 venue
 * times, and the raw payload for the audit trail. They never decide what happened to an order:
 * they report, and the domain decides.
 */

/** An order's status as the venue reports it. */
export type VenueOrderStatus =
  | 'open'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  | 'expired'
  | 'untriggered';

/** A mark price and the venue's limits around it (see VenuePriceLimits). */
export interface ReferencePrices extends VenuePriceLimits {
  readonly mark: Decimal;
}

export interface VenueOrderSnapshot {
  venue: Venue;
  account: string;
  symbol: string;
  venueOrderId: string;
  /** Deribit `label` / Bitget `clientOid`; undefined when the venue has none (Deribit `""`). */
  clientOrderId: string | undefined;
  side: OrderSide;
  type: OrderType;
  status: VenueOrderStatus;
  amount: Decimal;
  filledAmount: Decimal;
  price: Decimal | undefined;
  averagePrice: Decimal | undefined;
  reduceOnly: boolean;
  postOnly: boolean;
  positionMode: PositionMode;
  tradeSide: TradeSide | undefined;
  cancelReason: CancelReason | undefined;
  /** The venue's own words for the cancel reason (Deribit `cancel_reason`, Bitget `cancelReason`). */
  venueReason: string | undefined;
  /** Deribit `replaced: true` after an edit. */
  replaced: boolean;
  /** Deribit `trigger_order_id`: this order was created by that trigger order when it fired. */
  triggerOrderId?: string;
  createdAt: string;
  updatedAt: string;
  /** The venue's payload as received (numbers kept as text), for the audit trail. */
  raw: unknown;
}

/** `openOrdersBesides`: the open orders read in full, and the ids of those listed as recorded. */
export interface OpenOrdersBesides {
  orders: VenueOrderSnapshot[];
  asRecorded: string[];
}

/** A fill as the venue reports it: the domain's fill plus what ties it to an order and a position. */
export interface VenueFill extends Fill {
  venue: Venue;
  account: string;
  symbol: string;
  side: OrderSide;
  venueOrderId: string;
  clientOrderId: string | undefined;
  positionMode: PositionMode;
  tradeSide: TradeSide | undefined;
  raw: unknown;
}

export interface VenuePosition {
  venue: Venue;
  account: string;
  symbol: string;
  /** `net` (signed size) or a hedge leg (size >= 0). */
  side: PositionSide;
  size: Decimal;
  averageEntry: Decimal | undefined;
  realizedPnl: Decimal | undefined;
  raw: unknown;
}

/** What the venue pushes, normalized. `receivedAt` is when the adapter got it (ISO-8601). */
export type VenueReport =
  | { kind: 'order'; order: VenueOrderSnapshot; receivedAt: string }
  | { kind: 'fill'; fill: VenueFill; receivedAt: string }
  | { kind: 'positions'; positions: VenuePosition[]; receivedAt: string }
  | { kind: 'unreadable'; item: UnreadableItem; receivedAt: string };

/** What kind of object an unreadable item was meant to be. */
export type UnreadableWhat = 'order' | 'fill' | 'position' | 'instrument' | 'cash';

/**
 * One object of a reply or a push that the adapter could not read. The others of its reply or push
 * are read as usual; this one is handed over with its text (nothing is lost) and recorded as an
 * anomaly. It never pauses a venue.
 */
export interface UnreadableItem {
  venue: Venue;
  account: string;
  what: UnreadableWhat;
  /** The object as received, as JSON text (numbers digit for digit). */
  raw: string;
  /** What did not match, each problem named by its field. */
  error: string;
  /** Where it came from: a push channel or a request method. */
  source: string;
}

/** A venue refusal that proves the request was not carried out. */
export interface VenueRefusal {
  outcome: 'rejected';
  venueCode: string;
  message: string;
  latency?: VenueLatency;
  /**
   * Nothing left the adapter (its rate limiter could not fit the request in time, no transport was
   * up): the venue never saw it, so it may simply be sent later. Not the venue's verdict.
   */
  notSent?: boolean;
  /**
   * Not sent because the adapter's own rate limiter could not fit it in time: back-pressure from
   * this OMS, never a sign that the venue stopped answering.
   */
  throttled?: boolean;
}

/** The request may or may not have been carried out: timeouts, disconnects, 5xx, retryable codes. */
export interface VenueUnknown {
  outcome: 'unknown';
  reason: string;
  /** A venue code when the venue answered with a non-definitive error (Deribit 10028, ...). */
  venueCode?: string;
  /** Whether retrying the same request (same client id) later is sensible. */
  retryable: boolean;
}

export type PlaceResult =
  | {
      outcome: 'accepted';
      venueOrderId: string;
      /** The order as the venue returned it, when it does (Deribit does; Bitget returns ids only). */
      order: VenueOrderSnapshot | undefined;
      /** Trades that happened synchronously on entry (Deribit `trades`). */
      fills: VenueFill[];
      latency?: VenueLatency;
    }
  | VenueRefusal
  | VenueUnknown;

export type AmendResult =
  | {
      outcome: 'accepted';
      /** Deribit keeps the id; Bitget's replacement gets a new one (possibly only known later). */
      venueOrderId: string | undefined;
      clientOrderId: string | undefined;
      order: VenueOrderSnapshot | undefined;
      fills: VenueFill[];
      latency?: VenueLatency;
    }
  | VenueRefusal
  | VenueUnknown;

export type CancelResult =
  | { outcome: 'accepted'; order: VenueOrderSnapshot | undefined; latency?: VenueLatency }
  | VenueRefusal
  | VenueUnknown;

/** A venue cash movement (Deribit transaction log entry, Bitget bill), read and normalized by its adapter. */
export type VenueCashMovement = CashMovementData;

/** A window of venue time, both ends included, in milliseconds since the epoch. */
export interface CashWindow {
  currency: string;
  fromMs: number;
  toMs: number;
}

/** How the adapter names an order at the venue. */
export interface VenueOrderRef {
  instrument: Instrument;
  clientOrderId: string;
  venueOrderId: string | undefined;
  positionMode: PositionMode;
  /**
   * A trigger order that, as far as this OMS knows, has not fired: `venueOrderId` names the trigger
   * order itself (Bitget: a plan order, cancelled and modified through the plan endpoints).
   */
  untriggered?: boolean;
}

export type VenueConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface VenueConnectionState {
  status: VenueConnectionStatus;
  /** ISO-8601 time of the last status change. */
  since: string;
  /** How many times the connection was re-established. Each new `connected` hands over to reconciliation. */
  reconnects: number;
  detail?: string;
}

export interface PlaceOptions {
  /**
   * Epoch milliseconds after which the venue must not start processing the order (Deribit
   * `valid_until`). After it has passed, a lookup that does not find the order proves it was never
   * placed, so it can be sent again without risking a duplicate. Venues without it ignore it.
   */
  validUntilMs?: number;
}

/** What a venue can do, so that the application never asks which venue it is talking to. */
export interface VenueCapabilities {
  /**
   * The venue refuses a second order with a client id it already has (Bitget clientOid, error
   * 40786): a placement can be sent again at any time without risking a duplicate. Without it
   * (Deribit labels), a resend waits until every earlier send's `valid_until` has passed.
   */
  readonly uniqueClientOrderIds: boolean;
  /** An amend replaces the order with a new one that needs its own client id (Bitget modify). */
  readonly amendReplacesOrder: boolean;
  /** Orders carry a margin mode (Bitget `marginMode`: crossed or isolated). */
  readonly marginModePerOrder: boolean;
}

export interface VenueAdapter {
  readonly venue: Venue;
  readonly account: string;
  readonly capabilities: VenueCapabilities;

  /** Connects, authenticates and subscribes; resolves once reports flow. */
  connect(): Promise<void>;
  close(): Promise<void>;
  /** Connection status; replays the current one on subscribe. */
  readonly state$: Observable<VenueConnectionState>;
  /** Order updates, fills and positions pushed by the venue, normalized. */
  readonly reports$: Observable<VenueReport>;

  instruments(): Promise<Instrument[]>;
  /** The venue's current mark price (pre-trade price band checks). */
  markPrice(instrument: Instrument): Promise<Decimal>;
  /** The mark and the venue's own price limits for limit orders now (pre-trade checks). */
  referencePrices(instrument: Instrument): Promise<ReferencePrices>;

  place(order: OrderParams, options?: PlaceOptions): Promise<PlaceResult>;
  /** Deribit `private/close_position`; Bitget a closing order (tradeSide close / reduce-only). */
  closePosition(order: OrderParams, options?: PlaceOptions): Promise<PlaceResult>;
  amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult>;
  cancel(ref: VenueOrderRef): Promise<CancelResult>;
  /** Cancels every open order of an instrument; resolves to the number cancelled. */
  cancelAll(instrument: Instrument): Promise<number>;

  /** Orders carrying this client id (Deribit labels are not unique: there may be several). */
  findByClientOrderId(instrument: Instrument, clientOrderId: string): Promise<VenueOrderSnapshot[]>;
  getOrder(instrument: Instrument, venueOrderId: string): Promise<VenueOrderSnapshot | undefined>;
  openOrders(instrument?: Instrument): Promise<VenueOrderSnapshot[]>;
  /**
   * The account's open orders, where those the venue lists exactly as `recorded` holds them (keyed
   * by venue order id, see `listedAsRecorded`) may be named in `asRecorded` instead of read in
   * full: a venue with thousands of resting orders is compared off the service's event loop.
   * Venues without it are asked `openOrders()`.
   */
  openOrdersBesides?(recorded: ReadonlyMap<string, RecordedResting>): Promise<OpenOrdersBesides>;
  /** Recent fills, oldest first: of one order, or of an instrument since a time (ISO-8601). */
  fills(query: { instrument: Instrument; venueOrderId?: string; since?: string }): Promise<VenueFill[]>;
  positions(): Promise<VenuePosition[]>;

  /**
   * The venue's cash log (Deribit `get_transaction_log`, Bitget account bills): every movement of
   * one currency in a window of venue time, oldest first, all pages read. Venues without one omit it.
   */
  cashMovements?(window: CashWindow): Promise<VenueCashMovement[]>;
  /** The currencies the account holds cash in (what `cashMovements` is asked about). */
  cashCurrencies?(): Promise<string[]>;
}
