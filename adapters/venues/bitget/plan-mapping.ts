import type { VenueOrderSnapshot } from '../../../application/ports/venue.ts';
import { ZERO } from '../../../domain/decimal.ts';
import type { BitgetProductType } from '../../../domain/instrument.ts';
import type { OrderParams, PositionMode } from '../../../domain/order/contract.ts';
import { economicSideOf, modeAndTradeSide, type PlaceMapping, placeOrderRequest } from './mapping.ts';
import type { BitgetPlan, PlacePlanRequest } from './wire-plans.ts';

/**
 * The OMS's trigger orders as Bitget plan orders (`normal_plan`), and plans as the port's
 * snapshots. A stop or take order becomes a plan that places a limit or market order when the
 * mark (`mark_price`) or the last price (`fill_price`) reaches the trigger price; Bitget decides
 * the direction from where the trigger is when placed, as Deribit's stop/take pairs do.
 */

export type PlanMapping = { ok: true; request: PlacePlanRequest } | Exclude<PlaceMapping, { ok: true }>;

/** The place-plan-order body for a trigger order, given the account's position mode. */
export function placePlanRequest(
  order: OrderParams,
  accountMode: PositionMode,
  defaults: { productType: BitgetProductType; marginCoin: string; marginMode: 'isolated' | 'crossed' },
): PlanMapping {
  const trigger = order.trigger;
  if (trigger === undefined || trigger.reference === 'index_price') {
    return {
      ok: false,
      code: 'UNSUPPORTED_TRIGGER',
      message: 'Bitget plans trigger on the mark or the last price; not sent',
    };
  }
  const orderType = order.type === 'stop_limit' || order.type === 'take_limit' ? 'limit' : 'market';
  // The order the plan places, mapped as any order (mode, sides, presets), then in plan words.
  const base = placeOrderRequest({ ...order, type: orderType, trigger: undefined }, accountMode, defaults);
  if (!base.ok) return base;
  const { force: _force, reduceOnly, presetStopSurplusPrice, presetStopLossPrice, ...rest } = base.request;
  const { presetStopSurplusExecutePrice, presetStopLossExecutePrice, ...fields } = rest;
  const request: PlacePlanRequest = {
    planType: 'normal_plan',
    ...fields,
    orderType,
    triggerPrice: trigger.price.toString(),
    triggerType: trigger.reference === 'mark_price' ? 'mark_price' : 'fill_price',
    ...(reduceOnly !== undefined && { reduceOnly: reduceOnly === 'YES' ? 'yes' : 'no' }),
    ...(presetStopSurplusPrice !== undefined && {
      stopSurplusTriggerPrice: presetStopSurplusPrice,
      stopSurplusTriggerType: 'fill_price',
      ...(presetStopSurplusExecutePrice !== undefined && {
        stopSurplusExecutePrice: presetStopSurplusExecutePrice,
      }),
    }),
    ...(presetStopLossPrice !== undefined && {
      stopLossTriggerPrice: presetStopLossPrice,
      stopLossTriggerType: 'fill_price',
      ...(presetStopLossExecutePrice !== undefined && { stopLossExecutePrice: presetStopLossExecutePrice }),
    }),
  };
  return { ok: true, request };
}

/**
 * A plan that has not placed its order, as a snapshot: live is `untriggered`; cancelled, and a plan
 * whose order the venue could not place (`fail_execute`), are cancelled (no order ever existed).
 */
export function planSnapshot(
  plan: BitgetPlan & { raw: unknown },
  ctx: { account: string; accountMode: PositionMode; receivedAt: string },
): VenueOrderSnapshot {
  const { mode, tradeSide } = modeAndTradeSide(plan.posMode, plan.tradeSide, ctx.accountMode);
  const createdAt = plan.cTime ?? ctx.receivedAt;
  const failed = plan.status === 'fail_execute';
  return {
    venue: 'bitget',
    account: ctx.account,
    symbol: plan.symbol,
    venueOrderId: plan.orderId,
    clientOrderId: plan.clientOid,
    side: economicSideOf(plan.side, mode, tradeSide),
    type: plan.orderType === 'limit' ? 'stop_limit' : 'stop_market',
    status: plan.status === 'live' ? 'untriggered' : 'cancelled',
    amount: plan.size,
    filledAmount: ZERO,
    price: plan.price,
    averagePrice: undefined,
    reduceOnly: mode === 'one_way' && plan.reduceOnly,
    postOnly: false,
    positionMode: mode,
    tradeSide,
    cancelReason: plan.status === 'live' ? undefined : failed ? 'venue_other' : 'user_request',
    venueReason: failed ? 'plan fail_execute: the venue could not place its order' : undefined,
    replaced: false,
    createdAt,
    updatedAt: plan.uTime ?? createdAt,
    raw: plan.raw,
  };
}
