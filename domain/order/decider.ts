import { assertNever } from '../assert-never.ts';
import { ZERO } from '../decimal.ts';
import type {
  AnomalyKind,
  CommandOf,
  OrderCommand,
  OrderEvent,
  OrderEventType,
  OrderParams,
} from './contract.ts';
import { type OrderError, orderError } from './errors.ts';
import { exists, type Order, type OrderState } from './state.ts';
import { type TransitionEvent, transition } from './transitions.ts';
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
    case 'ResolveOrder':
      return resolveOrder(command, state);
    case 'RecordExternalOrder': {
      if (exists(state)) return duplicate();
      const order: OrderParams = { ...command.data.order, intent: 'external' };
      return accept({
        type: 'ExternalOrderDiscovered',
        data: { orderId: order.orderId, order, venueOrderId: command.data.venueOrderId },
      });
    }
    case 'RecordClientIdReuse':
      return clientIdReuse(command, state);
    case 'RecordTradeConflict':
      return tradeConflict(command, state);
    default:
      return report(command, state);
  }
}

/** A trade already recorded on another order, reported on this one: an anomaly here, once per trade. */
function tradeConflict(command: CommandOf<'RecordTradeConflict'>, state: OrderState): Decision {
  if (!exists(state)) {
    return refuse(orderError('ORDER_NOT_FOUND', `order ${command.data.orderId} does not exist`));
  }
  const { fill, recordedOn } = command.data;
  return accept({
    type: 'OrderAnomalyDetected',
    data: {
      orderId: state.order.orderId,
      kind: 'inconsistent_report',
      message: `the venue reports trade ${fill.tradeId} (${fill.amount} at ${fill.price}) on this order, but it is recorded on order ${recordedOn}: not recorded twice`,
      status: state.status,
      report: { type: command.type, data: command.data },
    },
  });
}

/** The reuse of our client id by a venue order we did not place: an anomaly on our order, once. */
function clientIdReuse(command: CommandOf<'RecordClientIdReuse'>, state: OrderState): Decision {
  if (!exists(state)) {
    return refuse(orderError('ORDER_NOT_FOUND', `order ${command.data.orderId} does not exist`));
  }
  const { venueOrderId, clientOrderId, externalOrderId } = command.data;
  if (state.venueOrderIds.includes(venueOrderId)) return duplicate();
  return accept({
    type: 'OrderAnomalyDetected',
    data: {
      orderId: state.order.orderId,
      kind: 'inconsistent_report',
      message: `venue order ${venueOrderId} carries this order's client id ${clientOrderId} but was not placed by it: recorded as external order ${externalOrderId}`,
      status: state.status,
      report: { type: command.type, data: command.data },
    },
  });
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

/** An operator closes an order the venue no longer has: its cancellation, with the operator's reason. */
function resolveOrder(command: CommandOf<'ResolveOrder'>, state: OrderState): Decision {
  const { orderId, as, reason } = command.data;
  if (!exists(state)) return refuse(orderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`));
  if (transition(state.status, 'OrderCancelled', contextFor(state, state.filled)) === undefined) {
    return refuse(orderError('ORDER_ALREADY_CLOSED', `order ${orderId} is ${state.status}`));
  }
  return accept({
    type: 'OrderCancelled',
    data: { orderId, reason: as === 'lost' ? 'lost_at_venue' : 'operator_cancelled', note: reason },
  });
}

type ReportCommand = Exclude<
  OrderCommand,
  {
    type:
      | 'PlaceOrder'
      | 'ClosePosition'
      | 'AmendOrder'
      | 'CancelOrder'
      | 'ResolveOrder'
      | 'RecordExternalOrder'
      | 'RecordClientIdReuse'
      | 'RecordTradeConflict';
  }
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

export { evolve, fold } from './evolve.ts';

/** The event types `decide` can emit, for projections and filters. */
export type { OrderEventType };
