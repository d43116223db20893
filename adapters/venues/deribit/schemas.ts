import { z } from 'zod';
import { type Decimal, parseVenueNumber } from '../../../domain/decimal.ts';
import { OrderTypeSchema } from '../../../domain/order/contract.ts';

/**
 * zod schemas of what Deribit sends: the JSON-RPC envelope, notifications, and the order, trade,
 * position, instrument and auth objects. They read JSON parsed by `parseVenueJson` (numbers as their
 * text) and are tolerant of the older dialect of seeds 000/002 (amounts, prices and ids as
 * strings). Unknown fields are kept (`looseObject`), except on the order and trade objects, which
 * every push and reply carries (dozens of fields each): those are read with only the fields named
 * here (`object`), and the element as received rides along beside them (`raw`, see `mapping.ts`)
 * for the audit trail. A missing required field fails with its path (see `describeIssues`).
 */

const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;

/** A price, amount, fee or PnL: number text (lossless JSON) or a string of the older dialect. */
export const WireDecimal = z
  .string('expected a number (as parsed by parseVenueJson)')
  .regex(NUMBER_TEXT, 'expected a number')
  .transform((text): Decimal => parseVenueNumber(text));

/** Timestamps (ms), µs figures, sequence numbers, counts: integer text or a safe JS integer. */
export const WireInt = z
  .union([z.string().regex(INTEGER_TEXT, 'expected an integer'), z.number().int()])
  .transform((value) => Number(value))
  .refine((value) => Number.isSafeInteger(value), 'integer out of range');

/** Booleans; the older dialect and HTTP query strings send "true" / "false". */
export const WireBool = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((value) => value === true || value === 'true');

/** Ids: strings in the current dialect, numbers (kept as text) in older replies. */
export const WireId = z.union([z.string().min(1), z.number().int()]).transform((value) => String(value));

// ------------------------------------------------------------------------------------------------
// Enumerations
// ------------------------------------------------------------------------------------------------

export const WireDirectionSchema = z.enum(['buy', 'sell']);
export const WireOrderStateSchema = z.enum([
  'open',
  'filled',
  'rejected',
  'cancelled',
  'untriggered',
  'triggered',
  'archive',
]);
export type WireOrderState = z.infer<typeof WireOrderStateSchema>;
/** The domain's order types are Deribit's names; Deribit has a few more the domain does not place. */
export const WireOrderTypeSchema = z.enum([
  ...OrderTypeSchema.options,
  'market_limit',
  'trailing_stop',
  'liquidation',
]);
export type WireOrderType = z.infer<typeof WireOrderTypeSchema>;
export const WireTimeInForceSchema = z.enum([
  'good_til_cancelled',
  'good_til_day',
  'fill_or_kill',
  'immediate_or_cancel',
]);
export type WireTimeInForce = z.infer<typeof WireTimeInForceSchema>;

// ------------------------------------------------------------------------------------------------
// Envelope
// ------------------------------------------------------------------------------------------------

export const RpcErrorSchema = z.looseObject({
  code: WireInt,
  message: z.string(),
  data: z.unknown().optional(),
});
export type RpcError = z.output<typeof RpcErrorSchema>;

/** A reply: `result` or `error`, plus Deribit's `usIn` / `usOut` / `usDiff` / `testnet`. */
export const RpcResponseSchema = z
  .looseObject({
    jsonrpc: z.literal('2.0'),
    /** Absent (or null) only on replies to HTTP GET requests and to unparsable requests. */
    id: WireId.nullable().optional(),
    result: z.unknown().optional(),
    error: RpcErrorSchema.optional(),
    usIn: WireInt.optional(),
    usOut: WireInt.optional(),
    usDiff: WireInt.optional(),
    testnet: WireBool.optional(),
  })
  .refine((response) => response.error !== undefined || 'result' in response, {
    message: 'a reply carries a result or an error',
    path: ['result'],
  });
export type RpcResponse = z.output<typeof RpcResponseSchema>;

export const SubscriptionNotificationSchema = z.looseObject({
  jsonrpc: z.literal('2.0'),
  method: z.literal('subscription'),
  params: z.looseObject({ channel: z.string().min(1), data: z.unknown(), label: z.string().optional() }),
});

export const HeartbeatNotificationSchema = z.looseObject({
  jsonrpc: z.literal('2.0'),
  method: z.literal('heartbeat'),
  params: z.looseObject({ type: z.enum(['heartbeat', 'test_request']) }),
});

/** Anything the server sends without an id. */
export const NotificationSchema = z.discriminatedUnion('method', [
  SubscriptionNotificationSchema,
  HeartbeatNotificationSchema,
]);
export type Notification = z.output<typeof NotificationSchema>;

