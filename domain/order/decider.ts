import { assertNever } from '../assert-never.ts';
import { ZERO } from '../decimal.ts';
import type {
  AnomalyKind,
  CommandOf,
  OrderCommand,
  OrderEvent,
  OrderEventType,
  OrderParams,
  SubmissionRequest,
} from './contract.ts';
import { type OrderError, orderError } from './errors.ts';
import { exists, initialState, type Order, type OrderState } from './state.ts';
import { isTerminal, type TransitionEvent, transition } from './transitions.ts';
import { validateAmendment, validateOrder } from './validation.ts';

export type Decision = { ok: true; events: OrderEvent[] } | { ok: false; error: OrderError };

const accept = (...events: OrderEvent[]): Decision => ({ ok: true, events });
const refuse = (error: OrderError): Decision => ({ ok: false, error });
/** A report already taken into account: nothing to record. */
const duplicate = (): Decision => ({ ok: true, events: [] });

/**
 * decide(command, state) -> events | error. Pure: time and ids come in with the command.
 *
 * Client commands are refused with a typed error when they do not apply. Venue reports are never
 * refused: each is checked in a fixed order (identity, duplicate, overfill, transition table) and
 * one the order cannot take is recorded as an `OrderAnomalyDetected` event.
 */
export function decide(command: OrderCommand, state: OrderState): Decision {
  switch (command.type) {
    case 'PlaceOrder':
      return placeOrder(command, state);
    case 'ClosePosition':
      return closePosition(command, state);
    case 'AmendOrder':
      return amendOrder(command, state);
    case 'CancelOrder':
      return cancelOrder(command, state);
    case 'RecordExternalOrder': {
      if (exists(state)) return duplicate();
      const order: OrderParams = { ...command.data.order, intent: 'external' };
      return accept({
        type: 'ExternalOrderDiscovered',
        data: { orderId: order.orderId, order, venueOrderId: command.data.venueOrderId },
      });
    }
    default:
      return report(command, state);
  }
}

function placeOrder(command: CommandOf<'PlaceOrder'>, state: OrderState): Decision {
  const { amount, contracts, ...fields } = command.data;
  if (exists(state))
    return refuse(orderError('ORDER_ALREADY_EXISTS', `order ${fields.orderId} already exists`));
  if ((amount === undefined) === (contracts === undefined)) {
    return refuse(orderError('INVALID_ORDER', 'give exactly one of amount and contracts', 'amount'));
  }
  const order: OrderParams = {
    ...fields,
    amount: amount ?? (contracts ?? ZERO).times(fields.instrument.contractSize),
    intent: 'order',
  };
  return requestOrder(order);
}

function closePosition(command: CommandOf<'ClosePosition'>, state: OrderState): Decision {
  const { position, type, price, positionMode, marginMode, ...fields } = command.data;
  if (exists(state))
    return refuse(orderError('ORDER_ALREADY_EXISTS', `order ${fields.orderId} already exists`));
  if (position.size.isZero()) {
    return refuse(
      orderError('NOTHING_TO_CLOSE', `no ${position.side} position in ${fields.instrument.symbol}`),
    );
  }
  const hedge = positionMode === 'hedge';
  const order: OrderParams = {
    ...fields,
    side: position.side === 'long' ? 'sell' : 'buy',
    type,
    ...(price !== undefined && { price }),
    timeInForce: 'gtc',
    amount: position.size,
    // One-way: a reduce-only order. Hedge mode: close the leg (Bitget tradeSide=close).
    reduceOnly: !hedge,
    postOnly: false,
    rejectPostOnly: false,
    positionMode,
    ...(hedge && { tradeSide: 'close' as const }),
    ...(marginMode !== undefined && { marginMode }),
    intent: 'close_position',
  };
  return requestOrder(order);
}

function requestOrder(order: OrderParams): Decision {
  const violation = validateOrder(order);
  if (violation !== undefined) return refuse(violation);
  return accept({ type: 'OrderRequested', data: { orderId: order.orderId, order } });
}

