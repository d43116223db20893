import type { Logger } from 'pino';
import type { VenueLatency } from '../../domain/metadata.ts';
import { exists, type Order } from '../../domain/order/state.ts';
import { AWAITING_VENUE_STATUSES } from '../../domain/order/transitions.ts';
import type { LoadedOrder, OrderHandler } from '../orders/order-handler.ts';
import { amendResultCommands, cancelResultCommands, placeResultCommands } from '../orders/report-commands.ts';
import type { VenueOrderSnapshot, VenueOrderStatus } from '../ports/venue.ts';
import { type VenueEntry, type VenueRegistry, venueKey } from '../venues/venue-registry.ts';
import {
  type Attempts,
  decideSubmission,
  type ProtocolSettings,
  type SubmissionAction,
  type SubmissionInput,
} from './protocol.ts';
import { VenueEffects, venueRef } from './venue-effects.ts';

/** What the scheduler keeps per order: the protocol's attempts and the timer of a delayed step. */
export interface Tracked {
  attempts: Attempts;
  timer: NodeJS.Timeout | undefined;
}

/** The scheduler, as the steps see it. */
export interface StepHost {
  /** Orders recorded by this process and never sent. */
  readonly fresh: Set<string>;
  tracked(orderId: string): Tracked;
  schedule(orderId: string, delayMs?: number): void;
  retryLater(orderId: string): void;
  park(entry: VenueEntry, orderId: string): void;
  forget(orderId: string): void;
}

export interface SubmissionStepsOptions<P> {
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  logger: Logger;
  now: () => number;
  settings: ProtocolSettings;
  host: StepHost;
}

/** Venue statuses in which the order still works at the venue (a refused cancel then did not lose to it). */
const WORKING_AT_VENUE: ReadonlySet<VenueOrderStatus> = new Set(['open', 'partially_filled', 'untriggered']);

/**
 * Carries out the protocol's actions for one order at a time: looks the order up, sends the
 * request, records what the venue answered (protocol.ts decides; the scheduler decides when).
 */
export class SubmissionSteps<P> {
  readonly #o: SubmissionStepsOptions<P>;
  readonly #host: StepHost;
  readonly #effects: VenueEffects<P>;

  constructor(options: SubmissionStepsOptions<P>) {
    this.#o = options;
    this.#host = options.host;
    this.#effects = new VenueEffects(options);
  }

  /** One step for the order: decide, carry out, decide again with what happened, until the step ends. */
  async work(orderId: string, swept: boolean): Promise<void> {
    const loaded = await this.#o.handler.load(orderId);
    const { state } = loaded;
    if (!exists(state)) return;
    if (swept && AWAITING_VENUE_STATUSES.has(state.status)) {
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
    let input = this.#input(state, loaded, entry);
    for (;;) {
      const action = decideSubmission(input);
      const next = await this.#carryOut(action, input, loaded, entry);
      if (next === undefined) return;
      input = { ...input, ...next };
    }
  }

  #input(order: Order, loaded: LoadedOrder<P>, entry: VenueEntry): SubmissionInput {
    const recordedAt = loaded.events[0]?.metadata.recordedAt;
    const now = this.#o.now();
    return {
      order,
      attempts: this.#host.tracked(order.order.orderId).attempts,
      fresh: this.#host.fresh.has(order.order.orderId),
      now,
      requestedAt: recordedAt ? Date.parse(recordedAt) : now,
      trading: this.#o.registry.isTrading(entry),
      capabilities: entry.adapter.capabilities,
      settings: this.#o.settings,
    };
  }

