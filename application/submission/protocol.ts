import type { Order } from '../../domain/order/state.ts';
import type { VenueCapabilities } from '../ports/venue.ts';

/**
 * The submission protocol as a pure step function: what to do next for an order with a request
 * pending, from the order's state, what this process has done for it so far, the time, what the
 * venue can do, and what the last look-up found. No I/O, no clock, no randomness: the scheduler
 * (submission.ts) carries the action out and asks again with what happened.
 *
 * The rules that keep an order from being lost or doubled:
 * - the request is recorded before any byte is sent (the order exists: its `OrderRequested` is stored);
 * - a placement this process did not itself just record is looked up by its client id before it
 *   is sent, since an earlier process may have sent it before crashing;
 * - an unknown outcome is resolved by a look-up; it is sent again only when the venue proves it
 *   never had it: at once where client ids are unique, elsewhere once every earlier send's
 *   `valid_until` (and the window of every earlier process) has passed, plus the clock skew;
 * - an order not at the venue long after it was requested is expired, never sent late;
 * - nothing goes to a paused venue: its orders are parked until it trades again.
 */

/** What this process did for an order so far (a new process starts from nothing). */
export interface Attempts {
  /** Sends of the placement by this process. */
  readonly placeSends: number;
  /** Latest `valid_until` this process gave the placement (epoch ms). */
  readonly lastValidUntil: number;
  /** Consecutive retries (for the backoff). */
  readonly retries: number;
  /** Earliest time the next step may run (a backoff in progress). */
  readonly notBefore: number;
}

export const noAttempts: Attempts = { placeSends: 0, lastValidUntil: 0, retries: 0, notBefore: 0 };

export interface ProtocolSettings {
  /** When this process started: sends of earlier processes all happened before it. */
  readonly startedAt: number;
  /** `valid_until` = send time + this window. */
  readonly submitWindowMs: number;
  /** Allowance for the clock difference with the venue when trusting `valid_until`. */
  readonly clockSkewMs: number;
  /** An order not at the venue this long after it was requested is expired, not sent late. */
  readonly maxSubmitDelayMs: number;
  /** Send closes with the venue's own close method (Deribit private/close_position). */
  readonly useVenueClosePosition: boolean;
}

export interface SubmissionInput {
  readonly order: Order;
  readonly attempts: Attempts;
  /** Recorded by this process and never sent: no look-up is needed before the first send. */
  readonly fresh: boolean;
  readonly now: number;
  /** When the order was requested (its first event's `recordedAt`). */
  readonly requestedAt: number;
  /** The venue takes orders (connected, reconciled, not paused). */
  readonly trading: boolean;
  readonly capabilities: VenueCapabilities;
  readonly settings: ProtocolSettings;
  /** What the look-up this step asked for found (absent: none was made yet). */
  readonly lookUp?: 'found' | 'absent' | 'unanswered';
  /** The earlier amend whose outcome was unknown has been learned and left the order pending. */
  readonly amendResolved?: boolean;
}

export type SubmissionAction =
  /** No request of ours is pending: forget what this process kept for the order. */
  | { readonly kind: 'forget' }
  /** Nothing to send now (an amend request without its amendment): wait for the next event. */
  | { readonly kind: 'idle' }
  /** Step again at `at` (a backoff, or the time a resend becomes safe). */
  | { readonly kind: 'wait'; readonly at: number }
  /** The venue does not trade now: step again when it does. */
  | { readonly kind: 'park' }
  /** Look the order up at the venue by its client id, record what is found, and step again. */
  | { readonly kind: 'look_up' }
  /** The venue did not answer: step again after the backoff. */
  | { readonly kind: 'retry' }
  /** A look-up found the order (and recorded it): nothing more now, or step again (`again`). */
  | { readonly kind: 'found'; readonly again: boolean }
  /** Record, without asking the venue, what the protocol has proven. */
  | {
      readonly kind: 'record';
      readonly outcome: 'expired' | 'cancelled';
      readonly why: 'too_late_to_send' | 'cancelled_before_sent' | 'never_placed';
    }
  | { readonly kind: 'send_place'; readonly method: 'place' | 'closePosition'; readonly validUntilMs: number }
  | { readonly kind: 'send_cancel' }
  /** Learn the outcome of an earlier amend whose answer was lost, then step again. */
  | { readonly kind: 'resolve_amend' }
  | { readonly kind: 'send_amend' };

