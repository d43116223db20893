import { type Decimal, min, ZERO } from '../decimal.ts';
import type { Instrument, SettlementType } from '../instrument.ts';
import type { OrderSide, PositionMode, TradeSide } from '../order/contract.ts';

/**
 * Position math, exact.
 *
 * - Netting (one-way mode): one position per account and instrument, `size` signed (+long, -short).
 * - Hedge mode (Bitget): a `long` and a `short` leg per instrument, each `size` >= 0.
 * - Average entry is quantity-weighted. For linear contracts that is Σq·p / Σq. For inverse
 *   contracts, whose amount is in USD, it is the harmonic mean Σq / Σ(q/p): the price at which the
 *   position's coin value equals the sum of its fills' coin values, which is what makes
 *   PnL = amount × (1/entry − 1/exit) add up over several fills.
 * - Realized PnL only on the reducing part of a fill; a fill larger than the position flips it:
 *   split into a closing part and an opening part, its fee prorated between them.
 * - Fees are kept per currency, apart from PnL.
 *
 * The position keeps its entry *cost* (linear: Σq·p in quote; inverse: Σq/p in coin) rather than
 * its average price, so a position closed in full realizes Σ exits − Σ entries. The only rounding
 * is at the 40th significant digit of a division: 1/price for inverse contracts, and the share of
 * the entry cost a partial close takes (the average entry is rarely a finite decimal).
 */

export type PositionSide = 'net' | 'long' | 'short';

export interface PositionKey {
  venue: Instrument['venue'];
  account: string;
  symbol: string;
  side: PositionSide;
}

export interface Position {
  key: PositionKey;
  settlement: SettlementType;
  /** The currency realized PnL is counted in (the instrument's settlement currency). */
  pnlCurrency: string;
  /** Net: signed. Hedge legs: >= 0. In the instrument's amount unit. */
  size: Decimal;
  /** Linear: Σ q·p of the open amount (quote). Inverse: Σ q/p of the open amount (coin). Always >= 0. */
  entryCost: Decimal;
  realizedPnl: Decimal;
  fees: Readonly<Record<string, Decimal>>;
  /** Venue time of the last fill applied, ISO-8601. */
  lastFillAt: string | undefined;
}

/** A fill as position math needs it. `side` is the economic direction of the trade. */
export interface PositionFill {
  side: OrderSide;
  amount: Decimal;
  price: Decimal;
  fee: Decimal;
  feeCurrency: string;
  executedAt: string;
}

export function emptyPosition(
  key: PositionKey,
  instrument: Pick<Instrument, 'settlement' | 'settlementCurrency'>,
): Position {
  return {
    key,
    settlement: instrument.settlement,
    pnlCurrency: instrument.settlementCurrency,
    size: ZERO,
    entryCost: ZERO,
    realizedPnl: ZERO,
    fees: {},
    lastFillAt: undefined,
  };
}

/**
 * Average entry price, or undefined when flat. A reporting figure, rounded to 24 significant
 * digits: PnL is computed from the entry cost, never from this, so the rounding (which hides the
 * 40th-digit residue of 1/price) costs nothing.
 */
export function averageEntry(position: Position): Decimal | undefined {
  if (position.size.isZero()) return undefined;
  const size = position.size.abs();
  const average =
    position.settlement === 'linear' ? position.entryCost.div(size) : size.div(position.entryCost);
  return average.toSignificantDigits(24);
}

/** Entry cost of `amount` at `price`: q·p (linear, quote) or q/p (inverse, coin). */
function costOf(settlement: SettlementType, amount: Decimal, price: Decimal): Decimal {
  return settlement === 'linear' ? amount.times(price) : amount.div(price);
}

/**
 * PnL of closing `amount` of a position whose entry cost for that amount is `cost`, at `price`.
 * `direction` is +1 for a long, -1 for a short.
 * Linear: direction × (q·exit − Σq·entry). Inverse: direction × (Σq/entry − q/exit).
 */
export function closingPnl(
  settlement: SettlementType,
  direction: 1 | -1,
  amount: Decimal,
  cost: Decimal,
  price: Decimal,
) {
  const exit = costOf(settlement, amount, price);
  const pnl = settlement === 'linear' ? exit.minus(cost) : cost.minus(exit);
  return direction === 1 ? pnl : pnl.neg();
}

export interface FillEffect {
  position: Position;
  /** Amount of the fill that reduced the position, and the PnL it realized. */
  closed: Decimal;
  realized: Decimal;
  /** Amount of the fill that opened or increased the position. */
  opened: Decimal;
  /** The fee split prorata between the closing and the opening part. */
  closingFee: Decimal;
  openingFee: Decimal;
}

/** The leg a hedge-mode fill belongs to: opening buys and closing sells are the long leg. */
export function hedgeLeg(side: OrderSide, tradeSide: TradeSide): 'long' | 'short' {
  return (side === 'buy') === (tradeSide === 'open') ? 'long' : 'short';
}

/** The position key a fill of an order lands on. */
export function positionSideFor(
  mode: PositionMode,
  side: OrderSide,
  tradeSide: TradeSide | undefined,
): PositionSide {
  return mode === 'hedge' && tradeSide !== undefined ? hedgeLeg(side, tradeSide) : 'net';
}

