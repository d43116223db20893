import type { PlanEngine, SimPlan } from './plan-orders.ts';
import {
  CancelPlanBody,
  ModifyPlanBody,
  PlacePlanBody,
  PlanHistoryQuery,
  PlanPendingQuery,
  PlanSubOrderQuery,
} from './plan-protocol.ts';
import { planListRecord } from './plan-records.ts';
import type { RouteContext, TradingRoute, TradingRouteDeps } from './trading-routes.ts';

/**
 * The local Bitget's plan (trigger) order routes (v2 mix), each with its rate-limit group and
 * Bitget's limit per second (10/s per UID for each of them).
 */

export interface PlanRouteDeps extends Pick<TradingRouteDeps, 'parseWith' | 'emptyList'> {
  engine: PlanEngine;
}

export function planRoutes({ engine, parseWith, emptyList }: PlanRouteDeps): [string, TradingRoute][] {
  const planList = (
    account: RouteContext['account'],
    result: { plans: SimPlan[]; endId: string | undefined },
    where: 'pending' | 'history',
  ) => ({
    entrustedList: emptyList(
      result.plans.map((plan) => planListRecord(plan, engine.executedOrder(account, plan), where)),
    ),
    endId: result.endId ?? null,
  });
  return [
    [
      'POST /api/v2/mix/order/place-plan-order',
      {
        group: 'placePlan',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.placePlan(account, parseWith(PlacePlanBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/modify-plan-order',
      {
        group: 'modifyPlan',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.modifyPlan(account, parseWith(ModifyPlanBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/cancel-plan-order',
      {
        group: 'cancelPlan',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.cancelPlans(account, parseWith(CancelPlanBody, body)),
      },
    ],
    [
      'GET /api/v2/mix/order/orders-plan-pending',
      {
        group: 'planPending',
        limit: 10,
        handler: ({ account, query }: RouteContext) =>
          planList(
            account,
            engine.listPlans(account, parseWith(PlanPendingQuery, query), 'pending'),
            'pending',
          ),
      },
    ],
    [
      'GET /api/v2/mix/order/orders-plan-history',
      {
        group: 'planHistory',
        limit: 10,
        handler: ({ account, query }: RouteContext) =>
          planList(
            account,
            engine.listPlans(account, parseWith(PlanHistoryQuery, query), 'history'),
            'history',
          ),
      },
    ],
    [
      'GET /api/v2/mix/order/plan-sub-order',
      {
        group: 'planSubOrder',
        limit: 10,
        handler: ({ account, query }: RouteContext) =>
          engine.subOrders(account, parseWith(PlanSubOrderQuery, query)),
      },
    ],
  ];
}
