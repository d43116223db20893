import { z } from 'zod';
import { MarkedPositionSchema, markPositions } from '../../application/orders/marked-positions.ts';
import type { OrderService } from '../../application/orders/order-service.ts';
import { OrderViewSchema, TimelineEntrySchema } from '../../application/orders/order-view.ts';
import {
  AmendOrderRequestSchema,
  CancelAllRequestSchema,
  ClosePositionRequestSchema,
  KillSwitchRequestSchema,
  PlaceOrderRequestSchema,
} from '../../application/orders/requests.ts';
import type { ServiceResult } from '../../application/orders/service-result.ts';
import {
  type ApiQueries,
  OrderListQuerySchema,
  OrderPageSchema,
  PositionsQuerySchema,
} from '../../application/ports/queries.ts';
import type {
  OrderApplication,
  ReconciliationControl,
  StoreWriteFailure,
} from '../../application/service.ts';
import type { VenueRegistry } from '../../application/venues/venue-registry.ts';
import { DecimalStringSchema } from '../../domain/decimal.ts';
import { VenueSchema } from '../../domain/instrument.ts';
import { AWAITING_VENUE_STATUSES, type OrderStatus } from '../../domain/order/transitions.ts';
import { CommandResponseSchema } from './api-schemas.ts';
import { ErrorBodySchema, fromServiceError, readingCursor } from './errors.ts';
import { healthRoute, KillSwitchSchema } from './health-route.ts';
import { ledgerRoutes } from './ledger-routes.ts';
import { marksRoutes } from './marks-routes.ts';
import { reconciliationRoutes } from './reconciliation-routes.ts';
import { type Route, route } from './route.ts';

export interface RouteDeps<P> {
  service: OrderService<P>;
  queries: ApiQueries;
  registry: VenueRegistry;
  reconciliation: ReconciliationControl;
  /** The store's last refusal of a write, while no write has succeeded since. */
  storeWriteRefused: () => StoreWriteFailure | undefined;
  /** Orders waiting for a paused venue. */
  parkedOrders: () => number;
}

/** The API's routes over a running service (what `oms serve`, the benchmarks and the tests expose). */
export function routesFor<P>(
  running: Pick<
    OrderApplication<P>,
    'service' | 'registry' | 'processor' | 'reconciliation' | 'storeWriteRefused' | 'ledger' | 'marks'
  > & {
    readModel: ApiQueries;
  },
): Route[] {
  return [
    ...routes({
      service: running.service,
      queries: running.readModel,
      registry: running.registry,
      reconciliation: running.reconciliation,
      storeWriteRefused: () => running.storeWriteRefused(),
      parkedOrders: () => running.processor.parkedCount(),
    }),
    ...reconciliationRoutes(running.reconciliation),
    ...ledgerRoutes(running.readModel, running.ledger.ingestNow),
    ...marksRoutes(running.readModel, running.marks.recordNow),
  ];
}

const OrderIdParamsSchema = z.object({ orderId: z.uuid() }).strict();
const InstrumentParamsSchema = z.object({ venue: VenueSchema, symbol: z.string().min(1).max(64) }).strict();
const InstrumentQuerySchema = z.object({ account: z.string().min(1).max(64).optional() }).strict();
const InstrumentViewSchema = z.object({
  instrument: z.object({
    venue: z.string(),
    symbol: z.string(),
    kind: z.string(),
    settlement: z.string(),
    amountUnit: z.string(),
    contractSize: DecimalStringSchema,
    tickSize: DecimalStringSchema,
    minAmount: DecimalStringSchema,
    amountStep: DecimalStringSchema,
    minNotional: DecimalStringSchema.optional(),
    baseCurrency: z.string(),
    quoteCurrency: z.string(),
    settlementCurrency: z.string(),
  }),
  markPrice: DecimalStringSchema.nullable(),
});

const errors = {
  400: { description: 'Invalid request (what was wrong, where)', schema: ErrorBodySchema },
  401: { description: 'Missing or wrong bearer token', schema: ErrorBodySchema },
  403: { description: 'The token’s role does not allow this route', schema: ErrorBodySchema },
};
const commandResponses = {
  200: { description: 'The venue answered; the order as it stands', schema: CommandResponseSchema },
  202: {
    description: 'Recorded; the venue has not answered yet (status pending or unknown): poll the order',
    schema: CommandResponseSchema,
  },
  ...errors,
  404: { description: 'No such order', schema: ErrorBodySchema },
  409: {
    description: 'Conflicts with the order’s state or an earlier use of the idempotency key',
    schema: ErrorBodySchema,
  },
  422: { description: 'Refused by a pre-trade check', schema: ErrorBodySchema },
  503: {
    description: 'The venue is paused (disconnected, reconciling or not answering)',
    schema: ErrorBodySchema,
  },
};

function unwrap<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw fromServiceError(result.error);
  return result.value;
}

/** 200 once the venue has answered; 202 while the order still waits for it. */
function commandStatus(
  result: { order: { status: OrderStatus; unresolved: string | null } },
  created: boolean,
): number {
  const waiting = AWAITING_VENUE_STATUSES.has(result.order.status) || result.order.unresolved !== null;
  if (waiting) return 202;
  return created ? 201 : 200;
}

