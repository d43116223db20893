import { checkOrderSize } from '../instrument.ts';
import type { Amendment, OrderParams } from './contract.ts';
import { type OrderError, orderError } from './errors.ts';
import type { Order } from './state.ts';
import { isTriggerType } from './transitions.ts';

/** Venue limits on the client order id: Deribit `label` <= 64 chars, Bitget `clientOid` <= 50. */
export const CLIENT_ORDER_ID_MAX = { deribit: 64, bitget: 50 } as const;

const invalid = (message: string, field: string): OrderError => orderError('INVALID_ORDER', message, field);

type OrderRule = (order: OrderParams) => OrderError | undefined;

const isLimitLike = (order: OrderParams): boolean =>
  order.type === 'limit' || order.type === 'stop_limit' || order.type === 'take_limit';

const clientOrderIdRule: OrderRule = (order) => {
  if (order.intent === 'external') return undefined;
  const venue = order.instrument.venue;
  if (order.clientOrderId.length === 0) return invalid('a client order id is required', 'clientOrderId');
  if (order.clientOrderId.length > CLIENT_ORDER_ID_MAX[venue]) {
    return invalid(
      `${venue} allows client order ids of at most ${CLIENT_ORDER_ID_MAX[venue]} characters`,
      'clientOrderId',
    );
  }
  return undefined;
};

const priceAndTriggerRule: OrderRule = (order) => {
  const limitLike = isLimitLike(order);
  if (limitLike && order.price === undefined) return invalid(`a ${order.type} order needs a price`, 'price');
  if (!limitLike && order.price !== undefined)
    return invalid(`a ${order.type} order takes no price`, 'price');
  const trigger = isTriggerType(order.type);
  if (trigger && order.trigger === undefined) {
    return invalid(`a ${order.type} order needs a trigger price and reference`, 'trigger');
  }
  if (!trigger && order.trigger !== undefined)
    return invalid(`a ${order.type} order takes no trigger`, 'trigger');
  return undefined;
};

const postOnlyRule: OrderRule = (order) => {
  if (order.postOnly && (order.type !== 'limit' || order.timeInForce !== 'gtc')) {
    return invalid('post-only applies to good-til-cancelled limit orders only', 'postOnly');
  }
  if (order.rejectPostOnly && !order.postOnly)
    return invalid('reject-post-only needs post-only', 'rejectPostOnly');
  return undefined;
};

const sizeRule: OrderRule = (order) => {
  const size = checkOrderSize(order.instrument, order.amount, order.price);
  if (size !== undefined)
    return invalid(size.message, size.code === 'PRICE_NOT_ON_TICK' ? 'price' : 'amount');
  if (order.trigger === undefined) return undefined;
  const tick = checkOrderSize(order.instrument, order.amount, order.trigger.price);
  return tick?.code === 'PRICE_NOT_ON_TICK' ? invalid(tick.message, 'trigger.price') : undefined;
};

const positionModeRule: OrderRule = (order) => {
  if (order.positionMode !== 'hedge') {
    return order.tradeSide !== undefined
      ? invalid('tradeSide applies to hedge mode only', 'tradeSide')
      : undefined;
  }
  if (order.instrument.venue !== 'bitget') return invalid('hedge mode exists on Bitget only', 'positionMode');
  if (order.tradeSide === undefined) return invalid('hedge mode needs tradeSide open or close', 'tradeSide');
  if (order.reduceOnly)
    return invalid('in hedge mode, close with tradeSide "close", not reduce-only', 'reduceOnly');
  return undefined;
};

/** What exists on Bitget only. */
const deribitRule: OrderRule = (order) => {
  if (order.takeProfit !== undefined || order.stopLoss !== undefined) {
    return invalid('preset take-profit / stop-loss exist on Bitget only', 'takeProfit');
  }
  if (order.selfTradePrevention !== undefined) {
    return invalid('self-trade prevention per order exists on Bitget only', 'selfTradePrevention');
  }
  if (order.marginMode !== undefined)
    return invalid('margin mode per order exists on Bitget only', 'marginMode');
  return undefined;
};

