import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderParams } from '../../domain/order/contract.ts';
import { exists } from '../../domain/order/state.ts';
import type { VenueFill, VenueOrderSnapshot, VenuePosition, VenueReport } from '../venues/port.ts';
import {
  fillCommand,
  fillsMissing,
  type OrderCommandBody,
  snapshotCommands,
} from '../venues/report-commands.ts';
import { orderIdFromClientOrderId } from './client-order-id.ts';
import { deterministicId } from './ids.ts';
import { KeyedSerialQueue } from './keyed-serial-queue.ts';
import type { OrderHandler } from './order-handler.ts';
import type { ServiceReadModel } from './read-model-port.ts';
import { type ReportContext, recordReports } from './record.ts';
import type { VenueEntry, VenueRegistry } from './venue-registry.ts';

export interface IngestionOptions<P> {
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  readModel: ServiceReadModel;
  logger: Logger;
  now: () => number;
}

/** The order id of an order found at the venue that this OMS never placed. */
export function externalOrderId(venue: string, account: string, venueOrderId: string): string {
  return deterministicId('external', venue, account, venueOrderId);
}

/**
 * Appends what the venues push (order updates, fills) to the orders' streams. The same report
 * arriving again (WebSocket, REST backfill, after a reconnect) changes nothing: fills are
 * deduplicated by trade id and their event ids are derived from the trade. Reports about orders
 * this OMS never placed are recorded as external orders, never dropped.
 */
export class Ingestion<P> {
  readonly #o: IngestionOptions<P>;
  readonly #queue = new KeyedSerialQueue();
  readonly #venueOrderIndex = new Map<string, string>();
  readonly #instruments = new Map<string, Map<string, Instrument>>();
  readonly #positions = new Map<string, VenuePosition[]>();
  readonly #subscriptions: Subscription[] = [];

