import { z } from 'zod';
import { type BitgetFailure, refuse } from './errors.ts';

/** Bitget's futures product types (v2). */
export const BITGET_PRODUCT_TYPES = [
  'USDT-FUTURES',
  'COIN-FUTURES',
  'USDC-FUTURES',
  'SUSDT-FUTURES',
  'SCOIN-FUTURES',
  'SUSDC-FUTURES',
] as const;

/**
 * zod schemas of the requests the local Bitget receives, and how a schema failure becomes
 * Bitget's refusal: an unknown parameter is 40034, a missing one 40019, a malformed one 40017.
 * Values come as strings (JSON numbers are accepted and read as their text); an empty string is
 * an absent optional value (Bitget: "no take-profit is set if the field is empty").
 */

export const value = z.union([z.string(), z.number()]).transform(String);
export const decimal = value.pipe(z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal number'));
export const integer = value.pipe(z.string().regex(/^\d+$/, 'must be an integer'));
export const text = value.pipe(z.string().min(1));
export const lower = <const T extends readonly [string, ...string[]]>(values: T) =>
  value.transform((v) => v.toLowerCase()).pipe(z.enum(values));
export const upper = <const T extends readonly [string, ...string[]]>(values: T) =>
  value.transform((v) => v.toUpperCase()).pipe(z.enum(values));

export const PlaceOrderBody = z.strictObject({
  symbol: text,
  productType: upper(BITGET_PRODUCT_TYPES),
  marginMode: lower(['isolated', 'crossed']),
  marginCoin: text,
  size: decimal,
  price: decimal.optional(),
  side: lower(['buy', 'sell']),
  tradeSide: lower(['open', 'close']).optional(),
  orderType: lower(['limit', 'market']),
  force: lower(['gtc', 'ioc', 'fok', 'post_only']).optional(),
  clientOid: text.optional(),
  reduceOnly: upper(['YES', 'NO']).optional(),
  presetStopSurplusPrice: decimal.optional(),
  presetStopLossPrice: decimal.optional(),
  presetStopSurplusExecutePrice: decimal.optional(),
  presetStopLossExecutePrice: decimal.optional(),
  stpMode: lower(['none', 'cancel_taker', 'cancel_maker', 'cancel_both']).optional(),
  requestTime: integer.optional(),
  receiveWindow: integer.optional(),
});
export type PlaceOrderBody = z.output<typeof PlaceOrderBody>;

export const CancelOrderBody = z.strictObject({
  symbol: text,
  productType: text,
  marginCoin: text.optional(),
  orderId: text.optional(),
  clientOid: text.optional(),
});
export type CancelOrderBody = z.output<typeof CancelOrderBody>;

export const ModifyOrderBody = z.strictObject({
  orderId: text.optional(),
  clientOid: text.optional(),
  symbol: text,
  productType: text,
  // The documentation lists it; the venue does not refuse a modify without it.
  marginCoin: text.optional(),
  newClientOid: text.optional(),
  newSize: decimal.optional(),
  newPrice: decimal.optional(),
  newPresetStopSurplusPrice: decimal.optional(),
  newPresetStopLossPrice: decimal.optional(),
});
export type ModifyOrderBody = z.output<typeof ModifyOrderBody>;

export const BatchCancelBody = z.strictObject({
  symbol: text.optional(),
  productType: text,
  marginCoin: text.optional(),
  orderIdList: z.array(z.strictObject({ orderId: text.optional(), clientOid: text.optional() })).optional(),
});
export type BatchCancelBody = z.output<typeof BatchCancelBody>;

export const CancelAllBody = z.strictObject({
  productType: text,
  marginCoin: text.optional(),
  requestTime: integer.optional(),
  receiveWindow: integer.optional(),
});
export type CancelAllBody = z.output<typeof CancelAllBody>;

export const ClosePositionsBody = z.strictObject({
  productType: text,
  symbol: text.optional(),
  holdSide: lower(['long', 'short']).optional(),
});
export type ClosePositionsBody = z.output<typeof ClosePositionsBody>;

export const SetPositionModeBody = z.strictObject({
  productType: text,
  posMode: lower(['one_way_mode', 'hedge_mode']),
});
export type SetPositionModeBody = z.output<typeof SetPositionModeBody>;

export const DetailQuery = z.strictObject({
  symbol: text,
  productType: text,
  orderId: text.optional(),
  clientOid: text.optional(),
});
export type DetailQuery = z.output<typeof DetailQuery>;

export const OrderListQuery = z.strictObject({
  productType: text,
  symbol: text.optional(),
  orderId: text.optional(),
  clientOid: text.optional(),
  status: text.optional(),
  idLessThan: text.optional(),
  startTime: integer.optional(),
  endTime: integer.optional(),
  limit: integer.optional(),
  orderSource: text.optional(),
});
export type OrderListQuery = z.output<typeof OrderListQuery>;

export const FillsQuery = z.strictObject({
  productType: text,
  symbol: text.optional(),
  orderId: text.optional(),
  idLessThan: text.optional(),
  startTime: integer.optional(),
  endTime: integer.optional(),
  limit: integer.optional(),
});
export type FillsQuery = z.output<typeof FillsQuery>;

export const AllPositionQuery = z.strictObject({ productType: text, marginCoin: text.optional() });
export const SinglePositionQuery = z.strictObject({ symbol: text, productType: text, marginCoin: text });
export const AccountQuery = z.strictObject({ symbol: text, productType: text, marginCoin: text });
export const ContractsQuery = z.strictObject({ productType: text, symbol: text.optional() });

// Private WebSocket ops. Bitget ignores fields it does not know in an op (clients add their own).
export const WsLoginOp = z.looseObject({
  op: z.literal('login'),
  args: z
    .array(z.looseObject({ apiKey: z.string(), passphrase: z.string(), timestamp: value, sign: z.string() }))
    .min(1),
});
export const WsSubscribeOp = z.looseObject({
  op: z.enum(['subscribe', 'unsubscribe']),
  args: z
    .array(
      z.looseObject({
        instType: z.string(),
        channel: z.string(),
        instId: z.string().optional(),
        coin: z.string().optional(),
      }),
    )
    .min(1),
});

/**
 * Parses a request with its schema; the first problem becomes Bitget's refusal. Empty strings are
 * dropped first (absent). With `rejectUnknown` off, unknown parameters are ignored instead of 40034.
 */
export function parseRequest<S extends z.ZodObject>(
  schema: S,
  input: unknown,
  options: { rejectUnknown: boolean },
): z.output<S> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw refuse.invalid('body', 'must be a JSON object');
  }
  const known = new Set(Object.keys(schema.shape));
  const cleaned: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(input)) {
    if (v === '' || v === null) continue;
    if (!options.rejectUnknown && !known.has(key)) continue;
    cleaned[key] = v;
  }
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw failureOf(parsed.error, cleaned);
}

function failureOf(error: z.ZodError, input: Record<string, unknown>): BitgetFailure {
  const unknownKey = error.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknownKey && unknownKey.code === 'unrecognized_keys')
    return refuse.unknownParameter(unknownKey.keys[0] ?? '?');
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  const top = String(issue?.path[0] ?? '');
  if (top !== '' && input[top] === undefined) return refuse.missing(top);
  return refuse.invalid(field, issue?.message ?? 'is invalid');
}
