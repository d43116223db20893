import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { ORDER_STREAM_PREFIX } from '../../domain/order/contract.ts';
import { exists, type Order } from '../../domain/order/state.ts';
import { AWAITING_VENUE_STATUSES } from '../../domain/order/transitions.ts';
import { type ReportContext, recordReports } from '../ingestion/record.ts';
import type { LoadedOrder, OrderHandler } from '../orders/order-handler.ts';
import {
  amendResultCommands,
  cancelResultCommands,
  fillCommand,
  fillsMissing,
  type OrderCommandBody,
  placeResultCommands,
  snapshotCommands,
} from '../orders/report-commands.ts';
import type { EventStore } from '../ports/event-store.ts';
import type { VenueOrderRef, VenueOrderSnapshot } from '../ports/venue.ts';
import { KeyedSerialQueue } from '../support/keyed-serial-queue.ts';
import { type VenueEntry, type VenueRegistry, venueKey } from '../venues/venue-registry.ts';

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

interface Attempts {
  /** Sends of the placement by this process. */
  placeSends: number;
  /** Latest `valid_until` this process gave the placement (epoch ms). */
  lastValidUntil: number;
  retries: number;
  /** Earliest time the next step may run (a backoff in progress). */
  notBefore: number;
  timer: NodeJS.Timeout | undefined;
}

const WORK_EVENTS = ['OrderRequested', 'OrderCancelRequested', 'OrderAmendRequested', 'OrderOutcomeUnknown'];

/**
 * Sends what clients asked for to the venues, and records what the venues answered.
 *
 * It is fed by the event store: every order with a request pending (placement, cancel, amend, or
 * an unknown outcome) is worked on, one step at a time per order. The rules that keep an order
 * from being lost or doubled:
 * - the request is recorded before any byte is sent (the order's `OrderRequested` event);
 * - a placement this process did not itself just record is looked up by its client id before it
 *   is sent, since an earlier process may have sent it before crashing;
 * - an unknown outcome is resolved by lookup; it is sent again only when the venue proves it never
 *   had it: Bitget's clientOid is unique (a resend that finds it gets 40786 and adopts it), and a
 *   Deribit order past its `valid_until` can no longer appear;
 * - nothing goes to a paused venue; its work waits until it trades again;
 * - no pending order is left without a step: a periodic sweep of the read models schedules any
 *   that has none running, queued or waiting for its backoff (and says so: it should not happen),
 *   and reports steps that run too long.
 */
