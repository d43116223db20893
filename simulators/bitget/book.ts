import { type Decimal, min, ZERO } from '../../domain/decimal.ts';
import type { Side } from './engine-types.ts';

/** One level: price and size, as Bitget writes them (strings). */
export type BookLevel = [string, string];

/** Levels a side of the synthetic book has. */
export const BOOK_LEVELS = 100;

/**
 * The synthetic book of one contract around its mark: asks from the mark up, bids from a tick under
 * it down, one tick apart, `depth` each. A taker takes level by level, best first, no further than
 * its limit price; what it took stays taken until the mark moves or the depth is set again.
 */
export class SyntheticBook {
  readonly #consumed = new Map<string, Decimal>();
  readonly #mark: () => Decimal;
  readonly #tick: Decimal;
  #depth: Decimal;

  constructor(mark: () => Decimal, tick: Decimal, depth: Decimal) {
    this.#mark = mark;
    this.#tick = tick;
    this.#depth = depth;
  }

  get depth(): Decimal {
    return this.#depth;
  }

  setDepth(depth: Decimal): void {
    this.#depth = depth;
    this.#consumed.clear();
  }

  /** The mark moved: the book is whole again around it. */
  reset(): void {
    this.#consumed.clear();
  }

  /** Level `i` of the side a taker of `side` takes from (asks for a buy, bids for a sell). */
  price(takerSide: Side, i: number): Decimal {
    const mark = this.#mark();
    return takerSide === 'buy' ? mark.plus(this.#tick.times(i)) : mark.minus(this.#tick.times(i + 1));
  }

  available(price: Decimal): Decimal {
    const left = this.#depth.minus(this.#consumed.get(price.toString()) ?? ZERO);
    return left.gt(0) ? left : ZERO;
  }

  /** What a taker of `side` gets for `wanted`, level by level, no worse than `limit` (when given). */
  plan(takerSide: Side, wanted: Decimal, limit?: Decimal): { price: Decimal; size: Decimal }[] {
    const fills: { price: Decimal; size: Decimal }[] = [];
    let left = wanted;
    for (let i = 0; i < BOOK_LEVELS && left.gt(0); i++) {
      const price = this.price(takerSide, i);
      if (limit !== undefined && (takerSide === 'buy' ? price.gt(limit) : price.lt(limit))) break;
      const size = min(left, this.available(price));
      if (size.gt(0)) fills.push({ price, size });
      left = left.minus(size);
    }
    return fills;
  }

  consume(price: Decimal, size: Decimal): void {
    const key = price.toString();
    this.#consumed.set(key, (this.#consumed.get(key) ?? ZERO).plus(size));
  }

  /** The first `count` levels of each side that have something left. */
  levels(count: number): { asks: BookLevel[]; bids: BookLevel[] } {
    const side = (takerSide: Side) => {
      const levels: BookLevel[] = [];
      for (let i = 0; i < BOOK_LEVELS && levels.length < count; i++) {
        const price = this.price(takerSide, i);
        const size = this.available(price);
        if (size.gt(0)) levels.push([price.toString(), size.toString()]);
      }
      return levels;
    };
    return { asks: side('buy'), bids: side('sell') };
  }
}
