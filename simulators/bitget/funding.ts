import { Decimal, ZERO } from '../../domain/decimal.ts';

/**
 * Funding of the local Bitget's perpetuals, from Bitget's description of it: at each funding time
 * (every 8 hours, 00:00, 08:00 and 16:00 UTC, unless a contract lists another `fundInterval`) at
 * `premium + clamp(interest − premium, ±0.05%)`, with an interest rate of 0.01% per period and the
 * premium the mark's over the index, the result capped at ±0.3% (the `minFundingRate` /
 * `maxFundingRate` Bitget lists) and written with 6 decimals, as Bitget publishes its rates
 * (recorded replies: `-0.000014`, `0.00001`). With the index at the mark the rate is the interest,
 * 0.01%, as it usually is on Bitget. What each funding time charges is `funding-settlement.ts`'s.
 */

export const FUNDING_PERIOD_MS = 8 * 3_600_000;
export const MAX_FUNDING_RATE = new Decimal('0.003');
const INTEREST = new Decimal('0.0001');
const CLAMP = new Decimal('0.0005');
const RATE_DECIMALS = 6;
/** Rates and settled periods are kept this long (Bitget serves 90 days of bills). */
export const KEEP_MS = 90 * 24 * 3_600_000;

const clamp = (value: Decimal, limit: Decimal) => Decimal.min(limit, Decimal.max(limit.neg(), value));

/** The funding rate of a period for a mark over an index. */
export function fundingRate(mark: Decimal, index: Decimal): Decimal {
  const premium = index.isZero() ? ZERO : mark.minus(index).div(index);
  return clamp(premium.plus(clamp(INTEREST.minus(premium), CLAMP)), MAX_FUNDING_RATE).toDecimalPlaces(
    RATE_DECIMALS,
  );
}

/** The next funding time after `now` (ms) for funding every `periodMs` from 00:00 UTC. */
export function nextFundingTime(now: number, periodMs = FUNDING_PERIOD_MS): number {
  return Math.floor(now / periodMs) * periodMs + periodMs;
}

/** A settled period: the rate charged at a funding time. */
export interface SettledRate {
  symbol: string;
  fundingTime: number;
  rate: Decimal;
}

/** Index prices (as set, else the mark), per symbol the rates in force over time, and the settled periods. */
export class FundingRates {
  readonly #indices = new Map<string, Decimal>();
  readonly #changes = new Map<string, { at: number; rate: Decimal }[]>();
  readonly #settled = new Map<string, Map<number, Decimal>>();
  readonly #now: () => number;
  readonly #mark: (symbol: string) => Decimal;
  readonly #interval: (symbol: string) => number;

  constructor(
    now: () => number,
    mark: (symbol: string) => Decimal,
    intervalMs: (symbol: string) => number = () => FUNDING_PERIOD_MS,
  ) {
    this.#now = now;
    this.#mark = mark;
    this.#interval = intervalMs;
  }

  index(symbol: string): Decimal {
    return this.#indices.get(symbol) ?? this.#mark(symbol);
  }

  /** Index prices set (the others follow the mark). */
  indices(): [string, Decimal][] {
    return [...this.#indices];
  }

  /** Takes back an index price kept across a restart. */
  restoreIndex(symbol: string, price: Decimal): void {
    this.#indices.set(symbol, price);
  }

  rateNow(symbol: string): Decimal {
    return fundingRate(this.#mark(symbol), this.index(symbol));
  }

  /** Milliseconds between the symbol's funding times. */
  intervalMs(symbol: string): number {
    return this.#interval(symbol);
  }

  /** The symbol's next funding time. */
  nextTime(symbol: string): number {
    return nextFundingTime(this.#now(), this.#interval(symbol));
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

  /** Records the rate a funding time charged (also how settled periods come back after a restart). */
  recordSettled(symbol: string, fundingTime: number, rate: Decimal): void {
    const settled = this.#settled.get(symbol) ?? new Map<number, Decimal>();
    settled.set(fundingTime, rate);
    for (const time of settled.keys()) if (time < fundingTime - KEEP_MS) settled.delete(time);
    this.#settled.set(symbol, settled);
  }

  /** Whether the funding time was settled (and its rate recorded). */
  wasSettled(symbol: string, fundingTime: number): boolean {
    return this.#settled.get(symbol)?.has(fundingTime) ?? false;
  }

  /** Every settled period kept. */
  settledRates(): SettledRate[] {
    return [...this.#settled].flatMap(([symbol, settled]) =>
      [...settled].map(([fundingTime, rate]) => ({ symbol, fundingTime, rate })),
    );
  }

  /**
   * `history-fund-rate`: the past funding times, newest first (`page` from 1), `pageSize` a page:
   * the rate each one charged, or, before the venue started, the rate in force at that time.
   */
  history(symbol: string, pageSize: number, page: number): { fundingRate: Decimal; fundingTime: number }[] {
    const interval = this.#interval(symbol);
    const last = nextFundingTime(this.#now(), interval) - interval;
    const settled = this.#settled.get(symbol);
    const entries: { fundingRate: Decimal; fundingTime: number }[] = [];
    for (let i = (page - 1) * pageSize; i < page * pageSize; i++) {
      const fundingTime = last - i * interval;
      entries.push({
        fundingRate: settled?.get(fundingTime) ?? this.rateAt(symbol, fundingTime),
        fundingTime,
      });
    }
    return entries;
  }
}
