import type { Decimal } from '../../domain/decimal.ts';
import type { SimOrder } from './engine-types.ts';
import type { PlanTpSl, SimPlan } from './plan-types.ts';

/**
 * Plan (trigger) orders as Bitget writes them: the items of `orders-plan-pending` and
 * `orders-plan-history`, the `orders-algo` push and `plan-sub-order`. Every value is a string;
 * absent values are empty strings, as Bitget writes them.
 */

const text = (value: Decimal | undefined) => value?.toString() ?? '';

/** Hedge plans say open / close; one-way plans buy_single / sell_single (as the orders do). */
function tradeSideOf(plan: SimPlan): string {
  if (plan.posMode === 'hedge_mode') return plan.tradeSide ?? 'open';
  return `${plan.side}_single`;
}

function posSideOf(plan: SimPlan): string {
  if (plan.posMode === 'one_way_mode') return 'net';
  return plan.side === 'buy' ? 'long' : 'short';
}

function tpSl(prefix: 'stopSurplus' | 'stopLoss', leg: PlanTpSl | undefined): Record<string, string> {
  return {
    [`${prefix}TriggerPrice`]: text(leg?.triggerPrice),
    [`${prefix}ExecutePrice`]: text(leg?.executePrice),
    [`${prefix}TriggerType`]: leg?.triggerType ?? '',
  };
}

function averagePrice(order: SimOrder | undefined): string {
  if (order === undefined || order.filled.isZero()) return '';
  return order.filledValue.div(order.filled).toString();
}

/**
 * A plan as `orders-plan-pending` (live plans) or `orders-plan-history` writes it; the history adds
 * the order the plan placed when it fired (`executeOrderId`, its filled size and average price).
 */
export function planListRecord(
  plan: SimPlan,
  executed: SimOrder | undefined,
  where: 'pending' | 'history',
): Record<string, unknown> {
  const common = {
    planType: plan.planType,
    symbol: plan.symbol,
    size: plan.size.toString(),
    orderId: plan.orderId,
    clientOid: plan.clientOid,
    price: text(plan.price),
    executePrice: text(plan.price),
    callbackRatio: '',
    triggerPrice: plan.triggerPrice.toString(),
    triggerType: plan.triggerType,
    planStatus: plan.status,
    side: plan.side,
    posSide: posSideOf(plan),
    marginCoin: plan.marginCoin,
    marginMode: plan.marginMode,
    enterPointSource: 'API',
    tradeSide: tradeSideOf(plan),
    posMode: plan.posMode,
    orderType: plan.orderType,
    orderSource: plan.orderType === 'market' ? 'market' : 'normal',
    ...tpSl('stopSurplus', plan.stopSurplus),
    ...tpSl('stopLoss', plan.stopLoss),
    cTime: String(plan.cTime),
    uTime: String(plan.uTime),
  };
  if (where === 'pending') return common;
  return {
    ...common,
    executeOrderId: executed?.orderId ?? '',
    baseVolume: executed?.filled.toString() ?? '0',
    priceAvg: averagePrice(executed),
  };
}

/**
 * The `orders-algo` channel item. No `executeOrderId` (no document shows it in the push): a
 * client finds the placed order in `orders-plan-history` or `plan-sub-order`.
 */
export function planPushRecord(plan: SimPlan, executed: SimOrder | undefined): Record<string, unknown> {
  const hedgeClose = plan.posMode === 'hedge_mode' && plan.tradeSide === 'close';
  return {
    instId: plan.symbol,
    orderId: plan.orderId,
    clientOid: plan.clientOid,
    triggerPrice: plan.triggerPrice.toString(),
    triggerType: plan.triggerType,
    triggerTime: plan.triggerTime === undefined ? '' : String(plan.triggerTime),
    planType: plan.planType,
    price: plan.price?.toString() ?? '0',
    executePrice: plan.price?.toString() ?? '0',
    size: plan.size.toString(),
    actualSize: executed?.filled.toString() ?? '0',
    orderType: plan.orderType,
    side: plan.side,
    tradeSide: tradeSideOf(plan),
    posSide: posSideOf(plan),
    posMode: plan.posMode,
    marginCoin: plan.marginCoin,
    marginMode: plan.marginMode,
    reduceOnly: plan.reduceOnly || hedgeClose ? 'yes' : 'no',
    status: plan.status,
    enterPointSource: 'API',
    ...tpSl('stopSurplus', plan.stopSurplus),
    ...tpSl('stopLoss', plan.stopLoss),
    cTime: String(plan.cTime),
    uTime: String(plan.uTime),
  };
}

/** What `plan-sub-order` says of the order a plan placed: done, failed, cancelled or working. */
function subOrderStatus(order: SimOrder): 'success' | 'cancelled' | 'in_progress' {
  if (order.status === 'filled') return 'success';
  if (order.status === 'canceled') return order.filled.isZero() ? 'cancelled' : 'success';
  return 'in_progress';
}

/**
 * `plan-sub-order`: the order(s) a plan placed. A plan that has not fired (or was cancelled)
 * placed none; one whose placement was refused lists the refused attempt (`fail`, no orderId).
 */
export function subOrderRecords(plan: SimPlan, executed: SimOrder | undefined): Record<string, string>[] {
  if (plan.status === 'fail_execute')
    return [{ orderId: '', price: text(plan.price), type: plan.orderType, status: 'fail' }];
  if (executed === undefined) return [];
  return [
    {
      orderId: executed.orderId,
      price: executed.price?.toString() ?? averagePrice(executed),
      type: executed.orderType,
      status: subOrderStatus(executed),
    },
  ];
}
