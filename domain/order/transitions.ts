import type { OrderEventType, OrderType, SubmissionRequest } from './contract.ts';

/**
 * Order statuses.
 * - `pending_new`: requested and recorded; not yet confirmed by the venue.
 * - `unknown`: the submission's outcome is unknown (timeout, disconnect, 5xx, ...); it stays in
 *   flight until a lookup, a push or reconciliation tells. Never guessed to be rejected.
 * - `untriggered`: a stop/take order accepted and waiting for its trigger.
 * - `pending_amend` / `pending_cancel`: a request is at the venue; the status before it (the
 *   "base") is remembered and restored if the venue refuses the request.
 */
export const ORDER_STATUSES = [
  'pending_new',
  'unknown',
  'untriggered',
  'open',
  'partially_filled',
  'pending_amend',
  'pending_cancel',
  'filled',
  'cancelled',
  'rejected',
  'expired',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type FromStatus = OrderStatus | 'initial';

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'filled',
  'cancelled',
  'rejected',
  'expired',
]);
export const PENDING_STATUSES: ReadonlySet<OrderStatus> = new Set(['pending_amend', 'pending_cancel']);
/**
 * Statuses in which a request of ours waits for the venue (a placement not yet acknowledged, an
 * unknown outcome, a cancel or an amend in flight): the submission protocol works on these.
 */
export const AWAITING_VENUE_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'pending_new',
  'unknown',
  ...PENDING_STATUSES,
]);
/** Statuses in which the order may be working at the venue (or may be, when unknown): all but the terminal ones. */
export const LIVE_STATUSES: ReadonlySet<OrderStatus> = new Set(
  ORDER_STATUSES.filter((s) => !TERMINAL_STATUSES.has(s)),
);

/** The statuses of `set` in the order `ORDER_STATUSES` lists them (for SQL `in (...)` lists and docs). */
export const statusList = (set: ReadonlySet<OrderStatus>): OrderStatus[] =>
  ORDER_STATUSES.filter((s) => set.has(s));

export function isTerminal(status: FromStatus): boolean {
  return status !== 'initial' && TERMINAL_STATUSES.has(status);
}

/**
 * Where a row leads. Besides a fixed status:
 * - `same`: recorded, status unchanged;
 * - `fill`: `filled` when the cumulative filled amount reaches the amount, else `partially_filled`;
 * - `fill_or_same`: `filled` when complete, else unchanged (late fills on closed orders);
 * - `accepted`: `untriggered` for stop/take orders, else `open`;
 * - `previous`: the base status remembered when the pending request started;
 * - `previous_or_filled`: as `previous`, or `filled` when an accepted amend leaves nothing to fill;
 * - `underlying`: while a request is pending, the event is applied to the base status: the order
 *   stays pending with the new base, unless the result is terminal;
 * - `unknown_if_place`: `unknown` when the unknown outcome is the placement's, else unchanged.
 */
export type Target =
  | OrderStatus
  | 'same'
  | 'fill'
  | 'fill_or_same'
  | 'accepted'
  | 'previous'
  | 'previous_or_filled'
  | 'underlying'
  | 'unknown_if_place';

/** The events that move statuses. `OrderAnomalyDetected` never does. */
export type TransitionEvent = Exclude<OrderEventType, 'OrderAnomalyDetected'>;

type Row = readonly [from: FromStatus, on: TransitionEvent, to: Target];

/**
 * THE transition table: every legal (status, event) pair. Anything not listed is refused, and a
 * refused venue report becomes an `OrderAnomalyDetected` event for an operator.
 * Rows marked ★ encode real-world venue behaviour.
 */
