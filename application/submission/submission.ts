import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { ORDER_STREAM_PREFIX } from '../../domain/order/contract.ts';
import type { OrderHandler } from '../orders/order-handler.ts';
import type { EventStore } from '../ports/event-store.ts';
import { backoffDelay } from '../support/backoff.ts';
import { KeyedSerialQueue } from '../support/keyed-serial-queue.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';
import { noAttempts } from './protocol.ts';
import { SubmissionSteps, type Tracked } from './steps.ts';

export interface SubmissionOptions<P> {
  store: EventStore<P>;
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  logger: Logger;
  now: () => number;
  /** When this process started: sends of earlier processes all happened before it. */
  startedAt: number;
  /** Deribit `valid_until` = send time + this window. */
  submitWindowMs?: number;
  /** Allowance for the clock difference with the venue when trusting `valid_until`. */
  clockSkewMs?: number;
  /** An order not at the venue this long after it was requested is expired, not sent late. */
  maxSubmitDelayMs?: number;
  /** First retry delay of a resolution or a retryable request; doubles up to `maxRetryDelayMs`, jittered. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  random?: () => number;
  /** Send closes with the venue's own close method (Deribit private/close_position). Default: no. */
  useVenueClosePosition?: boolean;
  /** Orders with a request pending as the read models have them, for the sweep. */
  pendingOrders?: () => Promise<readonly string[]>;
  /**
   * How often the sweep runs (default 15 s): it schedules every pending order with no step
   * running, queued or waiting for its backoff, and reports steps running longer than this.
   */
  sweepIntervalMs?: number;
}

const WORK_EVENTS = ['OrderRequested', 'OrderCancelRequested', 'OrderAmendRequested', 'OrderOutcomeUnknown'];

/**
 * How long the store's subscription, woken by an append, waits before reading. The requests this
 * process records itself are worked on at once (`markFresh`, `runNow`); the subscription is the
 * net for the rest (another process's, a cancel-all's), for which 20 ms is no delay that matters,
 * and reading once per 20 ms instead of once per append spares the database a read per request.
 */
const SUBSCRIPTION_COALESCE_MS = 20;

/**
 * Sends what clients asked for to the venues, and records what the venues answered: the scheduler
 * of the submission protocol (protocol.ts decides each step; this carries it out).
 *
 * It is fed by the event store: every order with a request pending (placement, cancel, amend, or
 * an unknown outcome) is worked on, one step at a time per order. Nothing goes to a paused venue
 * (its work is parked until it trades again), and no pending order is left without a step: a
 * periodic sweep of the read models schedules any that has none running, queued or waiting for
 * its backoff (and says so: it should not happen), and reports steps that run too long.
 */