  constructor(options: IngestionOptions<P>) {
    this.#o = options;
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
    for (const s of this.#subscriptions) s.unsubscribe();
  }

  /** The venue's latest pushed positions of an account (for reconciliation and health). */
  venuePositions(entry: VenueEntry): VenuePosition[] | undefined {
    return this.#positions.get(entry.key);
  }

  /** Records one report; resolves to the number of events it appended. */
  async ingest(entry: VenueEntry, report: VenueReport, source: ReportContext['source']): Promise<number> {
    switch (report.kind) {
      case 'order':
        return this.orderUpdate(entry, report.order, source);
      case 'fill':
        return this.fill(entry, report.fill, source);
      case 'positions':
        this.#positions.set(entry.key, report.positions);
        return 0;
    }
  }

  async orderUpdate(
    entry: VenueEntry,
    snapshot: VenueOrderSnapshot,
    source: ReportContext['source'],
  ): Promise<number> {
    const orderId = await this.#orderIdFor(entry, snapshot.venueOrderId, snapshot.clientOrderId);
    return this.#queue.run(orderId ?? snapshot.venueOrderId, async () => {
      let appended = 0;
      let id = orderId;
      if (id === undefined) {
        id = await this.#external(entry, snapshot, source);
        appended += id === undefined ? 0 : 1;
      }
      if (id === undefined) return appended;
      const loaded = await this.#o.handler.load(id);
      if (!exists(loaded.state)) return appended;
      appended += await this.#record(snapshotCommands(loaded.state, snapshot), source, snapshot.updatedAt);
      const after = await this.#o.handler.load(id);
      if (exists(after.state) && fillsMissing(after.state, snapshot)) {
        const fills = await entry.adapter.fills({
          instrument: after.state.order.instrument,
          venueOrderId: snapshot.venueOrderId,
        });
        const orderId = id;
        appended += await this.#record(
          fills.map((f) => fillCommand(orderId, f)),
          source,
        );
      }
      return appended;
    });
  }

  async fill(entry: VenueEntry, fill: VenueFill, source: ReportContext['source']): Promise<number> {
    const orderId = await this.#orderIdFor(entry, fill.venueOrderId, fill.clientOrderId);
    return this.#queue.run(orderId ?? fill.venueOrderId, async () => {
      let appended = 0;
      let id = orderId;
      if (id === undefined) {
        const snapshot = await entry.adapter
          .getOrder(await this.#instrument(entry, fill.symbol), fill.venueOrderId)
          .catch(() => undefined);
        id = await this.#external(entry, snapshot ?? snapshotFromFill(fill), source);
        appended += id === undefined ? 0 : 1;
      }
      if (id === undefined) return appended;
      const loaded = await this.#o.handler.load(id);
      if (!exists(loaded.state)) {
        this.#o.logger.error({ orderId: id, tradeId: fill.tradeId }, 'fill for an order with no stream');
        return appended;
      }
      // A fill proves the venue took the order. When its reply never reached us (the process
      // died after sending), this fill is how we learn the venue's id: record the acceptance
      // first, or the order would end filled with no venue id (the submission processor leaves
      // finished orders alone).
      const state = loaded.state;
      const acceptance: OrderCommandBody[] =
        state.venueOrderId === undefined &&
        (fill.clientOrderId === undefined || fill.clientOrderId === state.order.clientOrderId)
          ? [{ type: 'RecordOrderAccepted', data: { orderId: id, venueOrderId: fill.venueOrderId } }]
          : [];
      return appended + (await this.#record([...acceptance, fillCommand(id, fill)], source, fill.executedAt));
    });
  }

  /** Remembers which order a venue order id belongs to (the submission path learns it first). */
  remember(entry: VenueEntry, venueOrderId: string, orderId: string): void {
    if (this.#venueOrderIndex.size > 100_000) this.#venueOrderIndex.clear();
    this.#venueOrderIndex.set(`${entry.key}/${venueOrderId}`, orderId);
  }

  async #orderIdFor(entry: VenueEntry, venueOrderId: string, clientOrderId: string | undefined) {
    const ours = orderIdFromClientOrderId(clientOrderId);
    if (ours !== undefined) return ours;
    const key = `${entry.key}/${venueOrderId}`;
    const known = this.#venueOrderIndex.get(key);
    if (known !== undefined) return known;
    const { venue, account } = entry.adapter;
    const found =
      (await this.#o.readModel.orderIdByVenueOrderId(venue, account, venueOrderId)) ??
      (await this.#exists(externalOrderId(venue, account, venueOrderId)));
    if (found !== undefined) this.#venueOrderIndex.set(key, found);
    return found;
  }

  async #exists(orderId: string): Promise<string | undefined> {
    return exists((await this.#o.handler.load(orderId)).state) ? orderId : undefined;
  }

  /** Records an order this OMS never placed, from what the venue shows of it. */
  async #external(entry: VenueEntry, snapshot: VenueOrderSnapshot, source: ReportContext['source']) {
    const { venue, account } = entry.adapter;
    const orderId = externalOrderId(venue, account, snapshot.venueOrderId);
    const instrument = await this.#instrument(entry, snapshot.symbol).catch(() => undefined);
    if (!instrument) {
      this.#o.logger.error(
        { venue: entry.key, symbol: snapshot.symbol },
        'external order on an unknown instrument',
      );
      return undefined;
    }
    const order: Omit<OrderParams, 'intent'> = {
      orderId,
      account,
      instrument,
      // The domain takes printable ASCII client ids; a venue label may hold anything.
      clientOrderId: (snapshot.clientOrderId ?? '').replace(/[^\x21-\x7e]/g, '_').slice(0, 64),
      side: snapshot.side,
      type: snapshot.type,
      timeInForce: 'gtc',
      ...(snapshot.price !== undefined && { price: snapshot.price }),
      amount: snapshot.amount,
      reduceOnly: snapshot.reduceOnly,
      postOnly: snapshot.postOnly,
      rejectPostOnly: false,
      positionMode: snapshot.positionMode,
      ...(snapshot.tradeSide !== undefined && { tradeSide: snapshot.tradeSide }),
    };
    this.#o.logger.warn(
      { venue: entry.key, venueOrderId: snapshot.venueOrderId, orderId },
      'external order recorded',
    );
    await this.#record(
      [{ type: 'RecordExternalOrder', data: { order, venueOrderId: snapshot.venueOrderId } }],
      source,
    );
    this.#venueOrderIndex.set(`${entry.key}/${snapshot.venueOrderId}`, orderId);
    return orderId;
  }

  async #instrument(entry: VenueEntry, symbol: string): Promise<Instrument> {
    let table = this.#instruments.get(entry.key);
    if (!table?.has(symbol)) {
      table = new Map((await entry.adapter.instruments()).map((i) => [i.symbol, i]));
      this.#instruments.set(entry.key, table);
    }
    const instrument = table.get(symbol);
    if (!instrument) throw new Error(`${entry.key} has no instrument ${symbol}`);
    return instrument;
  }

  /** Records the commands; resolves to the number of events appended. */
  async #record(
    bodies: OrderCommandBody[],
    source: ReportContext['source'],
    venueTime?: string,
  ): Promise<number> {
    if (bodies.length === 0) return 0;
    const results = await recordReports(this.#o.handler, bodies, {
      source,
      correlationId: deterministicId('venue-report', JSON.stringify(bodies[0]?.data ?? null)),
      ...(venueTime !== undefined && { venueTime }),
      now: this.#o.now,
    });
    return results.reduce((n, r) => n + (r.ok && r.kind === 'applied' ? r.events.length : 0), 0);
  }
}

/** What a lone fill tells of its order, when the venue can no longer show the order itself. */
function snapshotFromFill(fill: VenueFill): VenueOrderSnapshot {
  return {
    venue: fill.venue,
    account: fill.account,
    symbol: fill.symbol,
    venueOrderId: fill.venueOrderId,
    clientOrderId: fill.clientOrderId,
    side: fill.side,
    type: 'limit',
    status: 'open',
    amount: fill.amount,
    filledAmount: fill.amount,
    price: fill.price,
    averagePrice: fill.price,
    reduceOnly: false,
    postOnly: false,
    positionMode: fill.positionMode,
    tradeSide: fill.tradeSide,
    cancelReason: undefined,
    venueReason: undefined,
    replaced: false,
    createdAt: fill.executedAt,
    updatedAt: fill.executedAt,
    raw: { derivedFrom: 'fill', tradeId: fill.tradeId },
  };
}
