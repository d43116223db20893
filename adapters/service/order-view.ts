import type { Order } from '../../domain/order/state.ts';
import { averageFillPrice, remaining } from '../../domain/order/state.ts';
import type { LoadedOrder } from './order-handler.ts';

/**
 * An order as clients see it: plain JSON, decimals as strings. Built from the order's own events
 * (always current), not from the read models.
 */
export interface OrderView {
  orderId: string;
  status: string;
  venue: string;
  account: string;
  symbol: string;
  side: string;
  type: string;
  timeInForce: string;
  amount: string;
  filled: string;
  remaining: string;
  averagePrice: string | null;
  price: string | null;
  trigger: { price: string; reference: string } | null;
  reduceOnly: boolean;
  postOnly: boolean;
  positionMode: string;
  tradeSide: string | null;
  intent: string;
  clientOrderId: string;
  venueOrderId: string | null;
  venueOrderIds: string[];
  fees: Record<string, string>;
  /** A request whose outcome is unknown (the OMS is resolving it), if any. */
  unresolved: string | null;
  anomalies: number;
  revision: string;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface TimelineEntry {
  revision: string;
  type: string;
  recordedAt: string;
  venueTime: string | null;
  source: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  idempotencyKey: string | null;
  data: unknown;
}

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
    revision: recorded.revision.toString(),
    type: event.type,
    recordedAt: metadata.recordedAt,
    venueTime: metadata.venueTime ?? null,
    source: metadata.source,
    commandId: metadata.commandId,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    idempotencyKey: metadata.idempotencyKey ?? null,
    data: JSON.parse(JSON.stringify(event.data)),
  }));
}
