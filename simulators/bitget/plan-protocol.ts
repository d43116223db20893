import { z } from 'zod';
import { BITGET_PRODUCT_TYPES, decimal, integer, lower, text, upper } from './protocol.ts';

/**
 * zod schemas of the plan (trigger) order requests, read from Bitget's v2 mix documents
 * (place-plan-order, modify-plan-order, cancel-plan-order, orders-plan-pending,
 * orders-plan-history, plan-sub-order). Parsed like the other requests (`parseRequest`): an
 * unknown parameter is 40034, a missing one 40019, a malformed one 40017.
 */

const triggerType = lower(['mark_price', 'fill_price']);

export const PlacePlanBody = z.strictObject({
  planType: lower(['normal_plan', 'track_plan']),
  symbol: text,
  productType: upper(BITGET_PRODUCT_TYPES),
  marginMode: lower(['isolated', 'crossed']),
  marginCoin: text,
  size: decimal,
  price: decimal.optional(),
  callbackRatio: decimal.optional(),
  triggerPrice: decimal,
  triggerType,
  side: lower(['buy', 'sell']),
  tradeSide: lower(['open', 'close']).optional(),
  orderType: lower(['limit', 'market']),
  clientOid: text.optional(),
  // Any case: the document's example sends "NO".
  reduceOnly: upper(['YES', 'NO']).optional(),
  stopSurplusTriggerPrice: decimal.optional(),
  stopSurplusExecutePrice: decimal.optional(),
  stopSurplusTriggerType: triggerType.optional(),
  stopLossTriggerPrice: decimal.optional(),
  stopLossExecutePrice: decimal.optional(),
  stopLossTriggerType: triggerType.optional(),
  stpMode: lower(['none', 'cancel_taker', 'cancel_maker', 'cancel_both']).optional(),
  // Not in the document's table, sent by ccxt (the most used client) with every trigger order: the
  // venue takes its trigger orders, so it tolerates them. `force` is ignored (a plan's order is
  // placed good-till-cancelled); `executePrice` is the limit price (the lists name it so too).
  force: lower(['gtc', 'ioc', 'fok', 'post_only']).optional(),
  executePrice: decimal.optional(),
});
export type PlacePlanBody = z.output<typeof PlacePlanBody>;

export const ModifyPlanBody = z.strictObject({
  orderId: text.optional(),
  clientOid: text.optional(),
  productType: text,
  // Not in the document's table, sent by its example: tolerated (and checked against the plan).
  planType: text.optional(),
  symbol: text.optional(),
  newSize: decimal.optional(),
  newPrice: decimal.optional(),
  newCallbackRatio: decimal.optional(),
  newTriggerPrice: decimal.optional(),
  newTriggerType: triggerType.optional(),
  newStopSurplusTriggerPrice: decimal.optional(),
  newStopSurplusExecutePrice: decimal.optional(),
  newStopSurplusTriggerType: triggerType.optional(),
  newStopLossTriggerPrice: decimal.optional(),
  newStopLossExecutePrice: decimal.optional(),
  newStopLossTriggerType: triggerType.optional(),
});
export type ModifyPlanBody = z.output<typeof ModifyPlanBody>;

/** The plan types cancel-plan-order names (only `normal_plan` plans exist here). */
export const CANCEL_PLAN_TYPES = [
  'normal_plan',
  'track_plan',
  'profit_plan',
  'loss_plan',
  'pos_profit',
  'pos_loss',
  'moving_plan',
] as const;

export const CancelPlanBody = z.strictObject({
  orderIdList: z.array(z.strictObject({ orderId: text.optional(), clientOid: text.optional() })).optional(),
  symbol: text.optional(),
  productType: text,
  marginCoin: text.optional(),
  planType: lower(CANCEL_PLAN_TYPES).optional(),
});
export type CancelPlanBody = z.output<typeof CancelPlanBody>;

const planListShape = {
  orderId: text.optional(),
  clientOid: text.optional(),
  symbol: text.optional(),
  planType: lower(['normal_plan', 'track_plan', 'profit_loss']),
  productType: text,
  idLessThan: text.optional(),
  startTime: integer.optional(),
  endTime: integer.optional(),
  limit: integer.optional(),
};

export const PlanPendingQuery = z.strictObject(planListShape);
export const PlanHistoryQuery = z.strictObject({
  ...planListShape,
  planStatus: lower(['executed', 'fail_execute', 'cancelled']).optional(),
});
export type PlanHistoryQuery = z.output<typeof PlanHistoryQuery>;

export const PlanSubOrderQuery = z.strictObject({
  planType: lower(['normal_plan', 'track_plan']),
  planOrderId: text,
  productType: text,
});
export type PlanSubOrderQuery = z.output<typeof PlanSubOrderQuery>;
