import { assertNever } from '../assert-never.ts';
import { ZERO } from '../decimal.ts';
import { GrowingSet } from '../growing-set.ts';
import type { OrderEvent, SubmissionRequest } from './contract.ts';
import { exists, initialState, type Order, type OrderState } from './state.ts';
import { isTerminal, PENDING_STATUSES, type TransitionEvent, transition } from './transitions.ts';

// ------------------------------------------------------------------------------------------------
// evolve
// ------------------------------------------------------------------------------------------------

/** evolve(state, event) -> state. Pure and total: it trusts events that `decide` produced. */
export function evolve(state: OrderState, event: OrderEvent): OrderState {
  if (event.type === 'OrderRequested' || event.type === 'ExternalOrderDiscovered') {
    if (exists(state)) return state;
    const venueOrderId = event.type === 'ExternalOrderDiscovered' ? event.data.venueOrderId : undefined;
    return {
      status: event.type === 'OrderRequested' ? 'pending_new' : 'open',
      order: event.data.order,
      venueOrderId,
      venueOrderIds: venueOrderId === undefined ? [] : [venueOrderId],
      clientOrderIds: event.data.order.clientOrderId === '' ? [] : [event.data.order.clientOrderId],
      filled: ZERO,
      filledNotional: ZERO,
      fees: {},
      tradeIds: GrowingSet.empty(),
      previousStatus: undefined,
      pendingAmendment: undefined,
      unresolved: undefined,
      anomalies: 0,
    };
  }
  if (!exists(state)) return state;
  const next = apply(state, event);
  if (event.type === 'OrderAnomalyDetected') return next;
  const moved = transition(state.status, event.type as TransitionEvent, {
    previousStatus: state.previousStatus,
    complete: next.filled.gte(next.order.amount),
    orderType: next.order.type,
    ...(event.type === 'OrderOutcomeUnknown' && { request: event.data.request }),
  });
  if (moved === undefined) return next;
  const pending = PENDING_STATUSES.has(moved.status);
  return {
    ...next,
    status: moved.status,
    previousStatus: moved.previousStatus,
    // An amendment stays in flight through a cancel request; it is moot once nothing is pending.
    pendingAmendment: pending ? next.pendingAmendment : undefined,
  };
}

/** The per-event changes to the order's facts (the status is the table's business). */
function apply(state: Order, event: OrderEvent): Order {
  switch (event.type) {
    case 'OrderRequested':
    case 'ExternalOrderDiscovered':
      return state;
    case 'OrderAccepted': {
      const { venueOrderId, amount, price } = event.data;
      return {
        ...state,
        order: {
          ...state.order,
          ...(amount !== undefined && { amount }),
          ...(price !== undefined && { price }),
        },
        venueOrderId,
        venueOrderIds: [...state.venueOrderIds, venueOrderId],
        unresolved: resolved(state.unresolved, 'place'),
      };
    }
    case 'OrderRejected':
      return { ...state, unresolved: undefined };
    case 'OrderOutcomeUnknown':
      // A timeout reported after its request was answered (the WebSocket push beat the late or
      // lost RPC reply) leaves nothing to resolve: nobody would ever resolve it.
      return answered(state, event.data.request) ? state : { ...state, unresolved: event.data.request };
    case 'OrderFilled': {
      const { fill } = event.data;
      const fee = state.fees[fill.feeCurrency] ?? ZERO;
      return {
        ...state,
        filled: state.filled.plus(fill.amount),
        filledNotional: state.filledNotional.plus(fill.amount.times(fill.price)),
        fees: { ...state.fees, [fill.feeCurrency]: fee.plus(fill.fee) },
        tradeIds: state.tradeIds.with(fill.tradeId),
        unresolved: resolved(state.unresolved, 'place'),
      };
    }
    case 'OrderCancelRequested':
      return state;
    case 'OrderCancelled':
    case 'OrderExpired':
      return { ...state, pendingAmendment: undefined, unresolved: undefined };
    case 'OrderCancelRejected':
      return { ...state, unresolved: resolved(state.unresolved, 'cancel') };
    case 'OrderAmendRequested':
      return { ...state, pendingAmendment: event.data.amendment };
    case 'OrderAmendAccepted': {
      const { price, amount, triggerPrice, venueOrderId, clientOrderId } = event.data;
      const trigger = state.order.trigger;
      return {
        ...state,
        order: {
          ...state.order,
          ...(price !== undefined && { price }),
          ...(amount !== undefined && { amount }),
          ...(triggerPrice !== undefined &&
            trigger !== undefined && { trigger: { ...trigger, price: triggerPrice } }),
          ...(clientOrderId !== undefined && { clientOrderId }),
        },
        venueOrderId: venueOrderId ?? state.venueOrderId,
        venueOrderIds:
          venueOrderId === undefined || state.venueOrderIds.includes(venueOrderId)
            ? state.venueOrderIds
            : [...state.venueOrderIds, venueOrderId],
        clientOrderIds:
          clientOrderId === undefined || state.clientOrderIds.includes(clientOrderId)
            ? state.clientOrderIds
            : [...state.clientOrderIds, clientOrderId],
        pendingAmendment: undefined,
        unresolved: resolved(state.unresolved, 'amend'),
      };
    }
    case 'OrderAmendRejected':
      return { ...state, pendingAmendment: undefined, unresolved: resolved(state.unresolved, 'amend') };
    case 'OrderTriggered': {
      const { venueOrderId } = event.data;
      if (venueOrderId === undefined || state.venueOrderIds.includes(venueOrderId)) return state;
      return { ...state, venueOrderId, venueOrderIds: [...state.venueOrderIds, venueOrderId] };
    }
    case 'OrderAnomalyDetected':
      return { ...state, anomalies: state.anomalies + 1 };
    default:
      return assertNever(event, 'order event');
  }
}

/** Whether the venue has already answered this kind of request for the order. */
function answered(state: Order, request: SubmissionRequest): boolean {
  switch (request) {
    case 'place':
      return state.venueOrderId !== undefined || isTerminal(state.status);
    case 'cancel':
      return state.status !== 'pending_cancel';
    case 'amend':
      return state.status !== 'pending_amend';
    default:
      return assertNever(request, 'submission request');
  }
}

function resolved(
  unresolved: SubmissionRequest | undefined,
  by: SubmissionRequest,
): SubmissionRequest | undefined {
  return unresolved === by ? undefined : unresolved;
}

/** Folds events into the order's state. */
export function fold(events: Iterable<OrderEvent>, from: OrderState = initialState): OrderState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}
