import type {
  AmendResult,
  CancelResult,
  PlaceResult,
  VenueOrderRef,
  VenueOrderSnapshot,
  VenueReport,
} from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { Amendment, OrderParams, PositionMode } from '../../../domain/order/contract.ts';
import type { BitgetContext } from './context.ts';
import { PAGE, PATH } from './endpoints.ts';
import { refusalOrUnknown, unknownOutcome } from './outcomes.ts';
import { placePlanRequest, planSnapshot } from './plan-mapping.ts';
import { BatchResultSchema, OrderIdsSchema, RestOrderSchema } from './wire.ts';
import {
  CancelPlanRequestSchema,
  ModifyPlanRequestSchema,
  type ParsedPlan,
  PlacePlanRequestSchema,
  PlanListSchema,
  PlanSchema,
} from './wire-plans.ts';

/**
 * Bitget plan (trigger) orders: the OMS's stop and take orders. A plan has its own orderId and our
 * clientOid; when it fires, Bitget places an order with an id (and clientOid) of its own, and the
 * plan's history names it (`executeOrderId`). That link is the only tie between the two: every
 * report of the created order carries it as `triggerOrderId`, so the OMS follows it as the same
 * order. The link is looked up when the `orders-algo` push says a plan executed, and whenever an
 * order the adapter has not seen shows up on a symbol with plans live (its push may come first).
 */
export interface BitgetPlans {
  place(order: OrderParams, mode: PositionMode): Promise<PlaceResult>;
  amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult>;
  cancel(ref: VenueOrderRef): Promise<CancelResult>;
  /** A plan by id or clientOid: untriggered or ended, or the order it created (with the link). */
  find(
    symbol: string,
    by: { orderId: string } | { clientOid: string },
  ): Promise<VenueOrderSnapshot | undefined>;
  /** The live plans (all symbols, or one instrument's). */
  pending(instrument?: Instrument): Promise<VenueOrderSnapshot[]>;
  /** `orders-algo` push items as reports. */
  reports(items: readonly unknown[], receivedAt: string): Promise<VenueReport[]>;
  /** Reads a symbol's recent executed plans (what `knownLink` knows). */
  learnExecuted(symbol: string): Promise<void>;
  /** The plan an order was created by, as far as already learnt. */
  knownLink(orderId: string): string | undefined;
  /** The plan an order was created by, if any (see the function). */
  linkOf(symbol: string, orderId: string, always?: boolean): Promise<string | undefined>;
}

/** Executed plans looked back for, before the oldest live plan of a symbol. */
const LOOKBACK_MS = 60_000;