/**
 * When sending the placement again cannot create a second order: at once where client ids are
 * unique (the venue refuses a duplicate, and the existing order is adopted); elsewhere once every
 * earlier send's `valid_until` has passed, and the window of earlier processes (whose sends all
 * happened before this one started), with the clock skew on top.
 */
export const safeToResendAt = (input: SubmissionInput): number => {
  if (input.capabilities.uniqueClientOrderIds) return 0;
  const { startedAt, submitWindowMs, clockSkewMs } = input.settings;
  return Math.max(startedAt + submitWindowMs, input.attempts.lastValidUntil) + clockSkewMs;
};

/** The next action for an order (see the rules above). */
export const decideSubmission = (input: SubmissionInput): SubmissionAction => {
  const { order } = input;
  if (order.status !== 'pending_new' && order.status !== 'unknown') {
    if (order.status !== 'pending_cancel' && order.status !== 'pending_amend') return { kind: 'forget' };
  }
  if (input.attempts.notBefore > input.now) return { kind: 'wait', at: input.attempts.notBefore };
  if (!input.trading) return { kind: 'park' };
  switch (order.status) {
    case 'pending_cancel':
      return decideCancel(input);
    case 'pending_amend':
      return decideAmend(input);
    default:
      return decidePlacement(input);
  }
};

/** After a look-up that found nothing: wait until a resend is safe, or give up when it is too late. */
const notAtVenue = (input: SubmissionInput): SubmissionAction | undefined => {
  const safeAt = safeToResendAt(input);
  if (safeAt > input.now) return { kind: 'wait', at: safeAt };
  return undefined;
};

const decidePlacement = (input: SubmissionInput): SubmissionAction => {
  const { order, attempts } = input;
  const mustLook = !input.fresh || attempts.placeSends > 0 || order.status === 'unknown';
  if (mustLook) {
    if (input.lookUp === undefined) return { kind: 'look_up' };
    if (input.lookUp === 'unanswered') return { kind: 'retry' };
    if (input.lookUp === 'found') return { kind: 'found', again: false };
    const waiting = notAtVenue(input);
    if (waiting) return waiting;
    if (input.requestedAt + input.settings.maxSubmitDelayMs < input.now) {
      return { kind: 'record', outcome: 'expired', why: 'too_late_to_send' };
    }
  }
  // A close goes as a reduce-only (or tradeSide close) order carrying the client id, so that an
  // unknown outcome can be looked up, unless the venue's own close method is asked for (Deribit's
  // private/close_position takes no label and no valid_until).
  const method =
    order.order.intent === 'close_position' && input.settings.useVenueClosePosition
      ? 'closePosition'
      : 'place';
  return { kind: 'send_place', method, validUntilMs: input.now + input.settings.submitWindowMs };
};

const decideCancel = (input: SubmissionInput): SubmissionAction => {
  const { order, attempts } = input;
  if (order.venueOrderId !== undefined) return { kind: 'send_cancel' };
  // Cancel requested before the venue confirmed the order.
  if (input.fresh && attempts.placeSends === 0) {
    return { kind: 'record', outcome: 'cancelled', why: 'cancelled_before_sent' };
  }
  if (input.lookUp === undefined) return { kind: 'look_up' };
  if (input.lookUp === 'unanswered') return { kind: 'retry' };
  // Found: the order now has its venue id; the next step cancels it.
  if (input.lookUp === 'found') return { kind: 'found', again: true };
  return notAtVenue(input) ?? { kind: 'record', outcome: 'cancelled', why: 'never_placed' };
};

const decideAmend = (input: SubmissionInput): SubmissionAction => {
  const { order } = input;
  if (!order.pendingAmendment) return { kind: 'idle' };
  // An earlier amend's outcome is unknown: learn it before sending again.
  if (order.unresolved === 'amend' && !input.amendResolved) return { kind: 'resolve_amend' };
  return { kind: 'send_amend' };
};
