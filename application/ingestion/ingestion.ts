import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { Instrument } from '../../domain/instrument.ts';
import { exists } from '../../domain/order/state.ts';
import { deterministicId } from '../orders/ids.ts';
import type { OrderHandler } from '../orders/order-handler.ts';
import {
  fillCommand,
  fillOf,
  fillsMissing,
  type OrderCommandBody,
  snapshotCommands,
} from '../orders/report-commands.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { VenueFill, VenueOrderSnapshot, VenuePosition, VenueReport } from '../ports/venue.ts';
import type { BreakRecorder } from '../reconciliation/breaks.ts';
import { KeyedSerialQueue } from '../support/keyed-serial-queue.ts';
import type { MarketData } from '../venues/market-data.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';
import { recordExternalOrder, snapshotFromFill } from './external.ts';
import { recordConflictBreaks, type TradeConflict, tradeConflicts } from './ingestion-breaks.ts';
import { OrderIdentity } from './order-identity.ts';
import {
  changesOrder,
  originOf,
  type ReportContext,
  type ReportOrigin,
  recordReports,
  reportCommand,
} from './record.ts';
import type { UnreadableOptions } from './unreadable.ts';

export interface IngestionOptions<P> extends UnreadableOptions {
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  readModel: ServiceReadModel;
  /** The instruments of each venue (shared: the venue rate-limits listing them). */
  market: MarketData;
  logger: Logger;
  now: () => number;
  /** Where trade-id conflicts are recorded as breaks. */
  breaks?: BreakRecorder<P>;
  /**
   * An order update that counts fills not recorded yet: how long to wait for their pushed trades
   * (usually right behind it) before asking the venue for them (default 500 ms).
   */
  fillGraceMs?: number;
}

/** A fill waiting to be recorded with the others of its order that arrived meanwhile. */
interface WaitingFill {
  fill: VenueFill;
  resolve(appended: number): void;
  reject(error: unknown): void;
}

/**
 * Appends what the venues push (order updates, fills) to the orders' streams. The same report
 * arriving again (WebSocket, REST backfill, after a reconnect) changes nothing: fills are
 * deduplicated by trade id and their event ids are derived from the trade. Reports about orders
 * this OMS never placed are recorded as external orders, never dropped.
 *
 * Fills of one order that arrive while its earlier reports are being recorded wait together and
 * are recorded in one append (under load, the batches grow instead of the queue). An order update
 * pushed ahead of its trades (Deribit sends the order first) does not fetch them at once: the
 * trades follow, and only those still missing after `fillGraceMs` are fetched from the venue.
 */
export class Ingestion<P> {
  readonly #o: IngestionOptions<P>;
  readonly #queue = new KeyedSerialQueue();
  readonly #identity: OrderIdentity<P>;
  readonly #positions = new Map<string, VenuePosition[]>();
  readonly #subscriptions: Subscription[] = [];
  /** Fills waiting for their order's turn, by source and order id. */
  readonly #waiting = new Map<string, WaitingFill[]>();
  /** Checks for missing fills waiting for the grace period, by order id (and the latest update since). */
  readonly #backfills = new Map<
    string,
    { timer: NodeJS.Timeout; snapshot: VenueOrderSnapshot; latest: VenueOrderSnapshot | undefined }
  >();
  readonly #fillGraceMs: number;
  #stopped = false;

  constructor(options: IngestionOptions<P>) {
    this.#o = options;
    this.#fillGraceMs = options.fillGraceMs ?? 500;
    this.#identity = new OrderIdentity(options.handler, options.readModel);
  }

