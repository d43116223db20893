import type {
  VenueFill,
  VenueOrderSnapshot,
  VenueOrderStatus,
  VenuePosition,
} from '../../../application/ports/venue.ts';
import { type Decimal, ZERO } from '../../../domain/decimal.ts';
import { type BitgetProductType, type Instrument, InstrumentSchema } from '../../../domain/instrument.ts';
import type {
  CancelReason,
  OrderParams,
  OrderSide,
  OrderType,
  PositionMode,
  TradeSide,
} from '../../../domain/order/contract.ts';
import type {
  BitgetOrderStatus,
  ParsedContract,
  ParsedFill,
  ParsedOrder,
  ParsedPosition,
  PosMode,
} from './wire.ts';
import type { PlaceOrderRequest } from './wire-requests.ts';
import type { BitgetSide } from './wire-scalars.ts';

/**
 * Domain <-> Bitget v2 mix.
 *
 * The domain's `side` is the ECONOMIC direction of the trade. Bitget's `side` is that too in
 * one-way mode; in hedge mode it names the position leg, and `tradeSide` says open or close:
 *
 * | domain (economic)          | hedge mode Bitget          | one-way mode Bitget          |
 * | buy,  open (long leg)      | side=buy,  tradeSide=open  | side=buy                     |
 * | sell, open (short leg)     | side=sell, tradeSide=open  | side=sell                    |
 * | sell, close (long leg)     | side=buy,  tradeSide=close | side=sell, reduceOnly=YES    |
 * | buy,  close (short leg)    | side=sell, tradeSide=close | side=buy,  reduceOnly=YES    |
 *
 * Orders and fills coming back map to the economic side the same way, reversed.
 */

export function positionModeOf(posMode: PosMode): PositionMode {
  return posMode === 'hedge_mode' ? 'hedge' : 'one_way';
}
export function posModeOf(mode: PositionMode): PosMode {
  return mode === 'hedge' ? 'hedge_mode' : 'one_way_mode';
}

const opposite = (side: OrderSide): OrderSide => (side === 'buy' ? 'sell' : 'buy');

/** Bitget's `side` for an order: in hedge mode, a closing order names the leg it closes. */
export function bitgetSideFor(
  side: OrderSide,
  mode: PositionMode,
  tradeSide: TradeSide | undefined,
): BitgetSide {
  return mode === 'hedge' && tradeSide === 'close' ? opposite(side) : side;
}

/** The economic side of an order or fill Bitget reports. */
export function economicSideOf(
  side: BitgetSide,
  mode: PositionMode,
  tradeSide: TradeSide | undefined,
): OrderSide {
  return mode === 'hedge' && tradeSide === 'close' ? opposite(side) : side;
}

/**
 * The position mode and trade side of a reported order or fill: from its `posMode` when present,
 * else from `tradeSide` (plain `open`/`close` appear in hedge mode only), else the account's mode.
 */
export function modeAndTradeSide(
  posMode: string | undefined,
  tradeSide: string | undefined,
  accountMode: PositionMode,
): { mode: PositionMode; tradeSide: TradeSide | undefined } {
  const ts = tradeSide?.toLowerCase();
  const mode: PositionMode =
    posMode === 'hedge_mode'
      ? 'hedge'
      : posMode === 'one_way_mode'
        ? 'one_way'
        : ts === 'open' || ts === 'close'
          ? 'hedge'
          : accountMode;
  if (mode === 'one_way' || ts === undefined) return { mode, tradeSide: undefined };
  // Hedge closes also come as reduce_close_long, burst_close_short (liquidation), offset_close_...
  return { mode, tradeSide: ts.includes('close') ? 'close' : 'open' };
}

export type PlaceMapping =
  | { ok: true; request: PlaceOrderRequest }
  | { ok: false; code: string; message: string };

