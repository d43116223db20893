import { randomUUID } from 'node:crypto';
import type { BitgetAdapter } from '../../../adapters/venues/bitget/adapter.ts';
import {
  amendResultCommands,
  cancelResultCommands,
  fillCommand,
  type OrderCommandBody,
  placeResultCommands,
  snapshotCommands,
} from '../../../application/orders/report-commands.ts';
import type {
  VenueFill,
  VenueOrderSnapshot,
  VenuePosition,
  VenueReport,
} from '../../../application/ports/venue.ts';
import type { Decimal } from '../../../domain/decimal.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { Source } from '../../../domain/metadata.ts';
import {
  type Amendment,
  type OrderCommand,
  OrderCommandSchema,
  type OrderEvent,
} from '../../../domain/order/contract.ts';
import { decide, evolve } from '../../../domain/order/decider.ts';
import { exists, initialState, type Order, type OrderState } from '../../../domain/order/state.ts';
import {
  applyFill,
  emptyPosition,
  type Position,
  type PositionSide,
  positionSideFor,
} from '../../../domain/position/position.ts';

/**
 * A small stand-in for the order service (issue 7), enough to specify the adapter: it records each
 * client command with `decide`/`evolve`, calls the adapter, turns results and pushes into domain
 * commands with `report-commands.ts`, and books every fill on its position with `applyFill`.
 */
export class OmsHarness {
  readonly orders = new Map<string, { state: OrderState; events: OrderEvent[] }>();
  readonly positions = new Map<PositionSide, Position>();
  /** Pushes no order of ours claims (external orders, or fills of an id not known yet). */
  readonly unrouted: VenueReport[] = [];
  venuePositions: VenuePosition[] | undefined;
  private readonly adapter: BitgetAdapter;
  private readonly instrument: Instrument;

  constructor(adapter: BitgetAdapter, instrument: Instrument) {
    this.adapter = adapter;
    this.instrument = instrument;
    adapter.reports$.subscribe((report) => this.onReport(report));
  }

  order(orderId: string): Order {
    const entry = this.orders.get(orderId);
    if (entry === undefined || !exists(entry.state)) throw new Error(`no order ${orderId}`);
    return entry.state;
  }

  events(orderId: string): OrderEvent[] {
    return this.orders.get(orderId)?.events ?? [];
  }

  eventTypes(orderId: string): string[] {
    return this.events(orderId).map((event) => event.type);
  }

  position(side: PositionSide): Position {
    return (
      this.positions.get(side) ??
      emptyPosition(
        { venue: 'bitget', account: 'main', symbol: this.instrument.symbol, side },
        this.instrument,
      )
    );
  }

  /** Records a command (client or venue) for an order; returns the events it produced. */
  apply(
    orderId: string,
    body: OrderCommandBody | Omit<OrderCommand, 'metadata'>,
    source: Source,
  ): OrderEvent[] {
    const command = OrderCommandSchema.parse({
      ...body,
      metadata: {
        commandId: randomUUID(),
        correlationId: randomUUID(),
        recordedAt: new Date().toISOString(),
        source,
      },
    });
    const entry = this.orders.get(orderId) ?? { state: initialState, events: [] };
    this.orders.set(orderId, entry);
    const decision = decide(command, entry.state);
    if (!decision.ok) {
      if (source === 'client') throw new Error(`${decision.error.code}: ${decision.error.message}`);
      return [];
    }
    for (const event of decision.events) {
      const before = entry.state;
      entry.state = evolve(entry.state, event);
      entry.events.push(event);
      if (event.type === 'OrderFilled' && exists(before)) this.book(before, event.data.fill);
    }
    return decision.events;
  }

  private book(
    order: Order,
    fill: { amount: Decimal; price: Decimal; fee: Decimal; feeCurrency: string; executedAt: string },
  ) {
    const { side, positionMode, tradeSide } = order.order;
    const key = positionSideFor(positionMode, side, tradeSide);
    const effect = applyFill(this.position(key), { side, ...fill });
    this.positions.set(key, effect.position);
  }