export function routes<P>({
  service,
  queries,
  registry,
  reconciliation,
  storeWriteRefused,
  parkedOrders,
}: RouteDeps<P>): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/orders',
      summary: 'Place an order',
      auth: true,
      idempotent: true,
      body: PlaceOrderRequestSchema,
      responses: {
        ...commandResponses,
        201: { description: 'Placed; the venue answered', schema: CommandResponseSchema },
      },
      async handle({ body, context }) {
        const result = unwrap(await service.place(body, context));
        return { status: result.replayed ? 200 : commandStatus(result, true), body: result };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/orders',
      summary: 'List orders (read model), newest first',
      auth: true,
      query: OrderListQuerySchema,
      responses: { 200: { description: 'A page of orders', schema: OrderPageSchema }, ...errors },
      async handle({ query }) {
        const page = await readingCursor(() => queries.listOrders(query));
        return { status: 200, body: page };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/orders/:orderId',
      summary: 'Get an order, current as of its last event',
      auth: true,
      params: OrderIdParamsSchema,
      responses: {
        200: { description: 'The order', schema: OrderViewSchema },
        ...errors,
        404: { description: 'No such order', schema: ErrorBodySchema },
      },
      async handle({ params }) {
        return { status: 200, body: unwrap(await service.getOrder(params.orderId)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/orders/:orderId/history',
      summary: 'An order’s timeline: every event, when, why and from where',
      auth: true,
      params: OrderIdParamsSchema,
      responses: {
        200: { description: 'The events of the order, in order', schema: z.array(TimelineEntrySchema) },
        ...errors,
        404: { description: 'No such order', schema: ErrorBodySchema },
      },
      async handle({ params }) {
        return { status: 200, body: unwrap(await service.history(params.orderId)) };
      },
    }),
    route({
      method: 'PATCH',
      path: '/v1/orders/:orderId',
      summary: 'Amend an order’s price, amount or trigger price',
      auth: true,
      idempotent: true,
      params: OrderIdParamsSchema,
      body: AmendOrderRequestSchema,
      responses: commandResponses,
      async handle({ params, body, context }) {
        const result = unwrap(await service.amend(params.orderId, body, context));
        return { status: commandStatus(result, false), body: result };
      },
    }),
    route({
      method: 'DELETE',
      path: '/v1/orders/:orderId',
      summary: 'Cancel an order',
      auth: true,
      idempotent: true,
      params: OrderIdParamsSchema,
      responses: commandResponses,
      async handle({ params, context }) {
        const result = unwrap(await service.cancel(params.orderId, context));
        return { status: commandStatus(result, false), body: result };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/orders/cancel-all',
      summary: 'Cancel every live order (of a venue, account or instrument)',
      auth: true,
      body: CancelAllRequestSchema,
      responses: {
        200: {
          description: 'Cancels requested',
          schema: z.object({
            cancelled: z.array(z.string()),
            failed: z.array(z.object({ orderId: z.string(), error: ErrorBodySchema.partial() })),
          }),
        },
        ...errors,
      },
      async handle({ body, context }) {
        return { status: 200, body: unwrap(await service.cancelAll(body, context)) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/positions/close',
      summary: 'Close a position (reduce-only, or tradeSide close in hedge mode)',
      auth: true,
      idempotent: true,
      body: ClosePositionRequestSchema,
      responses: {
        ...commandResponses,
        201: { description: 'Close order placed', schema: CommandResponseSchema },
      },
      async handle({ body, context }) {
        const result = unwrap(await service.closePosition(body, context));
        return { status: result.replayed ? 200 : commandStatus(result, true), body: result };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/positions',
      summary: 'Positions (read model): size, average entry, realized PnL, fees; mark and unrealized PnL',
      auth: true,
      query: PositionsQuerySchema,
      responses: { 200: { description: 'Positions', schema: z.array(MarkedPositionSchema) }, ...errors },
      async handle({ query }) {
        const rows = await queries.positions(query);
        const marked = await markPositions(rows, (venue, account, symbol) =>
          service.instrument(venue, account, symbol),
        );
        return { status: 200, body: marked };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/instruments/:venue/:symbol',
      summary: 'An instrument (tick, contract size, minimum, amount unit) and its mark price',
      auth: true,
      params: InstrumentParamsSchema,
      query: InstrumentQuerySchema,
      responses: {
        200: { description: 'The instrument', schema: InstrumentViewSchema },
        ...errors,
      },
      async handle({ params, query }) {
        const found = unwrap(await service.instrument(params.venue, query.account, params.symbol));
        return { status: 200, body: JSON.parse(JSON.stringify(found)) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/kill-switch',
      summary: 'Engage (and optionally cancel everything) or release the kill switch',
      auth: true,
      permission: 'operate',
      body: KillSwitchRequestSchema,
      responses: { 200: { description: 'The kill switch', schema: KillSwitchSchema }, ...errors },
      async handle({ body, context }) {
        return { status: 200, body: unwrap(await service.setKillSwitch(body, context.by ?? 'api')) };
      },
    }),
    healthRoute({ service, queries, registry, reconciliation, storeWriteRefused, parkedOrders }),
  ];
}