/** A fill that only opens: the size moves by `delta`, its cost joins the entry cost, its fee is an opening fee. */
function opening(
  base: Position,
  position: Position,
  delta: Decimal,
  fill: PositionFill,
): FillEffect & { excess: Decimal } {
  return {
    position: {
      ...base,
      size: position.size.plus(delta),
      entryCost: position.entryCost.plus(costOf(position.settlement, fill.amount, fill.price)),
    },
    closed: ZERO,
    realized: ZERO,
    opened: fill.amount,
    closingFee: ZERO,
    openingFee: fill.fee,
    excess: ZERO,
  };
}

/**
 * Applies a fill to a position.
 * - Net position: a buy adds +amount, a sell -amount; what goes against the position closes it
 *   first, and the rest (if any) opens the other way.
 * - Hedge leg: the fill opens when its direction matches the leg (buy on long, sell on short) and
 *   closes otherwise; a leg never flips (more than its size closed is an error from the venue,
 *   reported as `excess`).
 */
export function applyFill(position: Position, fill: PositionFill): FillEffect & { excess: Decimal } {
  const signed = fill.side === 'buy' ? fill.amount : fill.amount.neg();
  const fees = {
    ...position.fees,
    [fill.feeCurrency]: (position.fees[fill.feeCurrency] ?? ZERO).plus(fill.fee),
  };
  const base = { ...position, fees, lastFillAt: fill.executedAt };

  if (position.key.side !== 'net') {
    const opens = (position.key.side === 'long') === (fill.side === 'buy');
    if (opens) {
      return opening(base, position, fill.amount, fill);
    }
    const closed = min(fill.amount, position.size);
    const direction = position.key.side === 'long' ? 1 : -1;
    return { ...reduce(base, position, closed, fill, direction), excess: fill.amount.minus(closed) };
  }

  const direction: 1 | -1 = position.size.gt(0) ? 1 : -1;
  const sameWay = position.size.isZero() || position.size.isPositive() === signed.isPositive();
  if (sameWay) {
    return opening(base, position, signed, fill);
  }
  const closed = min(fill.amount, position.size.abs());
  const reduced = reduce(base, position, closed, fill, direction);
  const opened = fill.amount.minus(closed);
  if (opened.isZero()) return { ...reduced, excess: ZERO };
  // Flip: the rest of the fill opens a position the other way at the fill's price.
  return {
    ...reduced,
    position: {
      ...reduced.position,
      size: opened.times(fill.side === 'buy' ? 1 : -1),
      entryCost: costOf(position.settlement, opened, fill.price),
    },
    opened,
    openingFee: fill.fee.minus(reduced.closingFee),
    excess: ZERO,
  };
}

/** Closes `closed` of the position at the fill's price, realizing PnL on that part only. */
function reduce(
  base: Position,
  position: Position,
  closed: Decimal,
  fill: PositionFill,
  direction: 1 | -1,
): FillEffect {
  const size = position.size.abs();
  // The closed part's share of the entry cost; all of it when the position is closed in full.
  const cost = closed.eq(size) ? position.entryCost : position.entryCost.times(closed).div(size);
  const realized = closingPnl(position.settlement, direction, closed, cost, fill.price);
  const closingFee = closed.eq(fill.amount) ? fill.fee : fill.fee.times(closed).div(fill.amount);
  const remainingSize = size.minus(closed);
  return {
    position: {
      ...base,
      size: position.key.side === 'net' ? remainingSize.times(direction) : remainingSize,
      entryCost: remainingSize.isZero() ? ZERO : position.entryCost.minus(cost),
      realizedPnl: position.realizedPnl.plus(realized),
    },
    closed,
    realized,
    opened: ZERO,
    closingFee,
    openingFee: ZERO,
  };
}

export type ReduceOnlyViolation = { code: 'WOULD_OPEN' | 'WOULD_INCREASE' | 'WOULD_FLIP'; message: string };

/**
 * Whether a reduce-only (or close) order of `side` and `amount` could open, increase or flip the
 * position. For a hedge leg, a closing order may close at most the leg's size.
 */
export function checkReduceOnly(
  position: Position | undefined,
  side: OrderSide,
  amount: Decimal,
): ReduceOnlyViolation | undefined {
  const size = position?.size ?? ZERO;
  const what = position ? `${position.key.symbol} ${position.key.side}` : 'the instrument';
  if (size.isZero()) return { code: 'WOULD_OPEN', message: `no position in ${what} to reduce` };
  if (position && position.key.side !== 'net') {
    const closes = (position.key.side === 'long') === (side === 'sell');
    if (!closes)
      return { code: 'WOULD_INCREASE', message: `a ${side} would increase the ${position.key.side} leg` };
    if (amount.gt(size))
      return { code: 'WOULD_FLIP', message: `${amount} exceeds the ${position.key.side} leg of ${size}` };
    return undefined;
  }
  const sameWay = size.isPositive() === (side === 'buy');
  if (sameWay)
    return { code: 'WOULD_INCREASE', message: `a ${side} would increase the position of ${size} in ${what}` };
  if (amount.gt(size.abs())) {
    return { code: 'WOULD_FLIP', message: `${amount} exceeds the position of ${size.abs()} in ${what}` };
  }
  return undefined;
}

/**
 * What closing the whole open position at `mark` would realize: the unrealized PnL, in the PnL
 * currency, from the entry cost (exact, as a close would compute it).
 */
export function unrealizedPnl(
  settlement: SettlementType,
  side: PositionSide,
  size: Decimal,
  entryCost: Decimal,
  mark: Decimal,
): Decimal {
  const direction = side === 'short' || (side === 'net' && size.isNegative()) ? -1 : 1;
  return closingPnl(settlement, direction, size.abs(), entryCost, mark);
}
