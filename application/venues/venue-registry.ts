import type { Logger } from 'pino';
import { BehaviorSubject, type Observable, Subject, type Subscription } from 'rxjs';
import type { Instrument, Venue } from '../../domain/instrument.ts';
import type { VenueAdapter, VenueConnectionState } from '../ports/venue.ts';

export type PauseReason = 'connecting' | 'disconnected' | 'reconciling' | 'unresponsive' | 'closed';

/** What an operator sees of a venue: connected or not, trading or paused, and why. */
export interface VenueStatus {
  venue: Venue;
  account: string;
  connection: VenueConnectionState;
  trading: boolean;
  pausedReason: PauseReason | undefined;
  /** Requests in a row whose outcome was unknown (timeouts, transport errors, 5xx). */
  consecutiveFailures: number;
  lastReconciliation: { at: string; differences: number } | undefined;
}

export interface VenueEntry {
  readonly key: string;
  readonly adapter: VenueAdapter;
}

export interface VenueRegistryOptions {
  adapters: readonly VenueAdapter[];
  logger: Logger;
  now: () => number;
  /** Lists a venue's instruments (the service's shared, cached listing); the probe prices the first. */
  instruments?: (entry: VenueEntry) => Promise<readonly Instrument[]>;
  /** Unknown outcomes in a row before the venue is paused (no new orders go to it). */
  failureThreshold?: number;
  /** How often a paused-for-unresponsiveness venue is probed (mark price request), with backoff. */
  probeIntervalMs?: number;
}

export const venueKey = (venue: string, account: string): string => `${venue}/${account}`;

/** How long a venue account refuses new orders after our rate limiter held one back. */
const BUSY_MS = 1_000;

/**
 * The venues the service trades on, with their trading status. A venue is paused (no new order
 * is sent to it) while it is not connected, while it is being reconciled, and after repeated
 * unknown outcomes until a probe answers again.
 */
export class VenueRegistry {
  readonly #entries = new Map<string, VenueEntry & { status: VenueStatus; probe?: NodeJS.Timeout }>();
  readonly #statuses = new BehaviorSubject<readonly VenueStatus[]>([]);
  readonly #resumed = new Subject<VenueEntry>();
  readonly #subscriptions: Subscription[] = [];
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #threshold: number;
  readonly #probeIntervalMs: number;
  readonly #instrumentsOf: (entry: VenueEntry) => Promise<readonly Instrument[]>;
  /** Until when each venue account refuses new orders: our own rate limiter is full (back-pressure). */
  readonly #busyUntil = new Map<string, number>();

  constructor(options: VenueRegistryOptions) {
    this.#logger = options.logger;
    this.#now = options.now;
    this.#threshold = options.failureThreshold ?? 3;
    this.#probeIntervalMs = options.probeIntervalMs ?? 2_000;
    this.#instrumentsOf = options.instruments ?? ((entry) => entry.adapter.instruments());
    for (const adapter of options.adapters) {
      const key = venueKey(adapter.venue, adapter.account);
      this.#entries.set(key, {
        key,
        adapter,
        status: {
          venue: adapter.venue,
          account: adapter.account,
          connection: { status: 'connecting', since: new Date(this.#now()).toISOString(), reconnects: 0 },
          trading: false,
          pausedReason: 'connecting',
          consecutiveFailures: 0,
          lastReconciliation: undefined,
        },
      });
    }
    this.#publish();
  }

  get(venue: string, account: string): VenueEntry | undefined {
    return this.#entries.get(venueKey(venue, account));
  }

