import type { Logger } from 'pino';
import { toJson } from '../../domain/json.ts';
import {
  MARK_PRICE_RECORDED,
  type MarkPriceData,
  MarkPriceDataSchema,
  markStreamId,
} from '../../domain/marks/contract.ts';
import type { EventMetadata } from '../../domain/metadata.ts';
import { deterministicId } from '../orders/ids.ts';
import type { EventStore, EventToAppend, JsonValue } from '../ports/event-store.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { MarketData } from '../venues/market-data.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';
import { type MarkSchedule, type MarkSlot, slotDue, tradedSince } from './mark-schedule.ts';

/**
 * The mark recorder: records the venue's mark price of each instrument with an open position (or
 * traded since the start of the day before) as a `MarkPriceRecorded` event, in the stream of its
 * venue and instrument, at each slot of the schedule (interval ticks and each day's close; see
 * `mark-schedule.ts`, the pure step). It runs at start-up, every `checkEveryMs` and on demand
 * (`recordNow`), one run at a time, on the clock it is given (tests move it). The event id derives
 * from (venue, instrument, slot): recording a slot again writes nothing.
 */

export const DEFAULT_MARK_SCHEDULE: MarkSchedule = { intervalMs: 3_600_000, utcOffsetHours: 0 };

export interface MarkRecorderOptions<P> {
  store: EventStore<P>;
  registry: Pick<VenueRegistry, 'entries'>;
  market: Pick<MarketData, 'instrument'>;
  readModel: Pick<ServiceReadModel, 'instrumentsToMark'>;
  logger: Logger;
  now: () => number;
  schedule?: Partial<MarkSchedule>;
  /** How often it looks whether a slot is due (default: a minute, or the interval if shorter; 0: never by itself). */
  checkEveryMs?: number;
  onAppended?: (position: P) => void;
}

export interface MarkRecordingResult {
  venue: string;
  symbol: string;
  /** The slot recorded (ISO-8601), or none when nothing was due. */
  at?: string;
  mark?: string;
  /** The venue no longer lists it (an expired future): nothing to record. */
  unlisted?: true;
  error?: string;
}

export class MarkRecorder<P> {
  readonly #o: MarkRecorderOptions<P>;
  readonly #schedule: MarkSchedule;
  /** The last slot recorded per venue and instrument (by this process). */
  readonly #last = new Map<string, number>();
  #running: Promise<MarkRecordingResult[]> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MarkRecorderOptions<P>) {
    this.#o = options;
    this.#schedule = { ...DEFAULT_MARK_SCHEDULE, ...options.schedule };
  }

  get schedule(): MarkSchedule {
    return this.#schedule;
  }

  /** A run now, then a look every `checkEveryMs`. */
  start(): void {
    void this.recordNow();
    const interval = this.#schedule.intervalMs;
    const every = this.#o.checkEveryMs ?? (interval > 0 ? Math.min(interval, 60_000) : 60_000);
    if (every > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => void this.recordNow(), every);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Records the marks due now (joins the run under way, if any). */
  recordNow(): Promise<MarkRecordingResult[]> {
    this.#running ??= this.#runAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runAll(): Promise<MarkRecordingResult[]> {
    const nowMs = this.#o.now();
    const since = new Date(tradedSince(nowMs, this.#schedule)).toISOString();
    const wanted = await this.#o.readModel.instrumentsToMark(since);
    const results: MarkRecordingResult[] = [];
    for (const { venue, symbol } of wanted) {
      const key = `${venue}/${symbol}`;
      const slot = slotDue(nowMs, this.#last.get(key), this.#schedule);
      if (slot === undefined) {
        results.push({ venue, symbol });
        continue;
      }
      const entry = this.#o.registry.entries().find((e) => e.adapter.venue === venue);
      const result = await this.#recordOne(entry, venue, symbol, slot, nowMs);
      // A failed slot is tried again by the next run (if it is still the latest).
      if (result.error === undefined) this.#last.set(key, slot.atMs);
      results.push(result);
    }
    return results;
  }

  async #recordOne(
    entry: VenueEntry | undefined,
    venue: string,
    symbol: string,
    slot: MarkSlot,
    nowMs: number,
  ): Promise<MarkRecordingResult> {
    const at = new Date(slot.atMs).toISOString();
    try {
      if (entry === undefined) throw new Error(`no venue ${venue} is configured`);
      const instrument = await this.#o.market.instrument(entry, symbol);
      if (instrument === undefined) return { venue, symbol, unlisted: true };
      const mark = await entry.adapter.markPrice(instrument);
      const data = MarkPriceDataSchema.parse({
        venue,
        symbol,
        mark: mark.toString(),
        at,
        occasion: slot.occasion,
        observedAt: new Date(nowMs).toISOString(),
      });
      const appended = await this.#o.store.append(markStreamId(venue, symbol), [markEvent(data)], {
        expectedRevision: 'any',
      });
      this.#o.onAppended?.(appended.position);
      return { venue, symbol, at, mark: data.mark.toString() };
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      this.#o.logger.warn({ venue, symbol, at, problem }, 'mark recording failed');
      return { venue, symbol, at, error: problem };
    }
  }
}

/** The event of a recorded mark: its id derives from (venue, instrument, slot), so a slot is recorded once. */
export function markEvent(data: MarkPriceData): EventToAppend {
  const id = deterministicId('mark', data.venue, data.symbol, data.at);
  const metadata: EventMetadata = {
    schemaVersion: 1,
    commandId: id,
    correlationId: id,
    causationId: id,
    recordedAt: data.observedAt,
    source: 'system',
  };
  return {
    id,
    type: MARK_PRICE_RECORDED,
    data: toJson(data),
    metadata: metadata as unknown as JsonValue,
  };
}
