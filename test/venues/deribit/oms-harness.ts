import { randomUUID } from 'node:crypto';
import {
  amendResultCommands,
  cancelResultCommands,
  fillCommand,
  type OrderCommandBody,
  placeResultCommands,
  snapshotCommands,
} from '../../../application/orders/report-commands.ts';
import type {
  AmendResult,
  CancelResult,
  PlaceResult,
  VenueOrderSnapshot,
  VenueReport,
} from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { VenueLatency } from '../../../domain/metadata.ts';
import type {
  Amendment,
  CommandOf,
  OrderCommand,
  OrderEvent,
  OrderParams,
} from '../../../domain/order/contract.ts';
import { decide, evolve } from '../../../domain/order/decider.ts';
import { exists, initialState, type Order, type OrderState } from '../../../domain/order/state.ts';
import { applyFill, emptyPosition, type Position } from '../../../domain/position/position.ts';

/**
 * A small OMS for the tests: it keeps each order's state with the domain's `decide` / `evolve`,
 * feeds it the adapter's results and reports through `report-commands.ts`, and keeps a position
 * per instrument with `applyFill`, only for the fills `decide` accepted (so duplicates count once).
 */
export class OmsHarness {
  private readonly states = new Map<string, OrderState>();
  private readonly events = new Map<string, OrderEvent[]>();
  private readonly positionsBySymbol = new Map<string, Position>();
  private readonly byVenueId = new Map<string, string>();
  private readonly byLabel = new Map<string, string>();
  /** Reports about orders not known yet (a push before the reply that names the order). */
  private stash: VenueReport[] = [];
  readonly refused: string[] = [];
  private readonly account: string;

  constructor(account: string) {
    this.account = account;
  }

  /** Records a client's order (PlaceOrder) and returns it as requested. */
  request(order: OrderParams): Order {
    const { intent: _intent, ...fields } = order;
    const command: CommandOf<'PlaceOrder'> = {
      type: 'PlaceOrder',
      data: fields,
      metadata: this.metadata('client'),
    };
    this.run(order.orderId, command);
    this.byLabel.set(order.clientOrderId, order.orderId);
    return this.order(order.orderId);
  }

  /** Records a close-position request for the position the harness holds. */
  requestClose(
    orderId: string,
    instrument: Instrument,
    type: 'limit' | 'market',
    price?: OrderParams['price'],
  ): Order {
    const position = this.position(instrument.symbol);
    const command: CommandOf<'ClosePosition'> = {
      type: 'ClosePosition',
      data: {
        orderId,
        account: this.account,
        instrument,
        clientOrderId: `c-${orderId.replaceAll('-', '')}`,
        type,
        ...(price !== undefined && { price }),
        positionMode: 'one_way',
        position: { side: position.size.isPositive() ? 'long' : 'short', size: position.size.abs() },
      },
      metadata: this.metadata('client'),
    };
    this.run(orderId, command);
    return this.order(orderId);
  }

  requestAmend(orderId: string, amendment: Amendment): void {
    this.run(orderId, {
      type: 'AmendOrder',
      data: { orderId, amendment },
      metadata: this.metadata('client'),
    });
  }

  requestCancel(orderId: string): void {
    this.run(orderId, { type: 'CancelOrder', data: { orderId }, metadata: this.metadata('client') });
  }

  placed(orderId: string, result: PlaceResult): void {
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    this.feed(orderId, placeResultCommands(this.order(orderId), result), latency);
  }

  amended(orderId: string, result: AmendResult): void {
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    this.feed(orderId, amendResultCommands(this.order(orderId), result), latency);
  }

  cancelled(orderId: string, result: CancelResult): void {
    const latency = result.outcome === 'unknown' ? undefined : result.latency;
    this.feed(orderId, cancelResultCommands(this.order(orderId), result), latency);
  }

