import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import { WireBool, WireDecimal, WireInt, WireOrderTypeSchema, WireTimeInForceSchema } from './schemas.ts';

/**
 * zod schemas of the request parameters: what the adapter sends and what the local Deribit reads.
 * Values come as JSON (numbers kept as text by `parseVenueJson`) or as HTTP query strings, so numbers
 * and booleans are read from text. Unknown parameters are tolerated, as Deribit does.
 */

const Label = z.string().max(64, 'must be at most 64 characters');
const Currency = z.enum(['BTC', 'ETH', 'USDC', 'USDT', 'EURR']);
const CurrencyOrAny = z.enum(['BTC', 'ETH', 'USDC', 'USDT', 'EURR', 'any']);
const Kind = z.enum(['future', 'option', 'spot', 'future_combo', 'option_combo', 'any']);
const Sorting = z.enum(['asc', 'desc', 'default']);

/** The access token may ride along in the params (WebSocket) on any private call. */
const withToken = { access_token: z.string().optional() };

export const AuthParamsSchema = z.discriminatedUnion('grant_type', [
  z.looseObject({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
    scope: z.string().optional(),
    state: z.string().optional(),
  }),
  z.looseObject({
    grant_type: z.literal('client_signature'),
    client_id: z.string().min(1),
    timestamp: WireInt,
    signature: z.string().min(1),
    nonce: z.string().min(1),
    data: z.string().optional(),
    scope: z.string().optional(),
    state: z.string().optional(),
  }),
  z.looseObject({
    grant_type: z.literal('refresh_token'),
    refresh_token: z.string().min(1),
    scope: z.string().optional(),
    state: z.string().optional(),
  }),
]);
export type AuthParams = z.input<typeof AuthParamsSchema>;

export const OrderEntryParamsSchema = z.looseObject({
  ...withToken,
  instrument_name: z.string().min(1),
  amount: WireDecimal.optional(),
  contracts: WireDecimal.optional(),
  type: WireOrderTypeSchema.default('limit'),
  label: Label.optional(),
  price: WireDecimal.optional(),
  time_in_force: WireTimeInForceSchema.default('good_til_cancelled'),
  // Deribit's spec says post_only defaults to true, recorded orders placed without it say false:
  // absent is false here (reference Part D), and the adapter always sends it.
  post_only: WireBool.default(false),
  reject_post_only: WireBool.default(false),
  reduce_only: WireBool.default(false),
  trigger_price: WireDecimal.optional(),
  trigger: z.enum(['index_price', 'mark_price', 'last_price']).optional(),
  valid_until: WireInt.optional(),
  mmp: WireBool.optional(),
});
export type OrderEntryParams = z.input<typeof OrderEntryParamsSchema>;

export const ClosePositionParamsSchema = z.looseObject({
  ...withToken,
  instrument_name: z.string().min(1),
  type: z.enum(['limit', 'market']),
  price: WireDecimal.optional(),
});
export type ClosePositionParams = z.input<typeof ClosePositionParamsSchema>;

const editFields = {
  ...withToken,
  amount: WireDecimal.optional(),
  contracts: WireDecimal.optional(),
  price: WireDecimal.optional(),
  post_only: WireBool.optional(),
  reject_post_only: WireBool.optional(),
  reduce_only: WireBool.optional(),
  trigger_price: WireDecimal.optional(),
  valid_until: WireInt.optional(),
};

export const EditParamsSchema = z.looseObject({ order_id: z.string().min(1), ...editFields });
export type EditParams = z.input<typeof EditParamsSchema>;

export const EditByLabelParamsSchema = z.looseObject({
  label: Label,
  instrument_name: z.string().min(1),
  ...editFields,
});
export type EditByLabelParams = z.input<typeof EditByLabelParamsSchema>;

export const OrderIdParamsSchema = z.looseObject({ ...withToken, order_id: z.string().min(1) });
export type OrderIdParams = z.input<typeof OrderIdParamsSchema>;

export const CancelAllByInstrumentParamsSchema = z.looseObject({
  ...withToken,
  instrument_name: z.string().min(1),
  type: z.enum(['all', 'limit', 'trigger_all', 'stop', 'take', 'trailing_stop']).default('all'),
  detailed: WireBool.default(false),
});
export type CancelAllByInstrumentParams = z.input<typeof CancelAllByInstrumentParamsSchema>;