const ROWS: readonly Row[] = [
  ['initial', 'OrderRequested', 'pending_new'],
  ['initial', 'ExternalOrderDiscovered', 'open'],

  ['pending_new', 'OrderAccepted', 'accepted'],
  ['pending_new', 'OrderRejected', 'rejected'],
  ['pending_new', 'OrderOutcomeUnknown', 'unknown_if_place'],
  // ★ A fill can arrive before the submit response: the WebSocket push beats the RPC reply.
  ['pending_new', 'OrderFilled', 'fill'],
  // ★ IOC/FOK (and market remainders) go from submitted straight to cancelled or expired.
  ['pending_new', 'OrderCancelled', 'cancelled'],
  ['pending_new', 'OrderExpired', 'expired'],
  // A trader may cancel an order still in flight (Bitget cancels by clientOid, Deribit by label).
  ['pending_new', 'OrderCancelRequested', 'pending_cancel'],

  ['unknown', 'OrderAccepted', 'accepted'],
  // Only on definitive proof (a lookup that the venue answers "never placed"), never on a guess.
  ['unknown', 'OrderRejected', 'rejected'],
  ['unknown', 'OrderOutcomeUnknown', 'same'],
  ['unknown', 'OrderFilled', 'fill'],
  ['unknown', 'OrderCancelled', 'cancelled'],
  ['unknown', 'OrderExpired', 'expired'],
  ['unknown', 'OrderCancelRequested', 'pending_cancel'],

  ['untriggered', 'OrderTriggered', 'open'],
  // ★ A stop-market order can fill the instant it triggers; its fill may be pushed first.
  ['untriggered', 'OrderFilled', 'fill'],
  ['untriggered', 'OrderCancelRequested', 'pending_cancel'],
  ['untriggered', 'OrderAmendRequested', 'pending_amend'],
  ['untriggered', 'OrderCancelled', 'cancelled'],
  ['untriggered', 'OrderExpired', 'expired'],
  ['untriggered', 'OrderOutcomeUnknown', 'same'],
  ['untriggered', 'OrderCancelRejected', 'same'],
  ['untriggered', 'OrderAmendRejected', 'same'],

  ['open', 'OrderFilled', 'fill'],
  ['open', 'OrderCancelRequested', 'pending_cancel'],
  ['open', 'OrderAmendRequested', 'pending_amend'],
  // ★ Venue-initiated cancels: cancel-on-disconnect, liquidation, self-trade prevention, settlement.
  ['open', 'OrderCancelled', 'cancelled'],
  ['open', 'OrderExpired', 'expired'],
  // ★ An edit made outside this OMS (the venue's web UI), or a late duplicate of an amend reply.
  ['open', 'OrderAmendAccepted', 'previous_or_filled'],
  // ★ The submit RPC timed out after the WebSocket had already confirmed the order.
  ['open', 'OrderOutcomeUnknown', 'same'],
  // A repeated or late reply to a request that has already resolved.
  ['open', 'OrderCancelRejected', 'same'],
  ['open', 'OrderAmendRejected', 'same'],

  ['partially_filled', 'OrderFilled', 'fill'],
  // ★ Late ack: a partial fill (pushed) arrived before the submit response.
  ['partially_filled', 'OrderAccepted', 'same'],
  ['partially_filled', 'OrderCancelRequested', 'pending_cancel'],
  ['partially_filled', 'OrderAmendRequested', 'pending_amend'],
  ['partially_filled', 'OrderCancelled', 'cancelled'],
  ['partially_filled', 'OrderExpired', 'expired'],
  ['partially_filled', 'OrderAmendAccepted', 'previous_or_filled'],
  ['partially_filled', 'OrderOutcomeUnknown', 'same'],
  ['partially_filled', 'OrderCancelRejected', 'same'],
  ['partially_filled', 'OrderAmendRejected', 'same'],

  ['pending_amend', 'OrderAmendAccepted', 'previous_or_filled'],
  // A failed amend returns the order to the state it had before the request.
  ['pending_amend', 'OrderAmendRejected', 'previous'],
  ['pending_amend', 'OrderFilled', 'underlying'],
  ['pending_amend', 'OrderTriggered', 'underlying'],
  // ★ Deribit cancels a post-only order whose edit would cross (cancel_reason edit_post_only_reject).
  ['pending_amend', 'OrderCancelled', 'cancelled'],
  ['pending_amend', 'OrderExpired', 'expired'],
  ['pending_amend', 'OrderCancelRequested', 'pending_cancel'],
  ['pending_amend', 'OrderOutcomeUnknown', 'same'],
  ['pending_amend', 'OrderCancelRejected', 'same'],

  ['pending_cancel', 'OrderCancelled', 'cancelled'],
  // A failed cancel returns the order to the state it had before the request.
  ['pending_cancel', 'OrderCancelRejected', 'previous'],
  // ★ Fills keep coming until the venue processes the cancel.
  ['pending_cancel', 'OrderFilled', 'underlying'],
  // ★ Cancel requested before the ack: the ack, a rejection or an unknown outcome still arrive.
  ['pending_cancel', 'OrderAccepted', 'underlying'],
  ['pending_cancel', 'OrderRejected', 'underlying'],
  ['pending_cancel', 'OrderOutcomeUnknown', 'underlying'],
  ['pending_cancel', 'OrderTriggered', 'underlying'],
  // An amend requested before the cancel resolves while the cancel is pending.
  ['pending_cancel', 'OrderAmendAccepted', 'underlying'],
  ['pending_cancel', 'OrderAmendRejected', 'same'],
  ['pending_cancel', 'OrderExpired', 'expired'],

  // ★ Late ack: the fill (pushed) arrived before the submit response.
  ['filled', 'OrderAccepted', 'same'],
  // ★ A cancel or amend that lost the race against the last fill is refused by the venue.
  ['filled', 'OrderCancelRejected', 'same'],
  ['filled', 'OrderAmendRejected', 'same'],
  ['filled', 'OrderOutcomeUnknown', 'same'],

  // ★ Late fill after the cancel was acknowledged: the trade happened before the cancel at the
  // venue and its report came late. The order stays cancelled (it is not working again), with
  // the fill counted; it becomes filled if that completes it. (NautilusTrader reopens the order
  // as partially filled; that would show a dead order as working.)
  ['cancelled', 'OrderFilled', 'fill_or_same'],
  ['cancelled', 'OrderAccepted', 'same'],
  ['cancelled', 'OrderCancelRejected', 'same'],
  ['cancelled', 'OrderAmendRejected', 'same'],
  ['cancelled', 'OrderOutcomeUnknown', 'same'],

  ['expired', 'OrderFilled', 'fill_or_same'],
  ['expired', 'OrderAccepted', 'same'],
  ['expired', 'OrderCancelRejected', 'same'],
  ['expired', 'OrderAmendRejected', 'same'],
  ['expired', 'OrderOutcomeUnknown', 'same'],

  ['rejected', 'OrderOutcomeUnknown', 'same'],
];

