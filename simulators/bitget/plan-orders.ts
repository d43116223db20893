import { type Decimal, isMultipleOf, parseDecimal } from '../../domain/decimal.ts';
import { type LocalContract, tickOf } from './contracts.ts';
import type { Account } from './engine-types.ts';
import { refuse } from './errors.ts';
import type {
  CancelPlanBody,
  ModifyPlanBody,
  PlacePlanBody,
  PlanHistoryQuery,
  PlanSubOrderQuery,
} from './plan-protocol.ts';
import { subOrderRecords } from './plan-records.ts';
import { PlanTriggers } from './plan-triggers.ts';
import type { PlanTpSl, SimPlan, TriggerType } from './plan-types.ts';
import { compareIds } from './records.ts';

export type * from './plan-types.ts';

/** A plan list query: orders-plan-pending's, or orders-plan-history's (with `planStatus`). */
type PlanListQuery = PlanHistoryQuery;

/** A TP/SL as sent: trigger price, execute price, trigger type. */
type TpSlFields = [string | undefined, string | undefined, TriggerType | undefined];

/**
 * The plan (trigger) order operations of the local Bitget (v2 mix): place-plan-order,
 * modify-plan-order, cancel-plan-order, orders-plan-pending, orders-plan-history and
 * plan-sub-order, read from Bitget's documents. Only `normal_plan` (a trigger order) is
 * simulated: `track_plan` (trailing stop) is refused, and `profit_loss` lists nothing.
 */
export class PlanEngine extends PlanTriggers {
  placePlan(account: Account, body: PlacePlanBody): { orderId: string; clientOid: string } {
    if (body.planType === 'track_plan') throw refuse.trailingNotSimulated();
    const contract = this.checkProduct(body.productType, body.symbol, body.marginCoin);
    if (body.clientOid !== undefined && !/^[\x21-\x7e]{1,50}$/.test(body.clientOid))
      throw refuse.clientOidInvalid();
    if (body.clientOid !== undefined && this.clientOidTaken(account, body.clientOid))
      throw refuse.duplicateClientOid();
    if (body.callbackRatio !== undefined) throw refuse.invalid('callbackRatio', 'applies to track_plan only');
    const limit = body.price ?? body.executePrice;
    if (
      body.price !== undefined &&
      body.executePrice !== undefined &&
      !parseDecimal(body.price).eq(parseDecimal(body.executePrice))
    )
      throw refuse.invalid('executePrice', 'differs from price');
    if (body.orderType === 'limit' && limit === undefined) throw refuse.missing('price');
    if (body.orderType === 'market' && limit !== undefined)
      throw refuse.invalid('price', 'must be empty for a market order');
    const size = parseDecimal(body.size);
    const price = limit === undefined ? undefined : parseDecimal(limit);
    const triggerPrice = parseDecimal(body.triggerPrice);
    this.#checkPlanGrid(contract, size, price, triggerPrice);
    const hedge = account.posMode === 'hedge_mode';
    if (hedge && body.tradeSide === undefined) throw refuse.unilateralMismatch();
    if (!hedge && body.tradeSide !== undefined && this.config.tradeSideInOneWay === 'reject')
      throw refuse.unilateralMismatch();
    const at = this.now();
    const plan: SimPlan = {
      orderId: this.newId(),
      clientOid: body.clientOid ?? this.newId(),
      planType: 'normal_plan',
      symbol: contract.symbol,
      marginMode: body.marginMode,
      marginCoin: body.marginCoin,
      size,
      price,
      triggerPrice,
      triggerType: body.triggerType,
      direction: this.directionTo(contract.symbol, body.triggerType, triggerPrice),
      side: body.side,
      tradeSide: hedge ? body.tradeSide : undefined,
      posMode: account.posMode,
      orderType: body.orderType,
      reduceOnly: !hedge && body.reduceOnly === 'YES',
      stopSurplus: tpSlOf(
        [body.stopSurplusTriggerPrice, body.stopSurplusExecutePrice, body.stopSurplusTriggerType],
        undefined,
      ),
      stopLoss: tpSlOf(
        [body.stopLossTriggerPrice, body.stopLossExecutePrice, body.stopLossTriggerType],
        undefined,
      ),
      stpMode: body.stpMode,
      status: 'live',
      triggerTime: undefined,
      executeClientOid: undefined,
      cTime: at,
      uTime: at,
      seq: ++this.seq,
    };
    this.addPlan(account, plan);
    this.pushPlan(account, plan);
    this.settlePlans();
    return { orderId: plan.orderId, clientOid: plan.clientOid };
  }

