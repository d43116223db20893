import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KillSwitchState } from '../../domain/control/kill-switch.ts';
import { ZERO } from '../../domain/decimal.ts';
import type { Instrument, Venue } from '../../domain/instrument.ts';
import type { CommandMetadata } from '../../domain/metadata.ts';
import type { OrderCommand } from '../../domain/order/contract.ts';
import { decide } from '../../domain/order/decider.ts';
import { exists, initialState, type OrderState } from '../../domain/order/state.ts';
import { KillSwitch } from '../control/kill-switch.ts';
import type { EventStore } from '../ports/event-store.ts';
import type { SubmissionProcessor } from '../submission/submission.ts';
import type { VenueEntry } from '../venues/venue-registry.ts';
import { clientOrderIdFor, nextReplacementClientOrderId } from './client-order-id.ts';
import { deterministicId, orderIdForKey } from './ids.ts';
import type { HandleResult, LoadedOrder, OrderHandler } from './order-handler.ts';
import { type OrderView, type TimelineEntry, toOrderView, toTimeline } from './order-view.ts';
import { PreTradeGate, type PreTradeGateOptions } from './pre-trade-gate.ts';
import type {
  AmendOrderRequest,
  CancelAllRequest,
  ClosePositionRequest,
  KillSwitchRequest,
  PlaceOrderRequest,
} from './requests.ts';
import {
  type CommandResult,
  fail,
  ok,
  type RequestContext,
  type ServiceError,
  type ServiceResult,
} from './service-result.ts';
import { VenueAccounts } from './venue-accounts.ts';

/** What the service needs besides what its pre-trade gate needs (the gate's kill switch is the service's). */
export interface OrderServiceOptions<P> extends Omit<PreTradeGateOptions, 'killSwitchEngaged'> {
  store: EventStore<P>;
  handler: OrderHandler<P>;
  processor: SubmissionProcessor<P>;
  logger: Logger;
  now: () => number;
  defaultWaitMs?: number;
}

/**
 * The order service: what the HTTP API and the CLI call. It validates a request against the
 * venues, instruments and pre-trade limits, records it through the order handler, hands it to
 * the submission processor and waits (briefly) for the venue's answer.
 */
export class OrderService<P> {
  readonly #o: Required<Omit<OrderServiceOptions<P>, 'defaultWaitMs'>> & { defaultWaitMs: number };
  readonly #killSwitch: KillSwitch<P>;
  readonly #accounts: VenueAccounts;
  readonly #gate: PreTradeGate;

  constructor(options: OrderServiceOptions<P>) {
    this.#o = { defaultWaitMs: 5_000, ...options };
    this.#killSwitch = new KillSwitch({ store: options.store, logger: options.logger, now: options.now });
    this.#accounts = new VenueAccounts(options);
    this.#gate = new PreTradeGate({ ...options, killSwitchEngaged: () => this.#killSwitch.state.engaged });
  }

  /** Loads the kill switch's state from its stream. */
  async start(): Promise<void> {
    await this.#killSwitch.start();
  }

  get killSwitch(): KillSwitchState {
    return this.#killSwitch.state;
  }