export class SubmissionProcessor<P> {
  readonly #o: Required<Omit<SubmissionOptions<P>, 'random' | 'pendingOrders'>> &
    Pick<SubmissionOptions<P>, 'pendingOrders'> & { random: () => number };
  readonly #queue = new KeyedSerialQueue();
  readonly #tracked = new Map<string, Tracked>();
  readonly #steps: SubmissionSteps<P>;
  /** Orders recorded by this process and never sent: no lookup is needed before the first send. */
  readonly #fresh = new Set<string>();
  readonly #parked = new Map<string, Set<string>>();
  readonly #subscriptions: Subscription[] = [];
  /** The step running for an order, since when (ms). */
  readonly #running = new Map<string, number>();
  /** Orders the sweep found without a step. */
  readonly #swept = new Set<string>();
  #sweeper: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SubmissionOptions<P>) {
    this.#o = {
      submitWindowMs: 10_000,
      clockSkewMs: 2_000,
      maxSubmitDelayMs: 60_000,
      retryDelayMs: 250,
      maxRetryDelayMs: 15_000,
      random: Math.random,
      useVenueClosePosition: false,
      sweepIntervalMs: 15_000,
      ...options,
    };
    const { startedAt, submitWindowMs, clockSkewMs, maxSubmitDelayMs, useVenueClosePosition } = this.#o;
    this.#steps = new SubmissionSteps({
      handler: options.handler,
      registry: options.registry,
      logger: options.logger,
      now: options.now,
      settings: { startedAt, submitWindowMs, clockSkewMs, maxSubmitDelayMs, useVenueClosePosition },
      host: {
        fresh: this.#fresh,
        tracked: (orderId) => this.#trackedOf(orderId),
        schedule: (orderId, delayMs) => this.schedule(orderId, delayMs),
        retryLater: (orderId) => this.#retryLater(orderId),
        park: (entry, orderId) => this.#park(entry, orderId),
        forget: (orderId) => this.#forget(orderId),
      },
    });
  }

  /** Starts following the store after `after` (exclusive) and works on `pending` orders first. */
  start(after: P | undefined, pending: readonly string[] = []): void {
    for (const orderId of pending) this.schedule(orderId);
    this.#subscriptions.push(
      this.#o.store
        .subscribeToAll({
          ...(after !== undefined && { after }),
          filter: { streamPrefixes: [ORDER_STREAM_PREFIX], eventTypes: WORK_EVENTS },
          coalesceMs: SUBSCRIPTION_COALESCE_MS,
        })
        .subscribe({
          next: (message) => {
            if (message.kind === 'event')
              this.schedule(message.event.streamId.slice(ORDER_STREAM_PREFIX.length));
          },
          error: (error: unknown) => this.#o.logger.error({ err: error }, 'submission subscription ended'),
        }),
      this.#o.registry.resumed$.subscribe((entry) => {
        const parked = this.#parked.get(entry.key);
        this.#parked.delete(entry.key);
        for (const orderId of parked ?? []) this.schedule(orderId);
      }),
    );
    if (this.#o.pendingOrders) {
      this.#sweeper = setInterval(() => void this.#sweep(), this.#o.sweepIntervalMs);
      this.#sweeper.unref();
    }
  }

  /** Schedules pending orders that have no step; reports steps that have run too long. */
  async #sweep(): Promise<void> {
    const now = this.#o.now();
    for (const [orderId, since] of this.#running) {
      if (now - since > this.#o.sweepIntervalMs)
        this.#o.logger.warn({ orderId, runningMs: now - since }, 'submission step still running');
    }
    let pending: readonly string[];
    try {
      pending = await this.#o.pendingOrders!();
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'sweep: pending orders not readable; next time');
      return;
    }
    const parked = new Set([...this.#parked.values()].flatMap((orders) => [...orders]));
    for (const orderId of pending) {
      if (this.#stopped) return;
      if (this.#queue.has(orderId) || this.#tracked.get(orderId)?.timer || parked.has(orderId)) continue;
      this.#swept.add(orderId);
      this.schedule(orderId);
    }
  }

  /** An order this process is about to record: it may be sent without looking it up first. */
  markFresh(orderId: string): void {
    this.#fresh.add(orderId);
  }

  /**
   * Works on the order now (rather than when the store's subscription delivers its event) and
   * resolves when that step is done, or after `timeoutMs`, whichever comes first.
   */
  async runNow(orderId: string, timeoutMs: number): Promise<void> {
    if (this.#stopped) return;
    const step = this.#queue
      .run(orderId, () => this.#step(orderId))
      .catch((error: unknown) => {
        this.#o.logger.error({ err: error, orderId }, 'submission step failed; retrying');
        this.#retryLater(orderId);
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([step, timeout]);
    clearTimeout(timer);
  }

  schedule(orderId: string, delayMs = 0): void {
    if (this.#stopped) return;
    const t = this.#trackedOf(orderId);
    const wait = Math.max(delayMs, t.attempts.notBefore - this.#o.now());
    if (wait > 0) {
      if (t.timer) return;
      t.timer = setTimeout(() => {
        t.timer = undefined;
        this.schedule(orderId);
      }, wait);
      t.timer.unref();
      return;
    }
    void this.#queue
      .run(orderId, () => this.#step(orderId))
      .catch((error: unknown) => {
        this.#o.logger.error({ err: error, orderId }, 'submission step failed; retrying');
        this.#retryLater(orderId);
      });
  }

  /** Orders waiting for a paused venue. */
  parkedCount(): number {
    return [...this.#parked.values()].reduce((n, s) => n + s.size, 0);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    for (const s of this.#subscriptions) s.unsubscribe();
    for (const t of this.#tracked.values()) if (t.timer) clearTimeout(t.timer);
  }

  async #step(orderId: string): Promise<void> {
    this.#running.set(orderId, this.#o.now());
    try {
      if (this.#stopped) return;
      await this.#steps.work(orderId, this.#swept.delete(orderId));
    } finally {
      this.#running.delete(orderId);
    }
  }

  #park(entry: VenueEntry, orderId: string): void {
    const parked = this.#parked.get(entry.key) ?? new Set<string>();
    parked.add(orderId);
    this.#parked.set(entry.key, parked);
  }

  #retryLater(orderId: string): void {
    const t = this.#trackedOf(orderId);
    const backoff = { initialDelayMs: this.#o.retryDelayMs, maxDelayMs: this.#o.maxRetryDelayMs };
    const delay = Math.round(backoffDelay(backoff, t.attempts.retries + 1, this.#o.random));
    t.attempts = { ...t.attempts, retries: t.attempts.retries + 1, notBefore: this.#o.now() + delay };
    this.schedule(orderId, delay);
  }

  #trackedOf(orderId: string): Tracked {
    let t = this.#tracked.get(orderId);
    if (!t) {
      t = { attempts: noAttempts, timer: undefined };
      this.#tracked.set(orderId, t);
    }
    return t;
  }

  #forget(orderId: string): void {
    const t = this.#tracked.get(orderId);
    if (t?.timer) clearTimeout(t.timer);
    this.#tracked.delete(orderId);
    this.#fresh.delete(orderId);
  }
}
