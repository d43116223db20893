import { type Decimal, parseDecimal, ZERO } from '../../domain/decimal.ts';
import type { EngineCore } from './engine-core.ts';
import type { EngineQueries } from './engine-queries.ts';
import type { Account, SimOrder, SimTrade } from './engine-types.ts';
import { type HoldSide, openPriceAvg, type SimPosition } from './positions.ts';

/** Orders, fills and positions as Bitget writes them (REST lists and details, WebSocket pushes). */

export function optional(value: string | undefined): Decimal | undefined {
  return value === undefined ? undefined : parseDecimal(value);
}

/** Bitget ids are 19-digit integers: compared as numbers. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One-way orders report buy_single / sell_single; hedge orders open / close. */
export function tradeSideText(order: SimOrder): string {
  if (order.posMode === 'hedge_mode') return order.tradeSide ?? 'open';
  return `${order.side}_single`;
}

function posSideOf(order: SimOrder): string {
  if (order.posMode === 'one_way_mode') return 'net';
  return order.side === 'buy' ? 'long' : 'short';
}

const feeText = (fee: Decimal) => (fee.isZero() ? '0' : fee.neg().toString());

/** The order as `order/detail` (`state`) or the order lists (`status`) write it. */
export function orderRecord(order: SimOrder, where: 'detail' | 'list'): Record<string, unknown> {
  const priceAvg = order.filled.isZero() ? '' : order.filledValue.div(order.filled).toString();
  return {
    symbol: order.symbol,
    size: order.size.toString(),
    orderId: order.orderId,
    clientOid: order.clientOid,
    baseVolume: order.filled.toString(),
    quoteVolume: order.filledValue.toString(),
    fee: feeText(order.fee),
    price: order.price?.toString() ?? '',
    priceAvg,
    [where === 'detail' ? 'state' : 'status']: order.status,
    side: order.side,
    force: order.force,
    totalProfits: order.profit.toString(),
    posSide: posSideOf(order),
    marginCoin: order.marginCoin,
    presetStopSurplusPrice: order.presetStopSurplusPrice?.toString() ?? '',
    presetStopLossPrice: order.presetStopLossPrice?.toString() ?? '',
    leverage: String(order.leverage),
    marginMode: order.marginMode,
    reduceOnly: order.reduceOnly ? 'YES' : 'NO',
    enterPointSource: 'API',
    tradeSide: tradeSideText(order),
    posMode: order.posMode,
    orderType: order.orderType,
    orderSource: order.orderSource,
    cancelReason: order.cancelReason ?? '',
    stpMode: order.stpMode,
    cTime: String(order.cTime),
    uTime: String(order.uTime),
  };
}

/** The `orders` channel item: `status`, cumulative `accBaseVolume`, and the fill's fields on a fill. */
export function orderPushRecord(
  order: SimOrder,
  trade: SimTrade | undefined,
  clientOidSpelling: 'clientOid' | 'clientOId',
): Record<string, unknown> {
  const priceAvg = order.filled.isZero() ? '0' : order.filledValue.div(order.filled).toString();
  return {
    orderId: order.orderId,
    [clientOidSpelling]: order.clientOid,
    instId: order.symbol,
    side: order.side,
    posSide: posSideOf(order),
    tradeSide: tradeSideText(order),
    posMode: order.posMode,
    orderType: order.orderType,
    force: order.force,
    price: order.price?.toString() ?? '0',
    size: order.size.toString(),
    notionalUsd: order.size.times(order.price ?? trade?.price ?? ZERO).toString(),
    status: order.status,
    accBaseVolume: order.filled.toString(),
    priceAvg,
    leverage: String(order.leverage),
    marginCoin: order.marginCoin,
    marginMode: order.marginMode,
    reduceOnly: order.reduceOnly ? 'yes' : 'no',
    enterPointSource: 'API',
    feeDetail: [{ feeCoin: order.marginCoin, fee: feeText(order.fee) }],
    stpMode: order.stpMode,
    presetStopSurplusPrice: order.presetStopSurplusPrice?.toString() ?? '',
    presetStopLossPrice: order.presetStopLossPrice?.toString() ?? '',
    ...(order.cancelReason !== undefined && { cancelReason: order.cancelReason }),
    ...(trade && {
      tradeId: trade.tradeId,
      baseVolume: trade.size.toString(),
      fillPrice: trade.price.toString(),
      fillTime: String(trade.at),
      fillFee: feeText(trade.fee),
      fillFeeCoin: order.marginCoin,
      fillNotionalUsd: trade.size.times(trade.price).toString(),
      tradeScope: trade.scope === 'taker' ? 'T' : 'M',
      pnl: trade.profit.toString(),
    }),
    cTime: String(order.cTime),
    uTime: String(order.uTime),
  };
}

