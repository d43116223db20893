import { type Decimal, min, ZERO } from '../../domain/decimal.ts';

/** Decimal places of the open value a partial close takes away (the cost of the closed part). */
const COST_SCALE = 10;

/**
 * The local Bitget's own position accounting, written apart from the domain's position math on
 * purpose: comparing the OMS's positions with these is a real cross-check.
 *
 * Bitget keeps one position per (symbol, holdSide): in one-way mode a symbol has at most one
 * (long or short, flipping through zero), in hedge mode a long and a short leg. A position keeps
 * its open value (Σ size × price of what is still open); `openPriceAvg` is open value / total.
 * Closing realizes (exit − average) × size, in the leg's direction, into `achievedProfits`: exactly
 * exit × size − the open value it takes away (all of it on a full close; the closed share of it,
 * to 10 decimals, on a partial one), so that the profits realized over a position's life add up
 * exactly and every amount has a bounded number of decimals (the bills add them to the balance).
 * A position closed in full disappears; the next one starts from zero.
 *
 * Fees, as Bitget's `all-position` document names them: `deductedFee`, the trading fees paid
 * during the position (positive, as a recorded reply shows: `"deductedFee":"0.32312256"`), and
 * `totalFee`, the funding accumulated during the position, absent (`""`) until the first funding
 * (signed as the bills: negative when paid).
 */

export type HoldSide = 'long' | 'short';
export type MarginMode = 'isolated' | 'crossed';

export interface SimPosition {
  posId: string;
  symbol: string;
  holdSide: HoldSide;
  marginMode: MarginMode;
  total: Decimal;
  openValue: Decimal;
  achievedProfits: Decimal;
  /** Trading fees paid on this position (positive). */
  deductedFee: Decimal;
  /** Funding accumulated on this position (negative = paid); undefined before the first funding. */
  totalFee?: Decimal;
  cTime: number;
  uTime: number;
}

export interface PositionChange {
  /** Size closed and the profit it realized. */
  closed: Decimal;
  profit: Decimal;
  /** Size opened (or added). */
  opened: Decimal;
}

export function openPriceAvg(position: SimPosition): Decimal {
  return position.total.isZero() ? ZERO : position.openValue.div(position.total);
}

export class PositionBook {
  private readonly positions = new Map<string, SimPosition>();
  private readonly newId: () => string;

  constructor(newId: () => string) {
    this.newId = newId;
  }

  private key(symbol: string, holdSide: HoldSide) {
    return `${symbol}|${holdSide}`;
  }

  get(symbol: string, holdSide: HoldSide): SimPosition | undefined {
    return this.positions.get(this.key(symbol, holdSide));
  }

  /** The open one-way position of a symbol, whichever side it is on. */
  net(symbol: string): SimPosition | undefined {
    return this.get(symbol, 'long') ?? this.get(symbol, 'short');
  }

  list(): SimPosition[] {
    return [...this.positions.values()].sort(
      (a, b) => a.symbol.localeCompare(b.symbol) || a.holdSide.localeCompare(b.holdSide),
    );
  }

  isEmpty(): boolean {
    return this.positions.size === 0;
  }

  /** Takes back positions kept across a restart. */
  restore(positions: readonly SimPosition[]): void {
    this.positions.clear();
    for (const position of positions) {
      // Kept by an older version: `totalFee` then held the trading fees, negative.
      if (position.deductedFee === undefined) {
        position.deductedFee = position.totalFee?.neg() ?? ZERO;
        position.totalFee = undefined;
      }
      this.positions.set(this.key(position.symbol, position.holdSide), position);
    }
  }

  /** A trade in one-way mode: `side` is the trade's direction; what goes against the position closes it first. */
  tradeOneWay(
    symbol: string,
    side: 'buy' | 'sell',
    size: Decimal,
    price: Decimal,
    fee: Decimal,
    marginMode: MarginMode,
    at: number,
  ): PositionChange {
    const holdSide: HoldSide = side === 'buy' ? 'long' : 'short';
    const opposite = this.get(symbol, holdSide === 'long' ? 'short' : 'long');
    if (opposite === undefined) {
      this.add(symbol, holdSide, size, price, fee, marginMode, at);
      return { closed: ZERO, profit: ZERO, opened: size };
    }
    const closing = min(size, opposite.total);
    const closeFee = closing.eq(size) ? fee : fee.times(closing).div(size);
    const profit = this.reduce(opposite, closing, price, closeFee, at);
    const rest = size.minus(closing);
    if (rest.gt(0)) this.add(symbol, holdSide, rest, price, fee.minus(closeFee), marginMode, at);
    return { closed: closing, profit, opened: rest };
  }

  /** A trade in hedge mode on one leg: open adds to it, close takes from it (never below zero). */
  tradeHedge(
    symbol: string,
    holdSide: HoldSide,
    action: 'open' | 'close',
    size: Decimal,
    price: Decimal,
    fee: Decimal,
    marginMode: MarginMode,
    at: number,
  ): PositionChange {
    if (action === 'open') {
      this.add(symbol, holdSide, size, price, fee, marginMode, at);
      return { closed: ZERO, profit: ZERO, opened: size };
    }
    const leg = this.get(symbol, holdSide);
    if (leg === undefined) return { closed: ZERO, profit: ZERO, opened: ZERO };
    const closing = min(size, leg.total);
    return { closed: closing, profit: this.reduce(leg, closing, price, fee, at), opened: ZERO };
  }

  private add(
    symbol: string,
    holdSide: HoldSide,
    size: Decimal,
    price: Decimal,
    fee: Decimal,
    marginMode: MarginMode,
    at: number,
  ) {
    const key = this.key(symbol, holdSide);
    const existing = this.positions.get(key);
    if (existing === undefined) {
      this.positions.set(key, {
        posId: this.newId(),
        symbol,
        holdSide,
        marginMode,
        total: size,
        openValue: size.times(price),
        achievedProfits: ZERO,
        deductedFee: fee,
        cTime: at,
        uTime: at,
      });
      return;
    }
    existing.total = existing.total.plus(size);
    existing.openValue = existing.openValue.plus(size.times(price));
    existing.deductedFee = existing.deductedFee.plus(fee);
    existing.uTime = at;
  }

  /** Closes `size` of a position at `price`; returns the realized profit. */
  private reduce(position: SimPosition, size: Decimal, price: Decimal, fee: Decimal, at: number): Decimal {
    const remaining = position.total.minus(size);
    // The open value the closed part takes away: all of it, or its share (average × size).
    const cost = remaining.isZero()
      ? position.openValue
      : position.openValue.times(size).div(position.total).toDecimalPlaces(COST_SCALE);
    const gain = price.times(size).minus(cost);
    const profit = position.holdSide === 'long' ? gain : gain.neg();
    position.openValue = remaining.isZero() ? ZERO : position.openValue.minus(cost);
    position.total = remaining;
    position.achievedProfits = position.achievedProfits.plus(profit);
    position.deductedFee = position.deductedFee.plus(fee);
    position.uTime = at;
    if (remaining.isZero()) this.positions.delete(this.key(position.symbol, position.holdSide));
    return profit;
  }
}