  start(): void {
    for (const entry of this.#o.registry.entries()) {
      this.#subscriptions.push(
        entry.adapter.reports$.subscribe((report) => {
          void this.ingest(entry, report, 'venue').catch((error: unknown) =>
            this.#o.logger.error({ err: error, venue: entry.key }, 'could not record a venue report'),
          );
        }),
      );
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const s of this.#subscriptions) s.unsubscribe();
    for (const { timer } of this.#backfills.values()) clearTimeout(timer);
    this.#backfills.clear();
  }

  /** The venue's latest pushed positions of an account (for reconciliation and health). */
  venuePositions(entry: VenueEntry): VenuePosition[] | undefined {
    return this.#positions.get(entry.key);
  }

  /** Records one report; resolves to the number of events it appended. */
  async ingest(
    entry: VenueEntry,
    report: VenueReport,
    given: ReportOrigin | ReportOrigin['source'],
  ): Promise<number> {
    const origin = originOf(given);
    switch (report.kind) {
      case 'order':
        return this.orderUpdate(entry, report.order, origin);
      case 'fill':
        return this.fill(entry, report.fill, origin);
      case 'positions':
        this.#positions.set(entry.key, report.positions);
        return 0;
      case 'unreadable':
        return this.#o.unreadable?.record(report.item, report.receivedAt) ?? 0;
    }
  }

  async orderUpdate(
    entry: VenueEntry,
    snapshot: VenueOrderSnapshot,
    given: ReportOrigin | ReportOrigin['source'],
  ): Promise<number> {
    const origin = originOf(given);
    const orderId = await this.#identity.orderIdFor(
      entry,
      snapshot.venueOrderId,
      snapshot.clientOrderId,
      snapshot.triggerOrderId,
    );
    return this.#queue.run(orderId ?? snapshot.venueOrderId, async () => {
      let appended = 0;
      let id = orderId;
      if (id === undefined) {
        id = await this.#external(entry, snapshot, origin);
        appended += id === undefined ? 0 : 1;
      }
      if (id === undefined) return appended;
      const loaded = await this.#o.handler.load(id);
      if (!exists(loaded.state)) return appended;
      const bodies = snapshotCommands(loaded.state, snapshot);
      if (changesOrder(bodies, loaded.state)) {
        appended += await this.#record(bodies, origin, snapshot.updatedAt);
      }
      const after = await this.#o.handler.load(id);
      if (exists(after.state) && fillsMissing(after.state, snapshot)) {
        // Reconciliation must be complete before trading resumes: fetch now. A live push gives the
        // trades pushed behind it their chance first.
        if (origin.source === 'venue' && this.#fillGraceMs > 0) this.#backfillLater(entry, id, snapshot);
        else appended += await this.#backfill(entry, id, snapshot, origin);
      }
      return appended;
    });
  }

  /** Fetches the order's trades from the venue and records those not recorded yet. */
  async #backfill(
    entry: VenueEntry,
    orderId: string,
    snapshot: VenueOrderSnapshot,
    origin: ReportOrigin,
  ): Promise<number> {
    const loaded = await this.#o.handler.load(orderId);
    if (!exists(loaded.state) || !fillsMissing(loaded.state, snapshot)) return 0;
    const fills = await entry.adapter.fills({
      instrument: loaded.state.order.instrument,
      venueOrderId: snapshot.venueOrderId,
    });
    return this.#record(
      fills.map((f) => fillCommand(orderId, f)),
      origin,
    );
  }

  /**
   * Checks `snapshot` against the recorded fills once it is `fillGraceMs` old, after every report
   * of the order received by then (its trades among them) has been recorded; fetches what is still
   * missing. One check per order at a time: an update arriving meanwhile gets its own check next.
   */
  #backfillLater(entry: VenueEntry, orderId: string, snapshot: VenueOrderSnapshot): void {
    const pending = this.#backfills.get(orderId);
    if (pending) {
      if (snapshot.filledAmount.gt(pending.latest?.filledAmount ?? pending.snapshot.filledAmount)) {
        pending.latest = snapshot;
      }
      return;
    }
    const timer = setTimeout(() => {
      const due = this.#backfills.get(orderId);
      if (!due || this.#stopped) return;
      void this.#queue
        .run(orderId, () => this.#backfill(entry, orderId, due.snapshot, { source: 'venue' }))
        .catch((error: unknown) =>
          this.#o.logger.error({ err: error, orderId }, 'could not fetch the order’s missing fills'),
        )
        .finally(() => {
          this.#backfills.delete(orderId);
          if (due.latest && !this.#stopped) this.#backfillLater(entry, orderId, due.latest);
        });
    }, this.#fillGraceMs);
    timer.unref();
    this.#backfills.set(orderId, { timer, snapshot, latest: undefined });
  }

  /** Records a fill (with the others of its order waiting at the time); resolves to the events it appended. */
  async fill(
    entry: VenueEntry,
    fill: VenueFill,
    given: ReportOrigin | ReportOrigin['source'],
  ): Promise<number> {
    const origin = originOf(given);
    const orderId = await this.#identity.orderIdFor(entry, fill.venueOrderId, fill.clientOrderId);
    if (orderId === undefined) {
      return this.#queue.run(fill.venueOrderId, async () => {
        const snapshot = await entry.adapter
          .getOrder(await this.#instrument(entry, fill.symbol), fill.venueOrderId)
          .catch(() => undefined);
        // The order a trigger order of ours created when it fired, before any report of it came.
        if (snapshot?.triggerOrderId !== undefined) {
          const { venueOrderId, clientOrderId, triggerOrderId } = snapshot;
          if (
            (await this.#identity.orderIdFor(entry, venueOrderId, clientOrderId, triggerOrderId)) !==
            undefined
          ) {
            return (await this.orderUpdate(entry, snapshot, origin)) + (await this.fill(entry, fill, origin));
          }
        }
        const id = await this.#external(entry, snapshot ?? snapshotFromFill(fill), origin);
        if (id === undefined) return 0;
        return (
          1 +
          (await this.#recordFills(
            entry,
            id,
            [{ fill, resolve: () => undefined, reject: () => undefined }],
            origin,
          ))
        );
      });
    }
    return new Promise<number>((resolve, reject) => {
      const key = `${origin.source}/${origin.causationId ?? ''}/${orderId}`;
      const waiting = this.#waiting.get(key);
      if (waiting) {
        waiting.push({ fill, resolve, reject });
        return;
      }
      this.#waiting.set(key, [{ fill, resolve, reject }]);
      // One turn on the order's queue takes every fill waiting by then.
      void this.#queue.run(orderId, async () => {
        const batch = this.#waiting.get(key) ?? [];
        this.#waiting.delete(key);
        try {
          await this.#recordFills(entry, orderId, batch, origin);
        } catch (error) {
          for (const f of batch) f.reject(error);
        }
      });
    });
  }

  /**
   * Records fills of one order in one append; resolves each with the events it appended and
   * returns their total.
   */
  async #recordFills(
    entry: VenueEntry,
    orderId: string,
    batch: readonly WaitingFill[],
    origin: ReportOrigin,
  ): Promise<number> {
    const loaded = await this.#o.handler.load(orderId);
    if (!exists(loaded.state)) {
      this.#o.logger.error(
        { orderId, tradeIds: batch.map((f) => f.fill.tradeId) },
        'fill for an order with no stream',
      );
      for (const f of batch) f.resolve(0);
      return 0;
    }
    const conflicts = await tradeConflicts(
      this.#o.readModel,
      entry,
      orderId,
      batch.map((f) => f.fill),
    );
    if (conflicts.length > 0) return this.#recordConflicts(entry, orderId, batch, conflicts, origin);
    // A fill proves the venue took the order. When its reply never reached us (the process
    // died after sending), this fill is how we learn the venue's id: record the acceptance
    // first, or the order would end filled with no venue id (the submission processor leaves
    // finished orders alone).
    const state = loaded.state;
    const first = batch.find(
      ({ fill }) => fill.clientOrderId === undefined || fill.clientOrderId === state.order.clientOrderId,
    );
    const acceptance: OrderCommandBody[] =
      state.venueOrderId === undefined && first
        ? [{ type: 'RecordOrderAccepted', data: { orderId, venueOrderId: first.fill.venueOrderId } }]
        : [];
    // The order exists, so its events carry its own correlation id (the handler sees to it).
    const correlationId = loaded.events[0]?.metadata.correlationId ?? orderId;
    const context = (venueTime?: string): ReportContext => ({
      ...origin,
      correlationId,
      ...(venueTime !== undefined && { venueTime }),
      now: this.#o.now,
    });
    const commands = [
      ...acceptance.map((body) => reportCommand(body, context(first?.fill.executedAt))),
      ...batch.map(({ fill }) => reportCommand(fillCommand(orderId, fill), context(fill.executedAt))),
    ];
    const results = await this.#o.handler.handleAll(commands);
    const appended = results.map((r) => (r.ok && r.kind === 'applied' ? r.events.length : 0));
    const accepted = acceptance.length > 0 ? appended[0]! : 0;
    const total = appended.reduce((n, a) => n + a, 0);
    batch.forEach((f, i) => {
      f.resolve(appended[acceptance.length + i]! + (f === first ? accepted : 0));
    });
    return total;
  }

  /**
   * A batch with trades another order holds: those are anomalies on this order (and breaks), never
   * recorded twice; the rest of the batch is recorded as usual.
   */
  async #recordConflicts(
    entry: VenueEntry,
    orderId: string,
    batch: readonly WaitingFill[],
    conflicts: readonly TradeConflict[],
    origin: ReportOrigin,
  ): Promise<number> {
    const conflicting = new Set(conflicts.map((c) => c.fill.tradeId));
    const rest = batch.filter((f) => !conflicting.has(f.fill.tradeId));
    const bodies: OrderCommandBody[] = conflicts.map(({ fill, recordedOn }) => ({
      type: 'RecordTradeConflict',
      data: { orderId, fill: fillOf(fill), recordedOn },
    }));
    const appended = await this.#record(bodies, origin);
    await recordConflictBreaks(this.#o.breaks, entry, orderId, conflicts);
    this.#o.logger.warn({ orderId, conflicts }, 'trade ids already recorded on other orders');
    for (const f of batch) if (conflicting.has(f.fill.tradeId)) f.resolve(0);
    return appended + (rest.length > 0 ? await this.#recordFills(entry, orderId, rest, origin) : 0);
  }

  /** Remembers which order a venue order id belongs to (the submission path learns it first). */
  remember(entry: VenueEntry, venueOrderId: string, orderId: string): void {
    this.#identity.remember(entry, venueOrderId, orderId);
  }

  /** Records an order this OMS never placed, from what the venue shows of it. */
  async #external(entry: VenueEntry, snapshot: VenueOrderSnapshot, origin: ReportOrigin) {
    return recordExternalOrder(
      {
        logger: this.#o.logger,
        identity: this.#identity,
        breaks: this.#o.breaks,
        instrument: (symbol) => this.#instrument(entry, symbol),
        record: (bodies) => this.#record(bodies, origin),
      },
      entry,
      snapshot,
    );
  }

  async #instrument(entry: VenueEntry, symbol: string): Promise<Instrument> {
    const instrument = await this.#o.market.instrument(entry, symbol);
    if (!instrument) throw new Error(`${entry.key} has no instrument ${symbol}`);
    return instrument;
  }

  /** Records the commands; resolves to the number of events appended. */
  async #record(bodies: OrderCommandBody[], origin: ReportOrigin, venueTime?: string): Promise<number> {
    if (bodies.length === 0) return 0;
    const results = await recordReports(this.#o.handler, bodies, {
      ...origin,
      correlationId: deterministicId('venue-report', JSON.stringify(bodies[0]?.data ?? null)),
      ...(venueTime !== undefined && { venueTime }),
      now: this.#o.now,
    });
    return results.reduce((n, r) => n + (r.ok && r.kind === 'applied' ? r.events.length : 0), 0);
  }
}