/** A trade as the `fill` channel and the `fills` endpoint write it. */
export function fillRecord(trade: SimTrade): Record<string, unknown> {
  return {
    tradeId: trade.tradeId,
    symbol: trade.symbol,
    orderId: trade.orderId,
    price: trade.price.toString(),
    baseVolume: trade.size.toString(),
    quoteVolume: trade.size.times(trade.price).toString(),
    side: trade.side,
    orderType: trade.orderType,
    tradeSide: trade.tradeSide,
    posMode: trade.posMode,
    profit: trade.profit.toString(),
    tradeScope: trade.scope,
    enterPointSource: 'API',
    feeDetail: [{ deduction: 'no', feeCoin: 'USDT', totalDeductionFee: '0', totalFee: feeText(trade.fee) }],
    cTime: String(trade.at),
    uTime: String(trade.at),
  };
}

export type { HoldSide };

/** A position as Bitget writes it: `all-position` (REST) or the `positions` channel (WebSocket). */
export function positionRecord(
  engine: EngineCore,
  account: Account,
  position: SimPosition,
  where: 'rest' | 'ws',
): Record<string, unknown> {
  const leverage = engine.leverageOf(account, position.symbol);
  const margin = position.openValue.div(leverage);
  const common = {
    marginCoin: engine.config.marginCoin,
    holdSide: position.holdSide,
    openDelegateSize: '0',
    marginSize: margin.toString(),
    available: position.total.toString(),
    locked: '0',
    total: position.total.toString(),
    achievedProfits: position.achievedProfits.toString(),
    openPriceAvg: openPriceAvg(position).toString(),
    marginMode: position.marginMode,
    posMode: account.posMode,
    unrealizedPL: engine.unrealized(position).toString(),
    liquidationPrice: '0',
    keepMarginRate: '0.004',
    markPrice: engine.markPrice(position.symbol).toString(),
    breakEvenPrice: openPriceAvg(position).toString(),
    totalFee: position.totalFee?.toString() ?? '',
    deductedFee: position.deductedFee.toString(),
    marginRatio: '0',
    autoMargin: 'off',
    cTime: String(position.cTime),
    uTime: String(position.uTime),
  };
  return where === 'ws'
    ? {
        posId: position.posId,
        instId: position.symbol,
        ...common,
        frozen: '0',
        leverage,
        unrealizedPLR: '0',
        marginRate: '0',
      }
    : { symbol: position.symbol, ...common, leverage: String(leverage) };
}

/**
 * The balance fields `account/accounts` and `account/account` share: `accountEquity` (and
 * `usdtEquity`) = the wallet balance (the last bill's `balance`) + the unrealized PnL of the
 * positions at the mark; `unrealizedPL` that PnL, split into `crossedUnrealizedPL` and
 * `isolatedUnrealizedPL` by the positions' margin mode; `available` (and the max available and
 * transferable amounts) = the wallet balance less the margin of the positions and of the open
 * orders; `crossedMargin` that margin; `locked` 0 (margin for orders is taken from `available`).
 */
export function accountBalanceFields(engine: EngineQueries, account: Account): Record<string, string> {
  let crossed = ZERO;
  let isolated = ZERO;
  for (const position of engine.positionsOf(account)) {
    const pnl = engine.unrealized(position);
    if (position.marginMode === 'isolated') isolated = isolated.plus(pnl);
    else crossed = crossed.plus(pnl);
  }
  const unrealized = crossed.plus(isolated);
  const equity = account.equity.plus(unrealized).toString();
  const available = engine.available(account);
  const text = available.toString();
  return {
    marginCoin: engine.config.marginCoin,
    locked: '0',
    available: text,
    crossedMaxAvailable: text,
    isolatedMaxAvailable: text,
    maxTransferOut: text,
    accountEquity: equity,
    usdtEquity: equity,
    btcEquity: '0',
    crossedRiskRate: '0',
    unrealizedPL: unrealized.toString(),
    coupon: '0',
    crossedUnrealizedPL: crossed.toString(),
    isolatedUnrealizedPL: isolated.toString(),
    crossedMargin: account.equity.minus(available).toString(),
    isolatedMargin: '0',
  };
}
