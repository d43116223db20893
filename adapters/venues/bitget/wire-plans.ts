import { z } from 'zod';
import type { Decimal } from '../../../domain/decimal.ts';
import { clientOid, decimalText, marginCoin, productType } from './wire-requests.ts';
import {
  type BitgetSide,
  BitgetSideSchema,
  list,
  lower,
  MsTime,
  OptionalDecimal,
  optionalText,
  symbolFields,
  symbolOf,
  text,
  VenueDecimal,
  withRaw,
  YesNo,
} from './wire-scalars.ts';

/**
 * zod schemas of Bitget's plan (trigger) orders, as its documents give them: the place, modify and
 * cancel bodies (`place-plan-order`, `modify-plan-order`, `cancel-plan-order`), the items of
 * `orders-plan-pending` / `orders-plan-history` and of the `orders-algo` push (which says `status`
 * where the lists say `planStatus`), and `plan-sub-order`.
 */

const triggerType = z.enum(['mark_price', 'fill_price']);

export const PlacePlanRequestSchema = z
  .object({
    planType: z.literal('normal_plan'),
    symbol: z.string().min(1),
    productType,
    marginMode: z.enum(['isolated', 'crossed']),
    marginCoin,
    size: decimalText,
    // Required for a limit plan, empty for a market one.
    price: decimalText.optional(),
    triggerPrice: decimalText,
    triggerType,
    side: z.enum(['buy', 'sell']),
    tradeSide: z.enum(['open', 'close']).optional(),
    orderType: z.enum(['limit', 'market']),
    clientOid,
    // The table says lowercase yes/no (one-way mode only).
    reduceOnly: z.enum(['yes', 'no']).optional(),
    stopSurplusTriggerPrice: decimalText.optional(),
    stopSurplusExecutePrice: decimalText.optional(),
    stopSurplusTriggerType: triggerType.optional(),
    stopLossTriggerPrice: decimalText.optional(),
    stopLossExecutePrice: decimalText.optional(),
    stopLossTriggerType: triggerType.optional(),
    stpMode: z.enum(['none', 'cancel_taker', 'cancel_maker', 'cancel_both']).optional(),
  })
  .strict();
export type PlacePlanRequest = z.infer<typeof PlacePlanRequestSchema>;

export const ModifyPlanRequestSchema = z
  .object({
    orderId: z.string().min(1).optional(),
    clientOid: clientOid.optional(),
    productType,
    newSize: decimalText.optional(),
    newPrice: decimalText.optional(),
    newTriggerPrice: decimalText.optional(),
    newTriggerType: triggerType.optional(),
  })
  .strict();

export const CancelPlanRequestSchema = z
  .object({
    orderIdList: z
      .array(z.object({ orderId: z.string().min(1).optional(), clientOid: clientOid.optional() }).strict())
      .min(1),
    symbol: z.string().min(1),
    productType,
    marginCoin,
    planType: z.literal('normal_plan'),
  })
  .strict();

/** The plan statuses: live in the pending list; executed, fail_execute or cancelled afterwards. */
export type PlanStatus = 'live' | 'executed' | 'fail_execute' | 'cancelled';
const PLAN_STATUSES: Readonly<Record<string, PlanStatus>> = {
  live: 'live',
  not_trigger: 'live',
  executing: 'live',
  executed: 'executed',
  triggered: 'executed',
  fail_execute: 'fail_execute',
  fail_trigger: 'fail_execute',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

export interface BitgetPlan {
  symbol: string;
  orderId: string;
  clientOid: string | undefined;
  planType: string;
  size: Decimal;
  /** The price of the order the plan places (none for a market plan). */
  price: Decimal | undefined;
  triggerPrice: Decimal;
  triggerType: string | undefined;
  status: PlanStatus;
  /** The order the plan created when it fired (history only). */
  executeOrderId: string | undefined;
  side: BitgetSide;
  tradeSide: string | undefined;
  posMode: string | undefined;
  orderType: string;
  reduceOnly: boolean;
  cTime: string | undefined;
  uTime: string | undefined;
}

const planFields = {
  ...symbolFields,
  orderId: text,
  clientOid: optionalText,
  planType: optionalText,
  size: VenueDecimal,
  price: OptionalDecimal,
  executePrice: OptionalDecimal,
  triggerPrice: VenueDecimal,
  triggerType: optionalText,
  planStatus: optionalText,
  status: optionalText,
  executeOrderId: optionalText,
  side: BitgetSideSchema,
  tradeSide: optionalText,
  posMode: optionalText,
  orderType: lower,
  reduceOnly: YesNo.optional(),
  cTime: MsTime.optional(),
  uTime: MsTime.optional(),
};

export const PlanSchema = withRaw(
  z.looseObject(planFields).transform((plan, ctx): BitgetPlan => {
    const symbol = symbolOf(plan, ctx);
    const statusText = plan.planStatus ?? plan.status;
    const status = statusText === undefined ? undefined : PLAN_STATUSES[statusText.toLowerCase()];
    if (status === undefined) {
      const message = `unknown plan status ${JSON.stringify(statusText ?? null)}`;
      ctx.addIssue({ code: 'custom', message, path: ['planStatus'] });
      return z.NEVER;
    }
    // A market plan's price comes as "0" or "" (the push writes the trigger price there too).
    const limitPrice = plan.orderType === 'limit' ? (plan.executePrice ?? plan.price) : undefined;
    return {
      symbol,
      orderId: plan.orderId,
      clientOid: plan.clientOid,
      planType: plan.planType ?? 'normal_plan',
      size: plan.size,
      price: limitPrice?.isZero() ? undefined : limitPrice,
      triggerPrice: plan.triggerPrice,
      triggerType: plan.triggerType,
      status,
      executeOrderId: plan.executeOrderId,
      side: plan.side,
      tradeSide: plan.tradeSide,
      posMode: plan.posMode,
      orderType: plan.orderType,
      reduceOnly: plan.reduceOnly ?? false,
      cTime: plan.cTime,
      uTime: plan.uTime,
    };
  }),
);
export type ParsedPlan = z.output<typeof PlanSchema>;

export const PlanListSchema = z.looseObject({ entrustedList: list(z.unknown()), endId: optionalText });