/** The place-order body for an order, given the account's position mode. */
export function placeOrderRequest(
  order: OrderParams,
  accountMode: PositionMode,
  defaults: { productType: BitgetProductType; marginCoin: string; marginMode: 'isolated' | 'crossed' },
): PlaceMapping {
  if (order.positionMode !== accountMode) {
    return {
      ok: false,
      code: 'POSITION_MODE_MISMATCH',
      message: `the order is for ${order.positionMode} mode but the Bitget account is in ${accountMode} mode; not sent`,
    };
  }
  if (order.type !== 'limit' && order.type !== 'market') {
    return {
      ok: false,
      code: 'UNSUPPORTED_ORDER_TYPE',
      message: `${order.type} orders use Bitget's plan-order endpoints, which this adapter does not support; not sent`,
    };
  }
  const hedge = accountMode === 'hedge';
  if (hedge && order.tradeSide === undefined) {
    return {
      ok: false,
      code: 'TRADE_SIDE_REQUIRED',
      message: 'hedge mode orders need tradeSide open or close; not sent',
    };
  }
  const force =
    order.type === 'market'
      ? undefined
      : order.postOnly
        ? ('post_only' as const)
        : order.timeInForce === 'ioc' || order.timeInForce === 'fok'
          ? order.timeInForce
          : ('gtc' as const);
  const request: PlaceOrderRequest = {
    symbol: order.instrument.symbol,
    productType: order.instrument.bitgetProductType ?? defaults.productType,
    marginMode: order.marginMode ?? defaults.marginMode,
    marginCoin: order.instrument.settlementCurrency || defaults.marginCoin,
    size: order.amount.toString(),
    ...(order.price !== undefined && order.type === 'limit' && { price: order.price.toString() }),
    side: bitgetSideFor(order.side, accountMode, order.tradeSide),
    ...(hedge && order.tradeSide !== undefined && { tradeSide: order.tradeSide }),
    orderType: order.type,
    ...(force !== undefined && { force }),
    clientOid: order.clientOrderId,
    ...(!hedge && { reduceOnly: order.reduceOnly ? ('YES' as const) : ('NO' as const) }),
    ...(order.takeProfit && { presetStopSurplusPrice: order.takeProfit.triggerPrice.toString() }),
    ...(order.takeProfit?.executePrice && {
      presetStopSurplusExecutePrice: order.takeProfit.executePrice.toString(),
    }),
    ...(order.stopLoss && { presetStopLossPrice: order.stopLoss.triggerPrice.toString() }),
    ...(order.stopLoss?.executePrice && {
      presetStopLossExecutePrice: order.stopLoss.executePrice.toString(),
    }),
    ...(order.selfTradePrevention !== undefined && { stpMode: order.selfTradePrevention }),
  };
  return { ok: true, request };
}

const STATUS: Readonly<Record<BitgetOrderStatus, VenueOrderStatus>> = {
  live: 'open',
  partially_filled: 'partially_filled',
  filled: 'filled',
  canceled: 'cancelled',
};

/** Bitget's cancel reasons (orders push `cancelReason`) in the domain's words. */
export function cancelReasonOf(reason: string | undefined): CancelReason | undefined {
  if (reason === undefined) return undefined;
  const text = reason.toLowerCase();
  if (text.includes('post_only') || text.includes('post-only')) return 'post_only_reject';
  if (text.includes('stp') || text.includes('self_trade')) return 'self_trade_prevention';
  if (text.includes('reduce')) return 'reduce_only_adjustment';
  if (text.includes('ioc') || text.includes('fok') || text.includes('market') || text.includes('remain'))
    return 'unfilled_remainder';
  if (text.includes('liquidat') || text.includes('burst')) return 'liquidation';
  if (text.includes('normal') || text.includes('user') || text.includes('manual') || text.includes('api'))
    return 'user_request';
  return 'venue_other';
}

export interface SnapshotContext {
  account: string;
  accountMode: PositionMode;
  /** When the adapter got it; the venue's times are used when present. */
  receivedAt: string;
}

export function toSnapshot(order: ParsedOrder, ctx: SnapshotContext): VenueOrderSnapshot {
  const { mode, tradeSide } = modeAndTradeSide(order.posMode, order.tradeSide, ctx.accountMode);
  const type: OrderType = order.orderType === 'market' ? 'market' : 'limit';
  const createdAt = order.cTime ?? ctx.receivedAt;
  return {
    venue: 'bitget',
    account: ctx.account,
    symbol: order.symbol,
    venueOrderId: order.orderId,
    clientOrderId: order.clientOid,
    side: economicSideOf(order.side, mode, tradeSide),
    type,
    status: STATUS[order.status],
    amount: order.size,
    filledAmount: order.filled ?? ZERO,
    price: type === 'limit' ? order.price : undefined,
    averagePrice: order.priceAvg,
    // Hedge-mode closes come with reduceOnly "YES"; the domain says tradeSide close for those instead.
    reduceOnly: mode === 'one_way' && order.reduceOnly,
    postOnly: order.force === 'post_only',
    positionMode: mode,
    tradeSide,
    cancelReason: order.status === 'canceled' ? cancelReasonOf(order.cancelReason) : undefined,
    venueReason: order.cancelReason,
    replaced: false,
    createdAt,
    updatedAt: order.uTime ?? createdAt,
    raw: order.raw,
  };
}

