import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { isInverse, type SimInstrument } from './instruments.ts';
import { floatingPnl, type SimPosition, sessionRpl, sessionUpl } from './position-accounting.ts';

/**
 * The simulator's orders and trades, and how Deribit writes them (field names and shapes of the
 * `order`, `user_trade` and `position` objects; seed 001 lists every field).
 */

export type SimOrderState = 'open' | 'filled' | 'cancelled' | 'rejected' | 'untriggered' | 'triggered';
export type SimTriggerType = 'stop_limit' | 'stop_market' | 'take_limit' | 'take_market';
export type SimTriggerReference = 'index_price' | 'mark_price' | 'last_price';

const TRIGGER_TYPES: ReadonlySet<string> = new Set([
  'stop_limit',
  'stop_market',
  'take_limit',
  'take_market',
]);
export const isTriggerType = (type: string): type is SimTriggerType => TRIGGER_TYPES.has(type);
export type SimTimeInForce = 'good_til_cancelled' | 'good_til_day' | 'fill_or_kill' | 'immediate_or_cancel';

export interface SimOrder {
  orderId: string;
  accountId: number;
  instrument: SimInstrument;
  direction: 'buy' | 'sell';
  orderType: 'limit' | 'market' | SimTriggerType;
  /** The limit price; for market orders the worst price the synthetic book allows. */
  price: Decimal;
  /** Trigger orders: the price and the reference that fires them. */
  trigger?: { reference: SimTriggerReference; price: Decimal };
  /** A trigger order that fired (its order continues under `triggerOrderId`'s child). */
  triggered?: boolean;
  /** The order a trigger order created: the trigger order's id. */
  triggerOrderId?: string;
  amount: Decimal;
  filled: Decimal;
  /** Σ q·p (linear) or Σ q/p (inverse) of the fills, for the average price. */
  fillValue: Decimal;
  state: SimOrderState;
  timeInForce: SimTimeInForce;
  postOnly: boolean;
  rejectPostOnly: boolean;
  reduceOnly: boolean;
  label: string;
  createdAt: number;
  updatedAt: number;
  replaced: boolean;
  cancelReason: string | undefined;
  /** Time priority in the book (lower first); an edit that changes price or raises the amount loses it. */
  priority: number;
  /** The WebSocket connection that placed it, for cancel-on-disconnect. */
  connectionId: number | undefined;
}

export interface SimTrade {
  tradeId: string;
  tradeSeq: number;
  orderId: string;
  accountId: number;
  instrument: SimInstrument;
  timestamp: number;
  direction: 'buy' | 'sell';
  price: Decimal;
  amount: Decimal;
  fee: Decimal;
  feeCurrency: string;
  liquidity: 'M' | 'T';
  orderType: 'limit' | 'market';
  /** The order's state right after this trade. */
  state: SimOrderState;
  label: string;
  markPrice: Decimal;
  profitLoss: Decimal;
  reduceOnly: boolean;
  postOnly: boolean;
  tickDirection: 0 | 1 | 2 | 3;
}

export function averagePriceOf(order: SimOrder): Decimal {
  if (order.filled.isZero()) return ZERO;
  return isInverse(order.instrument) ? order.filled.div(order.fillValue) : order.fillValue.div(order.filled);
}

function contractsOf(instrument: SimInstrument, amount: Decimal): Decimal {
  return instrument.kind === 'option' ? amount : amount.div(instrument.contractSize);
}

