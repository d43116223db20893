import type { Decimal } from '../../domain/decimal.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { ReferencePrices } from '../ports/venue.ts';
import type { VenueEntry } from './venue-registry.ts';

/** The venue could not tell its instruments (it did not answer, or rate-limited the request). */
export class InstrumentsUnavailableError extends Error {
  readonly code = 'INSTRUMENTS_UNAVAILABLE';
  constructor(venue: string, options?: { cause?: unknown }) {
    super(`${venue} did not list its instruments`, options);
    this.name = 'InstrumentsUnavailableError';
  }
}

interface Table {
  bySymbol: Map<string, Instrument>;
  loadedAt: number;
}

/**
 * Instruments and mark prices per venue account, shared by every part of the service, so that a
 * (re)start asks the venue for its instruments once, not once per component: Deribit allows
 * `public/get_instruments` about once a second and answers 10028 beyond.
 * - Concurrent callers share one load; a failed load is retried with backoff (a read, safe to
 *   repeat); an unknown symbol reloads the table at most once per `refreshFloorMs`.
 * - Mark prices are kept for `markTtlMs` so that a burst of orders does not double the venue load.
 */
export class MarketData {
  readonly #tables = new Map<string, Table>();
  readonly #loading = new Map<string, Promise<Table>>();
  readonly #marks = new Map<string, { prices: ReferencePrices; at: number }>();
  readonly #now: () => number;
  readonly #markTtlMs: number;
  readonly #refreshFloorMs: number;
  readonly #attempts: number;
  readonly #retryDelayMs: number;

  constructor(options: {
    now: () => number;
    markTtlMs?: number;
    refreshFloorMs?: number;
    attempts?: number;
    retryDelayMs?: number;
  }) {
    this.#now = options.now;
    this.#markTtlMs = options.markTtlMs ?? 1_000;
    this.#refreshFloorMs = options.refreshFloorMs ?? 60_000;
    this.#attempts = options.attempts ?? 4;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
  }

  /** The instrument, or undefined when the venue does not list it; throws InstrumentsUnavailableError. */
  async instrument(entry: VenueEntry, symbol: string): Promise<Instrument | undefined> {
    let table = this.#tables.get(entry.key);
    if (!table || (!table.bySymbol.has(symbol) && this.#now() - table.loadedAt >= this.#refreshFloorMs)) {
      table = await this.#load(entry);
    }
    return table.bySymbol.get(symbol);
  }

  async instruments(entry: VenueEntry): Promise<Instrument[]> {
    const table = this.#tables.get(entry.key) ?? (await this.#load(entry));
    return [...table.bySymbol.values()];
  }

  /** The mark price, at most `markTtlMs` old; undefined when the venue does not answer. */
  async markPrice(entry: VenueEntry, instrument: Instrument): Promise<Decimal | undefined> {
    return (await this.referencePrices(entry, instrument))?.mark;
  }

  /** The mark and the venue's price limits, at most `markTtlMs` old; undefined when it does not answer. */
  async referencePrices(entry: VenueEntry, instrument: Instrument): Promise<ReferencePrices | undefined> {
    const key = `${entry.key}/${instrument.symbol}`;
    const cached = this.#marks.get(key);
    if (cached && this.#now() - cached.at < this.#markTtlMs) return cached.prices;
    try {
      const prices = await entry.adapter.referencePrices(instrument);
      this.#marks.set(key, { prices, at: this.#now() });
      return prices;
    } catch {
      return undefined;
    }
  }

  #load(entry: VenueEntry): Promise<Table> {
    const inFlight = this.#loading.get(entry.key);
    if (inFlight) return inFlight;
    const loading = (async () => {
      let lastError: unknown;
      for (let attempt = 0; attempt < this.#attempts; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs * 2 ** (attempt - 1)));
        try {
          const list = await entry.adapter.instruments();
          const table = { bySymbol: new Map(list.map((i) => [i.symbol, i])), loadedAt: this.#now() };
          this.#tables.set(entry.key, table);
          return table;
        } catch (error) {
          lastError = error;
        }
      }
      throw new InstrumentsUnavailableError(entry.key, { cause: lastError });
    })();
    this.#loading.set(entry.key, loading);
    void loading.then(
      () => this.#loading.delete(entry.key),
      () => this.#loading.delete(entry.key),
    );
    return loading;
  }
}