// ------------------------------------------------------------------------------------------------
// Objects
// ------------------------------------------------------------------------------------------------

/** Trigger orders (stop, take, trailing) that have not traded: Deribit sends no `filled_amount`. */
const TRIGGER_TYPES = new Set(['stop_limit', 'stop_market', 'take_limit', 'take_market', 'trailing_stop']);

/**
 * The `order` object (seed 001 lists every field; the ones an OMS relies on are required), read as
 * Deribit sends it: `price` is "market_price" on stop-market orders, `average_price` is 0 (or absent)
 * while unfilled, `label` may be absent or "", and an untriggered trigger order comes without
 * `filled_amount` (the OpenAPI does not require it): there it means nothing has filled, so it reads
 * as 0. On any other order a missing `filled_amount` is still an error naming the field.
 */
export const WireOrderSchema = z
  .object({
    order_id: WireId,
    order_state: WireOrderStateSchema,
    order_type: WireOrderTypeSchema,
    instrument_name: z.string().min(1),
    direction: WireDirectionSchema,
    amount: WireDecimal,
    filled_amount: WireDecimal.optional(),
    creation_timestamp: WireInt,
    last_update_timestamp: WireInt,
    /** A number, or "market_price" for untriggered stop-market orders. */
    price: z.union([z.literal('market_price'), WireDecimal]).optional(),
    average_price: WireDecimal.optional(),
    contracts: WireDecimal.optional(),
    label: z.string().optional(),
    time_in_force: WireTimeInForceSchema.optional(),
    post_only: WireBool.optional(),
    reject_post_only: WireBool.optional(),
    reduce_only: WireBool.optional(),
    replaced: WireBool.optional(),
    cancel_reason: z.string().optional(),
    original_order_type: z.string().optional(),
    trigger: z.string().optional(),
    trigger_price: WireDecimal.optional(),
    triggered: WireBool.optional(),
    trigger_order_id: WireId.optional(),
    is_liquidation: WireBool.optional(),
    api: WireBool.optional(),
    web: WireBool.optional(),
  })
  .transform((order, ctx) => {
    if (order.filled_amount !== undefined) return { ...order, filled_amount: order.filled_amount };
    const untriggered = order.order_state === 'untriggered' || TRIGGER_TYPES.has(order.order_type);
    if (untriggered && order.triggered !== true) return { ...order, filled_amount: parseVenueNumber('0') };
    ctx.addIssue({
      code: 'custom',
      message: 'missing required field',
      path: ['filled_amount'],
      input: order,
    });
    return z.NEVER;
  });
export type WireOrder = z.output<typeof WireOrderSchema>;

/** The minimal order of the older dialect (seeds 000/002): `{ "order_id": "39003634138222592" }`. */
export const WireOrderRefSchema = z.strictObject({ order_id: WireId });

/**
 * An order in a reply: the full object, or the id alone (older dialect). An object with more
 * than the id is read as a full order, so a full order missing a field is an error naming it.
 */
export const WireOrderOrRefSchema = z.unknown().transform((value, ctx): WireOrder | { order_id: string } => {
  const idOnly =
    typeof value === 'object' && value !== null && Object.keys(value).every((key) => key === 'order_id');
  const parsed = (idOnly ? WireOrderRefSchema : WireOrderSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
  }
  return z.NEVER;
});

export function isFullOrder(order: WireOrder | { order_id: string }): order is WireOrder {
  return 'order_state' in order;
}

/** The `user_trade` object. */
export const WireTradeSchema = z.object({
  trade_id: WireId,
  order_id: WireId,
  instrument_name: z.string().min(1),
  timestamp: WireInt,
  direction: WireDirectionSchema,
  price: WireDecimal,
  amount: WireDecimal,
  fee: WireDecimal,
  fee_currency: z.string().min(1),
  liquidity: z.enum(['M', 'T']),
  trade_seq: WireInt.optional(),
  state: z.string().optional(),
  order_type: z.string().optional(),
  label: z.string().optional(),
  reduce_only: WireBool.optional(),
  post_only: WireBool.optional(),
  contracts: WireDecimal.optional(),
  index_price: WireDecimal.optional(),
  mark_price: WireDecimal.optional(),
  /** Deribit sends `null` on some trades (spot, some closing trades). */
  profit_loss: WireDecimal.nullable().optional(),
  matching_id: z.union([z.string(), z.null()]).optional(),
  tick_direction: WireInt.optional(),
});
export type WireTrade = z.output<typeof WireTradeSchema>;

