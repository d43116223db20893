import type { Decimal } from '../../domain/decimal.ts';
import type { PosMode, Side } from './engine-types.ts';
import type { MarginMode } from './positions.ts';

/** The local Bitget's plan (trigger) orders: what the venue keeps of each. */

/** Plans spell the cancelled status with two l's (orders: `canceled`). */
export type PlanStatus = 'live' | 'executed' | 'fail_execute' | 'cancelled';
/** `mark_price`: the mark; `fill_price`: the latest trade price. */
export type TriggerType = 'mark_price' | 'fill_price';

/** A take-profit or stop-loss the plan hands to the order it places. */
export interface PlanTpSl {
  triggerPrice: Decimal;
  /** Absent: executed at market. */
  executePrice: Decimal | undefined;
  triggerType: TriggerType | undefined;
}

export interface SimPlan {
  orderId: string;
  clientOid: string;
  /** Only `normal_plan` is simulated (`track_plan` is refused). */
  planType: 'normal_plan';
  symbol: string;
  marginMode: MarginMode;
  marginCoin: string;
  size: Decimal;
  /** The execute price of a limit plan; absent for a market plan. */
  price: Decimal | undefined;
  triggerPrice: Decimal;
  triggerType: TriggerType;
  /**
   * The side of the trigger the reference was on when the plan was placed or last modified:
   * `rise` fires when the reference reaches the trigger price from below, `fall` from above.
   */
  direction: 'rise' | 'fall';
  side: Side;
  /** Hedge mode only. */
  tradeSide: 'open' | 'close' | undefined;
  posMode: PosMode;
  orderType: 'limit' | 'market';
  /** One-way mode only. */
  reduceOnly: boolean;
  stopSurplus: PlanTpSl | undefined;
  stopLoss: PlanTpSl | undefined;
  stpMode: 'none' | 'cancel_taker' | 'cancel_maker' | 'cancel_both' | undefined;
  status: PlanStatus;
  triggerTime: number | undefined;
  /**
   * The clientOid the venue gave the order it placed when the plan fired: that order's id is the
   * plan's `executeOrderId` (looked up, so that the plan kept before the placement names it).
   */
  executeClientOid: string | undefined;
  cTime: number;
  uTime: number;
  seq: number;
}

/** An account's plans, by orderId and by clientOid. */
export interface PlanBook {
  plans: Map<string, SimPlan>;
  byClientOid: Map<string, string>;
}
