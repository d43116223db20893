import { type Decimal, min, ZERO } from '../../domain/decimal.ts';

/**
 * The matching kernel both local venues share: a synthetic order book around a moving mark, under
 * each venue's own rules, accounting and wire format (which stay in `deribit/` and `bitget/`).
 *
 * Each side has `levels` price levels one tick apart, `levelDepth` deep each; the best ask is
 * `askTicks` ticks above the mark (rounded up onto the tick grid), the best bid `bidTicks` below it
 * (rounded down, never under one tick). A taker takes level by level, best first, no further than its
 * limit; what it took stays taken until the mark moves or the book is set again. Resting orders of
 * the venue's clients are not in these levels: they trade as makers when the mark moves through them
 * (`byPriceTime` orders them).
 */

export type TakerSide = 'buy' | 'sell';

export interface LiquiditySettings {
  /** Size at each level, in the instrument's amount unit. */
  levelDepth: Decimal;
  /** Levels on each side. */
  levels: number;
  /** Distance of the best ask above the mark, in ticks. */
  askTicks: number;
  /** Distance of the best bid below the mark, in ticks. */
  bidTicks: number;
}

/** One fill a taker gets from the book: a level's price and the size taken there. */
export interface LevelFill {
  price: Decimal;
  size: Decimal;
}

export class SyntheticBook {
  readonly #consumed = new Map<string, Decimal>();
  readonly #mark: () => Decimal;
  readonly #tick: Decimal;
  #settings: LiquiditySettings;

  constructor(mark: () => Decimal, tick: Decimal, settings: LiquiditySettings) {
    this.#mark = mark;
    this.#tick = tick;
    this.#settings = settings;
  }

  get settings(): LiquiditySettings {
    return this.#settings;
  }

  /** New settings: the book is whole again under them. */
  configure(settings: Partial<LiquiditySettings>): void {
    this.#settings = { ...this.#settings, ...settings };
    this.#consumed.clear();
  }

  /** The mark moved: the book is whole again around it. */
  reset(): void {
    this.#consumed.clear();
  }

  /** Price of level `level` on the side a taker of `side` takes from (asks for a buy, bids for a sell). */
  levelPrice(side: TakerSide, level: number): Decimal {
    const tick = this.#tick;
    const mark = this.#mark();
    if (side === 'buy')
      return mark
        .plus(tick.times(this.#settings.askTicks + level))
        .div(tick)
        .ceil()
        .times(tick);
    const bid = mark
      .minus(tick.times(this.#settings.bidTicks + level))
      .div(tick)
      .floor()
      .times(tick);
    return bid.gt(0) ? bid : tick;
  }

  /** Best bid and ask. */
  best(): { bid: Decimal; ask: Decimal } {
    return { bid: this.levelPrice('sell', 0), ask: this.levelPrice('buy', 0) };
  }

  /** The farthest level a taker of `side` can reach. */
  farthest(side: TakerSide): Decimal {
    return this.levelPrice(side, this.#settings.levels - 1);
  }

  available(price: Decimal): Decimal {
    const left = this.#settings.levelDepth.minus(this.#consumed.get(price.toString()) ?? ZERO);
    return left.gt(0) ? left : ZERO;
  }

  /** What a taker of `side` would get for `wanted`, level by level, no worse than `limit` (when given). */
  plan(side: TakerSide, wanted: Decimal, limit?: Decimal): LevelFill[] {
    const fills: LevelFill[] = [];
    let left = wanted;
    for (let level = 0; level < this.#settings.levels && left.gt(0); level++) {
      const price = this.levelPrice(side, level);
      if (limit !== undefined && worseThan(side, price, limit)) break;
      const size = min(left, this.available(price));
      if (size.gt(0)) fills.push({ price, size });
      left = left.minus(size);
    }
    return fills;
  }

  /** Everything a taker of `side` could take now within `limit` (what fill-or-kill asks). */
  takeable(side: TakerSide, limit?: Decimal): Decimal {
    let total = ZERO;
    for (let level = 0; level < this.#settings.levels; level++) {
      const price = this.levelPrice(side, level);
      if (limit !== undefined && worseThan(side, price, limit)) break;
      total = total.plus(this.available(price));
    }
    return total;
  }

  consume(price: Decimal, size: Decimal): void {
    const key = price.toString();
    this.#consumed.set(key, (this.#consumed.get(key) ?? ZERO).plus(size));
  }

  /** Whether a limit order of `side` at `price` reaches the opposite best level. */
  crosses(side: TakerSide, price: Decimal): boolean {
    return side === 'buy' ? price.gte(this.levelPrice('buy', 0)) : price.lte(this.levelPrice('sell', 0));
  }

  /** The first `count` levels of each side that have something left, best first. */
  levels(count: number): { asks: LevelFill[]; bids: LevelFill[] } {
    const side = (taker: TakerSide) => {
      const found: LevelFill[] = [];
      for (let level = 0; level < this.#settings.levels && found.length < count; level++) {
        const price = this.levelPrice(taker, level);
        const size = this.available(price);
        if (size.gt(0)) found.push({ price, size });
      }
      return found;
    };
    return { asks: side('buy'), bids: side('sell') };
  }
}

/** True when `price` is worse than `limit` for a taker of `side`. */
export function worseThan(side: TakerSide, price: Decimal, limit: Decimal): boolean {
  return side === 'buy' ? price.gt(limit) : price.lt(limit);
}

/** A resting order as the kernel ranks it: its side, limit price and arrival number. */
export interface Resting {
  side: TakerSide;
  price: Decimal;
  arrival: number;
}

/**
 * Price-time priority among resting orders of one side: the best price first (highest bid, lowest
 * ask), then the oldest.
 */
export function byPriceTime<T>(rank: (order: T) => Resting): (a: T, b: T) => number {
  return (a, b) => {
    const x = rank(a);
    const y = rank(b);
    const better = x.side === 'buy' ? y.price.comparedTo(x.price) : x.price.comparedTo(y.price);
    return better !== 0 ? better : x.arrival - y.arrival;
  };
}

/**
 * The resting orders a market at `at` crosses (a buy at or above the ask, a sell at or below the bid),
 * by side, each in price-time priority.
 */
export function crossedAt<T>(
  orders: readonly T[],
  rank: (order: T) => Resting,
  at: { bid: Decimal; ask: Decimal },
): { buys: T[]; sells: T[] } {
  const crossing = (side: TakerSide) =>
    orders
      .filter((order) => {
        const r = rank(order);
        return r.side === side && (side === 'buy' ? r.price.gte(at.ask) : r.price.lte(at.bid));
      })
      .sort(byPriceTime(rank));
  return { buys: crossing('buy'), sells: crossing('sell') };
}