  /** Changes a live plan in place (same ids); the side of its trigger is taken again. */
  modifyPlan(account: Account, body: ModifyPlanBody): { orderId: string; clientOid: string } {
    this.checkProductType(body.productType);
    if (body.orderId === undefined && body.clientOid === undefined) throw refuse.missing('orderId');
    const plan = this.#plan(account, body.orderId, body.clientOid);
    if (plan === undefined || plan.status !== 'live') throw refuse.planNotFound();
    if (body.symbol !== undefined && body.symbol.toUpperCase() !== plan.symbol) throw refuse.planNotFound();
    if (body.planType !== undefined && body.planType.toLowerCase() !== plan.planType)
      throw refuse.planNotFound();
    if (body.newCallbackRatio !== undefined)
      throw refuse.invalid('newCallbackRatio', 'applies to track_plan only');
    if (body.newTriggerType !== undefined && body.newTriggerPrice === undefined)
      throw refuse.missing('newTriggerPrice');
    if (body.newPrice !== undefined && plan.orderType === 'market')
      throw refuse.invalid('newPrice', 'must be empty for a market order');
    const contract = this.checkProduct(body.productType, plan.symbol);
    const size = body.newSize === undefined ? plan.size : parseDecimal(body.newSize);
    const price = body.newPrice === undefined ? plan.price : parseDecimal(body.newPrice);
    const triggerPrice =
      body.newTriggerPrice === undefined ? plan.triggerPrice : parseDecimal(body.newTriggerPrice);
    this.#checkPlanGrid(contract, size, price, triggerPrice);

    plan.size = size;
    plan.price = price;
    plan.triggerPrice = triggerPrice;
    plan.triggerType = body.newTriggerType ?? plan.triggerType;
    plan.direction = this.directionTo(plan.symbol, plan.triggerType, triggerPrice);
    plan.stopSurplus = tpSlOf(
      [body.newStopSurplusTriggerPrice, body.newStopSurplusExecutePrice, body.newStopSurplusTriggerType],
      plan.stopSurplus,
    );
    plan.stopLoss = tpSlOf(
      [body.newStopLossTriggerPrice, body.newStopLossExecutePrice, body.newStopLossTriggerType],
      plan.stopLoss,
    );
    plan.uTime = this.now();
    this.pushPlan(account, plan);
    this.settlePlans();
    return { orderId: plan.orderId, clientOid: plan.clientOid };
  }

  /** Cancels the listed plans (a symbol is then required), or every live plan of the plan type. */
  cancelPlans(account: Account, body: CancelPlanBody) {
    this.checkProductType(body.productType);
    const planType = body.planType ?? 'normal_plan';
    if (body.orderIdList !== undefined && body.symbol === undefined) throw refuse.missing('symbol');
    if (body.symbol !== undefined) this.checkProduct(body.productType, body.symbol, body.marginCoin);
    else if (body.marginCoin !== undefined && body.marginCoin.toUpperCase() !== this.config.marginCoin)
      throw refuse.invalid('marginCoin', 'is not supported');
    const symbol = body.symbol?.toUpperCase();
    if (body.orderIdList !== undefined)
      return this.#cancelListed(account, symbol, planType, body.orderIdList);
    const successList: { orderId: string; clientOid: string }[] = [];
    for (const plan of this.plansOf(account)) {
      if (plan.status !== 'live' || plan.planType !== planType) continue;
      if (symbol !== undefined && plan.symbol !== symbol) continue;
      this.#cancel(account, plan);
      successList.push({ orderId: plan.orderId, clientOid: plan.clientOid });
    }
    return { successList, failureList: [] };
  }

