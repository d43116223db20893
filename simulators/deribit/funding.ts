import { Decimal, ZERO } from '../../domain/decimal.ts';
import { isInverse, priceIndexOf, type SimInstrument } from './instruments.ts';

/**
 * Funding of the local Deribit's perpetuals, from Deribit's description of it: the premium of the
 * mark over the index, `(mark − index) / index`, dampened (nothing within ±0.025%) and capped
 * (±0.5%), is the 8-hour rate; it accrues continuously, so the rate over a period is the 8-hour
 * rate times the period's share of 8 hours, summed over the rates in force. The rates in force are
 * kept as a log of changes (each move of the mark or the index), a day long.
 */

const DAMPENER = new Decimal('0.00025');
const CAP = new Decimal('0.005');
const EIGHT_HOURS_MS = 8 * 3_600_000;
const KEEP_MS = 24 * 3_600_000;

/** The 8-hour funding rate of a mark over an index. */
export function funding8h(mark: Decimal, index: Decimal): Decimal {
  if (index.isZero()) return ZERO;
  const premium = mark.minus(index).div(index);
  const dampened = Decimal.max(DAMPENER, premium).plus(Decimal.min(DAMPENER.neg(), premium));
  return Decimal.min(CAP, Decimal.max(CAP.neg(), dampened));
}

/**
 * The funding a position accrues over `elapsedMs` at an 8-hour rate (Deribit: computed
 * continuously, into the session's realized PnL, no fee): −size in the coin × rate × elapsed / 8 h.
 * Inverse: the size (USD) / the index is the coin, and funding is in the coin; linear: the size
 * (coin) × the index is the value, and funding is in the quote currency. Longs pay a positive rate.
 */
export function fundingOf(
  instrument: SimInstrument,
  size: Decimal,
  index: Decimal,
  rate8h: Decimal,
  elapsedMs: number,
): Decimal {
  if (size.isZero() || rate8h.isZero() || elapsedMs <= 0 || index.isZero()) return ZERO;
  const value = isInverse(instrument) ? size.div(index) : size.times(index);
  return value.times(rate8h).times(elapsedMs).div(EIGHT_HOURS_MS).neg();
}

interface RateChange {
  readonly at: number;
  readonly rate8h: Decimal;
  readonly index: Decimal;
}

/** The rates in force over time for one perpetual. */
export class FundingLog {
  readonly #changes: RateChange[] = [];

  constructor(at: number, rate8h: Decimal, index: Decimal) {
    this.#changes.push({ at, rate8h, index });
  }

  record(at: number, rate8h: Decimal, index: Decimal): void {
    this.#changes.push({ at, rate8h, index });
    while (this.#changes.length > 2 && this.#changes[1]!.at < at - KEEP_MS) this.#changes.shift();
  }

  /** The change in force at `at` (the first one kept, before the log starts). */
  #at(at: number): RateChange {
    let found = this.#changes[0]!;
    for (const change of this.#changes) {
      if (change.at > at) break;
      found = change;
    }
    return found;
  }

  /** `public/get_funding_rate_value`: the funding accrued from `start` to `end` (ms). */
  accrued(start: number, end: number): Decimal {
    let total = ZERO;
    let from = start;
    for (const change of [...this.#changes.filter((c) => c.at > start && c.at < end), undefined]) {
      const until = change?.at ?? end;
      total = total.plus(
        this.#at(from)
          .rate8h.times(until - from)
          .div(EIGHT_HOURS_MS),
      );
      from = until;
    }
    return total;
  }

  /** `public/get_funding_rate_history`: one entry an hour, at each whole hour from `start` to `end`. */
  hourly(start: number, end: number): Record<string, unknown>[] {
    const hour = 3_600_000;
    const entries: Record<string, unknown>[] = [];
    for (let t = Math.ceil(start / hour) * hour; t <= end && entries.length < 745; t += hour) {
      const now = this.#at(t);
      entries.push({
        timestamp: t,
        index_price: now.index,
        prev_index_price: this.#at(t - hour).index,
        interest_8h: this.accrued(t - hour, t).times(8),
        interest_1h: this.accrued(t - hour, t),
      });
    }
    return entries;
  }
}

/** What the funding book reads of the venue. */
export interface FundingMarket {
  now(): number;
  instruments(): Iterable<SimInstrument>;
  mark(name: string): Decimal;
}

const isPerpetual = (i: SimInstrument) => i.kind === 'future' && i.settlementPeriod === 'perpetual';

/** Index prices (as set by a test or an operator, else the perpetual's mark) and each perpetual's funding. */
export class FundingBook {
  readonly #indices = new Map<string, Decimal>();
  readonly #logs = new Map<string, FundingLog>();
  readonly #market: FundingMarket;

  constructor(market: FundingMarket) {
    this.#market = market;
  }

  /** An index price (`btc_usd`): as set, else the mark of the first perpetual (or instrument) priced on it. */
  indexPrice(indexName: string): Decimal | undefined {
    const set = this.#indices.get(indexName);
    if (set !== undefined) return set;
    const priced = [...this.#market.instruments()].filter((i) => priceIndexOf(i) === indexName);
    const reference = priced.find(isPerpetual) ?? priced[0];
    return reference && this.#market.mark(reference.name);
  }

  indexOf(instrument: SimInstrument): Decimal {
    return this.indexPrice(priceIndexOf(instrument)) ?? this.#market.mark(instrument.name);
  }

  /** The 8-hour rate in force now (perpetuals; zero otherwise). */
  rateNow(instrument: SimInstrument): Decimal {
    return isPerpetual(instrument)
      ? funding8h(this.#market.mark(instrument.name), this.indexOf(instrument))
      : ZERO;
  }

  /** The index prices set (kept across restarts). */
  setIndices(): ReadonlyMap<string, Decimal> {
    return this.#indices;
  }

  /** Takes back index prices set before a restart. */
  restoreIndices(indices: ReadonlyMap<string, Decimal>): void {
    for (const [name, price] of indices) this.#indices.set(name, price);
  }

  /** Sets an index price; returns the perpetuals priced on it (their funding moved). */
  setIndex(indexName: string, price: Decimal): SimInstrument[] {
    const perpetuals = [...this.#market.instruments()].filter(
      (i) => priceIndexOf(i) === indexName && isPerpetual(i),
    );
    for (const instrument of perpetuals) this.log(instrument);
    this.#indices.set(indexName, price);
    for (const instrument of perpetuals) this.moved(instrument);
    return perpetuals;
  }

  /** The perpetual's log (started with the rate in force now, when first needed). */
  log(instrument: SimInstrument): FundingLog {
    if (!isPerpetual(instrument)) throw new Error(`${instrument.name} is not a perpetual`);
    let log = this.#logs.get(instrument.name);
    if (log === undefined) {
      log = new FundingLog(this.#market.now(), this.rateNow(instrument), this.indexOf(instrument));
      this.#logs.set(instrument.name, log);
    }
    return log;
  }

  /** Call before a perpetual's mark moves (keeps the rate in force until then), and `moved` after. */
  before(instrument: SimInstrument): void {
    if (isPerpetual(instrument)) this.log(instrument);
  }

  moved(instrument: SimInstrument): void {
    if (isPerpetual(instrument))
      this.log(instrument).record(this.#market.now(), this.rateNow(instrument), this.indexOf(instrument));
  }
}
