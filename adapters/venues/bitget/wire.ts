import { z } from 'zod';
import { type Decimal, parseVenueNumber } from '../../../domain/decimal.ts';

/**
 * zod schemas of every message the adapter exchanges with Bitget v2 (USDT-M futures).
 *
 * Inbound (replies and pushes) are tolerant of Bitget's known inconsistencies and keep unknown
 * fields: `state` vs `status`, `clientOid` vs `clientOId`, `canceled` vs `cancelled`, `YES`/`yes`,
 * `null` vs `[]` empties, numbers as strings or JSON numbers (the JSON is parsed losslessly, so a
 * JSON number arrives as its text). Outbound (request bodies, WS ops) are strict.
 */

// ------------------------------------------------------------------------------------------------
// Scalars
// ------------------------------------------------------------------------------------------------

/** Text of a value Bitget sends as a string or a number. */
const text = z.union([z.string(), z.number()]).transform(String);

/** A required venue number, exact. */
export const VenueDecimal = text.transform((value, ctx): Decimal => {
  try {
    return parseVenueNumber(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
});

/** An optional venue number: absent, null or "" mean none. */
export const OptionalDecimal = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value, ctx): Decimal | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    try {
      return parseVenueNumber(String(value));
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(value)}` });
      return z.NEVER;
    }
  });

/** Milliseconds since the epoch (string or number) to ISO-8601. */
export const MsTime = text.transform((value, ctx): string => {
  if (!/^\d{1,16}$/.test(value)) {
    ctx.addIssue({ code: 'custom', message: `not a millisecond timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return new Date(Number(value)).toISOString();
});

const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === undefined || value === null || value === '' ? undefined : String(value)));