export class SubmissionProcessor<P> {
  readonly #o: Required<Omit<SubmissionOptions<P>, 'random' | 'pendingOrders'>> &
    Pick<SubmissionOptions<P>, 'pendingOrders'> & { random: () => number };
  readonly #queue = new KeyedSerialQueue();
  readonly #attempts = new Map<string, Attempts>();
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
  }

  /** Starts following the store after `after` (exclusive) and works on `pending` orders first. */
  start(after: P | undefined, pending: readonly string[] = []): void {
    for (const orderId of pending) this.schedule(orderId);
    this.#subscriptions.push(
      this.#o.store
        .subscribeToAll({
          ...(after !== undefined && { after }),
          filter: { streamPrefixes: [ORDER_STREAM_PREFIX], eventTypes: WORK_EVENTS },
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
      if (this.#queue.has(orderId) || this.#attempts.get(orderId)?.timer || parked.has(orderId)) continue;
      this.#swept.add(orderId);
      this.schedule(orderId);
    }
  }

  /** An order this process is about to record: it may be sent without looking it up first. */
  markFresh(orderId: string): void {
    this.#fresh.add(orderId);
  }

  /** The order was not recorded after all. */
  forgetFresh(orderId: string): void {
    this.#fresh.delete(orderId);
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
    const a = this.#attemptsOf(orderId);
    const wait = Math.max(delayMs, a.notBefore - this.#o.now());
    if (wait > 0) {
      if (a.timer) return;
      a.timer = setTimeout(() => {
        a.timer = undefined;
        this.schedule(orderId);
      }, wait);
      a.timer.unref();
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
    for (const a of this.#attempts.values()) if (a.timer) clearTimeout(a.timer);
  }

  async #step(orderId: string): Promise<void> {
    this.#running.set(orderId, this.#o.now());
    try {
      await this.#work(orderId);
    } finally {
      this.#running.delete(orderId);
    }
  }

  async #work(orderId: string): Promise<void> {
    if (this.#stopped) return;
    const loaded = await this.#o.handler.load(orderId);
    const { state } = loaded;
    if (!exists(state)) return;
    if (this.#swept.delete(orderId) && AWAITING_VENUE_STATUSES.has(state.status)) {
      this.#o.logger.warn(
        { orderId, status: state.status, unresolved: state.unresolved },
        'an order with a request pending had no submission step; the sweep resumed it',
      );
    }
    const entry = this.#o.registry.get(state.order.instrument.venue, state.order.account);
    if (!entry) {
      this.#o.logger.error(
        { orderId, venue: venueKey(state.order.instrument.venue, state.order.account) },
        'no adapter for the order’s venue account: it stays pending',
      );
      return;
    }
    const a = this.#attemptsOf(orderId);
    if (a.notBefore > this.#o.now()) return this.schedule(orderId);
    switch (state.status) {
      case 'pending_new':
      case 'unknown':
        if (!this.#trading(entry, orderId)) return;
        return this.#placement(state, loaded, entry);
      case 'pending_cancel':
        if (!this.#trading(entry, orderId)) return;
        return this.#cancel(state, loaded, entry);
      case 'pending_amend':
        if (!this.#trading(entry, orderId)) return;
        return this.#amend(state, loaded, entry);
      default:
        this.#forget(orderId);
        return;
    }
  }

  async #placement(order: Order, loaded: LoadedOrder<P>, entry: VenueEntry): Promise<void> {
    const orderId = order.order.orderId;
    const a = this.#attemptsOf(orderId);
    const mustLook = !this.#fresh.has(orderId) || a.placeSends > 0 || order.status === 'unknown';
    if (mustLook) {
      const found = await this.#lookUp(order, loaded, entry);
      if (found === 'unanswered') return this.#retryLater(orderId);
      if (found === 'found') return;
      // Not at the venue. Only send again when the venue proves the earlier send can't land.
      const safeAt = this.#safeToResendAt(entry, a);
      if (safeAt > this.#o.now()) return this.schedule(orderId, safeAt - this.#o.now());
      if (this.#requestedAt(loaded) + this.#o.maxSubmitDelayMs < this.#o.now()) {
        this.#o.logger.warn({ orderId }, 'order not at the venue and too old to send late: expired');
        await this.#record(loaded, [{ type: 'RecordOrderExpired', data: { orderId } }], 'system');
        return;
      }
    }
    this.#fresh.delete(orderId);
    const validUntilMs = this.#o.now() + this.#o.submitWindowMs;
    a.placeSends += 1;
    a.lastValidUntil = validUntilMs;
    // A close is sent as a reduce-only (or tradeSide close) order carrying the client id, so that
    // an unknown outcome can be looked up. Deribit's private/close_position takes no label and no
    // valid_until: its unknown outcome could not be resolved without risking a second close.
    const send =
      order.order.intent === 'close_position' && this.#o.useVenueClosePosition
        ? entry.adapter.closePosition
        : entry.adapter.place;
    const result = await send.call(entry.adapter, order.order, { validUntilMs });
    if (result.outcome === 'rejected' && result.notSent) {
      // The venue never saw it: not a rejection. Send it later, as if for the first time.
      a.placeSends -= 1;
      if (a.placeSends === 0) this.#fresh.add(orderId);
      return this.#notSent(entry, orderId, result.message);
    }
    this.#o.registry.observe(entry, result.outcome === 'unknown' ? 'unknown' : 'answered');
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    await this.#record(loaded, placeResultCommands(order, result), 'venue', latency);
    if (result.outcome === 'unknown') return this.#retryLater(orderId);
    if (result.outcome === 'accepted') {
      a.retries = 0;
      if (result.order && result.fills.length === 0 && result.order.filledAmount.gt(0)) {
        await this.#backfill(loaded, entry, result.order.venueOrderId);
      }
    }
  }

  /** Looks the order up by its client id and records what the venue knows of it. */
  async #lookUp(
    order: Order,
    loaded: LoadedOrder<P>,
    entry: VenueEntry,
  ): Promise<'found' | 'absent' | 'unanswered'> {
    let found: VenueOrderSnapshot[];
    try {
      found = await entry.adapter.findByClientOrderId(order.order.instrument, order.order.clientOrderId);
    } catch (error) {
      this.#o.logger.warn({ err: error, orderId: order.order.orderId }, 'lookup by client id failed');
      this.#o.registry.observe(entry, 'unknown');
      return 'unanswered';
    }
    this.#o.registry.observe(entry, 'answered');
    if (found.length === 0) return 'absent';
    if (found.length > 1) {
      this.#o.logger.error(
        { orderId: order.order.orderId, venueOrderIds: found.map((s) => s.venueOrderId) },
        'several venue orders carry this client id',
      );
    }
    for (const snapshot of found) await this.#recordSnapshot(loaded.state as Order, snapshot, entry, 'venue');
    return 'found';
  }

  async #cancel(order: Order, loaded: LoadedOrder<P>, entry: VenueEntry): Promise<void> {
    const orderId = order.order.orderId;
    const a = this.#attemptsOf(orderId);
    if (order.venueOrderId === undefined) {
      // Cancel requested before the venue confirmed the order.
      if (this.#fresh.has(orderId) && a.placeSends === 0) {
        this.#fresh.delete(orderId);
        await this.#record(
          loaded,
          [{ type: 'RecordOrderCancelled', data: { orderId, reason: 'user_request' } }],
          'system',
        );
        return;
      }
      const found = await this.#lookUp(order, loaded, entry);
      if (found === 'unanswered') return this.#retryLater(orderId);
      if (found === 'found') return this.schedule(orderId);
      const safeAt = this.#safeToResendAt(entry, a);
      if (safeAt > this.#o.now()) return this.schedule(orderId, safeAt - this.#o.now());
      // Provably never placed: nothing to cancel at the venue.
      await this.#record(
        loaded,
        [{ type: 'RecordOrderCancelled', data: { orderId, reason: 'user_request' } }],
        'system',
      );
      return;
    }
    const result = await entry.adapter.cancel(this.#ref(order));
    if (result.outcome === 'rejected' && result.notSent) return this.#notSent(entry, orderId, result.message);
    this.#o.registry.observe(entry, result.outcome === 'unknown' ? 'unknown' : 'answered');
    if (result.outcome === 'rejected') {
      // "Not open" may mean the cancel lost to a fill or an earlier cancel: record what the venue knows.
      const truth = await this.#currentAtVenue(order, entry);
      if (
        truth &&
        truth.status !== 'open' &&
        truth.status !== 'partially_filled' &&
        truth.status !== 'untriggered'
      ) {
        await this.#recordSnapshot(order, truth, entry, 'venue');
        return;
      }
    }
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    await this.#record(loaded, cancelResultCommands(order, result), 'venue', latency);
    if (result.outcome === 'unknown') this.#retryLater(orderId);
  }

  async #amend(order: Order, loaded: LoadedOrder<P>, entry: VenueEntry): Promise<void> {
    const orderId = order.order.orderId;
    const amendment = order.pendingAmendment;
    if (!amendment) return;
    if (order.unresolved === 'amend') {
      // An earlier amend's outcome is unknown: learn it before sending again.
      const truth = await this.#currentAtVenue(order, entry, amendment.newClientOrderId);
      if (truth === undefined) return this.#retryLater(orderId);
      const before = (await this.#o.handler.load(orderId)).state;
      await this.#recordSnapshot(order, truth, entry, 'venue');
      const after = (await this.#o.handler.load(orderId)).state;
      if (after.status !== before.status) return;
    }
    const result = await entry.adapter.amend(this.#ref(order), order.order, amendment);
    if (result.outcome === 'rejected' && result.notSent) return this.#notSent(entry, orderId, result.message);
    this.#o.registry.observe(entry, result.outcome === 'unknown' ? 'unknown' : 'answered');
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    await this.#record(loaded, amendResultCommands(order, result), 'venue', latency);
    if (result.outcome === 'unknown') this.#retryLater(orderId);
  }

  /** The order as the venue has it now (by its venue id, or by a client id), undefined if it can't tell. */
  async #currentAtVenue(
    order: Order,
    entry: VenueEntry,
    clientOrderId?: string,
  ): Promise<VenueOrderSnapshot | undefined> {
    try {
      if (clientOrderId !== undefined) {
        const [replacement] = await entry.adapter.findByClientOrderId(order.order.instrument, clientOrderId);
        if (replacement) return replacement;
      }
      if (order.venueOrderId === undefined) return undefined;
      return await entry.adapter.getOrder(order.order.instrument, order.venueOrderId);
    } catch (error) {
      this.#o.logger.warn({ err: error, orderId: order.order.orderId }, 'order lookup failed');
      return undefined;
    }
  }

  async #recordSnapshot(
    order: Order,
    snapshot: VenueOrderSnapshot,
    entry: VenueEntry,
    source: ReportContext['source'],
  ) {
    const loaded = await this.#o.handler.load(order.order.orderId);
    if (!exists(loaded.state)) return;
    await this.#record(
      loaded,
      snapshotCommands(loaded.state, snapshot),
      source,
      undefined,
      snapshot.updatedAt,
    );
    const after = await this.#o.handler.load(order.order.orderId);
    if (exists(after.state) && fillsMissing(after.state, snapshot)) {
      await this.#backfill(after, entry, snapshot.venueOrderId);
    }
  }

  async #backfill(loaded: LoadedOrder<P>, entry: VenueEntry, venueOrderId: string): Promise<void> {
    if (!exists(loaded.state)) return;
    const order = loaded.state;
    const fills = await entry.adapter.fills({ instrument: order.order.instrument, venueOrderId });
    await this.#record(
      loaded,
      fills.map((fill) => fillCommand(order.order.orderId, fill)),
      'venue',
    );
  }

  async #record(
    loaded: LoadedOrder<P>,
    bodies: OrderCommandBody[],
    source: ReportContext['source'],
    latency?: ReportContext['latency'],
    venueTime?: string,
  ): Promise<void> {
    const requested = loaded.events[0];
    await recordReports(this.#o.handler, bodies, {
      source,
      correlationId: requested?.metadata.correlationId ?? 'unknown',
      ...(requested && { causationId: requested.recorded.id }),
      ...(latency && { latency }),
      ...(venueTime && { venueTime }),
      now: this.#o.now,
    });
  }

  /** The adapter could not send the request (its limiter, no transport): try again later. */
  #notSent(entry: VenueEntry, orderId: string, reason: string): void {
    this.#o.logger.warn({ orderId, venue: entry.key, reason }, 'request not sent; retrying later');
    this.#o.registry.observe(entry, 'unknown');
    this.#retryLater(orderId);
  }

  #ref(order: Order): VenueOrderRef {
    return {
      instrument: order.order.instrument,
      clientOrderId: order.order.clientOrderId,
      venueOrderId: order.venueOrderId,
      positionMode: order.order.positionMode,
    };
  }

  #trading(entry: VenueEntry, orderId: string): boolean {
    if (this.#o.registry.isTrading(entry)) return true;
    const parked = this.#parked.get(entry.key) ?? new Set<string>();
    parked.add(orderId);
    this.#parked.set(entry.key, parked);
    return false;
  }

  /**
   * When sending the placement again cannot create a second order: at once where client ids are
   * unique (Bitget refuses a duplicate clientOid with 40786, and the order is adopted); elsewhere
   * (Deribit) once every earlier send's `valid_until` has passed (earlier processes' sends all
   * happened before this one started).
   */
  #safeToResendAt(entry: VenueEntry, a: Attempts): number {
    if (entry.adapter.capabilities.uniqueClientOrderIds) return 0;
    const earlierProcesses = this.#o.startedAt + this.#o.submitWindowMs;
    return Math.max(earlierProcesses, a.lastValidUntil) + this.#o.clockSkewMs;
  }

  #requestedAt(loaded: LoadedOrder<P>): number {
    const recordedAt = loaded.events[0]?.metadata.recordedAt;
    return recordedAt ? Date.parse(recordedAt) : this.#o.now();
  }

  #retryLater(orderId: string): void {
    const a = this.#attemptsOf(orderId);
    const base = Math.min(this.#o.maxRetryDelayMs, this.#o.retryDelayMs * 2 ** a.retries);
    a.retries += 1;
    const delay = Math.round(base * (0.5 + this.#o.random() / 2));
    a.notBefore = this.#o.now() + delay;
    this.schedule(orderId, delay);
  }

  #attemptsOf(orderId: string): Attempts {
    let a = this.#attempts.get(orderId);
    if (!a) {
      a = { placeSends: 0, lastValidUntil: 0, retries: 0, notBefore: 0, timer: undefined };
      this.#attempts.set(orderId, a);
    }
    return a;
  }

  #forget(orderId: string): void {
    const a = this.#attempts.get(orderId);
    if (a?.timer) clearTimeout(a.timer);
    this.#attempts.delete(orderId);
    this.#fresh.delete(orderId);
  }
}