  /** Carries out one action; what the protocol must know to decide again, or undefined when the step ends. */
  async #carryOut(
    action: SubmissionAction,
    input: SubmissionInput,
    loaded: LoadedOrder<P>,
    entry: VenueEntry,
  ): Promise<Partial<SubmissionInput> | undefined> {
    const { order } = input;
    const orderId = order.order.orderId;
    switch (action.kind) {
      case 'forget':
        this.#host.forget(orderId);
        return undefined;
      case 'idle':
        return undefined;
      case 'wait':
        this.#host.schedule(orderId, action.at - this.#o.now());
        return undefined;
      case 'park':
        this.#host.park(entry, orderId);
        return undefined;
      case 'retry':
        this.#host.retryLater(orderId);
        return undefined;
      case 'found':
        if (action.again) this.#host.schedule(orderId);
        return undefined;
      case 'look_up':
        return { lookUp: await this.#effects.lookUp(order, entry) };
      case 'record':
        await this.#recordProven(action, order, loaded);
        return undefined;
      case 'send_place':
        await this.#place(action, order, loaded, entry);
        return undefined;
      case 'send_cancel':
        await this.#cancel(order, loaded, entry);
        return undefined;
      case 'resolve_amend':
        return (await this.#resolveAmend(order, entry)) ? { amendResolved: true } : undefined;
      case 'send_amend':
        await this.#amend(order, loaded, entry);
        return undefined;
    }
  }

  async #recordProven(
    action: Extract<SubmissionAction, { kind: 'record' }>,
    order: Order,
    loaded: LoadedOrder<P>,
  ): Promise<void> {
    const orderId = order.order.orderId;
    if (action.outcome === 'expired') {
      this.#o.logger.warn({ orderId }, 'order not at the venue and too old to send late: expired');
      await this.#effects.record(loaded, [{ type: 'RecordOrderExpired', data: { orderId } }], 'system');
      return;
    }
    this.#host.fresh.delete(orderId);
    await this.#effects.record(
      loaded,
      [{ type: 'RecordOrderCancelled', data: { orderId, reason: 'user_request' } }],
      'system',
    );
  }

  async #place(
    action: Extract<SubmissionAction, { kind: 'send_place' }>,
    order: Order,
    loaded: LoadedOrder<P>,
    entry: VenueEntry,
  ): Promise<void> {
    const orderId = order.order.orderId;
    const t = this.#host.tracked(orderId);
    const before = t.attempts;
    this.#host.fresh.delete(orderId);
    t.attempts = { ...before, placeSends: before.placeSends + 1, lastValidUntil: action.validUntilMs };
    const send = action.method === 'closePosition' ? entry.adapter.closePosition : entry.adapter.place;
    const result = await send.call(entry.adapter, order.order, { validUntilMs: action.validUntilMs });
    if (result.outcome === 'rejected' && result.notSent) {
      // The venue never saw it: not a rejection. Send it later, as if for the first time.
      t.attempts = { ...t.attempts, placeSends: before.placeSends };
      if (before.placeSends === 0) this.#host.fresh.add(orderId);
      return this.#notSent(entry, orderId, result.message, result.throttled === true);
    }
    this.#o.registry.observe(entry, result.outcome === 'unknown' ? 'unknown' : 'answered');
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    await this.#effects.record(
      loaded,
      placeResultCommands(order, result),
      'venue',
      latency,
      answerTime(result),
    );
    if (result.outcome === 'unknown') return this.#host.retryLater(orderId);
    if (result.outcome === 'accepted') {
      t.attempts = { ...t.attempts, retries: 0 };
      if (result.order && result.fills.length === 0 && result.order.filledAmount.gt(0)) {
        await this.#effects.backfill(loaded, entry, result.order.venueOrderId);
      }
    }
  }

  async #cancel(order: Order, loaded: LoadedOrder<P>, entry: VenueEntry): Promise<void> {
    const orderId = order.order.orderId;
    const result = await entry.adapter.cancel(venueRef(order));
    if (result.outcome === 'rejected' && result.notSent)
      return this.#notSent(entry, orderId, result.message, result.throttled === true);
    this.#o.registry.observe(entry, result.outcome === 'unknown' ? 'unknown' : 'answered');
    if (result.outcome === 'rejected') {
      // "Not open" may mean the cancel lost to a fill or an earlier cancel: record what the venue knows.
      const truth = await this.#effects.currentAtVenue(order, entry);
      if (truth && !WORKING_AT_VENUE.has(truth.status)) {
        await this.#effects.recordSnapshot(order, truth, entry, 'venue');
        return;
      }
    }
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    await this.#effects.record(
      loaded,
      cancelResultCommands(order, result),
      'venue',
      latency,
      answerTime(result),
    );
    if (result.outcome === 'unknown') this.#host.retryLater(orderId);
  }

  /** Learns an earlier amend's outcome; true when the order is still waiting for it (send it again). */
  async #resolveAmend(order: Order, entry: VenueEntry): Promise<boolean> {
    const orderId = order.order.orderId;
    const truth = await this.#effects.currentAtVenue(order, entry, order.pendingAmendment?.newClientOrderId);
    if (truth === undefined) {
      this.#host.retryLater(orderId);
      return false;
    }
    const before = (await this.#o.handler.load(orderId)).state;
    await this.#effects.recordSnapshot(order, truth, entry, 'venue');
    const after = (await this.#o.handler.load(orderId)).state;
    return after.status === before.status;
  }

  async #amend(order: Order, loaded: LoadedOrder<P>, entry: VenueEntry): Promise<void> {
    const amendment = order.pendingAmendment;
    if (!amendment) return;
    const orderId = order.order.orderId;
    const result = await entry.adapter.amend(venueRef(order), order.order, amendment);
    if (result.outcome === 'rejected' && result.notSent)
      return this.#notSent(entry, orderId, result.message, result.throttled === true);
    this.#o.registry.observe(entry, result.outcome === 'unknown' ? 'unknown' : 'answered');
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    await this.#effects.record(
      loaded,
      amendResultCommands(order, result),
      'venue',
      latency,
      answerTime(result),
    );
    if (result.outcome === 'unknown') this.#host.retryLater(orderId);
  }

  /** The adapter could not send the request (its limiter, no transport): try again later. */
  #notSent(entry: VenueEntry, orderId: string, reason: string, throttled = false): void {
    this.#o.logger.warn({ orderId, venue: entry.key, reason, throttled }, 'request not sent; retrying later');
    // Our own rate limiter holding a request back is back-pressure: new orders are refused (429)
    // for a while; the venue is not paused for it. Anything else not sent counts as unanswered.
    if (throttled) this.#o.registry.throttled(entry);
    else this.#o.registry.observe(entry, 'unknown');
    this.#host.retryLater(orderId);
  }
}

/**
 * When the venue answered, by its own clock: the order's last update in the reply, else the time the
 * venue sent the reply (its latency figures: µs since the epoch). Undefined when it did not answer.
 */
function answerTime(result: {
  outcome: string;
  latency?: VenueLatency | undefined;
  order?: VenueOrderSnapshot | undefined;
}): string | undefined {
  if (result.outcome === 'unknown') return undefined;
  if (result.order?.updatedAt) return result.order.updatedAt;
  const usOut = result.latency?.usOut;
  return usOut === undefined ? undefined : new Date(Math.floor(usOut / 1000)).toISOString();
}