  /** A report pushed by the venue (or found by a lookup). */
  report(report: VenueReport): void {
    if (report.kind === 'positions' || report.kind === 'unreadable') return;
    const orderId = this.orderIdOf(report);
    if (orderId === undefined) {
      this.stash.push(report);
      return;
    }
    if (report.kind === 'fill') {
      this.feed(orderId, [fillCommand(orderId, report.fill)]);
    } else {
      this.snapshot(orderId, report.order);
    }
  }

  snapshot(orderId: string, snapshot: VenueOrderSnapshot): void {
    this.feed(orderId, snapshotCommands(this.order(orderId), snapshot));
  }

  order(orderId: string): Order {
    const state = this.states.get(orderId);
    if (state === undefined || !exists(state)) throw new Error(`no order ${orderId}`);
    return state;
  }

  eventsOf(orderId: string): OrderEvent[] {
    return this.events.get(orderId) ?? [];
  }

  eventTypes(orderId: string): string[] {
    return this.eventsOf(orderId).map((event) => event.type);
  }

  allEvents(): OrderEvent[] {
    return [...this.events.values()].flat();
  }

  position(symbol: string): Position {
    return (
      this.positionsBySymbol.get(symbol) ??
      emptyPosition(
        { venue: 'deribit', account: this.account, symbol, side: 'net' },
        { settlement: 'linear', settlementCurrency: 'USD' },
      )
    );
  }

  private orderIdOf(report: Exclude<VenueReport, { kind: 'positions' | 'unreadable' }>): string | undefined {
    const { venueOrderId, clientOrderId } = report.kind === 'fill' ? report.fill : report.order;
    return (
      (venueOrderId === undefined ? undefined : this.byVenueId.get(venueOrderId)) ??
      (clientOrderId === undefined ? undefined : this.byLabel.get(clientOrderId))
    );
  }

  private feed(orderId: string, bodies: OrderCommandBody[], latency?: VenueLatency): void {
    for (const body of bodies) {
      this.run(orderId, { ...body, metadata: this.metadata('venue', latency) } as OrderCommand);
    }
  }

  private run(orderId: string, command: OrderCommand): void {
    const decision = decide(command, this.states.get(orderId) ?? initialState);
    if (!decision.ok) {
      this.refused.push(`${command.type}: ${decision.error.code} ${decision.error.message}`);
      return;
    }
    let learned = false;
    for (const event of decision.events) {
      const state = evolve(this.states.get(orderId) ?? initialState, event);
      this.states.set(orderId, state);
      this.events.set(orderId, [...this.eventsOf(orderId), event]);
      if (event.type === 'OrderAccepted') {
        this.byVenueId.set(event.data.venueOrderId, orderId);
        learned = true;
      }
      if (event.type === 'OrderFilled' && exists(state)) this.applyToPosition(state, event);
    }
    // Reports that waited for this order's venue id, once its state is recorded.
    if (learned) {
      const waiting = this.stash;
      this.stash = [];
      for (const report of waiting) this.report(report);
    }
  }

  private applyToPosition(order: Order, event: Extract<OrderEvent, { type: 'OrderFilled' }>): void {
    const { instrument, side } = order.order;
    const current =
      this.positionsBySymbol.get(instrument.symbol) ??
      emptyPosition(
        { venue: 'deribit', account: this.account, symbol: instrument.symbol, side: 'net' },
        instrument,
      );
    const { fill } = event.data;
    const effect = applyFill(current, {
      side,
      amount: fill.amount,
      price: fill.price,
      fee: fill.fee,
      feeCurrency: fill.feeCurrency,
      executedAt: fill.executedAt,
    });
    this.positionsBySymbol.set(instrument.symbol, effect.position);
  }

  private metadata(source: 'client' | 'venue', latency?: VenueLatency) {
    return {
      commandId: randomUUID(),
      correlationId: randomUUID(),
      recordedAt: new Date().toISOString(),
      source,
      ...(latency !== undefined && { venueLatency: latency }),
    };
  }
}
