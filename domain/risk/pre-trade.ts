import { z } from 'zod';
import { type Decimal, DecimalSchema, PositiveDecimalSchema, parseDecimal } from '../decimal.ts';
import { notionalOf } from '../instrument.ts';
import type { OrderParams } from '../order/contract.ts';
import { checkReduceOnly, type Position } from '../position/position.ts';

/**
 * Pre-trade checks: limits a desk sets so that a mistyped or runaway order never reaches a venue.
 * Pure: the service passes in the limits, the mark price and the position.
 */
export const PreTradeLimitsSchema = z
  .object({
    /** Instruments that may be traded, as `venue:symbol`; empty = every instrument of the venues. */
    allowlist: z.array(z.string().regex(/^(deribit|bitget):\S+$/)).default([]),
    /** Largest amount per order, per `venue:symbol` (in the instrument's amount unit). */
    maxAmount: z.record(z.string(), PositiveDecimalSchema).default({}),
    /**
     * Largest notional per order in the quote currency (USD, USDC, USDT), for any instrument. Safe
     * by default: an absurd order is refused by the OMS, not by the venue.
     */
    maxNotional: PositiveDecimalSchema.default(parseDecimal('10000000')),
    /** A limit price may be at most this fraction away from the mark (0.05 = 5%). */
    priceBand: DecimalSchema.refine((d) => d.gt(0) && d.lt(1), 'between 0 and 1 exclusive').optional(),
  })
  .strict();
export type PreTradeLimits = z.output<typeof PreTradeLimitsSchema>;

export const PRE_TRADE_CODES = [
  'KILL_SWITCH_ENGAGED',
  'INSTRUMENT_NOT_ALLOWED',
  'AMOUNT_ABOVE_LIMIT',
  'NOTIONAL_ABOVE_LIMIT',
  'PRICE_OUTSIDE_BAND',
  'MARK_PRICE_UNAVAILABLE',
  'REDUCE_ONLY_WOULD_INCREASE',
] as const;
export type PreTradeCode = (typeof PRE_TRADE_CODES)[number];

export interface PreTradeViolation {
  code: PreTradeCode;
  message: string;
  field?: string;
}

/**
 * The venue's own price limits for a limit order right now (Deribit's ticker `max_price` and
 * `min_price`; Bitget's price limit ratios around the mark). A price beyond them the venue would
 * refuse or clamp (and then the OMS would record a price the venue does not hold).
 */
export interface VenuePriceLimits {
  maxBuyPrice?: Decimal;
  minSellPrice?: Decimal;
}

export interface PreTradeContext {
  killSwitchEngaged: boolean;
  /** The venue's price limits, when the service could get them (the venue enforces them anyway). */
  venuePrices?: VenuePriceLimits;
  /** The venue's mark price, when the service could get it. */
  markPrice: Decimal | undefined;
  /** The position (net, or the leg a hedge-mode close acts on) the order would reduce. */
  position: Position | undefined;
  /**
   * The order exists and is being amended: every limit applies to its new terms, but not the
   * reduce-only check (made when it was placed; the venue keeps a resting order reduce-only).
   */
  amending?: boolean;
}

/** The first limit the order breaks, or undefined. */
export function checkPreTrade(
  order: OrderParams,
  limits: PreTradeLimits,
  context: PreTradeContext,
): PreTradeViolation | undefined {
  const { instrument } = order;
  const key = `${instrument.venue}:${instrument.symbol}`;
  if (
    context.killSwitchEngaged &&
    order.intent === 'order' &&
    !order.reduceOnly &&
    order.tradeSide !== 'close'
  ) {
    return {
      code: 'KILL_SWITCH_ENGAGED',
      message: 'the kill switch is engaged: only reducing orders are accepted',
    };
  }
  if (limits.allowlist.length > 0 && !limits.allowlist.includes(key)) {
    return {
      code: 'INSTRUMENT_NOT_ALLOWED',
      message: `${key} is not on the instrument allowlist`,
      field: 'symbol',
    };
  }
  const maxAmount = limits.maxAmount[key];
  if (maxAmount !== undefined && order.amount.gt(maxAmount)) {
    return {
      code: 'AMOUNT_ABOVE_LIMIT',
      message: `amount ${order.amount} is above the limit ${maxAmount} for ${key}`,
      field: 'amount',
    };
  }
  const venueLimit = checkVenueLimits(key, order, context.venuePrices);
  if (venueLimit !== undefined) return venueLimit;
  const price = order.price ?? context.markPrice;
  if (limits.maxNotional !== undefined) {
    if (price === undefined) {
      return { code: 'MARK_PRICE_UNAVAILABLE', message: `no mark price for ${key} to check the notional` };
    }
    const notional = notionalOf(instrument, order.amount, price);
    if (notional.gt(limits.maxNotional)) {
      return {
        code: 'NOTIONAL_ABOVE_LIMIT',
        message: `notional ${notional} ${instrument.quoteCurrency} is above the limit ${limits.maxNotional}`,
        field: 'amount',
      };
    }
  }
  if (limits.priceBand !== undefined && order.price !== undefined) {
    const band = checkPriceBand(key, order.price, context.markPrice, limits.priceBand);
    if (band !== undefined) return band;
  }
  const reducing = order.reduceOnly || order.tradeSide === 'close' || order.intent === 'close_position';
  if (reducing && !context.amending) {
    const violation = checkReduceOnly(context.position, order.side, order.amount);
    if (violation !== undefined)
      return { code: 'REDUCE_ONLY_WOULD_INCREASE', message: violation.message, field: 'reduceOnly' };
  }
  return undefined;
}

/** The instrument's own largest order and the venue's price limits: absurd orders stop here. */
function checkVenueLimits(
  key: string,
  order: OrderParams,
  prices: VenuePriceLimits | undefined,
): PreTradeViolation | undefined {
  const { instrument } = order;
  const largest = order.type === 'market' ? instrument.maxMarketAmount : instrument.maxAmount;
  if (largest !== undefined && order.amount.gt(largest)) {
    return {
      code: 'AMOUNT_ABOVE_LIMIT',
      message: `amount ${order.amount} is above ${key}'s largest ${order.type} order, ${largest}`,
      field: 'amount',
    };
  }
  if (order.price === undefined || prices === undefined) return undefined;
  if (order.side === 'buy' && prices.maxBuyPrice !== undefined && order.price.gt(prices.maxBuyPrice)) {
    return {
      code: 'PRICE_OUTSIDE_BAND',
      message: `buy price ${order.price} is above ${key}'s highest buy price now, ${prices.maxBuyPrice}`,
      field: 'price',
    };
  }
  if (order.side === 'sell' && prices.minSellPrice !== undefined && order.price.lt(prices.minSellPrice)) {
    return {
      code: 'PRICE_OUTSIDE_BAND',
      message: `sell price ${order.price} is below ${key}'s lowest sell price now, ${prices.minSellPrice}`,
      field: 'price',
    };
  }
  return undefined;
}

/** A limit price at most `band` (a fraction) away from the mark; no mark, no guess. */
export function checkPriceBand(
  key: string,
  price: Decimal,
  markPrice: Decimal | undefined,
  band: Decimal,
): PreTradeViolation | undefined {
  if (markPrice === undefined) {
    return { code: 'MARK_PRICE_UNAVAILABLE', message: `no mark price for ${key} to check the price band` };
  }
  if (price.minus(markPrice).abs().gt(markPrice.times(band))) {
    return {
      code: 'PRICE_OUTSIDE_BAND',
      message: `price ${price} is more than ${band.times(100)}% away from the mark ${markPrice}`,
      field: 'price',
    };
  }
  return undefined;
}
