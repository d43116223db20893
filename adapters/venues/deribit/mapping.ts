import type {
  VenueFill,
  VenueOrderSnapshot,
  VenueOrderStatus,
  VenuePosition,
} from '../../../application/ports/venue.ts';
import { assertNever } from '../../../domain/assert-never.ts';
import { type Instrument, InstrumentSchema } from '../../../domain/instrument.ts';
import type { CancelReason, OrderParams, OrderType, TimeInForce } from '../../../domain/order/contract.ts';
import { parseReply } from './errors.ts';
import {
  isFullOrder,
  OrderReplySchema,
  type WireInstrument,
  type WireOrder,
  type WireOrderType,
  type WirePosition,
  type WireTimeInForce,
  type WireTrade,
} from './schemas.ts';

/**
 * Deribit's objects as the venue port's normalized values, and the OMS's orders as Deribit's
 * parameters. Pure functions; the raw payload (numbers as text) rides along for the audit trail.
 */

const isoOf = (ms: number): string => new Date(ms).toISOString();

function statusOf(order: WireOrder): VenueOrderStatus {
  const state = order.order_state;
  switch (state) {
    case 'open':
    case 'triggered':
      return order.filled_amount.gt(0) ? 'partially_filled' : 'open';
    case 'filled':
      return 'filled';
    case 'cancelled':
      return 'cancelled';
    case 'rejected':
      return 'rejected';
    case 'untriggered':
      return 'untriggered';
    case 'archive':
      return order.filled_amount.gte(order.amount) ? 'filled' : 'cancelled';
    default:
      return assertNever(state, 'order state');
  }
}

function typeOf(type: WireOrderType): OrderType {
  switch (type) {
    case 'limit':
    case 'market':
    case 'stop_limit':
    case 'stop_market':
    case 'take_limit':
    case 'take_market':
      return type;
    // A market order whose rest stays as a limit order at the price it reached.
    case 'market_limit':
      return 'limit';
    // No trailing stops in the domain: the nearest kind, the raw payload says the rest.
    case 'trailing_stop':
      return 'stop_market';
    case 'liquidation':
      return 'market';
    default:
      return assertNever(type, 'order type');
  }
}

/** Orders that never rest: what they did not fill at once is cancelled. */
function isImmediate(order: WireOrder): boolean {
  return (
    order.order_type === 'market' ||
    order.time_in_force === 'immediate_or_cancel' ||
    order.time_in_force === 'fill_or_kill'
  );
}

function cancelReasonOf(order: WireOrder): CancelReason | undefined {
  if (order.order_state !== 'cancelled') return undefined;
  const reason = order.cancel_reason;
  if ((reason === undefined || reason === 'user_request') && isImmediate(order)) return 'unfilled_remainder';
  switch (reason) {
    case 'user_request':
      return 'user_request';
    case 'cancel_on_disconnect':
      return 'cancel_on_disconnect';
    case 'autoliquidation':
      return 'liquidation';
    case 'settlement':
      return 'settlement';
    case 'edit_post_only_reject':
      return 'post_only_reject';
    default:
      return 'venue_other';
  }
}

export function orderSnapshot(account: string, order: WireOrder, raw: unknown): VenueOrderSnapshot {
  const price = order.price === undefined || order.price === 'market_price' ? undefined : order.price;
  const isMarket =
    order.order_type === 'market' || order.order_type === 'stop_market' || order.order_type === 'take_market';
  return {
    venue: 'deribit',
    account,
    symbol: order.instrument_name,
    venueOrderId: order.order_id,
    clientOrderId: order.label === undefined || order.label === '' ? undefined : order.label,
    side: order.direction,
    type: typeOf(order.order_type),
    status: statusOf(order),
    amount: order.amount,
    filledAmount: order.filled_amount,
    // A market order's `price` is the venue's protection bound, not a limit the OMS asked for.
    price: isMarket ? undefined : price,
    averagePrice:
      order.average_price === undefined || order.average_price.isZero() ? undefined : order.average_price,
    reduceOnly: order.reduce_only ?? false,
    postOnly: order.post_only ?? false,
    positionMode: 'one_way',
    tradeSide: undefined,
    cancelReason: cancelReasonOf(order),
    venueReason: order.cancel_reason,
    replaced: order.replaced ?? false,
    ...(order.trigger_order_id !== undefined && { triggerOrderId: order.trigger_order_id }),
    createdAt: isoOf(order.creation_timestamp),
    updatedAt: isoOf(order.last_update_timestamp),
    raw,
  };
}

