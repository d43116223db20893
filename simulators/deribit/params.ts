import { z } from 'zod';
import { parseVenueNumber } from '../../domain/decimal.ts';

/**
 * The parameters of the methods the local Deribit serves, as the simulator reads Deribit's
 * documents: the OpenAPI file (deribit-openapi.json, its parameter list in
 * deribit-openapi-params.md), the seeds and the protocol digest (exchange-protocols.md, A2-A8).
 * This is the simulator's own reading: it shares nothing with the client adapter, so a
 * misreading on either side shows up as a disagreement in the tests.
 *
 * What arrives: named params of a JSON-RPC request (numbers kept as their text by
 * `readWireRequest`) or an HTTP query string (everything text). So numbers are read from text and
 * booleans from `true` / `"true"`. Parameters Deribit does not know are ignored, as Deribit does:
 * the schemas keep only the documented ones. Documented parameters the simulation has no use for
 * are still checked for their type, so a client that sends nonsense hears about it.
 */

// ------------------------------------------------------------------------------------------------
// Value types (OpenAPI: number, integer, boolean, and the shared enumerations)
// ------------------------------------------------------------------------------------------------

/** An OpenAPI `number`: exact (a Decimal), never a float. */
export const NumberParam = z
  .string('expected a number')
  .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'expected a number')
  .transform((text) => parseVenueNumber(text));

/** An OpenAPI `integer` (timestamps in ms, sequence numbers, counts). */
export const IntegerParam = z
  .string('expected an integer')
  .regex(/^-?\d+$/, 'expected an integer')
  .transform((text) => Number(text))
  .refine((value) => Number.isSafeInteger(value), 'integer out of range');

/** An OpenAPI `boolean`: a JSON boolean, or its text in a query string. */
export const BooleanParam = z
  .union([z.boolean(), z.literal('true'), z.literal('false')], 'expected true or false')
  .transform((value) => value === true || value === 'true');

const InstrumentName = z.string().min(1);
/** `label`: "user defined label for the order (maximum 64 characters)". */
const OrderLabel = z.string().max(64, 'at most 64 characters');
const OrderId = z.string().min(1);

export const CurrencyParam = z.enum(['BTC', 'ETH', 'USDC', 'USDT', 'EURR']);
export const CurrencyOrAnyParam = z.enum([...CurrencyParam.options, 'any']);
export const KindParam = z.enum(['future', 'option', 'spot', 'future_combo', 'option_combo']);
/** `kind_without_spot`: positions have no spot kind (spot settles at once). */
const PositionKind = z.enum(['future', 'option', 'future_combo', 'option_combo']);
const Sorting = z.enum(['asc', 'desc', 'default']);
const Trigger = z.enum(['index_price', 'mark_price', 'last_price']);
const Advanced = z.enum(['usd', 'implv']);
/** `order_type2` of the open-order queries. */
export const OpenOrderTypeParam = z.enum([
  'all',
  'limit',
  'trigger_all',
  'stop_all',
  'stop_limit',
  'stop_market',
  'take_all',
  'take_limit',
  'take_market',
  'trailing_all',
  'trailing_stop',
]);
/** `simple_order_type` of cancel_all_by_instrument. */
const CancelOrderType = z.enum(['all', 'limit', 'trigger_all', 'stop', 'take', 'trailing_stop']);
/** A page size: the documents bound `count` to 1..1000. */
const Count = IntegerParam.refine((n) => n >= 1 && n <= 1000, 'must be between 1 and 1000');

// ------------------------------------------------------------------------------------------------
// Authentication (A2): each grant type requires its own fields
// ------------------------------------------------------------------------------------------------

const grantCommon = { state: z.string().optional(), scope: z.string().optional() };

export const AuthParams = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
    ...grantCommon,
  }),
  z.object({
    grant_type: z.literal('client_signature'),
    client_id: z.string().min(1),
    timestamp: IntegerParam,
    signature: z.string().min(1),
    /** "Optional for grant type client_signature" (OpenAPI); signed as the empty text when absent. */
    nonce: z.string().optional(),
    data: z.string().optional(),
    ...grantCommon,
  }),
  z.object({
    grant_type: z.literal('refresh_token'),
    refresh_token: z.string().min(1),
    ...grantCommon,
  }),
]);
export type AuthRequest = z.output<typeof AuthParams>;

// ------------------------------------------------------------------------------------------------
// Order entry (A3) and the methods that change orders (A4)
// ------------------------------------------------------------------------------------------------

/** `private/buy` and `private/sell` share one parameter set; the method gives the direction. */
export const OrderEntryParams = z.object({
  instrument_name: InstrumentName,
  /** One of `amount` and `contracts` is required: checked against the instrument when placing. */
  amount: NumberParam.optional(),
  contracts: NumberParam.optional(),
  type: z
    .enum([
      'limit',
      'stop_limit',
      'take_limit',
      'market',
      'stop_market',
      'take_market',
      'market_limit',
      'trailing_stop',
    ])
    .default('limit'),
  label: OrderLabel.optional(),
  price: NumberParam.optional(),
  time_in_force: z
    .enum(['good_til_cancelled', 'good_til_day', 'fill_or_kill', 'immediate_or_cancel'])
    .default('good_til_cancelled'),
  display_amount: NumberParam.optional(),
  // The OpenAPI file says post_only defaults to true; orders recorded from the venue placed without
  // the flag come back post_only false (digest A3, Part D). The simulator follows the recordings.
  post_only: BooleanParam.default(false),
  reject_post_only: BooleanParam.default(false),
  reduce_only: BooleanParam.default(false),
  trigger_price: NumberParam.optional(),
  trigger_offset: NumberParam.optional(),
  trigger: Trigger.optional(),
  advanced: Advanced.optional(),
  mmp: BooleanParam.default(false),
  valid_until: IntegerParam.optional(),
  linked_order_type: z
    .enum(['one_triggers_other', 'one_cancels_other', 'one_triggers_one_cancels_other'])
    .optional(),
  trigger_fill_condition: z.enum(['first_hit', 'complete_fill', 'incremental']).optional(),
  otoco_config: z.array(z.unknown()).optional(),
});
export type OrderEntry = z.output<typeof OrderEntryParams>;

