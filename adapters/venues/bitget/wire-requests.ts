import { z } from 'zod';
import { PosModeSchema } from './wire.ts';

/** zod schemas of the REST request bodies the adapter sends to Bitget v2: strict, decimals as canonical text. */

export const decimalText = z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal as text');
export const productType = z.enum(['USDT-FUTURES', 'COIN-FUTURES', 'USDC-FUTURES']);
export const marginCoin = z.string().regex(/^[A-Z0-9]{2,12}$/);
export const clientOid = z.string().min(1).max(50);

export const PlaceOrderRequestSchema = z
  .object({
    symbol: z.string().min(1),
    productType,
    marginMode: z.enum(['isolated', 'crossed']),
    marginCoin,
    size: decimalText,
    price: decimalText.optional(),
    side: z.enum(['buy', 'sell']),
    tradeSide: z.enum(['open', 'close']).optional(),
    orderType: z.enum(['limit', 'market']),
    force: z.enum(['gtc', 'ioc', 'fok', 'post_only']).optional(),
    clientOid,
    reduceOnly: z.enum(['YES', 'NO']).optional(),
    presetStopSurplusPrice: decimalText.optional(),
    presetStopLossPrice: decimalText.optional(),
    presetStopSurplusExecutePrice: decimalText.optional(),
    presetStopLossExecutePrice: decimalText.optional(),
    stpMode: z.enum(['none', 'cancel_taker', 'cancel_maker', 'cancel_both']).optional(),
  })
  .strict();
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequestSchema>;

export const CancelOrderRequestSchema = z
  .object({
    symbol: z.string().min(1),
    productType,
    marginCoin: marginCoin.optional(),
    orderId: z.string().min(1).optional(),
    clientOid: clientOid.optional(),
  })
  .strict();
export type CancelOrderRequest = z.infer<typeof CancelOrderRequestSchema>;

export const ModifyOrderRequestSchema = z
  .object({
    orderId: z.string().min(1).optional(),
    clientOid: clientOid.optional(),
    symbol: z.string().min(1),
    productType,
    marginCoin,
    newClientOid: clientOid.optional(),
    newSize: decimalText.optional(),
    newPrice: decimalText.optional(),
    newPresetStopSurplusPrice: decimalText.optional(),
    newPresetStopLossPrice: decimalText.optional(),
  })
  .strict();
export type ModifyOrderRequest = z.infer<typeof ModifyOrderRequestSchema>;

export const BatchCancelRequestSchema = z
  .object({
    symbol: z.string().min(1),
    productType,
    marginCoin,
    orderIdList: z
      .array(z.object({ orderId: z.string().min(1).optional(), clientOid: clientOid.optional() }).strict())
      .min(1)
      .max(50),
  })
  .strict();
export type BatchCancelRequest = z.infer<typeof BatchCancelRequestSchema>;

export const ClosePositionsRequestSchema = z
  .object({
    productType,
    symbol: z.string().min(1).optional(),
    holdSide: z.enum(['long', 'short']).optional(),
  })
  .strict();
export type ClosePositionsRequest = z.infer<typeof ClosePositionsRequestSchema>;

export const SetPositionModeRequestSchema = z.object({ productType, posMode: PosModeSchema }).strict();
export type SetPositionModeRequest = z.infer<typeof SetPositionModeRequestSchema>;