export const TRANSITION_TABLE: ReadonlyMap<FromStatus, ReadonlyMap<TransitionEvent, Target>> = (() => {
  const table = new Map<FromStatus, Map<TransitionEvent, Target>>();
  for (const [from, on, to] of ROWS) {
    const row = table.get(from) ?? new Map<TransitionEvent, Target>();
    if (row.has(on)) throw new Error(`duplicate transition row ${from} + ${on}`);
    row.set(on, to);
    table.set(from, row);
  }
  return table;
})();

export function targetOf(from: FromStatus, on: TransitionEvent): Target | undefined {
  return TRANSITION_TABLE.get(from)?.get(on);
}

/** What a transition needs to know besides the status: the facts *after* the event is applied. */
export interface TransitionContext {
  previousStatus: OrderStatus | undefined;
  /** Cumulative filled amount and order amount after the event. */
  complete: boolean;
  orderType: OrderType;
  /** For `OrderOutcomeUnknown`: which request's outcome is unknown. */
  request?: SubmissionRequest;
}

const TRIGGER_TYPES: ReadonlySet<OrderType> = new Set([
  'stop_limit',
  'stop_market',
  'take_limit',
  'take_market',
]);
export function isTriggerType(type: OrderType): boolean {
  return TRIGGER_TYPES.has(type);
}