export const ClosePositionParams = z.object({
  instrument_name: InstrumentName,
  type: z.enum(['limit', 'market']),
  price: NumberParam.optional(),
});
export type ClosePosition = z.output<typeof ClosePositionParams>;

/**
 * What an edit may change. No defaults: a flag left out keeps the order's (the OpenAPI file's
 * defaults describe a new order, and an edit that silently turned post_only on would move prices).
 */
const editable = {
  amount: NumberParam.optional(),
  contracts: NumberParam.optional(),
  price: NumberParam.optional(),
  post_only: BooleanParam.optional(),
  reduce_only: BooleanParam.optional(),
  reject_post_only: BooleanParam.optional(),
  advanced: Advanced.optional(),
  trigger_price: NumberParam.optional(),
  trigger_offset: NumberParam.optional(),
  mmp: BooleanParam.optional(),
  valid_until: IntegerParam.optional(),
  display_amount: NumberParam.optional(),
};

export const EditParams = z.object({ order_id: OrderId, ...editable });
export type Edit = z.output<typeof EditParams>;

/**
 * `private/edit_by_label`. The OpenAPI file lists `label` as optional, yet the method finds the
 * order by it ("works only if exactly one open order carries the label", A4): required here.
 */
export const EditByLabelParams = z.object({
  label: OrderLabel,
  instrument_name: InstrumentName,
  ...editable,
});

export const OrderIdParams = z.object({ order_id: OrderId });

export const CancelAllParams = z.object({
  detailed: BooleanParam.optional(),
  freeze_quotes: BooleanParam.optional(),
});

export const CancelAllByInstrumentParams = z.object({
  instrument_name: InstrumentName,
  type: CancelOrderType.default('all'),
  detailed: BooleanParam.optional(),
  include_combos: BooleanParam.optional(),
  freeze_quotes: BooleanParam.optional(),
});

export const CancelByLabelParams = z.object({ label: OrderLabel, currency: CurrencyParam.optional() });

// ------------------------------------------------------------------------------------------------
// Queries (A4-A6)
// ------------------------------------------------------------------------------------------------

export const OrderStateByLabelParams = z.object({ currency: CurrencyParam, label: OrderLabel.optional() });

export const OpenOrdersParams = z.object({
  kind: KindParam.optional(),
  type: OpenOrderTypeParam.default('all'),
});

export const OpenOrdersByInstrumentParams = z.object({
  instrument_name: InstrumentName,
  type: OpenOrderTypeParam.default('all'),
});

export const OrderHistoryByInstrumentParams = z.object({
  instrument_name: InstrumentName,
  count: Count.default(20),
  offset: IntegerParam.default(0),
  include_old: BooleanParam.optional(),
  include_unfilled: BooleanParam.optional(),
  with_continuation: BooleanParam.optional(),
  continuation: z.string().optional(),
  historical: BooleanParam.optional(),
});

export const TradesByOrderParams = z.object({
  order_id: OrderId,
  sorting: Sorting.default('default'),
  historical: BooleanParam.optional(),
  subaccount_id: IntegerParam.optional(),
});

export const TradesByInstrumentParams = z.object({
  instrument_name: InstrumentName,
  start_seq: IntegerParam.optional(),
  end_seq: IntegerParam.optional(),
  count: Count.default(10),
  start_timestamp: IntegerParam.optional(),
  end_timestamp: IntegerParam.optional(),
  /** The recent store holds a day of trades; `true` reads the older archive instead (A4 notes). */
  historical: BooleanParam.default(false),
  sorting: Sorting.default('default'),
  subaccount_id: IntegerParam.optional(),
});
export type TradesByInstrument = z.output<typeof TradesByInstrumentParams>;

export const PositionParams = z.object({ instrument_name: InstrumentName });

export const PositionsParams = z.object({
  currency: CurrencyOrAnyParam.optional(),
  kind: PositionKind.optional(),
  subaccount_id: IntegerParam.optional(),
});

/**
 * `public/get_instruments`. The OpenAPI file marks `currency` required; Deribit (and ccxt, which
 * calls it without) lists every currency when it is left out: `any`.
 */
export const InstrumentsParams = z.object({
  currency: CurrencyOrAnyParam.default('any'),
  kind: KindParam.optional(),
  expired: BooleanParam.default(false),
});

export const InstrumentParams = z.object({ instrument_name: InstrumentName });

// ------------------------------------------------------------------------------------------------
// Session and subscriptions (A7, A8)
// ------------------------------------------------------------------------------------------------

export const SetHeartbeatParams = z.object({ interval: NumberParam });

export const TestParams = z.object({ expected_result: z.literal('exception').optional() });

export const SubscribeParams = z.object({
  channels: z.array(z.string()).min(1, 'at least one channel'),
  /** Stamped on private notifications (A7: up to 16 characters). */
  label: z.string().max(16, 'at most 16 characters').optional(),
});

export const UnsubscribeParams = z.object({ channels: z.array(z.string()) });

export const CancelOnDisconnectParams = z.object({
  scope: z.enum(['connection', 'account']).default('connection'),
});

/** `private/logout`: the token is invalidated unless asked otherwise (A2). */
export const LogoutParams = z.object({ invalidate_token: BooleanParam.default(true) });