export function venueFill(account: string, trade: WireTrade, raw: unknown): VenueFill {
  return {
    venue: 'deribit',
    account,
    symbol: trade.instrument_name,
    side: trade.direction,
    tradeId: trade.trade_id,
    venueOrderId: trade.order_id,
    clientOrderId: trade.label === undefined || trade.label === '' ? undefined : trade.label,
    price: trade.price,
    amount: trade.amount,
    fee: trade.fee,
    feeCurrency: trade.fee_currency,
    liquidity: trade.liquidity === 'M' ? 'maker' : 'taker',
    executedAt: isoOf(trade.timestamp),
    positionMode: 'one_way',
    tradeSide: undefined,
    raw,
  };
}

export function venuePosition(account: string, position: WirePosition, raw: unknown): VenuePosition {
  // `size` is signed (negative when short); make sure of it when a server sends it unsigned.
  const size =
    position.direction === 'sell' && position.size.isPositive() ? position.size.neg() : position.size;
  return {
    venue: 'deribit',
    account,
    symbol: position.instrument_name,
    side: 'net',
    size,
    averageEntry: size.isZero() ? undefined : position.average_price,
    realizedPnl: position.realized_profit_loss,
    raw,
  };
}

/**
 * A Deribit instrument as the domain's. Options are priced and sized in the coin and their PnL
 * is in the coin: `linear`, quoted and settled in BTC/ETH. Combos are not traded: undefined.
 */
export function domainInstrument(wire: WireInstrument): Instrument | undefined {
  if (wire.kind === 'future_combo' || wire.kind === 'option_combo') return undefined;
  const perpetual = wire.kind === 'future' && wire.settlement_period === 'perpetual';
  const kind = wire.kind === 'future' ? (perpetual ? 'perpetual' : 'future') : wire.kind;
  const type = wire.instrument_type ?? wire.future_type;
  const settlement = wire.kind === 'future' && type === 'reversed' ? 'inverse' : 'linear';
  const expires = wire.kind === 'option' || (wire.kind === 'future' && !perpetual);
  return InstrumentSchema.parse({
    venue: 'deribit',
    symbol: wire.instrument_name,
    kind,
    settlement,
    amountUnit: settlement === 'inverse' ? 'quote' : 'base',
    contractSize: wire.contract_size,
    tickSize: wire.tick_size,
    minAmount: wire.min_trade_amount,
    // Futures trade whole contracts; options and spot in steps of their minimum.
    amountStep: wire.kind === 'future' ? wire.contract_size : wire.min_trade_amount,
    baseCurrency: wire.base_currency,
    quoteCurrency: wire.quote_currency,
    settlementCurrency: wire.settlement_currency ?? wire.quote_currency,
    ...(expires && { expiry: isoOf(wire.expiration_timestamp) }),
    ...(wire.kind === 'option' &&
      wire.strike !== undefined &&
      wire.option_type !== undefined && { option: { strike: wire.strike, optionType: wire.option_type } }),
  });
}

/** The currency Deribit files an instrument under (label look-ups, positions). */
export function currencyOf(instrument: Instrument): string {
  return instrument.settlementCurrency;
}

export function wireTimeInForce(timeInForce: TimeInForce): WireTimeInForce {
  switch (timeInForce) {
    case 'gtc':
      return 'good_til_cancelled';
    case 'ioc':
      return 'immediate_or_cancel';
    case 'fok':
      return 'fill_or_kill';
    case 'good_til_day':
      return 'good_til_day';
    default:
      return assertNever(timeInForce, 'time in force');
  }
}

/** `private/buy` / `private/sell` parameters of an order. `post_only` is always sent (reference Part D). */
export function orderEntryParams(order: OrderParams): Record<string, unknown> {
  return {
    instrument_name: order.instrument.symbol,
    amount: order.amount,
    type: order.type,
    label: order.clientOrderId,
    time_in_force: wireTimeInForce(order.timeInForce),
    post_only: order.postOnly,
    ...(order.postOnly && { reject_post_only: order.rejectPostOnly }),
    reduce_only: order.reduceOnly,
    ...(order.price !== undefined && { price: order.price }),
    ...(order.trigger !== undefined && {
      trigger_price: order.trigger.price,
      trigger: order.trigger.reference,
    }),
  };
}

/**
 * The `{ order, trades }` reply of buy / sell / edit / close_position (`result` as parsed by
 * `parseVenueJson`). The older dialect (seeds 000/002) answers the order id alone: `order` is then
 * undefined. Throws DERIBIT_PROTOCOL_ERROR naming the field when the reply does not match.
 */
export function orderReplyOf(
  account: string,
  method: string,
  result: unknown,
): { venueOrderId: string; order: VenueOrderSnapshot | undefined; fills: VenueFill[] } {
  const { order, trades } = parseReply(OrderReplySchema, result, method);
  const raw = result as { order: unknown; trades?: unknown[] };
  return {
    venueOrderId: order.order_id,
    order: isFullOrder(order) ? orderSnapshot(account, order, raw.order) : undefined,
    fills: (trades ?? []).map((trade, i) => venueFill(account, trade, raw.trades?.[i])),
  };
}