  entries(): VenueEntry[] {
    return [...this.#entries.values()];
  }

  statuses(): readonly VenueStatus[] {
    return this.#statuses.value;
  }

  get statuses$(): Observable<readonly VenueStatus[]> {
    return this.#statuses.asObservable();
  }

  /** Emits a venue each time it goes back to trading: parked work can proceed. */
  get resumed$(): Observable<VenueEntry> {
    return this.#resumed.asObservable();
  }

  status(entry: VenueEntry): VenueStatus {
    return this.#entry(entry).status;
  }

  isTrading(entry: VenueEntry): boolean {
    return this.#entry(entry).status.trading;
  }

  /** Follows the adapter's connection; `onConnected` runs reconciliation before trading resumes. */
  watchConnection(entry: VenueEntry, onConnected: (state: VenueConnectionState) => void): void {
    const e = this.#entry(entry);
    this.#subscriptions.push(
      e.adapter.state$.subscribe((connection) => {
        e.status = { ...e.status, connection };
        if (connection.status === 'connected') {
          this.#update(e, { pausedReason: 'reconciling' });
          onConnected(connection);
        } else {
          this.#update(e, { pausedReason: connection.status === 'closed' ? 'closed' : 'disconnected' });
        }
      }),
    );
  }

  reconciled(entry: VenueEntry, differences: number): void {
    const e = this.#entry(entry);
    e.status = { ...e.status, lastReconciliation: { at: new Date(this.#now()).toISOString(), differences } };
    if (e.status.pausedReason === 'reconciling' && e.status.connection.status === 'connected') {
      this.#update(e, { pausedReason: undefined, consecutiveFailures: 0 });
    } else {
      this.#publish();
    }
  }

  /**
   * Our own rate limiter held a request back for this venue account: new orders are refused for a
   * second (429, back-pressure) while the work already recorded drains. The venue is not paused.
   */
  throttled(entry: VenueEntry): void {
    this.#busyUntil.set(entry.key, this.#now() + BUSY_MS);
  }

  /** Whether new orders to this venue account wait for our rate limiter to drain. */
  isBusy(entry: VenueEntry): boolean {
    return (this.#busyUntil.get(entry.key) ?? 0) > this.#now();
  }

  /** Counts request outcomes: unknown ones in a row pause the venue until a probe answers. */
  observe(entry: VenueEntry, outcome: 'answered' | 'unknown'): void {
    const e = this.#entry(entry);
    if (outcome === 'answered') {
      if (e.status.consecutiveFailures !== 0) this.#update(e, { consecutiveFailures: 0 });
      return;
    }
    const failures = e.status.consecutiveFailures + 1;
    if (failures >= this.#threshold && e.status.pausedReason === undefined) {
      this.#logger.warn({ venue: e.key, failures }, 'venue stopped answering: paused, probing');
      this.#update(e, { consecutiveFailures: failures, pausedReason: 'unresponsive' });
      this.#probe(e, this.#probeIntervalMs);
    } else {
      this.#update(e, { consecutiveFailures: failures });
    }
  }

  close(): void {
    for (const s of this.#subscriptions) s.unsubscribe();
    for (const e of this.#entries.values()) if (e.probe) clearTimeout(e.probe);
    this.#statuses.complete();
    this.#resumed.complete();
  }

  #probe(e: VenueEntry & { status: VenueStatus; probe?: NodeJS.Timeout }, delayMs: number): void {
    e.probe = setTimeout(async () => {
      e.probe = undefined;
      if (e.status.pausedReason !== 'unresponsive') return;
      const instrument = (await this.#instrumentsOf(e).catch(() => []))[0];
      const answered =
        instrument !== undefined &&
        (await e.adapter.markPrice(instrument).then(
          () => true,
          () => false,
        ));
      if (answered) {
        this.#logger.info({ venue: e.key }, 'venue answers again: trading resumes');
        this.#update(e, { pausedReason: undefined, consecutiveFailures: 0 });
      } else {
        this.#probe(e, Math.min(delayMs * 2, 30_000));
      }
    }, delayMs);
    e.probe.unref();
  }

  #entry(entry: VenueEntry) {
    const e = this.#entries.get(entry.key);
    if (!e) throw new Error(`unknown venue ${entry.key}`);
    return e;
  }

  #update(e: VenueEntry & { status: VenueStatus }, change: Partial<VenueStatus>): void {
    const wasTrading = e.status.trading;
    const next = { ...e.status, ...change };
    next.trading = next.pausedReason === undefined;
    e.status = next;
    this.#publish();
    if (!wasTrading && next.trading) this.#resumed.next(e);
  }

  #publish(): void {
    this.#statuses.next([...this.#entries.values()].map((e) => e.status));
  }
}