export const CancelAllParamsSchema = z.looseObject({ ...withToken, detailed: WireBool.default(false) });

export const CancelByLabelParamsSchema = z.looseObject({
  ...withToken,
  label: Label,
  currency: Currency.optional(),
});
export type CancelByLabelParams = z.input<typeof CancelByLabelParamsSchema>;

export const OrderStateByLabelParamsSchema = z.looseObject({
  ...withToken,
  currency: Currency,
  label: Label.optional(),
});
export type OrderStateByLabelParams = z.input<typeof OrderStateByLabelParamsSchema>;

export const OpenOrdersByInstrumentParamsSchema = z.looseObject({
  ...withToken,
  instrument_name: z.string().min(1),
  type: z.string().default('all'),
});
export type OpenOrdersByInstrumentParams = z.input<typeof OpenOrdersByInstrumentParamsSchema>;

export const OpenOrdersParamsSchema = z.looseObject({
  ...withToken,
  kind: Kind.optional(),
  type: z.string().default('all'),
});
export type OpenOrdersParams = z.input<typeof OpenOrdersParamsSchema>;

export const OrderHistoryByInstrumentParamsSchema = z.looseObject({
  ...withToken,
  instrument_name: z.string().min(1),
  count: WireInt.default(20),
  offset: WireInt.default(0),
});

export const TradesByOrderParamsSchema = z.looseObject({
  ...withToken,
  order_id: z.string().min(1),
  sorting: Sorting.default('default'),
});
export type TradesByOrderParams = z.input<typeof TradesByOrderParamsSchema>;

export const TradesByInstrumentParamsSchema = z.looseObject({
  ...withToken,
  instrument_name: z.string().min(1),
  start_seq: WireInt.optional(),
  end_seq: WireInt.optional(),
  start_timestamp: WireInt.optional(),
  end_timestamp: WireInt.optional(),
  count: WireInt.default(10),
  sorting: Sorting.default('default'),
  /** Deribit keeps trades of the last 24 h in its recent store; `true` reads the older ones. */
  historical: WireBool.default(false),
});
export type TradesByInstrumentParams = z.input<typeof TradesByInstrumentParamsSchema>;

export const PositionsParamsSchema = z.looseObject({
  ...withToken,
  currency: CurrencyOrAny.optional(),
  kind: Kind.optional(),
});
export type PositionsParams = z.input<typeof PositionsParamsSchema>;

export const TickerParamsSchema = z.looseObject({ instrument_name: z.string().min(1) });

export const PositionParamsSchema = z.looseObject({ ...withToken, instrument_name: z.string().min(1) });

export const InstrumentsParamsSchema = z.looseObject({
  /** Required by the older OpenAPI document; Deribit now lists every currency without it (as `any`). */
  currency: CurrencyOrAny.default('any'),
  kind: Kind.optional(),
  expired: WireBool.default(false),
});
export type InstrumentsParams = z.input<typeof InstrumentsParamsSchema>;

export const InstrumentParamsSchema = z.looseObject({ instrument_name: z.string().min(1) });

export const SetHeartbeatParamsSchema = z.looseObject({ interval: WireDecimal });
export type SetHeartbeatParams = z.input<typeof SetHeartbeatParamsSchema>;

export const TestParamsSchema = z.looseObject({ expected_result: z.literal('exception').optional() });

export const SubscribeParamsSchema = z.looseObject({
  ...withToken,
  channels: z.array(z.string().min(1)).min(1),
  label: z.string().max(16).optional(),
});
export type SubscribeParams = z.input<typeof SubscribeParamsSchema>;

export const UnsubscribeParamsSchema = z.looseObject({ ...withToken, channels: z.array(z.string().min(1)) });

export const CancelOnDisconnectParamsSchema = z.looseObject({
  ...withToken,
  scope: z.enum(['connection', 'account']).default('connection'),
});

export const LogoutParamsSchema = z.looseObject({
  ...withToken,
  invalidate_token: WireBool.default(true),
});

export const NoParamsSchema = z.looseObject({ ...withToken });

/** The JSON-RPC request object. */
export const RpcRequestSchema = z.looseObject({
  jsonrpc: z.literal('2.0'),
  /** Echoed in the reply as sent: a string, or a number (kept lossless by `parseWireRequest`). */
  id: z.union([z.string(), z.number(), z.custom<LosslessNumber>(isLosslessNumber)]),
  method: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type RpcRequest = z.output<typeof RpcRequestSchema>;