/** What Bitget needs, and what exists on Deribit only. */
const bitgetRule: OrderRule = (order) => {
  if (order.intent !== 'external' && order.marginMode === undefined) {
    return invalid('Bitget orders need a margin mode (isolated or crossed)', 'marginMode');
  }
  if (order.timeInForce === 'good_til_day')
    return invalid('good-til-day exists on Deribit only', 'timeInForce');
  if (isTriggerType(order.type)) {
    // Bitget plan orders (place-plan-order): triggerType mark_price or fill_price, no time in force.
    if (order.trigger?.reference === 'index_price') {
      return invalid(
        'Bitget plan orders trigger on the mark or the last price, not the index',
        'trigger.reference',
      );
    }
    if (order.timeInForce !== 'gtc' || order.postOnly) {
      return invalid('a Bitget plan order has no time in force or post-only', 'timeInForce');
    }
  }
  if (order.rejectPostOnly) return invalid('reject-post-only exists on Deribit only', 'rejectPostOnly');
  return undefined;
};

const venueRule: OrderRule = (order) =>
  order.instrument.venue === 'deribit' ? deribitRule(order) : bitgetRule(order);

/** In the order they are checked: the first violation is the one reported. */
const ORDER_RULES: readonly OrderRule[] = [
  clientOrderIdRule,
  priceAndTriggerRule,
  postOnlyRule,
  sizeRule,
  positionModeRule,
  venueRule,
];

/**
 * The rules an order must satisfy before it is requested, for both venues. Returns the first
 * violation with the field to blame.
 */
export function validateOrder(order: OrderParams): OrderError | undefined {
  for (const rule of ORDER_RULES) {
    const error = rule(order);
    if (error !== undefined) return error;
  }
  return undefined;
}

/** The rules an amendment must satisfy, given the order as it stands. */
export function validateAmendment(order: Order, amendment: Amendment): OrderError | undefined {
  const { instrument } = order.order;
  if (
    amendment.price === undefined &&
    amendment.amount === undefined &&
    amendment.triggerPrice === undefined
  ) {
    return invalid('an amendment changes the price, the amount or the trigger price', 'amendment');
  }
  const limitLike = order.order.price !== undefined;
  if (amendment.price !== undefined && !limitLike)
    return invalid('this order has no price to amend', 'amendment.price');
  if (amendment.triggerPrice !== undefined && order.order.trigger === undefined) {
    return invalid('this order has no trigger price to amend', 'amendment.triggerPrice');
  }
  const amount = amendment.amount ?? order.order.amount;
  if (amount.lte(order.filled)) {
    return invalid(`the amount must stay above the filled amount ${order.filled}`, 'amendment.amount');
  }
  const size = checkOrderSize(instrument, amount, amendment.price ?? order.order.price);
  if (size !== undefined) {
    return invalid(size.message, size.code === 'PRICE_NOT_ON_TICK' ? 'amendment.price' : 'amendment.amount');
  }
  if (instrument.venue === 'bitget') {
    // Bitget modify is cancel-and-replace: only unfilled orders, and the replacement needs a fresh clientOid.
    if (!order.filled.isZero()) return invalid('Bitget modifies unfilled orders only', 'amendment');
    const next = amendment.newClientOrderId;
    if (next === undefined)
      return invalid('Bitget needs a new client order id for the replacement', 'amendment.newClientOrderId');
    if (next.length > CLIENT_ORDER_ID_MAX.bitget) {
      return invalid('Bitget allows client order ids of at most 50 characters', 'amendment.newClientOrderId');
    }
    if (order.clientOrderIds.includes(next)) {
      return invalid('the new client order id was used before by this order', 'amendment.newClientOrderId');
    }
  } else if (amendment.newClientOrderId !== undefined) {
    return invalid('Deribit edits keep the order and its label', 'amendment.newClientOrderId');
  }
  return undefined;
}
