import type { Logger } from 'pino';
import { exists, type Order } from '../../domain/order/state.ts';
import { type ReportContext, recordReports } from '../ingestion/record.ts';
import type { LoadedOrder, OrderHandler } from '../orders/order-handler.ts';
import {
  fillCommand,
  fillsMissing,
  type OrderCommandBody,
  snapshotCommands,
} from '../orders/report-commands.ts';
import type { VenueOrderRef, VenueOrderSnapshot } from '../ports/venue.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';

export interface VenueEffectsOptions<P> {
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  logger: Logger;
  now: () => number;
}

/** How the adapter names an order at the venue. */
export const venueRef = (order: Order): VenueOrderRef => ({
  instrument: order.order.instrument,
  clientOrderId: order.order.clientOrderId,
  venueOrderId: order.venueOrderId,
  positionMode: order.order.positionMode,
  untriggered: order.status === 'untriggered' || order.previousStatus === 'untriggered',
});

/**
 * What the submission scheduler does at the venue and in the store besides sending: look-ups by
 * client id or venue id, and recording what the venue said (with the fills it is missing).
 */
export class VenueEffects<P> {
  readonly #o: VenueEffectsOptions<P>;

  constructor(options: VenueEffectsOptions<P>) {
    this.#o = options;
  }

  /** Looks the order up by its client id and records what the venue knows of it. */
  async lookUp(order: Order, entry: VenueEntry): Promise<'found' | 'absent' | 'unanswered'> {
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
    for (const snapshot of found) await this.recordSnapshot(order, snapshot, entry, 'venue');
    return 'found';
  }

  /** The order as the venue has it now (by a client id, or its venue id); undefined if it can't tell. */
  async currentAtVenue(
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

  /** Records a venue snapshot of the order, then the fills the venue has and the order lacks. */
  async recordSnapshot(
    order: Order,
    snapshot: VenueOrderSnapshot,
    entry: VenueEntry,
    source: ReportContext['source'],
  ): Promise<void> {
    const loaded = await this.#o.handler.load(order.order.orderId);
    if (!exists(loaded.state)) return;
    await this.record(
      loaded,
      snapshotCommands(loaded.state, snapshot),
      source,
      undefined,
      snapshot.updatedAt,
    );
    const after = await this.#o.handler.load(order.order.orderId);
    if (exists(after.state) && fillsMissing(after.state, snapshot)) {
      await this.backfill(after, entry, snapshot.venueOrderId);
    }
  }

  /** Records every fill the venue reports for one of the order's venue ids. */
  async backfill(loaded: LoadedOrder<P>, entry: VenueEntry, venueOrderId: string): Promise<void> {
    if (!exists(loaded.state)) return;
    const order = loaded.state;
    const fills = await entry.adapter.fills({ instrument: order.order.instrument, venueOrderId });
    await this.record(
      loaded,
      fills.map((fill) => fillCommand(order.order.orderId, fill)),
      'venue',
    );
  }

  /**
   * Records commands about the order. The order handler ties them to the request they answer (its
   * correlation id, and its event as their cause).
   */
  async record(
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
      ...(latency && { latency }),
      ...(venueTime && { venueTime }),
      now: this.#o.now,
    });
  }
}