export function createBitgetPlans(context: BitgetContext): BitgetPlans {
  const { rest, clock, logger, dataOf, productType, account } = context;
  /** Plans known live: orderId -> symbol and creation time. */
  const live = new Map<string, { symbol: string; since: number }>();
  /** Created order id -> the plan that created it. */
  const created = new Map<string, string>();
  const mode = () => context.mode() ?? 'one_way';
  const snapshotOf = (plan: ParsedPlan, receivedAt = new Date(context.now()).toISOString()) => {
    note(plan);
    return planSnapshot(plan, { account, accountMode: mode(), receivedAt });
  };

  function note(plan: ParsedPlan) {
    if (plan.status === 'live') {
      live.set(plan.orderId, { symbol: plan.symbol, since: Date.parse(plan.cTime ?? '') || context.now() });
    } else live.delete(plan.orderId);
    if (plan.executeOrderId !== undefined) created.set(plan.executeOrderId, plan.orderId);
    if (created.size > 100_000) created.delete(created.keys().next().value as string);
  }

  async function list(
    path: string,
    group: 'planPending' | 'planHistory',
    query: Record<string, string | undefined>,
    maxPages = 100,
  ) {
    const plans: ParsedPlan[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const params = {
        productType,
        planType: 'normal_plan',
        limit: String(PAGE),
        idLessThan: cursor,
        ...query,
      };
      const data = await dataOf({ method: 'GET', path, group, query: params, data: PlanListSchema }, path);
      const items = context.readEach('order', path, data.entrustedList, PlanSchema, (plan) => [plan]);
      for (const plan of items) note(plan);
      plans.push(...items);
      if (items.length < PAGE || data.endId === undefined || data.endId === cursor) break;
      cursor = data.endId;
    }
    return plans;
  }

  /** The order a plan created, as a snapshot tied to the plan (a failed lookup throws). */
  async function createdOrder(plan: ParsedPlan & { executeOrderId: string }): Promise<VenueOrderSnapshot> {
    const query = { symbol: plan.symbol, productType, orderId: plan.executeOrderId };
    const order = await dataOf(
      { method: 'GET', path: PATH.detail, group: 'detail', query, data: RestOrderSchema },
      `detail of the order plan ${plan.orderId} created`,
    );
    return { ...context.snapshot(order), triggerOrderId: plan.orderId };
  }

  /** A plan's history entry (with the order it created), or undefined. */
  async function history(symbol: string | undefined, by: { orderId: string } | { clientOid: string }) {
    const [plan] = await list(PATH.planHistory, 'planHistory', { symbol, ...by });
    return plan;
  }

  async function find(symbol: string, by: { orderId: string } | { clientOid: string }) {
    const [pending] = await list(PATH.planPending, 'planPending', { symbol, ...by });
    if (pending !== undefined) return snapshotOf(pending);
    const ended = await history(symbol, by);
    if (ended === undefined) return undefined;
    const { executeOrderId } = ended;
    if (ended.status === 'executed' && executeOrderId !== undefined) {
      return createdOrder({ ...ended, executeOrderId });
    }
    return snapshotOf(ended);
  }

  async function place(order: OrderParams, accountMode: PositionMode): Promise<PlaceResult> {
    const mapped = placePlanRequest(order, accountMode, {
      productType: context.productTypeOf(order.instrument),
      marginCoin: context.marginCoin,
      marginMode: context.options.defaultMarginMode ?? 'crossed',
    });
    if (!mapped.ok) return { outcome: 'rejected', venueCode: mapped.code, message: mapped.message };
    const body = PlacePlanRequestSchema.parse(mapped.request);
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.placePlan,
      group: 'planPlace',
      body,
      data: OrderIdsSchema,
    });
    if (!outcome.ok) {
      const { failure } = outcome;
      if (failure.kind !== 'venue' || failure.info.kind !== 'duplicate')
        return refusalOrUnknown(clock, failure, 'place-plan-order');
      // The clientOid is taken: the plan exists (an earlier send of ours); adopt it.
      const found = await find(order.instrument.symbol, { clientOid: order.clientOrderId }).catch(
        () => undefined,
      );
      if (found === undefined) return unknownOutcome(failure, 'place-plan-order');
      return {
        outcome: 'accepted',
        venueOrderId: found.triggerOrderId ?? found.venueOrderId,
        order: found,
        fills: [],
      };
    }
    const { orderId } = outcome.data;
    if (orderId === undefined)
      return { outcome: 'unknown', reason: 'place-plan-order answered without an orderId', retryable: true };
    live.set(orderId, { symbol: order.instrument.symbol, since: context.now() });
    return { outcome: 'accepted', venueOrderId: orderId, order: undefined, fills: [] };
  }

  async function amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult> {
    const isLimit = current.type === 'stop_limit' || current.type === 'take_limit';
    const body = ModifyPlanRequestSchema.parse({
      ...(ref.venueOrderId !== undefined ? { orderId: ref.venueOrderId } : { clientOid: ref.clientOrderId }),
      productType: context.productTypeOf(ref.instrument),
      ...(amendment.amount !== undefined && { newSize: amendment.amount.toString() }),
      ...(isLimit && amendment.price !== undefined && { newPrice: amendment.price.toString() }),
      ...(amendment.triggerPrice !== undefined && { newTriggerPrice: amendment.triggerPrice.toString() }),
    });
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.modifyPlan,
      group: 'planModify',
      body,
      data: OrderIdsSchema,
    });
    if (!outcome.ok) return refusalOrUnknown(clock, outcome.failure, 'modify-plan-order');
    // Modified in place: same orderId, same clientOid.
    return {
      outcome: 'accepted',
      venueOrderId: ref.venueOrderId,
      clientOrderId: undefined,
      order: undefined,
      fills: [],
    };
  }

  async function cancel(ref: VenueOrderRef): Promise<CancelResult> {
    const target =
      ref.venueOrderId !== undefined ? { orderId: ref.venueOrderId } : { clientOid: ref.clientOrderId };
    const body = CancelPlanRequestSchema.parse({
      orderIdList: [target],
      symbol: ref.instrument.symbol,
      productType: context.productTypeOf(ref.instrument),
      marginCoin: ref.instrument.settlementCurrency,
      planType: 'normal_plan',
    });
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.cancelPlan,
      group: 'planCancel',
      body,
      data: BatchResultSchema,
    });
    if (!outcome.ok) return refusalOrUnknown(clock, outcome.failure, 'cancel-plan-order');
    if (outcome.data.successList.length > 0) return { outcome: 'accepted', order: undefined };
    // Not cancelled: the plan has ended. If it fired, the order it created is what to cancel.
    const ended = await history(ref.instrument.symbol, target).catch(() => undefined);
    if (ended?.status === 'executed' && ended.executeOrderId !== undefined) {
      logger.info(
        { planId: ended.orderId, orderId: ended.executeOrderId },
        'bitget: the plan fired; cancelling its order',
      );
      return cancelCreated(ref, ended.executeOrderId);
    }
    const message = outcome.data.failureList[0]?.errorMsg ?? 'the plan order could not be cancelled';
    return { outcome: 'rejected', venueCode: 'PLAN_NOT_LIVE', message };
  }

  async function cancelCreated(ref: VenueOrderRef, orderId: string): Promise<CancelResult> {
    const body = {
      symbol: ref.instrument.symbol,
      productType: context.productTypeOf(ref.instrument),
      marginCoin: ref.instrument.settlementCurrency,
      orderId,
    };
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.cancelOrder,
      group: 'cancel',
      body,
      data: OrderIdsSchema,
    });
    if (!outcome.ok)
      return refusalOrUnknown(clock, outcome.failure, 'cancel-order (of the order a plan created)');
    return { outcome: 'accepted', order: undefined };
  }

  async function reports(items: readonly unknown[], receivedAt: string): Promise<VenueReport[]> {
    const plans = context.readEach('order', 'orders-algo push', items, PlanSchema, (plan) => [plan]);
    const out: VenueReport[] = [];
    for (const plan of plans) {
      if (plan.status !== 'executed') {
        out.push({ kind: 'order', order: snapshotOf(plan, receivedAt), receivedAt });
        continue;
      }
      // The push does not name the order the plan created: its history does.
      const ended =
        plan.executeOrderId === undefined
          ? await history(plan.symbol, { orderId: plan.orderId }).catch(() => undefined)
          : plan;
      const executeOrderId = ended?.executeOrderId;
      const order =
        ended === undefined || executeOrderId === undefined
          ? undefined
          : await createdOrder({ ...ended, executeOrderId }).catch(() => undefined);
      if (order === undefined) {
        logger.warn(
          { planId: plan.orderId },
          'bitget: a plan fired; its order is not known yet (reconciliation will find it)',
        );
        continue;
      }
      out.push({ kind: 'order', order, receivedAt });
    }
    return out;
  }

  /**
   * The plan that created an order, from the recent executed plans of its symbol. Without `always`,
   * looked up only while plans are live there (pushes: an order the adapter has not seen yet).
   */
  async function learnExecuted(symbol: string, window: { startTime?: string } = {}): Promise<void> {
    await list(PATH.planHistory, 'planHistory', { symbol, planStatus: 'executed', ...window }, 1).catch(
      (error: unknown) => logger.warn({ problem: String(error) }, 'bitget: plan history lookup failed'),
    );
  }

  async function linkOf(symbol: string, orderId: string, always = false): Promise<string | undefined> {
    const known = created.get(orderId);
    if (known !== undefined) return known;
    const since = [...live.values()].filter((plan) => plan.symbol === symbol).map((plan) => plan.since);
    if (since.length === 0 && !always) return undefined;
    await learnExecuted(symbol, always ? {} : { startTime: String(Math.min(...since) - LOOKBACK_MS) });
    return created.get(orderId);
  }

  return {
    place,
    amend,
    cancel,
    find,
    pending: async (instrument) =>
      (await list(PATH.planPending, 'planPending', { symbol: instrument?.symbol })).map((plan) =>
        snapshotOf(plan),
      ),
    reports,
    learnExecuted: (symbol) => learnExecuted(symbol),
    knownLink: (orderId) => created.get(orderId),
    linkOf,
  };
}