function amendOrder(command: CommandOf<'AmendOrder'>, state: OrderState): Decision {
  const { orderId, amendment } = command.data;
  if (!exists(state)) return refuse(orderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`));
  const { status } = state;
  switch (status) {
    case 'open':
    case 'partially_filled':
    case 'untriggered':
      break;
    case 'pending_amend':
    case 'pending_cancel':
      return refuse(
        orderError('REQUEST_ALREADY_PENDING', `order ${orderId} has a ${status.slice(8)} pending`),
      );
    case 'pending_new':
    case 'unknown':
      return refuse(orderError('ORDER_NOT_AMENDABLE', `order ${orderId} is not confirmed by the venue yet`));
    case 'filled':
    case 'cancelled':
    case 'rejected':
    case 'expired':
      return refuse(orderError('ORDER_ALREADY_CLOSED', `order ${orderId} is ${status}`));
    default:
      return assertNever(status, 'order status');
  }
  const violation = validateAmendment(state, amendment);
  if (violation !== undefined) return refuse(violation);
  return accept({ type: 'OrderAmendRequested', data: { orderId, amendment } });
}

function cancelOrder(command: CommandOf<'CancelOrder'>, state: OrderState): Decision {
  const { orderId } = command.data;
  if (!exists(state)) return refuse(orderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`));
  if (state.status === 'pending_cancel') {
    return refuse(orderError('REQUEST_ALREADY_PENDING', `a cancel of order ${orderId} is already pending`));
  }
  if (transition(state.status, 'OrderCancelRequested', contextFor(state, state.filled)) === undefined) {
    return refuse(orderError('ORDER_ALREADY_CLOSED', `order ${orderId} is ${state.status}`));
  }
  return accept({ type: 'OrderCancelRequested', data: { orderId } });
}

type ReportCommand = Exclude<
  OrderCommand,
  { type: 'PlaceOrder' | 'ClosePosition' | 'AmendOrder' | 'CancelOrder' | 'RecordExternalOrder' }
>;

/** The event a venue report records, and the status-changing event type it is looked up under. */
function eventFor(command: ReportCommand): Extract<OrderEvent, { type: TransitionEvent }> {
  const { data } = command;
  switch (command.type) {
    case 'RecordOrderAccepted':
      return { type: 'OrderAccepted', data: command.data };
    case 'RecordOrderRejected':
      return { type: 'OrderRejected', data: command.data };
    case 'RecordOutcomeUnknown':
      return { type: 'OrderOutcomeUnknown', data: command.data };
    case 'RecordFill':
      return { type: 'OrderFilled', data: command.data };
    case 'RecordOrderCancelled':
      return { type: 'OrderCancelled', data: command.data };
    case 'RecordOrderExpired':
      return { type: 'OrderExpired', data: command.data };
    case 'RecordAmendAccepted':
      return { type: 'OrderAmendAccepted', data: command.data };
    case 'RecordAmendRejected':
      return { type: 'OrderAmendRejected', data: command.data };
    case 'RecordCancelRejected':
      return { type: 'OrderCancelRejected', data: command.data };
    case 'RecordOrderTriggered':
      return { type: 'OrderTriggered', data: command.data };
    default:
      return assertNever(command, `report ${JSON.stringify(data)}`);
  }
}

function report(command: ReportCommand, state: OrderState): Decision {
  const event = eventFor(command);
  // 1. Identity: reports about orders we do not know are the service's business (external orders).
  if (!exists(state)) {
    return refuse(orderError('ORDER_NOT_FOUND', `order ${command.data.orderId} does not exist`));
  }
  // 2. Duplicates: the same report arrives over WebSocket, REST backfill and after a reconnect.
  if (isDuplicate(event, state)) return duplicate();
  const anomaly = (kind: AnomalyKind, message: string): Decision =>
    accept({
      type: 'OrderAnomalyDetected',
      data: {
        orderId: state.order.orderId,
        kind,
        message,
        status: state.status,
        report: { type: command.type, data: command.data },
      },
    });
  // 3. Consistency with what is recorded.
  const inconsistency = inconsistencyOf(event, state);
  if (inconsistency !== undefined) return anomaly('inconsistent_report', inconsistency);
  // 4. Overfill: cumulative filled can never exceed the amount.
  let filledAfter = state.filled;
  if (event.type === 'OrderFilled') {
    filledAfter = state.filled.plus(event.data.fill.amount);
    if (filledAfter.gt(amountAfter(event, state))) {
      return anomaly(
        'overfill',
        `fill ${event.data.fill.tradeId} of ${event.data.fill.amount} would take the filled amount to ${filledAfter}, above the order amount ${state.order.amount}`,
      );
    }
  }
  // 5. The transition table.
  if (transition(state.status, event.type, contextFor(state, filledAfter, event)) === undefined) {
    return anomaly('illegal_transition', `${event.type} is not allowed when the order is ${state.status}`);
  }
  return accept(event);
}