export function orderWire(order: SimOrder): Record<string, unknown> {
  return {
    web: false,
    time_in_force: order.timeInForce,
    risk_reducing: false,
    replaced: order.replaced,
    reduce_only: order.reduceOnly,
    price: order.price,
    post_only: order.postOnly,
    ...(order.postOnly && { reject_post_only: order.rejectPostOnly }),
    order_type: order.orderType,
    order_state: order.state,
    order_id: order.orderId,
    ...(order.trigger && {
      trigger: order.trigger.reference,
      trigger_price: order.trigger.price,
      triggered: order.triggered === true,
      // An untriggered stop-market order has no price yet (Deribit writes "market_price").
      ...(order.orderType.endsWith('_market') && order.state === 'untriggered' && { price: 'market_price' }),
    }),
    ...(order.triggerOrderId !== undefined && { trigger_order_id: order.triggerOrderId }),
    mmp: false,
    last_update_timestamp: order.updatedAt,
    label: order.label,
    is_rebalance: false,
    is_liquidation: false,
    instrument_name: order.instrument.name,
    filled_amount: order.filled,
    direction: order.direction,
    creation_timestamp: order.createdAt,
    contracts: contractsOf(order.instrument, order.amount),
    average_price: averagePriceOf(order),
    api: true,
    amount: order.amount,
    ...(order.cancelReason !== undefined && { cancel_reason: order.cancelReason }),
  };
}

export function tradeWire(trade: SimTrade): Record<string, unknown> {
  return {
    trade_seq: trade.tradeSeq,
    trade_id: trade.tradeId,
    timestamp: trade.timestamp,
    tick_direction: trade.tickDirection,
    state: trade.state,
    risk_reducing: false,
    reduce_only: trade.reduceOnly,
    profit_loss: trade.profitLoss,
    price: trade.price,
    post_only: trade.postOnly,
    order_type: trade.orderType,
    order_id: trade.orderId,
    mmp: false,
    matching_id: null,
    mark_price: trade.markPrice,
    liquidity: trade.liquidity,
    instrument_name: trade.instrument.name,
    index_price: trade.markPrice,
    fee_currency: trade.feeCurrency,
    fee: trade.fee,
    direction: trade.direction,
    contracts: contractsOf(trade.instrument, trade.amount),
    api: true,
    amount: trade.amount,
    // "presented only when previously set for order by user"
    ...(trade.label !== '' && { label: trade.label }),
  };
}

/**
 * A position as Deribit writes it. The session figures (see `position-accounting.ts`):
 * `floating_profit_loss` is the session's unrealized PnL (from the last settlement price; 0 right
 * after a settlement, as Deribit's recorded positions show), `realized_profit_loss` the session's
 * realized PnL including `realized_funding` ("Realized Funding in current session included in
 * session realized profit or loss"); `total_profit_loss` the PnL since the position was opened,
 * against `average_price` (which a settlement leaves alone).
 */
export function positionWire(
  instrument: SimInstrument,
  position: SimPosition,
  mark: Decimal,
  market: { index?: Decimal; settlementPrice?: Decimal } = {},
): Record<string, unknown> {
  const size = position.size;
  const floating = sessionUpl(instrument, position, mark);
  const sinceOpened = floatingPnl(instrument, position, mark);
  const inverse = isInverse(instrument);
  const sizeCurrency = inverse ? size.div(mark) : size;
  const notionalCoin = inverse ? size.abs().div(mark) : size.abs().times(mark);
  const initialMargin = instrument.kind === 'option' ? ZERO : notionalCoin.div(instrument.maxLeverage);
  return {
    instrument_name: instrument.name,
    kind: instrument.kind,
    direction: size.isZero() ? 'zero' : size.isPositive() ? 'buy' : 'sell',
    size,
    ...(instrument.kind === 'future' && { size_currency: sizeCurrency }),
    average_price: position.averagePrice,
    mark_price: mark,
    index_price: market.index ?? mark,
    settlement_price: market.settlementPrice ?? mark,
    floating_profit_loss: floating,
    realized_profit_loss: sessionRpl(position),
    total_profit_loss: sinceOpened.plus(position.realizedPnl),
    ...(instrument.settlementPeriod === 'perpetual' && {
      realized_funding: position.sessionFunding,
      interest_value: ZERO,
    }),
    initial_margin: initialMargin,
    maintenance_margin: initialMargin.div(2),
    open_orders_margin: ZERO,
    leverage: instrument.maxLeverage,
    delta: sizeCurrency,
    estimated_liquidation_price: null,
    ...(instrument.kind === 'option' && {
      gamma: ZERO,
      vega: ZERO,
      theta: ZERO,
    }),
  };
}
