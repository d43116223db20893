import { z } from 'zod';
import { OrderViewSchema } from '../../application/orders/order-view.ts';
import { clientText } from '../../application/orders/requests.ts';
import type { ReconciliationControl } from '../../application/service.ts';
import { BreakViewSchema } from './api-schemas.ts';
import { ErrorBodySchema, fromServiceError, HttpError } from './errors.ts';
import { type Route, route } from './route.ts';

export { BreakViewSchema } from './api-schemas.ts';

const errors = {
  400: { description: 'Invalid request (what was wrong, where)', schema: ErrorBodySchema },
  401: { description: 'Missing or wrong bearer token', schema: ErrorBodySchema },
  403: { description: 'The token’s role does not allow this route', schema: ErrorBodySchema },
};

const ReportSchema = z.object({
  runId: z.string(),
  venue: z.string(),
  account: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  openOrdersAtVenue: z.number().int(),
  openOrdersAsRecorded: z.number().int(),
  ordersPlacedDuringRun: z.number().int(),
  eventsAppended: z.number().int(),
  ordersToResolve: z.array(z.string()),
  ordersUnknownAtVenue: z.array(z.string()),
  positionDifferences: z.array(
    z.object({ symbol: z.string(), side: z.string(), oms: z.string(), venue: z.string() }),
  ),
  openBreaks: z.number().int(),
  breaksResolved: z.number().int(),
});

const ReconcileRequestSchema = z
  .object({ venue: z.string().min(1).max(32).optional(), account: z.string().min(1).max(64).optional() })
  .strict();
const BreaksQuerySchema = z.object({ status: z.enum(['open', 'resolved']).optional() }).strict();
const BreakParamsSchema = z.object({ breakId: z.string().min(1).max(200) }).strict();
const ResolveBreakRequestSchema = z.object({ reason: clientText(1000) }).strict();
const OrderParamsSchema = z.object({ orderId: z.uuid() }).strict();
const ResolveOrderRequestSchema = z
  .object({ as: z.enum(['cancelled', 'lost']), reason: clientText(1000) })
  .strict();

/** What the API serves of reconciliation: runs on demand, and the breaks they found. */
export function reconciliationRoutes(control: ReconciliationControl): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/reconcile',
      summary: 'Reconcile venue accounts now (all, or one venue / account); each run’s report',
      auth: true,
      permission: 'operate',
      body: ReconcileRequestSchema,
      responses: {
        200: { description: 'The reports', schema: z.object({ reports: z.array(ReportSchema) }) },
        ...errors,
        503: { description: 'A venue is not connected, or a run failed', schema: ErrorBodySchema },
      },
      async handle({ body }) {
        try {
          return { status: 200, body: { reports: await control.reconcileNow(body) } };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          throw new HttpError('RECONCILIATION_FAILED', `reconciliation failed: ${message}`);
        }
      },
    }),
    route({
      method: 'GET',
      path: '/v1/breaks',
      summary: 'Reconciliation breaks: what the OMS could not explain, with both sides’ figures',
      auth: true,
      query: BreaksQuerySchema,
      responses: { 200: { description: 'Breaks, open first', schema: z.array(BreakViewSchema) }, ...errors },
      async handle({ query }) {
        return { status: 200, body: await control.breaks(query.status) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/breaks/:breakId/resolve',
      summary: 'Resolve an open break, with the reason (recorded with who resolved it)',
      auth: true,
      permission: 'operate',
      params: BreakParamsSchema,
      body: ResolveBreakRequestSchema,
      responses: {
        200: { description: 'The break, resolved', schema: BreakViewSchema },
        ...errors,
        404: { description: 'No open break with this id', schema: ErrorBodySchema },
      },
      async handle({ params, body, context }) {
        const { breakId } = params;
        const resolved = await control.resolveBreak(breakId, body.reason, context.by ?? 'api');
        if (!resolved) throw new HttpError('BREAK_NOT_FOUND', `no open break ${breakId}`, { breakId });
        return { status: 200, body: resolved };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/orders/:orderId/resolve',
      summary:
        'Close an order the venue no longer has (cancelled, or lost at the venue), with the reason; its open breaks are resolved',
      auth: true,
      permission: 'operate',
      params: OrderParamsSchema,
      body: ResolveOrderRequestSchema,
      responses: {
        200: {
          description: 'The order, closed, and the breaks resolved with it',
          schema: z.object({ order: OrderViewSchema, resolvedBreaks: z.array(z.string()) }),
        },
        ...errors,
        404: { description: 'No such order', schema: ErrorBodySchema },
        409: { description: 'The order is closed already', schema: ErrorBodySchema },
      },
      async handle({ params, body, context }) {
        const result = await control.resolveOrder(params.orderId, body.as, body.reason, context);
        if (!result.ok) throw fromServiceError(result.error);
        return { status: 200, body: result.value };
      },
    }),
  ];
}