  #cancelListed(
    account: Account,
    symbol: string | undefined,
    planType: string,
    targets: { orderId?: string; clientOid?: string }[],
  ) {
    const successList: { orderId: string; clientOid: string }[] = [];
    const failureList: { orderId: string; clientOid: string; errorMsg: string }[] = [];
    for (const target of targets) {
      const plan = this.#plan(account, target.orderId, target.clientOid);
      const found = plan?.status === 'live' && plan.symbol === symbol && plan.planType === planType;
      if (plan === undefined || !found) {
        failureList.push({
          orderId: target.orderId ?? '',
          clientOid: target.clientOid ?? '',
          errorMsg: refuse.planNotFound().message,
        });
        continue;
      }
      this.#cancel(account, plan);
      successList.push({ orderId: plan.orderId, clientOid: plan.clientOid });
    }
    return { successList, failureList };
  }

  #cancel(account: Account, plan: SimPlan): void {
    plan.status = 'cancelled';
    plan.uTime = this.now();
    this.pushPlan(account, plan);
  }

  /** Live plans (`pending`) or finished ones (`history`), newest first, paged by `idLessThan`. */
  listPlans(account: Account, query: PlanListQuery, which: 'pending' | 'history') {
    this.checkProductType(query.productType);
    const limit = Math.min(Number(query.limit ?? '100'), 100);
    const matching = this.plansOf(account)
      .filter((plan) => (plan.status === 'live') === (which === 'pending') && listed(plan, query))
      .sort((a, b) => compareIds(b.orderId, a.orderId));
    const page = matching.slice(0, limit);
    return { plans: page, endId: page[page.length - 1]?.orderId };
  }

  /** `plan-sub-order`: the order(s) the plan placed. */
  subOrders(account: Account, query: PlanSubOrderQuery): Record<string, string>[] {
    this.checkProductType(query.productType);
    const plan = this.planBook(account).plans.get(query.planOrderId);
    if (plan === undefined || plan.planType !== query.planType) throw refuse.planNotFound();
    return subOrderRecords(plan, this.executedOrder(account, plan));
  }

  /** orderId wins over clientOid. */
  #plan(account: Account, orderId?: string, clientOid?: string): SimPlan | undefined {
    const book = this.planBook(account);
    const id = orderId ?? (clientOid === undefined ? undefined : book.byClientOid.get(clientOid));
    return id === undefined ? undefined : book.plans.get(id);
  }

  /** Size and prices as place-order checks them; the notional at the trigger price for a market plan. */
  #checkPlanGrid(contract: LocalContract, size: Decimal, price: Decimal | undefined, trigger: Decimal) {
    if (trigger.lte(0)) throw refuse.invalid('triggerPrice', 'must be greater than 0');
    if (trigger.decimalPlaces() > contract.pricePlace || !isMultipleOf(trigger, tickOf(contract)))
      throw refuse.priceScale();
    this.checkGrid(contract, size, price ?? trigger);
  }
}

/** Whether a plan answers the list query's filters. */
function listed(plan: SimPlan, query: PlanListQuery): boolean {
  const checks = [
    plan.planType === query.planType,
    query.planStatus === undefined || plan.status === query.planStatus,
    query.symbol === undefined || plan.symbol === query.symbol.toUpperCase(),
    query.orderId === undefined || plan.orderId === query.orderId,
    query.clientOid === undefined || plan.clientOid === query.clientOid,
    query.idLessThan === undefined || compareIds(plan.orderId, query.idLessThan) < 0,
    query.startTime === undefined || plan.cTime >= Number(query.startTime),
    query.endTime === undefined || plan.cTime <= Number(query.endTime),
  ];
  return checks.every(Boolean);
}

/**
 * A TP/SL after a place or a modify: fields sent replace the current ones, absent ones keep them;
 * a trigger price of 0 removes it (modify-plan-order's "0"), an execute price of 0 makes it market.
 */
function tpSlOf([trigger, execute, type]: TpSlFields, current: PlanTpSl | undefined): PlanTpSl | undefined {
  if (trigger !== undefined && parseDecimal(trigger).isZero()) return undefined;
  const triggerPrice = trigger === undefined ? current?.triggerPrice : parseDecimal(trigger);
  if (triggerPrice === undefined) return undefined;
  const executePrice = execute === undefined ? current?.executePrice : parseDecimal(execute);
  return {
    triggerPrice,
    executePrice: executePrice?.isZero() ? undefined : executePrice,
    triggerType: type ?? current?.triggerType,
  };
}
