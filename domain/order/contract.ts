import { z } from 'zod';
import { NonNegativeDecimalSchema, PositiveDecimalSchema } from '../decimal.ts';
import { InstrumentSchema } from '../instrument.ts';
import { CommandMetadataSchema } from '../metadata.ts';
import {
  AmendmentSchema,
  CancelReasonSchema,
  ClientOrderIdSchema,
  FillSchema,
  MarginModeSchema,
  OrderIdSchema,
  OrderParamsSchema,
  orderFields,
  PositionModeSchema,
  SubmissionRequestSchema,
  venueRefusal,
} from './values.ts';

// The order's value types (parameters, fills, amendments...) live in values.ts; commands and
// events here. Importers may take the values from either file.
export * from './values.ts';

// ------------------------------------------------------------------------------------------------
// Commands: imperative. Client commands, then the venue's reports fed back as commands.
// ------------------------------------------------------------------------------------------------

const command = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), data, metadata: CommandMetadataSchema }).strict();

export const PlaceOrderSchema = command(
  'PlaceOrder',
  z
    .object({
      ...orderFields,
      /** In the instrument's amount unit (USD for inverse contracts, base coin otherwise)... */
      amount: PositiveDecimalSchema.optional(),
      /** ...or in contracts (amount = contracts × contract size). Exactly one of the two. */
      contracts: PositiveDecimalSchema.optional(),
    })
    .strict(),
);

export const AmendOrderSchema = command(
  'AmendOrder',
  z.object({ orderId: OrderIdSchema, amendment: AmendmentSchema }).strict(),
);

export const CancelOrderSchema = command('CancelOrder', z.object({ orderId: OrderIdSchema }).strict());

/**
 * An operator closes an order the venue no longer has (a reconciliation break): `cancelled` when it
 * is known to be cancelled there, `lost` when the venue lost it. Recorded as the order's cancellation
 * with the operator's reason; the order's fills stay as recorded.
 */
export const ResolveOrderSchema = command(
  'ResolveOrder',
  z
    .object({
      orderId: OrderIdSchema,
      as: z.enum(['cancelled', 'lost']),
      reason: z.string().min(1).max(1000),
    })
    .strict(),
);

/** The position to close as the OMS knows it; the service reads it from the positions. */
export const PositionToCloseSchema = z
  .object({ side: z.enum(['long', 'short']), size: NonNegativeDecimalSchema })
  .strict();

export const ClosePositionSchema = command(
  'ClosePosition',
  z
    .object({
      orderId: OrderIdSchema,
      account: z.string().min(1).max(64),
      instrument: InstrumentSchema,
      clientOrderId: ClientOrderIdSchema,
      type: z.enum(['limit', 'market']),
      price: PositiveDecimalSchema.optional(),
      positionMode: PositionModeSchema.default('one_way'),
      marginMode: MarginModeSchema.optional(),
      position: PositionToCloseSchema,
    })
    .strict(),
);

export const RecordOrderAcceptedSchema = command(
  'RecordOrderAccepted',
  z
    .object({
      orderId: OrderIdSchema,
      venueOrderId: z.string().min(1).max(128),
      /** The venue's amount when it differs from the request (close_position sizes the order itself). */
      amount: PositiveDecimalSchema.optional(),
      /** The venue's price when it differs (a post-only order re-priced inside the spread). */
      price: PositiveDecimalSchema.optional(),
    })
    .strict(),
);

export const RecordOrderRejectedSchema = command(
  'RecordOrderRejected',
  z.object({ orderId: OrderIdSchema, ...venueRefusal }).strict(),
);

export const RecordOutcomeUnknownSchema = command(
  'RecordOutcomeUnknown',
  z
    .object({ orderId: OrderIdSchema, request: SubmissionRequestSchema, reason: z.string().max(1000) })
    .strict(),
);

export const RecordFillSchema = command(
  'RecordFill',
  z.object({ orderId: OrderIdSchema, fill: FillSchema }).strict(),
);

export const RecordOrderCancelledSchema = command(
  'RecordOrderCancelled',
  z
    .object({
      orderId: OrderIdSchema,
      reason: CancelReasonSchema,
      venueReason: z.string().max(200).optional(),
    })
    .strict(),
);