export interface TransitionResult {
  status: OrderStatus;
  /** The base status remembered while a request is pending (undefined once none is). */
  previousStatus: OrderStatus | undefined;
}

/**
 * The status after `on` in `from`, or undefined when the table refuses it.
 * Pending statuses carry their base status along: `underlying` rows apply the event to the base.
 */
export function transition(
  from: FromStatus,
  on: TransitionEvent,
  ctx: TransitionContext,
): TransitionResult | undefined {
  const target = targetOf(from, on);
  if (target === undefined) return undefined;
  switch (target) {
    case 'same':
    case 'fill':
    case 'fill_or_same':
    case 'accepted':
    case 'previous':
    case 'previous_or_filled':
    case 'unknown_if_place':
      return SPECIAL_TARGETS[target](from, ctx);
    case 'underlying':
      return underlying(from, on, ctx);
    default:
      return { status: target, previousStatus: PENDING_STATUSES.has(target) ? baseOf(from, ctx) : undefined };
  }
}

/** The targets that are not a status, but `underlying` (which applies the event again). */
type SpecialTarget = Exclude<Target, OrderStatus | 'underlying'>;

const settled = (status: OrderStatus): TransitionResult => ({ status, previousStatus: undefined });

/** A pending status keeps its remembered base; any other status has none. */
const keepPending = (status: OrderStatus, ctx: TransitionContext): TransitionResult =>
  PENDING_STATUSES.has(status) ? { status, previousStatus: ctx.previousStatus } : settled(status);

/** What each non-status target of the table means, given where the order stands. */
const SPECIAL_TARGETS: Record<
  SpecialTarget,
  (from: FromStatus, ctx: TransitionContext) => TransitionResult | undefined
> = {
  same: (from, ctx) => (from === 'initial' ? undefined : keepPending(from, ctx)),
  fill: (_from, ctx) => settled(ctx.complete ? 'filled' : 'partially_filled'),
  fill_or_same: (from, ctx) => {
    if (from === 'initial') return undefined;
    return ctx.complete ? settled('filled') : keepPending(from, ctx);
  },
  accepted: (_from, ctx) => settled(isTriggerType(ctx.orderType) ? 'untriggered' : 'open'),
  previous: (_from, ctx) => settled(ctx.previousStatus ?? 'open'),
  previous_or_filled: (from, ctx) => {
    if (ctx.complete) return settled('filled');
    return settled(ctx.previousStatus ?? (from === 'initial' ? 'open' : from));
  },
  unknown_if_place: (from, ctx) => {
    if (from === 'initial') return undefined;
    return ctx.request === 'place' ? settled('unknown') : keepPending(from, ctx);
  },
};

/** A pending status applies the event to its remembered base, and stays pending unless that ends the order. */
function underlying(
  from: FromStatus,
  on: TransitionEvent,
  ctx: TransitionContext,
): TransitionResult | undefined {
  if (from === 'initial' || ctx.previousStatus === undefined) return undefined;
  const base = transition(ctx.previousStatus, on, { ...ctx, previousStatus: undefined });
  if (base === undefined) return undefined;
  if (TERMINAL_STATUSES.has(base.status)) return settled(base.status);
  return { status: from, previousStatus: base.status };
}

/** The base status to remember when a request starts (a pending status passes its own base on). */
function baseOf(from: FromStatus, ctx: TransitionContext): OrderStatus | undefined {
  if (from === 'initial') return undefined;
  return PENDING_STATUSES.has(from) ? ctx.previousStatus : from;
}