/** `YES`/`NO`, `yes`/`no`, `true`/`false`, or a boolean. */
export const YesNo = z.union([z.string(), z.boolean()]).transform((value, ctx): boolean => {
  if (typeof value === 'boolean') return value;
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false' || lower === '') return false;
  ctx.addIssue({ code: 'custom', message: `expected YES or NO, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const lower = z.string().transform((value) => value.toLowerCase());
export const BitgetSideSchema = lower.pipe(z.enum(['buy', 'sell']));
export type BitgetSide = z.output<typeof BitgetSideSchema>;

export const PosModeSchema = z.enum(['one_way_mode', 'hedge_mode']);
export type PosMode = z.infer<typeof PosModeSchema>;

/** Order statuses, normalized: Bitget spells cancelled `canceled` on orders and `cancelled` on plans. */
export type BitgetOrderStatus = 'live' | 'partially_filled' | 'filled' | 'canceled';
const STATUS_SPELLINGS: Readonly<Record<string, BitgetOrderStatus>> = {
  live: 'live',
  new: 'live',
  init: 'live',
  not_trigger: 'live',
  partially_filled: 'partially_filled',
  partial_fill: 'partially_filled',
  'partial-fill': 'partially_filled',
  filled: 'filled',
  full_fill: 'filled',
  'full-fill': 'filled',
  canceled: 'canceled',
  cancelled: 'canceled',
};

function normalizeStatus(value: string): BitgetOrderStatus | undefined {
  return STATUS_SPELLINGS[value.toLowerCase()];
}

// ------------------------------------------------------------------------------------------------
// Raw payload kept next to the parsed value
// ------------------------------------------------------------------------------------------------

export type WithRaw<T> = T & { raw: Record<string, unknown> };

/** Parses with `schema` and keeps the payload as received (numbers as text) under `raw`. */
function withRaw<T>(schema: z.ZodType<T>) {
  return z.record(z.string(), z.unknown()).transform((raw, ctx): WithRaw<T> => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return { ...parsed.data, raw };
  });
}

/** `null` or a missing list is an empty list (`entrustedList: null` when nothing is open). */
function list<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((items) => items ?? []);
}

// ------------------------------------------------------------------------------------------------
// REST envelope
// ------------------------------------------------------------------------------------------------

export const EnvelopeSchema = z.looseObject({
  code: text,
  msg: z.string().nullish(),
  requestTime: text.optional(),
  data: z.unknown().optional(),
});
export type Envelope = z.output<typeof EnvelopeSchema>;

// ------------------------------------------------------------------------------------------------
// Orders: detail (uses `state`), lists (use `status`), WS `orders` push (uses `status` and
// `accBaseVolume` for the cumulative filled size; its `baseVolume` is the last fill's).
// ------------------------------------------------------------------------------------------------

const orderFields = {
  symbol: z.string().optional(),
  instId: z.string().optional(),
  orderId: text,
  clientOid: optionalText,
  clientOId: optionalText,
  size: VenueDecimal,
  price: OptionalDecimal,
  priceAvg: OptionalDecimal,
  baseVolume: OptionalDecimal,
  accBaseVolume: OptionalDecimal,
  state: z.string().optional(),
  status: z.string().optional(),
  side: BitgetSideSchema,
  tradeSide: optionalText,
  posSide: optionalText,
  posMode: optionalText,
  orderType: lower,
  force: optionalText,
  reduceOnly: YesNo.optional(),
  cancelReason: optionalText,
  presetStopSurplusPrice: OptionalDecimal,
  presetStopLossPrice: OptionalDecimal,
  cTime: MsTime.optional(),
  uTime: MsTime.optional(),
};

export interface BitgetOrder {
  symbol: string;
  orderId: string;
  clientOid: string | undefined;
  size: Decimal;
  price: Decimal | undefined;
  priceAvg: Decimal | undefined;
  filled: Decimal | undefined;
  status: BitgetOrderStatus;
  side: BitgetSide;
  tradeSide: string | undefined;
  posSide: string | undefined;
  posMode: string | undefined;
  orderType: string;
  force: string | undefined;
  reduceOnly: boolean;
  cancelReason: string | undefined;
  presetStopSurplusPrice: Decimal | undefined;
  presetStopLossPrice: Decimal | undefined;
  cTime: string | undefined;
  uTime: string | undefined;
}

function orderSchema(source: 'rest' | 'ws') {
  return z.looseObject(orderFields).transform((order, ctx): BitgetOrder => {
    const symbol = order.symbol ?? order.instId;
    if (symbol === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'missing required field (symbol or instId)',
        path: ['symbol'],
      });
      return z.NEVER;
    }
    const statusText = order.state ?? order.status;
    if (statusText === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing required field (state or status)', path: ['state'] });
      return z.NEVER;
    }
    const status = normalizeStatus(statusText);
    if (status === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown order status ${JSON.stringify(statusText)}`,
        path: ['state'],
      });
      return z.NEVER;
    }
    return {
      symbol,
      orderId: order.orderId,
      clientOid: order.clientOid ?? order.clientOId,
      size: order.size,
      // Bitget writes "0" or "" for a market order's price and for an unfilled order's average.
      price: order.price?.isZero() ? undefined : order.price,
      priceAvg: order.priceAvg?.isZero() ? undefined : order.priceAvg,
      filled: source === 'ws' ? (order.accBaseVolume ?? order.baseVolume) : order.baseVolume,
      status,
      side: order.side,
      tradeSide: order.tradeSide,
      posSide: order.posSide,
      posMode: order.posMode,
      orderType: order.orderType,
      force: order.force,
      reduceOnly: order.reduceOnly ?? false,
      cancelReason: order.cancelReason,
      presetStopSurplusPrice: order.presetStopSurplusPrice,
      presetStopLossPrice: order.presetStopLossPrice,
      cTime: order.cTime,
      uTime: order.uTime,
    };
  });
}

export const RestOrderSchema = withRaw(orderSchema('rest'));
export const WsOrderSchema = withRaw(orderSchema('ws'));
export type ParsedOrder = z.output<typeof RestOrderSchema>;

export const OrderListSchema = z.looseObject({
  entrustedList: list(RestOrderSchema),
  endId: optionalText,
});

// ------------------------------------------------------------------------------------------------
// Fills: REST `fills` and the WS `fill` channel share a shape.
// ------------------------------------------------------------------------------------------------

const FeeDetailSchema = z.looseObject({
  feeCoin: z.string(),
  totalFee: OptionalDecimal,
  fee: OptionalDecimal,
  deduction: optionalText,
  totalDeductionFee: OptionalDecimal,
});