export interface FillContext {
  account: string;
  accountMode: PositionMode;
  settlementCurrency: string;
  clientOidOf: (orderId: string) => string | undefined;
}

export function toFill(fill: ParsedFill, ctx: FillContext): VenueFill {
  const { mode, tradeSide } = modeAndTradeSide(fill.posMode, fill.tradeSide, ctx.accountMode);
  return {
    venue: 'bitget',
    account: ctx.account,
    symbol: fill.symbol,
    side: economicSideOf(fill.side, mode, tradeSide),
    venueOrderId: fill.orderId,
    clientOrderId: ctx.clientOidOf(fill.orderId),
    positionMode: mode,
    tradeSide,
    tradeId: fill.tradeId,
    price: fill.price,
    amount: fill.baseVolume,
    fee: fill.fee ?? ZERO,
    feeCurrency: fill.feeCoin ?? ctx.settlementCurrency,
    liquidity: fill.tradeScope,
    executedAt: fill.cTime,
    raw: fill.raw,
  };
}

/** One-way positions are netted (`net`, signed size); hedge legs keep their side (size >= 0). */
export function toPosition(
  position: ParsedPosition,
  ctx: { account: string; accountMode: PositionMode },
): VenuePosition {
  const mode: PositionMode =
    position.posMode === 'hedge_mode'
      ? 'hedge'
      : position.posMode === 'one_way_mode'
        ? 'one_way'
        : ctx.accountMode;
  const size: Decimal =
    mode === 'hedge' || position.holdSide === 'long' ? position.total : position.total.neg();
  return {
    venue: 'bitget',
    account: ctx.account,
    symbol: position.symbol,
    side: mode === 'hedge' ? position.holdSide : 'net',
    size,
    averageEntry: position.openPriceAvg,
    realizedPnl: position.achievedProfits,
    raw: position.raw,
  };
}

const isPositive = (value: Decimal | undefined): value is Decimal => value?.gt(0) === true;
/** A limit the contract sets (Bitget writes 0 or nothing for none). */
const positive = (key: string, value: Decimal | undefined) => (isPositive(value) ? { [key]: value } : {});

/**
 * A contract as a domain instrument: linear, amounts in the base coin, amountStep = sizeMultiplier,
 * tick = priceEndStep × 10^-pricePlace, minAmount = minTradeNum, minNotional = minTradeUSDT,
 * maxAmount = maxOrderQty, maxMarketAmount = maxMarketOrderQty, the price limit ratios as they are.
 */
export function toInstrument(contract: ParsedContract, productType: BitgetProductType): Instrument {
  const places = Number(contract.pricePlace);
  const tick = contract.priceEndStep.times(ZERO.plus(10).pow(-places));
  const settlement = contract.supportMarginCoins?.[0] ?? contract.quoteCoin;
  return InstrumentSchema.parse({
    venue: 'bitget',
    symbol: contract.symbol,
    kind: contract.symbolType === 'delivery' ? 'future' : 'perpetual',
    settlement: 'linear',
    amountUnit: 'base',
    contractSize: '1',
    tickSize: tick,
    minAmount: contract.minTradeNum,
    amountStep: contract.sizeMultiplier,
    ...(contract.minTradeUSDT !== undefined && { minNotional: contract.minTradeUSDT }),
    ...positive('maxAmount', contract.maxOrderQty),
    ...positive('maxMarketAmount', contract.maxMarketOrderQty),
    ...(isPositive(contract.buyLimitPriceRatio) &&
      isPositive(contract.sellLimitPriceRatio) && {
        priceLimitRatio: { buy: contract.buyLimitPriceRatio, sell: contract.sellLimitPriceRatio },
      }),
    baseCurrency: contract.baseCoin,
    quoteCurrency: contract.quoteCoin,
    settlementCurrency: settlement,
    bitgetProductType: productType,
  });
}
