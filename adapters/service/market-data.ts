import type { Decimal } from '../../domain/decimal.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { VenueEntry } from './venue-registry.ts';

/**
 * Instruments and mark prices per venue account. Instruments are loaded from the venue and
 * refreshed when an unknown symbol is asked for; mark prices are kept for a short while so that a
 * burst of orders does not double the load on the venue.
 */
export class MarketData {
  readonly #instruments = new Map<string, Map<string, Instrument>>();
  readonly #marks = new Map<string, { price: Decimal; at: number }>();
  readonly #now: () => number;
  readonly #markTtlMs: number;

  constructor(options: { now: () => number; markTtlMs?: number }) {
    this.#now = options.now;
    this.#markTtlMs = options.markTtlMs ?? 1_000;
  }

  async instrument(entry: VenueEntry, symbol: string): Promise<Instrument | undefined> {
    let table = this.#instruments.get(entry.key);
    if (!table?.has(symbol)) {
      table = new Map((await entry.adapter.instruments()).map((i) => [i.symbol, i]));
      this.#instruments.set(entry.key, table);
    }
    return table.get(symbol);
  }

  async instruments(entry: VenueEntry): Promise<Instrument[]> {
    const table = this.#instruments.get(entry.key);
    if (table) return [...table.values()];
    const list = await entry.adapter.instruments();
    this.#instruments.set(entry.key, new Map(list.map((i) => [i.symbol, i])));
    return list;
  }

  /** The mark price, at most `markTtlMs` old; undefined when the venue does not answer. */
  async markPrice(entry: VenueEntry, instrument: Instrument): Promise<Decimal | undefined> {
    const key = `${entry.key}/${instrument.symbol}`;
    const cached = this.#marks.get(key);
    if (cached && this.#now() - cached.at < this.#markTtlMs) return cached.price;
    try {
      const price = await entry.adapter.markPrice(instrument);
      this.#marks.set(key, { price, at: this.#now() });
      return price;
    } catch {
      return undefined;
    }
  }
}
