import { z } from 'zod';
import { PositiveDecimalTextSchema } from '../../domain/decimal.ts';
import { VenueSchema } from '../../domain/instrument.ts';
import {
  MarginModeSchema,
  OrderSideSchema,
  OrderTypeSchema,
  PositionModeSchema,
  SelfTradePreventionSchema,
  TimeInForceSchema,
  TradeSideSchema,
  TriggerReferenceSchema,
} from '../../domain/order/contract.ts';

/**
 * What clients send (HTTP bodies, CLI options): strict (unknown fields refused), decimals as
 * strings. The service turns them into domain commands; ids and client order ids are the OMS's.
 */

const PresetTriggerSchema = z
  .object({ triggerPrice: PositiveDecimalTextSchema, executePrice: PositiveDecimalTextSchema.optional() })
  .strict();

/**
 * Text a client writes that the audit trail keeps: no NUL, no lone surrogate (which no database
 * text can hold), no other control character; trimmed.
 */
export const clientText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
      (text) => text.isWellFormed() && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text),
      'contains a character the audit trail cannot hold (NUL, a lone surrogate or another control character)',
    );

/** An instrument's venue symbol, as the venues write them (BTC-PERPETUAL, ETH_USDC-PERPETUAL, BTCUSDT). */
export const SymbolSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][\w.:/-]*$/, 'a venue symbol: letters, digits and _ . : / -');

const account = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'letters, digits, _ . - only');

export const PlaceOrderRequestSchema = z
  .object({
    venue: VenueSchema,
    /** The venue account; defaults to the venue's configured default account. */
    account: account.optional(),
    symbol: SymbolSchema,
    side: OrderSideSchema,
    type: OrderTypeSchema,
    /** In the instrument's amount unit (USD for Deribit inverse contracts, coin otherwise)... */
    amount: PositiveDecimalTextSchema.optional(),
    /** ...or in contracts. Exactly one of the two. */
    contracts: PositiveDecimalTextSchema.optional(),
    price: PositiveDecimalTextSchema.optional(),
    trigger: z
      .object({ price: PositiveDecimalTextSchema, reference: TriggerReferenceSchema })
      .strict()
      .optional(),
    timeInForce: TimeInForceSchema.optional(),
    reduceOnly: z.boolean().optional(),
    postOnly: z.boolean().optional(),
    rejectPostOnly: z.boolean().optional(),
    /** Bitget: defaults to the account's configured position mode. */
    positionMode: PositionModeSchema.optional(),
    tradeSide: TradeSideSchema.optional(),
    marginMode: MarginModeSchema.optional(),
    takeProfit: PresetTriggerSchema.optional(),
    stopLoss: PresetTriggerSchema.optional(),
    selfTradePrevention: SelfTradePreventionSchema.optional(),
  })
  .strict();
export type PlaceOrderRequest = z.output<typeof PlaceOrderRequestSchema>;

export const AmendOrderRequestSchema = z
  .object({
    price: PositiveDecimalTextSchema.optional(),
    amount: PositiveDecimalTextSchema.optional(),
    triggerPrice: PositiveDecimalTextSchema.optional(),
  })
  .strict();
export type AmendOrderRequest = z.output<typeof AmendOrderRequestSchema>;

export const ClosePositionRequestSchema = z
  .object({
    venue: VenueSchema,
    account: account.optional(),
    symbol: SymbolSchema,
    /** Hedge mode: the leg to close. One-way mode: omit (the net position is closed). */
    side: z.enum(['long', 'short']).optional(),
    type: z.enum(['limit', 'market']),
    price: PositiveDecimalTextSchema.optional(),
    marginMode: MarginModeSchema.optional(),
  })
  .strict();
export type ClosePositionRequest = z.output<typeof ClosePositionRequestSchema>;

export const CancelAllRequestSchema = z
  .object({
    venue: VenueSchema.optional(),
    account: account.optional(),
    symbol: SymbolSchema.optional(),
  })
  .strict();
export type CancelAllRequest = z.output<typeof CancelAllRequestSchema>;

export const KillSwitchRequestSchema = z
  .object({ engaged: z.boolean(), reason: clientText(500), cancelAll: z.boolean().default(false) })
  .strict();
export type KillSwitchRequest = z.output<typeof KillSwitchRequestSchema>;

export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
