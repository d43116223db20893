import type { Logger } from 'pino';
import { toJson } from '../../domain/json.ts';
import {
  CASH_MOVEMENT_RECORDED,
  type CashMovementData,
  CashMovementDataSchema,
  cashStreamId,
} from '../../domain/ledger/contract.ts';
import type { EventMetadata } from '../../domain/metadata.ts';
import { deterministicId } from '../orders/ids.ts';
import type { EventStore, EventToAppend, JsonValue } from '../ports/event-store.ts';
import { StreamNotFoundError } from '../ports/event-store-errors.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';
import {
  afterWindow,
  type CashCursor,
  type CashIngestionSettings,
  cursorAfter,
  nextWindow,
} from './cash-ingestion-step.ts';

/**
 * The ledger ingester: reads every venue account's cash log (`VenueAdapter.cashMovements`) and
 * records each movement once, in the stream of its account and currency (`cashStreamId`), as a
 * `VenueCashMovementRecorded` event whose id derives from the venue's entry id. It runs at start-up,
 * on an interval and on demand (`ingestNow`), one run at a time; the step function
 * (`cash-ingestion-step.ts`) decides what to read and record, this class does the I/O. A failure
 * leaves the stream as it was: the next run starts again from its newest movement.
 */

export const DEFAULT_CASH_INGESTION: CashIngestionSettings = {
  lagMs: 5_000,
  maxWindowMs: 7 * 86_400_000,
  initialLookbackMs: 30 * 86_400_000,
};

/** Movements read back from a stream's end to find where the ingestion stands. */
const TAIL = 100;

export interface CashIngesterOptions<P> {
  store: EventStore<P>;
  registry: Pick<VenueRegistry, 'entries'>;
  logger: Logger;
  now: () => number;
  settings?: Partial<CashIngestionSettings>;
  /** How often it runs besides start-up and on demand (default 60 s; 0: never by itself). */
  intervalMs?: number;
  /** Told the position of each append (read-your-writes: the read models wait for it). */
  onAppended?: (position: P) => void;
}

export interface CashIngestionResult {
  venue: string;
  account: string;
  currency: string;
  recorded: number;
  error?: string;
}

export class CashIngester<P> {
  readonly #o: CashIngesterOptions<P>;
  readonly #settings: CashIngestionSettings;
  #running: Promise<CashIngestionResult[]> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: CashIngesterOptions<P>) {
    this.#o = options;
    this.#settings = { ...DEFAULT_CASH_INGESTION, ...options.settings };
  }

  /** A run now, then one every interval. */
  start(): void {
    void this.ingestNow();
    const every = this.#o.intervalMs ?? 60_000;
    if (every > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => void this.ingestNow(), every);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Ingests every account and currency now (joins the run under way, if any). */
  ingestNow(): Promise<CashIngestionResult[]> {
    this.#running ??= this.#runAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runAll(): Promise<CashIngestionResult[]> {
    const results: CashIngestionResult[] = [];
    for (const entry of this.#o.registry.entries()) {
      const { adapter } = entry;
      if (adapter.cashMovements === undefined || adapter.cashCurrencies === undefined) continue;
      const currencies = await adapter.cashCurrencies().catch((error: unknown) => {
        results.push({
          venue: adapter.venue,
          account: adapter.account,
          currency: '*',
          recorded: 0,
          error: String(error),
        });
        return [] as string[];
      });
      for (const currency of currencies) results.push(await this.#runOne(entry, currency));
    }
    return results;
  }

  async #runOne(entry: VenueEntry, currency: string): Promise<CashIngestionResult> {
    const { venue, account } = entry.adapter;
    const result: CashIngestionResult = { venue, account, currency, recorded: 0 };
    try {
      result.recorded = await this.#ingest(entry, currency);
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      this.#o.logger.warn(
        { venue: entry.key, currency, problem: result.error },
        'cash ingestion: run failed',
      );
    }
    return result;
  }

  async #ingest(entry: VenueEntry, currency: string): Promise<number> {
    const { adapter } = entry;
    const read = adapter.cashMovements;
    if (read === undefined) return 0;
    const streamId = cashStreamId(adapter.venue, adapter.account, currency);
    const tail = await this.#tail(streamId);
    let revision: bigint | 'no_stream' = tail.revision;
    // One run reads up to the time it started (a run never chases the clock).
    const runNow = this.#o.now();
    let cursor: CashCursor = cursorAfter(tail.movements, runNow, this.#settings);
    let recorded = 0;
    for (let window = nextWindow(cursor, runNow, this.#settings); window !== undefined; ) {
      const listed = await read.call(adapter, { currency, ...window });
      const step = afterWindow(cursor, window, listed);
      if (step.record.length > 0) {
        const events = step.record.map((movement) => this.#eventOf(movement));
        const appended = await this.#o.store.append(streamId, events, { expectedRevision: revision });
        revision = appended.nextExpectedRevision;
        this.#o.onAppended?.(appended.position);
        recorded += events.length;
      }
      cursor = step.cursor;
      window = nextWindow(cursor, runNow, this.#settings);
    }
    if (recorded > 0)
      this.#o.logger.info({ venue: entry.key, currency, recorded }, 'cash movements recorded');
    return recorded;
  }

  /** The stream's newest movements (oldest first) and its revision. */
  async #tail(streamId: string): Promise<{ movements: CashMovementData[]; revision: bigint | 'no_stream' }> {
    try {
      const events = await this.#o.store.readStream(streamId, {
        direction: 'backwards',
        fromRevision: 'end',
        maxCount: TAIL,
      });
      const movements = events.map((e) => CashMovementDataSchema.parse(e.data)).reverse();
      return { movements, revision: events[0]?.revision ?? 'no_stream' };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { movements: [], revision: 'no_stream' };
      throw error;
    }
  }

  #eventOf(movement: CashMovementData): EventToAppend {
    return cashMovementEvent(movement, new Date(this.#o.now()).toISOString());
  }
}

/** The event of a venue cash movement: its id derives from the venue's entry id (recorded once). */
export function cashMovementEvent(movement: CashMovementData, recordedAt: string): EventToAppend {
  const id = deterministicId('cash', movement.venue, movement.account, movement.venueEntryId);
  const metadata: EventMetadata = {
    schemaVersion: 1,
    commandId: id,
    correlationId: id,
    causationId: id,
    recordedAt,
    venueTime: movement.at,
    source: 'venue',
  };
  return {
    id,
    type: CASH_MOVEMENT_RECORDED,
    data: toJson(movement),
    metadata: metadata as unknown as JsonValue,
  };
}
