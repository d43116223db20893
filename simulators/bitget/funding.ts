import { Decimal, ZERO } from '../../domain/decimal.ts';

/**
 * Funding of the local Bitget's perpetuals, from Bitget's description of it: every 8 hours (00:00,
 * 08:00 and 16:00 UTC) at `premium + clamp(interest − premium, ±0.05%)`, with an interest rate of
 * 0.01% per period and the premium the mark's over the index, the result capped at ±0.3% (the
 * `minFundingRate` / `maxFundingRate` Bitget lists). With the index at the mark the rate is the
 * interest, 0.01%, as it usually is on Bitget.
 */

export const FUNDING_PERIOD_MS = 8 * 3_600_000;
export const MAX_FUNDING_RATE = new Decimal('0.003');
const INTEREST = new Decimal('0.0001');
const CLAMP = new Decimal('0.0005');
const KEEP_MS = 90 * 24 * 3_600_000;

const clamp = (value: Decimal, limit: Decimal) => Decimal.min(limit, Decimal.max(limit.neg(), value));

/** The funding rate of a period for a mark over an index. */
export function fundingRate(mark: Decimal, index: Decimal): Decimal {
  const premium = index.isZero() ? ZERO : mark.minus(index).div(index);
  return clamp(premium.plus(clamp(INTEREST.minus(premium), CLAMP)), MAX_FUNDING_RATE);
}

/** The next funding time after `now` (ms). */
export function nextFundingTime(now: number): number {
  return Math.floor(now / FUNDING_PERIOD_MS) * FUNDING_PERIOD_MS + FUNDING_PERIOD_MS;
}

/** Index prices (as set, else the mark) and, per symbol, the rates in force over time. */
export class FundingRates {
  readonly #indices = new Map<string, Decimal>();
  readonly #changes = new Map<string, { at: number; rate: Decimal }[]>();
  readonly #now: () => number;
  readonly #mark: (symbol: string) => Decimal;

  constructor(now: () => number, mark: (symbol: string) => Decimal) {
    this.#now = now;
    this.#mark = mark;
  }

  index(symbol: string): Decimal {
    return this.#indices.get(symbol) ?? this.#mark(symbol);
  }

  rateNow(symbol: string): Decimal {
    return fundingRate(this.#mark(symbol), this.index(symbol));
  }

  /** Call before the mark or the index of `symbol` changes (keeps the rate in force until then)... */
  before(symbol: string): void {
    if (!this.#changes.has(symbol))
      this.#changes.set(symbol, [{ at: this.#now(), rate: this.rateNow(symbol) }]);
  }

  /** ...and after. */
  moved(symbol: string): void {
    const changes = this.#changes.get(symbol) ?? [];
    const now = this.#now();
    changes.push({ at: now, rate: this.rateNow(symbol) });
    while (changes.length > 2 && changes[1]!.at < now - KEEP_MS) changes.shift();
    this.#changes.set(symbol, changes);
  }

  setIndex(symbol: string, price: Decimal): void {
    this.before(symbol);
    this.#indices.set(symbol, price);
    this.moved(symbol);
  }

  /** The rate in force at `at`. */
  rateAt(symbol: string, at: number): Decimal {
    let rate = this.#changes.get(symbol)?.[0]?.rate ?? this.rateNow(symbol);
    for (const change of this.#changes.get(symbol) ?? []) {
      if (change.at > at) break;
      rate = change.rate;
    }
    return rate;
  }

  /** `history-fund-rate`: the settled periods, newest first (`page` from 1), `pageSize` a page. */
  history(symbol: string, pageSize: number, page: number): { fundingRate: Decimal; fundingTime: number }[] {
    const last = nextFundingTime(this.#now()) - FUNDING_PERIOD_MS;
    const entries: { fundingRate: Decimal; fundingTime: number }[] = [];
    for (let i = (page - 1) * pageSize; i < page * pageSize; i++) {
      const fundingTime = last - i * FUNDING_PERIOD_MS;
      entries.push({ fundingRate: this.rateAt(symbol, fundingTime), fundingTime });
    }
    return entries;
  }
}
