import { z } from 'zod';
import type { Decimal } from '../../../domain/decimal.ts';
import {
  type BitgetSide,
  BitgetSideSchema,
  list,
  lower,
  MsTime,
  OptionalDecimal,
  optionalText,
  symbolFields,
  symbolOf,
  text,
  VenueDecimal,
  withRaw,
  YesNo,
} from './wire-scalars.ts';

/**
 * zod schemas of what Bitget v2 (USDT-M futures) answers and pushes: orders, fills, positions,
 * contracts, the account and the small replies. The request bodies are in `wire-requests.ts`,
 * the WebSocket ops and events in `wire-ws.ts`, the scalars in `wire-scalars.ts`.
 *
 * They are tolerant of Bitget's known inconsistencies and keep unknown fields: `state` vs
 * `status`, `clientOid` vs `clientOId`, `canceled` vs `cancelled`, `YES`/`yes`, `null` vs `[]`
 * empties, numbers as strings or JSON numbers.
 */

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
  ...symbolFields,
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
    const symbol = symbolOf(order, ctx);
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

/** Lists are read element by element (`context.readEach`): one bad element spoils nothing. */
export const OrderListSchema = z.looseObject({
  entrustedList: list(z.unknown()),
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
      ...symbolFields,
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
      const symbol = symbolOf(fill, ctx);
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

export const FillListSchema = z.looseObject({ fillList: list(z.unknown()), endId: optionalText });

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
      ...symbolFields,
      holdSide: lower.pipe(z.enum(['long', 'short'])),
      total: VenueDecimal,
      openPriceAvg: OptionalDecimal,
      achievedProfits: OptionalDecimal,
      posMode: optionalText,
      marginMode: optionalText,
    })
    .transform((position, ctx): BitgetPosition => {
      const symbol = symbolOf(position, ctx);
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
export const PositionListSchema = list(z.unknown());

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
    maxOrderQty: OptionalDecimal,
    maxMarketOrderQty: OptionalDecimal,
    buyLimitPriceRatio: OptionalDecimal,
    sellLimitPriceRatio: OptionalDecimal,
  }),
);
export type ParsedContract = z.output<typeof ContractSchema>;
export const ContractListSchema = list(z.unknown());

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