function isDuplicate(event: OrderEvent, state: Order): boolean {
  switch (event.type) {
    case 'OrderFilled':
      return state.tradeIds.has(event.data.fill.tradeId);
    case 'OrderAccepted':
      return state.venueOrderIds.includes(event.data.venueOrderId);
    case 'OrderCancelled':
      return state.status === 'cancelled';
    case 'OrderRejected':
      return state.status === 'rejected';
    case 'OrderExpired':
      return state.status === 'expired';
    case 'OrderTriggered':
      return state.order.trigger !== undefined && baseStatus(state) !== 'untriggered';
    case 'OrderAmendAccepted': {
      if (state.status === 'pending_amend') return false;
      const { price, amount, venueOrderId } = event.data;
      return (
        (price === undefined || (state.order.price?.eq(price) ?? false)) &&
        (amount === undefined || state.order.amount.eq(amount)) &&
        (venueOrderId === undefined || state.venueOrderIds.includes(venueOrderId))
      );
    }
    default:
      return false;
  }
}

/** The status an order returns to once its pending request resolves (its own status otherwise). */
function baseStatus(state: Order) {
  return state.status === 'pending_amend' || state.status === 'pending_cancel'
    ? (state.previousStatus ?? state.status)
    : state.status;
}

function inconsistencyOf(event: OrderEvent, state: Order): string | undefined {
  if (event.type === 'OrderAccepted' && state.venueOrderId !== undefined) {
    return `the venue reports order id ${event.data.venueOrderId}, but the order is ${state.venueOrderId}`;
  }
  if (event.type === 'OrderFilled') {
    const { venueOrderId } = event.data.fill;
    if (
      venueOrderId !== undefined &&
      state.venueOrderIds.length > 0 &&
      !state.venueOrderIds.includes(venueOrderId)
    ) {
      return `fill ${event.data.fill.tradeId} belongs to venue order ${venueOrderId}, not to ${state.venueOrderIds.join(', ')}`;
    }
  }
  return undefined;
}

function amountAfter(event: OrderEvent, state: Order) {
  if (event.type === 'OrderAccepted' || event.type === 'OrderAmendAccepted')
    return event.data.amount ?? state.order.amount;
  return state.order.amount;
}

function contextFor(state: Order, filledAfter: typeof ZERO, event?: OrderEvent) {
  return {
    previousStatus: state.previousStatus,
    complete: event !== undefined && filledAfter.gte(amountAfter(event, state)),
    orderType: state.order.type,
    ...(event?.type === 'OrderOutcomeUnknown' && { request: event.data.request }),
  };
}

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
      tradeIds: new Set(),
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
  const pending = moved.status === 'pending_amend' || moved.status === 'pending_cancel';
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
      const tradeIds = new Set(state.tradeIds);
      tradeIds.add(fill.tradeId);
      const fee = state.fees[fill.feeCurrency] ?? ZERO;
      return {
        ...state,
        filled: state.filled.plus(fill.amount),
        filledNotional: state.filledNotional.plus(fill.amount.times(fill.price)),
        fees: { ...state.fees, [fill.feeCurrency]: fee.plus(fill.fee) },
        tradeIds,
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

/** The event types `decide` can emit, for projections and filters. */
export type { OrderEventType };
