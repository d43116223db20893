import type { z } from 'zod';
import { contractRecord } from './contracts.ts';
import {
  type Account,
  type Engine,
  fillRecord,
  orderRecord,
  positionRecord,
  type SimOrder,
} from './engine.ts';
import { refuse } from './errors.ts';
import {
  AccountQuery,
  AllPositionQuery,
  BatchCancelBody,
  BITGET_PRODUCT_TYPES,
  CancelAllBody,
  CancelOrderBody,
  ClosePositionsBody,
  ContractsQuery,
  DetailQuery,
  FillsQuery,
  ModifyOrderBody,
  OrderListQuery,
  PlaceOrderBody,
  SetPositionModeBody,
  SinglePositionQuery,
} from './protocol.ts';
import { accountBalanceFields } from './records.ts';

/**
 * The local Bitget's trading and account routes (v2 mix: orders, fills, positions, the account,
 * contracts and symbol prices), each with its rate-limit group and limit per second, read from
 * Bitget's documentation.
 */

export interface RouteContext {
  account: Account;
  query: Record<string, string>;
  body: unknown;
}

export interface TradingRoute {
  group: string;
  /** Requests per second. */
  limit: number;
  public?: boolean;
  handler: ((ctx: RouteContext) => unknown) | ((ctx: { query: Record<string, string> }) => unknown);
}

export interface TradingRouteDeps {
  engine: Engine;
  productType: string;
  now: () => number;
  parseWith: <S extends z.ZodObject>(schema: S, input: unknown) => z.output<S>;
  emptyList: <T>(items: T[]) => T[] | null;
}

export function tradingRoutes({
  engine,
  productType,
  parseWith,
  emptyList,
}: TradingRouteDeps): [string, TradingRoute][] {
  const orderList = (result: { orders: SimOrder[]; endId: string | undefined }) => ({
    entrustedList: emptyList(result.orders.map((order) => orderRecord(order, 'list'))),
    endId: result.endId ?? null,
  });
  return [
    [
      'POST /api/v2/mix/order/place-order',
      {
        group: 'place',
        limit: 10,
        handler: ({ account, body }: RouteContext) => {
          const result = engine.placeOrder(account, parseWith(PlaceOrderBody, body));
          return result.orderId === undefined ? { clientOid: result.clientOid } : result;
        },
      },
    ],
    [
      'POST /api/v2/mix/order/cancel-order',
      {
        group: 'cancel',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.cancelOrder(account, parseWith(CancelOrderBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/modify-order',
      {
        group: 'modify',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.modifyOrder(account, parseWith(ModifyOrderBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/batch-cancel-orders',
      {
        group: 'batchCancel',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.batchCancel(account, parseWith(BatchCancelBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/cancel-all-orders',
      {
        group: 'cancelAll',
        limit: 10,
        handler: ({ account, body }: RouteContext) =>
          engine.cancelAll(account, parseWith(CancelAllBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/close-positions',
      {
        group: 'closePositions',
        limit: 1,
        handler: ({ account, body }: RouteContext) =>
          engine.closePositions(account, parseWith(ClosePositionsBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/account/set-position-mode',
      {
        group: 'setPositionMode',
        limit: 5,
        handler: ({ account, body }: RouteContext) =>
          engine.setPositionMode(account, parseWith(SetPositionModeBody, body)),
      },
    ],
    [
      'GET /api/v2/mix/order/detail',
      {
        group: 'detail',
        limit: 10,
        handler: ({ account, query }: RouteContext) =>
          orderRecord(engine.detail(account, parseWith(DetailQuery, query)), 'detail'),
      },
    ],
    [
      'GET /api/v2/mix/order/orders-pending',
      {
        group: 'pending',
        limit: 10,
        handler: ({ account, query }: RouteContext) =>
          orderList(engine.listOrders(account, parseWith(OrderListQuery, query), 'pending')),
      },
    ],
    [
      'GET /api/v2/mix/order/orders-history',
      {
        group: 'history',
        limit: 10,
        handler: ({ account, query }: RouteContext) =>
          orderList(engine.listOrders(account, parseWith(OrderListQuery, query), 'history')),
      },
    ],
    [
      'GET /api/v2/mix/order/fills',
      {
        group: 'fills',
        limit: 10,
        handler: ({ account, query }: RouteContext) => {
          const result = engine.listTrades(account, parseWith(FillsQuery, query));
          return { fillList: emptyList(result.trades.map(fillRecord)), endId: result.endId ?? null };
        },
      },
    ],
    [
      'GET /api/v2/mix/position/all-position',
      {
        group: 'allPosition',
        limit: 5,
        handler: ({ account, query }: RouteContext) => {
          const parsed = parseWith(AllPositionQuery, query);
          if (parsed.productType.toUpperCase() !== productType)
            throw refuse.invalid('productType', 'is not supported');
          return engine
            .positionsOf(account)
            .map((position) => positionRecord(engine, account, position, 'rest'));
        },
      },
    ],
    [
      'GET /api/v2/mix/position/single-position',
      {
        group: 'singlePosition',
        limit: 10,
        handler: ({ account, query }: RouteContext) => {
          const parsed = parseWith(SinglePositionQuery, query);
          if (engine.contract(parsed.symbol) === undefined) throw refuse.symbolNotFound();
          return engine
            .positionsOf(account, parsed.symbol)
            .map((position) => positionRecord(engine, account, position, 'rest'));
        },
      },
    ],
    [
      'GET /api/v2/mix/account/account',
      {
        group: 'account',
        limit: 10,
        handler: ({ account, query }: RouteContext) => {
          const parsed = parseWith(AccountQuery, query);
          if (engine.contract(parsed.symbol) === undefined) throw refuse.symbolNotFound();
          const leverage = String(engine.leverageOf(account, parsed.symbol));
          const { crossedMargin: _c, isolatedMargin: _i, ...fields } = accountBalanceFields(engine, account);
          return {
            ...fields,
            crossedMarginLeverage: leverage,
            isolatedLongLever: leverage,
            isolatedShortLever: leverage,
            marginMode: 'crossed',
            posMode: account.posMode,
          };
        },
      },
    ],
    [
      'GET /api/v2/mix/market/contracts',
      {
        group: 'contracts',
        limit: 20,
        public: true,
        handler: ({ query }: { query: Record<string, string> }) => {
          const parsed = parseWith(ContractsQuery, query);
          const type = parsed.productType.toUpperCase();
          // This venue lists USDT-M futures; the other product types exist and list nothing here.
          if (!(BITGET_PRODUCT_TYPES as readonly string[]).includes(type))
            throw refuse.invalid('productType', 'is not supported');
          if (type !== productType) return [];
          return engine
            .contractList()
            .filter((contract) => parsed.symbol === undefined || contract.symbol === parsed.symbol)
            .map((contract) => contractRecord(contract, productType));
        },
      },
    ],
  ];
}