/** The `position` object. `size` is signed (negative when short), in the amount unit. */
export const WirePositionSchema = z.looseObject({
  instrument_name: z.string().min(1),
  kind: z.string(),
  direction: z.enum(['buy', 'sell', 'zero']),
  size: WireDecimal,
  average_price: WireDecimal,
  realized_profit_loss: WireDecimal.optional(),
  floating_profit_loss: WireDecimal.optional(),
  total_profit_loss: WireDecimal.optional(),
  mark_price: WireDecimal.optional(),
  index_price: WireDecimal.optional(),
  size_currency: WireDecimal.optional(),
});
export type WirePosition = z.output<typeof WirePositionSchema>;

export const WireInstrumentKindSchema = z.enum(['future', 'option', 'spot', 'future_combo', 'option_combo']);

/** The `instrument` object of `public/get_instruments`. */
export const WireInstrumentSchema = z.looseObject({
  instrument_name: z.string().min(1),
  kind: WireInstrumentKindSchema,
  base_currency: z.string().min(1),
  quote_currency: z.string().min(1),
  settlement_currency: z.string().min(1).optional(),
  counter_currency: z.string().optional(),
  /** `linear` or `reversed` (inverse); `future_type` is the deprecated name. */
  instrument_type: z.string().optional(),
  future_type: z.string().optional(),
  settlement_period: z.string().optional(),
  tick_size: WireDecimal,
  contract_size: WireDecimal,
  min_trade_amount: WireDecimal,
  expiration_timestamp: WireInt,
  creation_timestamp: WireInt.optional(),
  is_active: WireBool,
  strike: WireDecimal.optional(),
  option_type: z.enum(['call', 'put']).optional(),
  instrument_id: WireInt.optional(),
  maker_commission: WireDecimal.optional(),
  taker_commission: WireDecimal.optional(),
  max_leverage: WireInt.optional(),
});
export type WireInstrument = z.output<typeof WireInstrumentSchema>;

// ------------------------------------------------------------------------------------------------
// Replies of the methods the adapter calls
// ------------------------------------------------------------------------------------------------

export const AuthResultSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: WireInt,
  refresh_token: z.string().min(1),
  scope: z.string(),
  sid: z.string().optional(),
  state: z.string().optional(),
});
export type AuthResult = z.output<typeof AuthResultSchema>;

/** `private/buy`, `sell`, `edit`, `close_position`: `{ order, trades }` (`trades` absent in the older dialect). */
export const OrderReplySchema = z.looseObject({
  order: WireOrderOrRefSchema,
  trades: z.array(WireTradeSchema).optional(),
});

/** A list reply, read element by element afterwards (`read-each.ts`): one bad element spoils nothing. */
export const ListSchema = z.array(z.unknown());

/** `get_user_trades_by_order`: a list (some servers wrap it like the by-instrument reply). */
export const TradesByOrderSchema = z.union([
  ListSchema,
  z.looseObject({ trades: ListSchema }).transform((reply) => reply.trades),
]);

/** The one field paging needs, read even from a trade that is otherwise unreadable. */
export const TradeSeqSchema = z.looseObject({ trade_seq: WireInt.optional() });

export const TradesByInstrumentSchema = z.looseObject({
  trades: ListSchema,
  has_more: WireBool.optional(),
});
export const CountSchema = WireInt;
export const SubscribedChannelsSchema = z.array(z.string());
export const OkSchema = z.literal('ok');
/** `public/ticker`: the fields the adapter reads. */
export const TickerSchema = z.looseObject({
  instrument_name: z.string().min(1),
  mark_price: WireDecimal,
  index_price: WireDecimal.optional(),
  best_bid_price: WireDecimal.nullable().optional(),
  best_ask_price: WireDecimal.nullable().optional(),
  last_price: WireDecimal.nullable().optional(),
  /** Buys above it are clamped to it; sells below `min_price` likewise. */
  max_price: WireDecimal.optional(),
  min_price: WireDecimal.optional(),
  timestamp: WireInt.optional(),
});

export const TestResultSchema = z.looseObject({ version: z.string() });

// ------------------------------------------------------------------------------------------------
// Errors of validation
// ------------------------------------------------------------------------------------------------

/**
 * A readable account of what did not match, each issue named by its path. Given the input, a
 * field that is absent is called missing whatever the schema expected there.
 */
export function describeIssues(error: z.ZodError, input?: unknown): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      const absent =
        input !== undefined
          ? valueAt(input, issue.path) === undefined
          : /received undefined/.test(issue.message);
      return absent && issue.path.length > 0
        ? `${path}: missing required field`
        : `${path}: ${issue.message}`;
    })
    .join('; ');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