  async place(fields: Record<string, unknown>): Promise<string> {
    const orderId = randomUUID();
    this.apply(
      orderId,
      {
        type: 'PlaceOrder',
        data: {
          orderId,
          account: 'main',
          instrument: this.instrument,
          clientOrderId: `oms-${orderId.slice(0, 8)}`,
          marginMode: 'crossed',
          ...fields,
        },
      } as Omit<OrderCommand, 'metadata'>,
      'client',
    );
    const result = await this.adapter.place(this.order(orderId).order);
    for (const command of placeResultCommands(this.order(orderId), result))
      this.apply(orderId, command, 'venue');
    return orderId;
  }

  async closePosition(fields: { side: 'long' | 'short'; size: Decimal; positionMode: 'one_way' | 'hedge' }) {
    const orderId = randomUUID();
    this.apply(
      orderId,
      {
        type: 'ClosePosition',
        data: {
          orderId,
          account: 'main',
          instrument: this.instrument,
          clientOrderId: `close-${orderId.slice(0, 8)}`,
          type: 'market',
          positionMode: fields.positionMode,
          marginMode: 'crossed',
          position: { side: fields.side, size: fields.size },
        },
      } as Omit<OrderCommand, 'metadata'>,
      'client',
    );
    const result = await this.adapter.closePosition(this.order(orderId).order);
    for (const command of placeResultCommands(this.order(orderId), result))
      this.apply(orderId, command, 'venue');
    return orderId;
  }

  async amend(orderId: string, amendment: Record<string, unknown>) {
    this.apply(
      orderId,
      { type: 'AmendOrder', data: { orderId, amendment } } as Omit<OrderCommand, 'metadata'>,
      'client',
    );
    const order = this.order(orderId);
    const result = await this.adapter.amend(
      this.refOf(order),
      order.order,
      order.pendingAmendment as Amendment,
    );
    for (const command of amendResultCommands(this.order(orderId), result))
      this.apply(orderId, command, 'venue');
    return result;
  }

  async cancel(orderId: string) {
    this.apply(orderId, { type: 'CancelOrder', data: { orderId } }, 'client');
    const result = await this.adapter.cancel(this.refOf(this.order(orderId)));
    for (const command of cancelResultCommands(this.order(orderId), result))
      this.apply(orderId, command, 'venue');
    return result;
  }

  /** Backfills the fills the venue has and the OMS has not (reconciliation after a reconnect). */
  async backfill(since: string) {
    for (const fill of await this.adapter.fills({ instrument: this.instrument, since })) this.onFill(fill);
  }

  refOf(order: Order) {
    return {
      instrument: this.instrument,
      clientOrderId: order.order.clientOrderId,
      venueOrderId: order.venueOrderId,
      positionMode: order.order.positionMode,
    };
  }

  private onReport(report: VenueReport) {
    switch (report.kind) {
      case 'order':
        this.onOrder(report.order, report);
        break;
      case 'fill':
        this.onFill(report.fill, report);
        break;
      case 'positions':
        this.venuePositions = report.positions;
        break;
      case 'unreadable':
        throw new Error(`unreadable ${report.item.what}: ${report.item.error}`);
    }
    // A fill that came before the order push naming its id can be routed now.
    const waiting = this.unrouted.splice(0);
    for (const held of waiting) {
      if (held.kind === 'fill') this.onFill(held.fill, held);
      else this.unrouted.push(held);
    }
  }

  private owner(venueOrderId: string, clientOrderId: string | undefined): string | undefined {
    for (const [orderId, entry] of this.orders) {
      const state = entry.state;
      if (!exists(state)) continue;
      if (state.venueOrderIds.includes(venueOrderId)) return orderId;
      if (
        clientOrderId !== undefined &&
        (state.clientOrderIds.includes(clientOrderId) ||
          state.pendingAmendment?.newClientOrderId === clientOrderId)
      ) {
        return orderId;
      }
    }
    return undefined;
  }

  private onOrder(snapshot: VenueOrderSnapshot, report?: VenueReport) {
    const orderId = this.owner(snapshot.venueOrderId, snapshot.clientOrderId);
    if (orderId === undefined) {
      if (report) this.unrouted.push(report);
      return;
    }
    for (const command of snapshotCommands(this.order(orderId), snapshot))
      this.apply(orderId, command, 'venue');
  }

  private onFill(fill: VenueFill, report?: VenueReport) {
    const orderId = this.owner(fill.venueOrderId, fill.clientOrderId);
    if (orderId === undefined) {
      if (report) this.unrouted.push(report);
      return;
    }
    this.apply(orderId, fillCommand(orderId, fill), 'venue');
  }
}