export interface BitgetFill {
  tradeId: string;
  orderId: string;
  symbol: string;
  side: BitgetSide;
  tradeSide: string | undefined;
  posMode: string | undefined;
  price: Decimal;
  baseVolume: Decimal;
  profit: Decimal | undefined;
  tradeScope: 'taker' | 'maker';
  /** Positive: paid (Bitget writes fees paid as negative numbers). */
  fee: Decimal | undefined;
  feeCoin: string | undefined;
  cTime: string;
}

export const FillSchema = withRaw(
  z
    .looseObject({
      tradeId: text,
      orderId: text,
      symbol: z.string().optional(),
      instId: z.string().optional(),
      side: BitgetSideSchema,
      tradeSide: optionalText,
      posMode: optionalText,
      price: VenueDecimal,
      baseVolume: VenueDecimal,
      profit: OptionalDecimal,
      tradeScope: lower,
      feeDetail: list(FeeDetailSchema),
      cTime: MsTime,
    })
    .transform((fill, ctx): BitgetFill => {
      const symbol = fill.symbol ?? fill.instId;
      if (symbol === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'missing required field (symbol or instId)',
          path: ['symbol'],
        });
        return z.NEVER;
      }
      const scope = fill.tradeScope === 't' || fill.tradeScope === 'taker' ? 'taker' : 'maker';
      if (!['t', 'm', 'taker', 'maker'].includes(fill.tradeScope)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown tradeScope ${fill.tradeScope}`,
          path: ['tradeScope'],
        });
        return z.NEVER;
      }
      const first = fill.feeDetail[0];
      const coin = first?.feeCoin;
      let fee: Decimal | undefined;
      for (const detail of fill.feeDetail) {
        if (detail.feeCoin !== coin) continue;
        const amount = detail.totalFee ?? detail.fee;
        if (amount !== undefined) fee = fee === undefined ? amount.neg() : fee.minus(amount);
      }
      return {
        tradeId: fill.tradeId,
        orderId: fill.orderId,
        symbol,
        side: fill.side,
        tradeSide: fill.tradeSide,
        posMode: fill.posMode,
        price: fill.price,
        baseVolume: fill.baseVolume,
        profit: fill.profit,
        tradeScope: scope,
        fee,
        feeCoin: coin,
        cTime: fill.cTime,
      };
    }),
);
export type ParsedFill = z.output<typeof FillSchema>;

export const FillListSchema = z.looseObject({ fillList: list(FillSchema), endId: optionalText });

// ------------------------------------------------------------------------------------------------
// Positions: REST `all-position` / `single-position` and the WS `positions` channel.
// ------------------------------------------------------------------------------------------------

export interface BitgetPosition {
  symbol: string;
  holdSide: 'long' | 'short';
  total: Decimal;
  openPriceAvg: Decimal | undefined;
  achievedProfits: Decimal | undefined;
  posMode: string | undefined;
  marginMode: string | undefined;
}

export const PositionSchema = withRaw(
  z
    .looseObject({
      symbol: z.string().optional(),
      instId: z.string().optional(),
      holdSide: lower.pipe(z.enum(['long', 'short'])),
      total: VenueDecimal,
      openPriceAvg: OptionalDecimal,
      achievedProfits: OptionalDecimal,
      posMode: optionalText,
      marginMode: optionalText,
    })
    .transform((position, ctx): BitgetPosition => {
      const symbol = position.symbol ?? position.instId;
      if (symbol === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'missing required field (symbol or instId)',
          path: ['symbol'],
        });
        return z.NEVER;
      }
      return {
        symbol,
        holdSide: position.holdSide,
        total: position.total,
        openPriceAvg: position.openPriceAvg,
        achievedProfits: position.achievedProfits,
        posMode: position.posMode,
        marginMode: position.marginMode,
      };
    }),
);
export type ParsedPosition = z.output<typeof PositionSchema>;
export const PositionListSchema = list(PositionSchema);

// ------------------------------------------------------------------------------------------------
// Contracts, account, small replies
// ------------------------------------------------------------------------------------------------

export const ContractSchema = withRaw(
  z.looseObject({
    symbol: z.string(),
    baseCoin: z.string(),
    quoteCoin: z.string(),
    minTradeNum: VenueDecimal,
    sizeMultiplier: VenueDecimal,
    pricePlace: text.pipe(z.string().regex(/^\d+$/)),
    volumePlace: text.optional(),
    priceEndStep: VenueDecimal,
    minTradeUSDT: OptionalDecimal,
    symbolType: optionalText,
    symbolStatus: optionalText,
    supportMarginCoins: z.array(z.string()).nullish(),
    makerFeeRate: OptionalDecimal,
    takerFeeRate: OptionalDecimal,
  }),
);
export type ParsedContract = z.output<typeof ContractSchema>;
export const ContractListSchema = list(ContractSchema);

export const AccountSchema = z.looseObject({
  marginCoin: z.string(),
  posMode: PosModeSchema,
  marginMode: optionalText,
  available: OptionalDecimal,
  accountEquity: OptionalDecimal,
});

/** place-order, cancel-order, modify-order: ids only (the orderId may be missing, see the seed). */
export const OrderIdsSchema = z
  .looseObject({ orderId: optionalText, clientOid: optionalText })
  .nullish()
  .transform((ids) => ({ orderId: ids?.orderId, clientOid: ids?.clientOid }));

const ResultItemSchema = z.looseObject({
  orderId: optionalText,
  clientOid: optionalText,
  errorMsg: optionalText,
  errorCode: optionalText,
});
/** batch-cancel-orders, cancel-all-orders, close-positions. */
export const BatchResultSchema = z
  .looseObject({ successList: list(ResultItemSchema), failureList: list(ResultItemSchema) })
  .nullish()
  .transform((result) => ({
    successList: result?.successList ?? [],
    failureList: result?.failureList ?? [],
  }));

/** `market/symbol-price`: a one-item list with the mark price. */
export const SymbolPriceListSchema = list(
  z.looseObject({
    symbol: z.string(),
    price: OptionalDecimal,
    markPrice: VenueDecimal,
    indexPrice: OptionalDecimal,
  }),
);

export const SetPositionModeReplySchema = z.looseObject({ posMode: PosModeSchema });
export const ServerTimeSchema = z.looseObject({ serverTime: text.pipe(z.string().regex(/^\d+$/)) });

// ------------------------------------------------------------------------------------------------
// Requests the adapter sends (strict; decimals as canonical text)
// ------------------------------------------------------------------------------------------------

const decimalText = z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal as text');
const productType = z.enum(['USDT-FUTURES', 'COIN-FUTURES', 'USDC-FUTURES']);
const marginCoin = z.string().regex(/^[A-Z0-9]{2,12}$/);
const clientOid = z.string().min(1).max(50);

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

// ------------------------------------------------------------------------------------------------
// Private WebSocket
// ------------------------------------------------------------------------------------------------

export const WsArgSchema = z.looseObject({
  instType: z.string(),
  channel: z.string(),
  instId: z.string().optional(),
});
export type WsArg = z.output<typeof WsArgSchema>;

export const WsLoginOpSchema = z
  .object({
    op: z.literal('login'),
    args: z
      .array(
        z
          .object({ apiKey: z.string(), passphrase: z.string(), timestamp: z.string(), sign: z.string() })
          .strict(),
      )
      .length(1),
  })
  .strict();
export type WsLoginOp = z.infer<typeof WsLoginOpSchema>;

export const WsSubscribeOpSchema = z
  .object({
    op: z.enum(['subscribe', 'unsubscribe']),
    args: z
      .array(z.object({ instType: z.string(), channel: z.string(), instId: z.string() }).strict())
      .min(1),
  })
  .strict();
export type WsSubscribeOp = z.infer<typeof WsSubscribeOpSchema>;

/** `{"event":"login","code":0,"msg":""}` (code a number in recorded traffic, a string in some libraries). */
export const WsEventSchema = z.looseObject({
  event: z.string(),
  code: text.optional(),
  msg: z.string().nullish(),
  arg: WsArgSchema.optional(),
});
export type WsEvent = z.output<typeof WsEventSchema>;

export const WsPushSchema = z.looseObject({
  action: z.string().optional(),
  arg: WsArgSchema,
  data: z
    .array(z.unknown())
    .nullish()
    .transform((items) => items ?? []),
  ts: text.optional(),
});
export type WsPush = z.output<typeof WsPushSchema>;

// ------------------------------------------------------------------------------------------------
// Errors: a missing or malformed field is a protocol error naming the field.
// ------------------------------------------------------------------------------------------------

export function describeIssues(error: z.ZodError, where: string): string {
  const first = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `${where}: ${first.join('; ')}${more}`;
}