export const RecordOrderExpiredSchema = command(
  'RecordOrderExpired',
  z.object({ orderId: OrderIdSchema }).strict(),
);

export const RecordAmendAcceptedSchema = command(
  'RecordAmendAccepted',
  z
    .object({
      orderId: OrderIdSchema,
      price: PositiveDecimalSchema.optional(),
      amount: PositiveDecimalSchema.optional(),
      triggerPrice: PositiveDecimalSchema.optional(),
      /** Bitget's replacement order id (modify is cancel-and-replace). */
      venueOrderId: z.string().min(1).max(128).optional(),
      clientOrderId: ClientOrderIdSchema.optional(),
    })
    .strict(),
);

export const RecordAmendRejectedSchema = command(
  'RecordAmendRejected',
  z.object({ orderId: OrderIdSchema, ...venueRefusal }).strict(),
);

export const RecordCancelRejectedSchema = command(
  'RecordCancelRejected',
  z.object({ orderId: OrderIdSchema, ...venueRefusal }).strict(),
);

export const RecordOrderTriggeredSchema = command(
  'RecordOrderTriggered',
  z.object({ orderId: OrderIdSchema, venueOrderId: z.string().min(1).max(128).optional() }).strict(),
);

/** An order found at the venue that this OMS never placed (seen in a fill, a push or reconciliation). */
export const RecordExternalOrderSchema = command(
  'RecordExternalOrder',
  z
    .object({
      order: OrderParamsSchema.omit({ intent: true }),
      venueOrderId: z.string().min(1).max(128),
    })
    .strict(),
);

/**
 * A venue order this order did not produce carries its client id (Deribit labels are not unique):
 * the venue order is recorded as an external order, and this is an anomaly on ours.
 */
export const RecordClientIdReuseSchema = command(
  'RecordClientIdReuse',
  z
    .object({
      orderId: OrderIdSchema,
      venueOrderId: z.string().min(1).max(128),
      clientOrderId: z.string().max(128),
      /** The external order the venue order was recorded as. */
      externalOrderId: OrderIdSchema,
    })
    .strict(),
);

/**
 * The venue reported a trade on this order whose id is already recorded for another order: the
 * fill is not recorded twice; this is an anomaly on this order (and a reconciliation break).
 */
export const RecordTradeConflictSchema = command(
  'RecordTradeConflict',
  z.object({ orderId: OrderIdSchema, fill: FillSchema, recordedOn: OrderIdSchema }).strict(),
);

export const OrderCommandSchema = z.discriminatedUnion('type', [
  PlaceOrderSchema,
  AmendOrderSchema,
  CancelOrderSchema,
  ResolveOrderSchema,
  ClosePositionSchema,
  RecordOrderAcceptedSchema,
  RecordOrderRejectedSchema,
  RecordOutcomeUnknownSchema,
  RecordFillSchema,
  RecordOrderCancelledSchema,
  RecordOrderExpiredSchema,
  RecordAmendAcceptedSchema,
  RecordAmendRejectedSchema,
  RecordCancelRejectedSchema,
  RecordOrderTriggeredSchema,
  RecordExternalOrderSchema,
  RecordClientIdReuseSchema,
  RecordTradeConflictSchema,
]);
export type OrderCommand = z.output<typeof OrderCommandSchema>;
export type OrderCommandInput = z.input<typeof OrderCommandSchema>;
export type OrderCommandType = OrderCommand['type'];
export type CommandOf<T extends OrderCommandType> = Extract<OrderCommand, { type: T }>;

// ------------------------------------------------------------------------------------------------
// Events: past tense, one stream per order. Every event names its order.
// ------------------------------------------------------------------------------------------------

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), data: z.object({ orderId: OrderIdSchema, ...shape }).strict() }).strict();

