import { z } from 'zod';
import { DecimalSchema, PositiveDecimalSchema } from '../decimal.ts';
import { InstrumentSchema } from '../instrument.ts';

// ------------------------------------------------------------------------------------------------
// Order parameters: what both seeds can express (Deribit private/buy|sell|close_position, Bitget
// v2 place-order). Venue-specific rules are checked by `decide`, not here: this is the shape.
// ------------------------------------------------------------------------------------------------

export const OrderIdSchema = z.uuid();
export const OrderSideSchema = z.enum(['buy', 'sell']);
export type OrderSide = z.infer<typeof OrderSideSchema>;

/** Limit and market; stop/take types have room here (Deribit stop_limit etc.). */
export const OrderTypeSchema = z.enum([
  'limit',
  'market',
  'stop_limit',
  'stop_market',
  'take_limit',
  'take_market',
]);
export type OrderType = z.infer<typeof OrderTypeSchema>;

/** Deribit good_til_cancelled / immediate_or_cancel / fill_or_kill / good_til_day; Bitget force gtc/ioc/fok. */
export const TimeInForceSchema = z.enum(['gtc', 'ioc', 'fok', 'good_til_day']);
export type TimeInForce = z.infer<typeof TimeInForceSchema>;

export const TriggerReferenceSchema = z.enum(['index_price', 'mark_price', 'last_price']);
/** Bitget account setting per product type; Deribit positions are always one-way (netting). */
export const PositionModeSchema = z.enum(['one_way', 'hedge']);
export type PositionMode = z.infer<typeof PositionModeSchema>;
/** Hedge mode only: whether the order opens or closes the position leg. */
export const TradeSideSchema = z.enum(['open', 'close']);
export type TradeSide = z.infer<typeof TradeSideSchema>;
export const MarginModeSchema = z.enum(['isolated', 'crossed']);
export const SelfTradePreventionSchema = z.enum(['none', 'cancel_taker', 'cancel_maker', 'cancel_both']);
export const LiquiditySchema = z.enum(['maker', 'taker']);
export type Liquidity = z.infer<typeof LiquiditySchema>;

/** Why an order was placed: an ordinary order, a close-position order, or one found at the venue. */
export const OrderIntentSchema = z.enum(['order', 'close_position', 'external']);
export type OrderIntent = z.infer<typeof OrderIntentSchema>;

/** Attached take-profit / stop-loss (Bitget presetStopSurplusPrice / presetStopLossPrice). */
export const PresetTriggerSchema = z
  .object({ triggerPrice: PositiveDecimalSchema, executePrice: PositiveDecimalSchema.optional() })
  .strict();

/**
 * The client id sent to the venue: Deribit `label` (<= 64 chars, not unique at the venue) or
 * Bitget `clientOid` (<= 50 chars, unique). Venue limits are checked by `decide`.
 */
export const ClientOrderIdSchema = z
  .string()
  .max(64)
  .regex(/^[\x21-\x7e]*$/, 'printable ASCII without spaces');

export const orderFields = {
  orderId: OrderIdSchema,
  /** The venue account (or sub-account) the order belongs to. */
  account: z.string().min(1).max(64),
  instrument: InstrumentSchema,
  clientOrderId: ClientOrderIdSchema,
  side: OrderSideSchema,
  type: OrderTypeSchema,
  timeInForce: TimeInForceSchema.default('gtc'),
  price: PositiveDecimalSchema.optional(),
  trigger: z.object({ price: PositiveDecimalSchema, reference: TriggerReferenceSchema }).strict().optional(),
  reduceOnly: z.boolean().default(false),
  /** Never take liquidity: Deribit re-prices it inside the spread unless `rejectPostOnly`. */
  postOnly: z.boolean().default(false),
  rejectPostOnly: z.boolean().default(false),
  positionMode: PositionModeSchema.default('one_way'),
  tradeSide: TradeSideSchema.optional(),
  /** Bitget: isolated or crossed margin (its marginCoin is the instrument's settlement currency). */
  marginMode: MarginModeSchema.optional(),
  takeProfit: PresetTriggerSchema.optional(),
  stopLoss: PresetTriggerSchema.optional(),
  selfTradePrevention: SelfTradePreventionSchema.optional(),
};

/** An order as recorded when it is requested: the amount is always in the instrument's amount unit. */
export const OrderParamsSchema = z
  .object({ ...orderFields, amount: PositiveDecimalSchema, intent: OrderIntentSchema })
  .strict();
export type OrderParams = z.output<typeof OrderParamsSchema>;

export const FillSchema = z
  .object({
    /** The venue's trade id: fills are deduplicated by it. */
    tradeId: z.string().min(1).max(128),
    venueOrderId: z.string().min(1).max(128).optional(),
    price: PositiveDecimalSchema,
    amount: PositiveDecimalSchema,
    /** Positive: paid; negative: a rebate. */
    fee: DecimalSchema,
    feeCurrency: z.string().min(1).max(12),
    liquidity: LiquiditySchema,
    executedAt: z.iso.datetime(),
  })
  .strict();
export type Fill = z.output<typeof FillSchema>;

export const CancelReasonSchema = z.enum([
  'user_request',
  /** IOC remainder, FOK not fillable, market order remainder. */
  'unfilled_remainder',
  'post_only_reject',
  'self_trade_prevention',
  'cancel_on_disconnect',
  'liquidation',
  /** Bitget one-way mode cancels older reduce-only orders that exceed the position. */
  'reduce_only_adjustment',
  'settlement',
  'venue_other',
  /** An operator closed the order after a reconciliation break (the venue has no live order). */
  'operator_cancelled',
  /** An operator recorded that the venue lost the order (it no longer knows it; its fate is not known). */
  'lost_at_venue',
]);
export type CancelReason = z.infer<typeof CancelReasonSchema>;

export const venueRefusal = {
  /** The venue's error code as text (Deribit `10009`, Bitget `"43012"`), if it gave one. */
  venueCode: z.string().max(32).optional(),
  message: z.string().max(1000),
};

export const AmendmentSchema = z
  .object({
    price: PositiveDecimalSchema.optional(),
    amount: PositiveDecimalSchema.optional(),
    triggerPrice: PositiveDecimalSchema.optional(),
    /** Bitget modify is cancel-and-replace: the replacement needs a new clientOid. */
    newClientOrderId: ClientOrderIdSchema.optional(),
  })
  .strict();
export type Amendment = z.output<typeof AmendmentSchema>;

export const SubmissionRequestSchema = z.enum(['place', 'amend', 'cancel']);
export type SubmissionRequest = z.infer<typeof SubmissionRequestSchema>;