  async place(
    request: PlaceOrderRequest,
    context: RequestContext = {},
  ): Promise<ServiceResult<CommandResult>> {
    const target = await this.#newOrder(request, context);
    if (!target.ok) return target;
    const { entry, settings, instrument, orderId } = target.value;
    const { venue: _venue, account: _account, symbol: _symbol, ...fields } = request;
    const positionMode = request.positionMode ?? settings.positionMode;
    const marginMode = request.marginMode ?? settings.marginMode;
    const command = this.#command(
      context,
      {
        type: 'PlaceOrder',
        data: {
          ...fields,
          orderId,
          account: settings.account,
          instrument,
          clientOrderId: clientOrderIdFor(orderId),
          timeInForce: request.timeInForce ?? 'gtc',
          reduceOnly: request.reduceOnly ?? false,
          postOnly: request.postOnly ?? false,
          rejectPostOnly: request.rejectPostOnly ?? false,
          positionMode,
          ...(entry.adapter.capabilities.marginModePerOrder && marginMode !== undefined && { marginMode }),
        },
      },
      { place: request },
    );
    return this.#submitNew(command, entry, context);
  }

  async closePosition(
    request: ClosePositionRequest,
    context: RequestContext = {},
  ): Promise<ServiceResult<CommandResult>> {
    const target = await this.#newOrder(request, context);
    if (!target.ok) return target;
    const { entry, settings, instrument, orderId } = target.value;
    const hedge = settings.positionMode === 'hedge';
    const retry = context.idempotencyKey !== undefined && exists((await this.#o.handler.load(orderId)).state);
    let side: 'long' | 'short' = request.side ?? 'long';
    let size = ZERO;
    // A retried close answers with the first one, whatever the position has become since.
    if (!retry) {
      if (hedge && request.side === undefined) {
        return fail('INVALID_ORDER', 'in hedge mode, say which leg to close (side long or short)', {
          field: 'side',
        });
      }
      const position = await this.#gate.position(settings, instrument, hedge ? side : 'net');
      if (!position || position.size.isZero()) {
        return fail('NOTHING_TO_CLOSE', `no ${hedge ? `${side} ` : ''}position in ${instrument.symbol}`);
      }
      if (!hedge) side = position.size.isPositive() ? 'long' : 'short';
      size = position.size.abs();
    }
    const marginMode = request.marginMode ?? settings.marginMode;
    const command = this.#command(
      context,
      {
        type: 'ClosePosition',
        data: {
          orderId,
          account: settings.account,
          instrument,
          clientOrderId: clientOrderIdFor(orderId),
          type: request.type,
          ...(request.price !== undefined && { price: request.price }),
          positionMode: settings.positionMode,
          ...(entry.adapter.capabilities.marginModePerOrder && marginMode !== undefined && { marginMode }),
          position: { side, size },
        },
      },
      { close: request },
    );
    return this.#submitNew(command, entry, context);
  }

  async amend(
    orderId: string,
    request: AmendOrderRequest,
    context: RequestContext = {},
  ): Promise<ServiceResult<CommandResult>> {
    const loaded = await this.#o.handler.load(orderId);
    if (!exists(loaded.state)) return fail('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    const order = loaded.state;
    const entry = this.#o.registry.get(order.order.instrument.venue, order.order.account);
    const amendment = {
      ...request,
      ...(entry?.adapter.capabilities.amendReplacesOrder && {
        newClientOrderId: nextReplacementClientOrderId(orderId, order.clientOrderIds),
      }),
    };
    // An amend passes the same checks as a placement, on the order's new terms.
    const amended = {
      ...order.order,
      ...(request.price !== undefined && { price: request.price }),
      ...(request.amount !== undefined && { amount: request.amount }),
      ...(request.triggerPrice !== undefined && { triggerPrice: request.triggerPrice }),
    };
    const violation = await this.#gate.check(amended, order);
    if (violation) {
      return fail(
        violation.code,
        violation.message,
        violation.field ? { field: violation.field } : undefined,
      );
    }
    const command = this.#command(
      context,
      { type: 'AmendOrder', data: { orderId, amendment } },
      { amend: orderId, request },
    );
    return this.#followUp(command, context);
  }

  async cancel(orderId: string, context: RequestContext = {}): Promise<ServiceResult<CommandResult>> {
    const command = this.#command(context, { type: 'CancelOrder', data: { orderId } }, { cancel: orderId });
    return this.#followUp(command, context);
  }

  /**
   * An operator closes an order the venue no longer has (after a reconciliation break): recorded as
   * its cancellation (`cancelled`, or `lost` at the venue) with the operator's reason; nothing is sent.
   */
  async resolveOrder(
    orderId: string,
    as: 'cancelled' | 'lost',
    reason: string,
    context: RequestContext = {},
  ): Promise<ServiceResult<CommandResult>> {
    const data = { orderId, as, reason };
    return this.#followUp(this.#command(context, { type: 'ResolveOrder', data }, data), {
      ...context,
      waitMs: 0,
    });
  }

  /** Cancels every live order (of a venue, account or instrument): each cancel is recorded and sent. */
  async cancelAll(
    request: CancelAllRequest,
    context: RequestContext = {},
  ): Promise<ServiceResult<{ cancelled: string[]; failed: { orderId: string; error: ServiceError }[] }>> {
    const cancelled: string[] = [];
    const failed: { orderId: string; error: ServiceError }[] = [];
    const scope = this.#o.accounts.filter(
      (a) =>
        (!request.venue || a.venue === request.venue) && (!request.account || a.account === request.account),
    );
    if (request.symbol !== undefined) {
      // An unknown or mis-cased symbol would cancel nothing and look like success: refuse it.
      const listed = await Promise.all(scope.map((a) => this.#listed(a.venue, a.account, request.symbol!)));
      if (!listed.some((l) => l.ok)) {
        return fail(
          'UNKNOWN_INSTRUMENT',
          `no venue in scope lists ${request.symbol} (symbols are case-sensitive)`,
          {
            field: 'symbol',
          },
        );
      }
    }
    await this.#o.readModelCaughtUp();
    for (const settings of scope) {
      const live = await this.#o.readModel.liveOrders(settings.venue, settings.account);
      for (const ref of live) {
        if (request.symbol && ref.symbol !== request.symbol) continue;
        const result = await this.cancel(ref.orderId, { ...context, idempotencyKey: undefined, waitMs: 0 });
        if (result.ok || result.error.code === 'REQUEST_ALREADY_PENDING') cancelled.push(ref.orderId);
        else if (result.error.code !== 'ORDER_ALREADY_CLOSED')
          failed.push({ orderId: ref.orderId, error: result.error });
      }
    }
    return ok({ cancelled, failed });
  }

  async setKillSwitch(
    request: KillSwitchRequest,
    by: string,
  ): Promise<ServiceResult<KillSwitchState & { cancelled?: string[] }>> {
    const { state, eventId } = await this.#killSwitch.set(request.engaged, request.reason, by);
    if (request.engaged && request.cancelAll) {
      // The cancels follow from the switch: its event is their cause and correlation.
      const cause = eventId === undefined ? {} : { causationId: eventId, correlationId: eventId };
      const all = await this.cancelAll({}, { source: 'system', by, ...cause });
      return ok({ ...state, ...(all.ok && { cancelled: all.value.cancelled }) });
    }
    return ok(state);
  }

  /** An instrument of a venue account, with the venue's mark price (undefined if it does not answer). */
  async instrument(
    venue: Venue,
    account: string | undefined,
    symbol: string,
  ): Promise<ServiceResult<{ instrument: Instrument; markPrice: string | null }>> {
    const target = await this.#listed(venue, account, symbol);
    if (!target.ok) return target;
    const { entry, instrument } = target.value;
    const mark = await this.#o.market.markPrice(entry, instrument);
    return ok({ instrument, markPrice: mark?.toString() ?? null });
  }

  async getOrder(orderId: string): Promise<ServiceResult<OrderView>> {
    const loaded = await this.#o.handler.load(orderId);
    if (!exists(loaded.state)) return fail('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    return ok(toOrderView(loaded.state, loaded));
  }

  async history(orderId: string): Promise<ServiceResult<TimelineEntry[]>> {
    const loaded = await this.#o.handler.load(orderId);
    if (!exists(loaded.state)) return fail('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    return ok(toTimeline(loaded));
  }

  // ----------------------------------------------------------------------------------------------

  /** The venue account and instrument of a new order, and its id (derived from its idempotency key). */
  async #newOrder(
    request: { venue: Venue; account?: string | undefined; symbol: string },
    context: RequestContext,
  ) {
    const target = await this.#listed(request.venue, request.account, request.symbol);
    if (!target.ok) return target;
    const orderId = context.idempotencyKey ? orderIdForKey(context.idempotencyKey) : randomUUID();
    return ok({ ...target.value, orderId });
  }

  #listed(venue: Venue, account: string | undefined, symbol: string) {
    return this.#accounts.listed(venue, account, symbol);
  }

  /** The command with its metadata; `request` is what the client asked, digested for idempotency. */
  #command(context: RequestContext, body: Omit<OrderCommand, 'metadata'>, request: unknown): OrderCommand {
    const metadata: CommandMetadata = {
      commandId: context.idempotencyKey
        ? deterministicId('command', body.type, context.idempotencyKey)
        : randomUUID(),
      ...(context.idempotencyKey !== undefined && {
        idempotencyKey: context.idempotencyKey,
        payloadDigest: createHash('sha256').update(JSON.stringify(request)).digest('base64url'),
      }),
      correlationId: context.correlationId ?? randomUUID(),
      ...(context.causationId !== undefined && { causationId: context.causationId }),
      recordedAt: new Date(this.#o.now()).toISOString(),
      source: context.source ?? 'client',
      ...(context.by !== undefined && { by: context.by }),
    };
    return { ...body, metadata } as OrderCommand;
  }

  /**
   * A new order: pre-trade checks, record, send, wait for the answer. A retried request (its
   * Idempotency-Key seen before) is answered with its first outcome whatever the checks say now:
   * when they refuse, the order's stream is read to tell a retry from a new request; when they
   * pass, the append (which expects no stream) tells, and the first outcome is replayed. No read
   * for a new order that passes.
   */
  async #submitNew(
    command: OrderCommand,
    entry: VenueEntry,
    context: RequestContext,
  ): Promise<ServiceResult<CommandResult>> {
    const orderId =
      command.type === 'RecordExternalOrder' ? command.data.order.orderId : command.data.orderId;
    const refusal = await this.#preTrade(command, entry);
    if (
      refusal &&
      (context.idempotencyKey === undefined || !exists((await this.#o.handler.load(orderId)).state))
    ) {
      return refusal;
    }
    const result = await this.#o.handler.handle(command);
    // Recorded just now by this request, never sent: its first send needs no look-up first.
    if (result.ok && result.kind === 'applied' && !refusal) this.#o.processor.markFresh(orderId);
    return this.#handled(result, context);
  }

  /** Why a new order may not go now (its own validity, the venue's state, the pre-trade limits). */
  async #preTrade(command: OrderCommand, entry: VenueEntry): Promise<ServiceResult<never> | undefined> {
    const decision = decide(command, initialState);
    if (!decision.ok)
      return fail(
        decision.error.code,
        decision.error.message,
        decision.error.field ? { field: decision.error.field } : undefined,
      );
    const requested = decision.events[0];
    if (requested?.type !== 'OrderRequested') throw new Error('a new order decides OrderRequested first');
    if (!this.#o.registry.isTrading(entry)) {
      const status = this.#o.registry
        .statuses()
        .find((s) => s.venue === entry.adapter.venue && s.account === entry.adapter.account);
      return fail(
        'VENUE_PAUSED',
        `${entry.key} is not taking orders now (${status?.pausedReason ?? 'paused'})`,
      );
    }
    if (this.#o.registry.isBusy(entry)) {
      return fail(
        'VENUE_BUSY',
        `${entry.key} takes no new order for a moment: this OMS is at the venue's request rate limit; retry shortly`,
      );
    }
    const violation = await this.#gate.check(requested.data.order, undefined);
    if (violation)
      return fail(
        violation.code,
        violation.message,
        violation.field ? { field: violation.field } : undefined,
      );
    return undefined;
  }

  /** A request on an existing order (amend, cancel): record, send, wait for the answer. */
  async #followUp(command: OrderCommand, context: RequestContext): Promise<ServiceResult<CommandResult>> {
    return this.#handled(await this.#o.handler.handle(command), context);
  }

  async #handled(result: HandleResult<P>, context: RequestContext): Promise<ServiceResult<CommandResult>> {
    if (!result.ok) {
      const { code, message } = result.error;
      const field = result.kind === 'refused' ? result.error.field : undefined;
      return fail(code, message, field ? { field } : undefined);
    }
    let state: OrderState = result.state;
    if (!exists(state)) throw new Error('a handled order command leaves an order');
    const orderId = state.order.orderId;
    const waitMs = context.waitMs ?? this.#o.defaultWaitMs;
    if (result.kind === 'applied' && waitMs > 0) {
      await this.#o.processor.runNow(orderId, waitMs);
    }
    const loaded: LoadedOrder<P> = await this.#o.handler.load(orderId);
    state = loaded.state;
    if (!exists(state)) throw new Error(`order ${orderId} vanished`);
    return ok({ order: toOrderView(state, loaded), replayed: result.kind === 'replayed' });
  }
}
