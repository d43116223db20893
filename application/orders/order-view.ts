import { z } from 'zod';
import { DecimalStringSchema } from '../../domain/decimal.ts';
import { toJson } from '../../domain/json.ts';
import type { Order } from '../../domain/order/state.ts';
import { averageFillPrice, remaining } from '../../domain/order/state.ts';
import { OrderSummarySchema } from '../ports/queries.ts';
import type { LoadedOrder } from './order-handler.ts';

/**
 * An order as clients see it: plain JSON, decimals as strings. Built from the order's own events
 * (always current), not from the read models: a list's summary and the rest of the order.
 */
export const OrderViewSchema = OrderSummarySchema.extend({
  timeInForce: z.string(),
  remaining: DecimalStringSchema,
  trigger: z.object({ price: DecimalStringSchema, reference: z.string() }).nullable(),
  postOnly: z.boolean(),
  positionMode: z.string(),
  tradeSide: z.string().nullable(),
  venueOrderIds: z.array(z.string()),
  fees: z.record(z.string(), DecimalStringSchema),
  /** A request whose outcome is unknown (the OMS is resolving it), if any. */
  unresolved: z.string().nullable(),
  anomalies: z.number().int(),
  /** The order stream's revision this view reflects. */
  revision: z.string(),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

/** One event of an order's timeline: the audit trail of what happened, when, why and from where. */
export const TimelineEntrySchema = z.object({
  /** The event's own id: what the `causationId` of the events it caused names. */
  eventId: z.string(),
  revision: z.string(),
  type: z.string(),
  recordedAt: z.string(),
  venueTime: z.string().nullable(),
  source: z.string(),
  /** Who asked: the API token's name, an operator, `reconciliation` (client and control commands). */
  by: z.string().nullable(),
  commandId: z.string(),
  correlationId: z.string(),
  /** What caused the event: the client request (its command id), the request event a venue report answers, a reconciliation run, the kill-switch event. */
  causationId: z.string(),
  idempotencyKey: z.string().nullable(),
  /** The venue's own timing of the reply behind the event (Deribit: µs in, out, and their difference). */
  venueLatency: z.object({ usIn: z.number(), usOut: z.number(), usDiff: z.number() }).nullable(),
  data: z.unknown(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export function toOrderView<P>(order: Order, loaded: LoadedOrder<P>): OrderView {
  const o = order.order;
  return {
    orderId: o.orderId,
    status: order.status,
    venue: o.instrument.venue,
    account: o.account,
    symbol: o.instrument.symbol,
    side: o.side,
    type: o.type,
    timeInForce: o.timeInForce,
    amount: o.amount.toString(),
    filled: order.filled.toString(),
    remaining: remaining(order).toString(),
    averagePrice: averageFillPrice(order)?.toString() ?? null,
    price: o.price?.toString() ?? null,
    trigger: o.trigger ? { price: o.trigger.price.toString(), reference: o.trigger.reference } : null,
    reduceOnly: o.reduceOnly,
    postOnly: o.postOnly,
    positionMode: o.positionMode,
    tradeSide: o.tradeSide ?? null,
    intent: o.intent,
    clientOrderId: o.clientOrderId,
    venueOrderId: order.venueOrderId ?? null,
    venueOrderIds: [...order.venueOrderIds],
    fees: Object.fromEntries(Object.entries(order.fees).map(([currency, fee]) => [currency, fee.toString()])),
    unresolved: order.unresolved ?? null,
    anomalies: order.anomalies,
    revision: loaded.revision.toString(),
    createdAt: loaded.events[0]?.metadata.recordedAt ?? null,
    updatedAt: loaded.events.at(-1)?.metadata.recordedAt ?? null,
  };
}

export function toTimeline<P>(loaded: LoadedOrder<P>): TimelineEntry[] {
  return loaded.events.map(({ event, metadata, recorded }) => ({
    eventId: recorded.id,
    revision: recorded.revision.toString(),
    type: event.type,
    recordedAt: metadata.recordedAt,
    venueTime: metadata.venueTime ?? null,
    source: metadata.source,
    by: metadata.by ?? null,
    commandId: metadata.commandId,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    idempotencyKey: metadata.idempotencyKey ?? null,
    venueLatency: metadata.venueLatency ?? null,
    data: toJson(event.data),
  }));
}