export const OrderRequestedSchema = event('OrderRequested', { order: OrderParamsSchema });
export const ExternalOrderDiscoveredSchema = event('ExternalOrderDiscovered', {
  order: OrderParamsSchema,
  venueOrderId: z.string().min(1).max(128),
});
export const OrderAcceptedSchema = event('OrderAccepted', {
  venueOrderId: z.string().min(1).max(128),
  amount: PositiveDecimalSchema.optional(),
  price: PositiveDecimalSchema.optional(),
});
export const OrderRejectedSchema = event('OrderRejected', venueRefusal);
export const OrderOutcomeUnknownSchema = event('OrderOutcomeUnknown', {
  request: SubmissionRequestSchema,
  reason: z.string().max(1000),
});
export const OrderFilledSchema = event('OrderFilled', { fill: FillSchema });
export const OrderCancelRequestedSchema = event('OrderCancelRequested', {});
export const OrderCancelledSchema = event('OrderCancelled', {
  reason: CancelReasonSchema,
  venueReason: z.string().max(200).optional(),
  /** An operator's reason, when an operator closed the order. */
  note: z.string().max(1000).optional(),
});
export const OrderCancelRejectedSchema = event('OrderCancelRejected', venueRefusal);
export const OrderAmendRequestedSchema = event('OrderAmendRequested', { amendment: AmendmentSchema });
export const OrderAmendAcceptedSchema = event('OrderAmendAccepted', {
  price: PositiveDecimalSchema.optional(),
  amount: PositiveDecimalSchema.optional(),
  triggerPrice: PositiveDecimalSchema.optional(),
  venueOrderId: z.string().min(1).max(128).optional(),
  clientOrderId: ClientOrderIdSchema.optional(),
});
export const OrderAmendRejectedSchema = event('OrderAmendRejected', venueRefusal);
export const OrderExpiredSchema = event('OrderExpired', {});
export const OrderTriggeredSchema = event('OrderTriggered', {
  venueOrderId: z.string().min(1).max(128).optional(),
});

export const AnomalyKindSchema = z.enum([
  /** A fill that would take the cumulative filled amount above the order's amount. */
  'overfill',
  /** A report the transition table refuses in the order's current state. */
  'illegal_transition',
  /** A report that contradicts what is recorded (another venue order id, a fill on another instrument...). */
  'inconsistent_report',
]);
export type AnomalyKind = z.infer<typeof AnomalyKindSchema>;

/** A venue report the order could not take: kept for an operator, never dropped, never a crash. */
export const OrderAnomalyDetectedSchema = event('OrderAnomalyDetected', {
  kind: AnomalyKindSchema,
  message: z.string().max(2000),
  /** The order's status when the report arrived. */
  status: z.string(),
  /** The refused report, as it came: its command type and data. */
  report: z.object({ type: z.string(), data: z.unknown() }).strict(),
});

export const OrderEventSchema = z.discriminatedUnion('type', [
  OrderRequestedSchema,
  ExternalOrderDiscoveredSchema,
  OrderAcceptedSchema,
  OrderRejectedSchema,
  OrderOutcomeUnknownSchema,
  OrderFilledSchema,
  OrderCancelRequestedSchema,
  OrderCancelledSchema,
  OrderCancelRejectedSchema,
  OrderAmendRequestedSchema,
  OrderAmendAcceptedSchema,
  OrderAmendRejectedSchema,
  OrderExpiredSchema,
  OrderTriggeredSchema,
  OrderAnomalyDetectedSchema,
]);
export type OrderEvent = z.output<typeof OrderEventSchema>;
export type OrderEventType = OrderEvent['type'];
export type EventOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>;

export const ORDER_EVENT_TYPES = OrderEventSchema.options.map((option) => option.shape.type.value);

/** Current schema version of each event type; bump it with an upcaster in `event-codec.ts`. */
export const ORDER_EVENT_SCHEMA_VERSION: Record<OrderEventType, number> = {
  OrderRequested: 1,
  ExternalOrderDiscovered: 1,
  OrderAccepted: 1,
  OrderRejected: 1,
  OrderOutcomeUnknown: 1,
  OrderFilled: 1,
  OrderCancelRequested: 1,
  OrderCancelled: 1,
  OrderCancelRejected: 1,
  OrderAmendRequested: 1,
  OrderAmendAccepted: 1,
  OrderAmendRejected: 1,
  OrderExpired: 1,
  OrderTriggered: 1,
  OrderAnomalyDetected: 1,
};

/** The event stream of one order. */
export function orderStreamId(orderId: string): string {
  return `order-${orderId}`;
}
export const ORDER_STREAM_PREFIX = 'order-';
