import type { Decimal } from '../../domain/decimal.ts';
import type { MarginMode, PositionBook } from './positions.ts';

/** The local Bitget's exchange model: accounts, orders, trades, pushes. */

export type PosMode = 'one_way_mode' | 'hedge_mode';
export type OrderStatus = 'live' | 'partially_filled' | 'filled' | 'canceled';
export type Force = 'gtc' | 'ioc' | 'fok' | 'post_only';
export type Side = 'buy' | 'sell';

export interface EngineConfig {
  productType: string;
  marginCoin: string;
  /** Seed 003: "ignore tradeSide in one-way mode"; recorded traffic shows 40774 instead. */
  tradeSideInOneWay: 'ignore' | 'reject';
  /** Seed 003: the reply to a reduce-only order that made Bitget cancel older ones has no orderId. */
  omitOrderIdAfterReduceOnlyAdjust: boolean;
  /** Modify creates the replacement asynchronously, after this delay (0: right after the reply). */
  modifyReplaceDelayMs: number;
  /** How empty order and fill lists are written: `null` (as Bitget does for entrustedList) or `[]`. */
  emptyListAs: 'null' | 'empty';
  /** The orders push spells the client id `clientOid` (recorded traffic) or `clientOId` (doc example). */
  clientOidSpelling: 'clientOid' | 'clientOId';
  initialBalance: Decimal;
  defaultLeverage: number;
  /** Taker liquidity at the mark, per order. */
  defaultDepth: Decimal;
}

export interface SimOrder {
  orderId: string;
  clientOid: string;
  symbol: string;
  marginMode: MarginMode;
  marginCoin: string;
  size: Decimal;
  price: Decimal | undefined;
  /** Bitget's side: the trade direction in one-way mode, the position leg in hedge mode. */
  side: Side;
  /** Hedge mode only. */
  tradeSide: 'open' | 'close' | undefined;
  posMode: PosMode;
  orderType: 'limit' | 'market';
  force: Force;
  reduceOnly: boolean;
  presetStopSurplusPrice: Decimal | undefined;
  presetStopLossPrice: Decimal | undefined;
  presetStopSurplusExecutePrice: Decimal | undefined;
  presetStopLossExecutePrice: Decimal | undefined;
  stpMode: string;
  leverage: number;
  status: OrderStatus;
  filled: Decimal;
  filledValue: Decimal;
  /** Fees paid (positive). Reported negative, as Bitget does. */
  fee: Decimal;
  profit: Decimal;
  cancelReason: string | undefined;
  orderSource: 'normal' | 'market';
  cTime: number;
  uTime: number;
  seq: number;
}

export interface SimTrade {
  tradeId: string;
  orderId: string;
  symbol: string;
  side: Side;
  tradeSide: string;
  posMode: PosMode;
  orderType: 'limit' | 'market';
  price: Decimal;
  size: Decimal;
  profit: Decimal;
  scope: 'taker' | 'maker';
  fee: Decimal;
  at: number;
}

export interface Account {
  apiKey: string;
  uid: string;
  posMode: PosMode;
  /** Wallet balance: deposits + realized profits − fees. */
  equity: Decimal;
  leverage: Map<string, number>;
  orders: Map<string, SimOrder>;
  byClientOid: Map<string, string>;
  /** clientOids of modify replacements not created yet: already taken. */
  reserved: Set<string>;
  trades: SimTrade[];
  positions: PositionBook;
}

export type PushChannel = 'orders' | 'fill' | 'positions' | 'orders-algo';
export interface Push {
  apiKey: string;
  channel: PushChannel;
  data: Record<string, unknown>[];
}

/** Orders that can still trade. */
export const LIVE: ReadonlySet<OrderStatus> = new Set(['live', 'partially_filled']);
