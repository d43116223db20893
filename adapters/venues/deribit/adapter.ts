import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import { z } from 'zod';
import type {
  AmendResult,
  CancelResult,
  PlaceOptions,
  PlaceResult,
  VenueAdapter,
  VenueConnectionState,
  VenueFill,
  VenueOrderRef,
  VenueOrderSnapshot,
  VenuePosition,
  VenueRefusal,
  VenueReport,
  VenueUnknown,
} from '../../../application/ports/venue.ts';
import type { Decimal } from '../../../domain/decimal.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { Amendment, OrderParams } from '../../../domain/order/contract.ts';
import type { VenueSocket } from '../venue-socket.ts';
import { createWsSession, type WsSession } from '../ws-session.ts';
import { DeribitError, DeribitRpcError } from './errors.ts';
import { type HttpAuth, httpRequest } from './http-rpc.ts';
import {
  currencyOf,
  domainInstrument,
  orderEntryParams,
  orderReplyOf,
  orderSnapshot,
  venueFill,
  venuePosition,
} from './mapping.ts';
import { CreditLimiter, DERIBIT_DEFAULT_RATE_LIMITS, poolOf, RateLimitsSchema } from './rate-limits.ts';
import {
  AuthResultSchema,
  CountSchema,
  describeIssues,
  InstrumentListSchema,
  type Notification,
  OkSchema,
  OrderListSchema,
  PositionListSchema,
  SubscribedChannelsSchema,
  TickerSchema,
  TradesByInstrumentSchema,
  TradesByOrderSchema,
  WireOrderSchema,
  WireTradeSchema,
} from './schemas.ts';
import { clientSignature } from './signing.ts';
import { type RpcReply, WsRpcConnection } from './ws-rpc.ts';

/**
 * The Deribit adapter: JSON-RPC over WebSocket (primary) and HTTP, behind the venue port.
 *
 * - Authenticates with client credentials or a client signature; refreshes the token before
 *   `expires_in` runs out; re-authenticates after a reconnect (tokens are connection-scoped).
 * - Heartbeats: `public/set_heartbeat`, every `test_request` answered with `public/test`; a socket
 *   silent for `deadAfterMs` is dropped. Reconnects with exponential backoff and jitter,
 *   resubscribes, then reports `connected` with `reconnects` incremented: the cue to reconcile.
 * - Subscribes to `user.orders.any.any.raw` and `user.trades.any.any.raw`; pushes become
 *   `reports$` (they may arrive before the reply of the request that caused them).
 * - Three outcomes per request: `accepted`; `rejected` only on an error code that proves the
 *   request had no effect (see `errors.ts`); `unknown` for timeouts, disconnects, retryable codes
 *   and replies that do not parse.
 * - A client-side credit limiter on Deribit's model, so the adapter never trips 10028 itself.
 * - Secrets never reach a log, an error or a report.
 */

export const DeribitAdapterOptionsSchema = z
  .object({
    /** Our name for the venue account (reports carry it). */
    account: z.string().min(1),
    wsUrl: z.string().url(),
    httpUrl: z.string().url(),
    credentials: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }).strict(),
    auth: z.enum(['client_credentials', 'client_signature']).default('client_credentials'),
    /** Every request's deadline (also the WebSocket handshake's). */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** `public/set_heartbeat` interval; Deribit's minimum is 10 s. */
    heartbeatIntervalSec: z.number().positive().default(10),
    /** A socket silent this long is dead (default: two heartbeat intervals plus a second). */
    deadAfterMs: z.number().int().positive().optional(),
    rateLimits: RateLimitsSchema.default(DERIBIT_DEFAULT_RATE_LIMITS),
    /**
     * Credits kept in hand, as refill time: the venue charges a request when it arrives, so
     * uneven network delays leave its count behind ours by up to this much refill.
     */
    rateLimitMarginMs: z.number().int().min(0).default(500),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().positive().default(250),
        maxDelayMs: z.number().int().positive().default(10_000),
        /** The project's one backoff doubles the delay: 2 is the only factor (kept for older configurations). */
        factor: z.literal(2).optional(),
      })
      .strict()
      .default({ initialDelayMs: 250, maxDelayMs: 10_000 }),
    /** How long `connect()` keeps trying before it gives up. */
    connectTimeoutMs: z.number().int().positive().default(30_000),
    /** Requests go over the WebSocket when it is up (HTTP otherwise), or always over HTTP. */
    requestTransport: z.enum(['ws', 'http']).default('ws'),
    /** Refresh the token when this share of its lifetime has passed. */
    tokenRefreshAt: z.number().gt(0).lt(1).default(0.8),
  })
  .strict();
export type DeribitAdapterConfig = z.output<typeof DeribitAdapterOptionsSchema>;

export interface DeribitAdapterOptions extends z.input<typeof DeribitAdapterOptionsSchema> {
  logger: Logger;
  /** The adapter's clock in ms (signature timestamps, receivedAt, liveness). Default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
}

export interface DeribitAdapter extends VenueAdapter {
  readonly venue: 'deribit';
  /** Pushes that did not match their schema (each is logged, naming the field). */
  readonly protocolErrors: number;
}

const CHANNELS = ['user.orders.any.any.raw', 'user.trades.any.any.raw'];
/** Keys that must never be logged. */
const REDACT = [
  'access_token',
  'refresh_token',
  'client_secret',
  'clientSecret',
  'signature',
  'authorization',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.clientSecret',
  '*.signature',
  '*.authorization',
];

const closedError = (method?: string) =>
  new DeribitError('DERIBIT_CLOSED', `${method ? `${method}: ` : ''}the adapter is closed`, false);

interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

class DeribitAdapterImpl implements DeribitAdapter {
  readonly venue = 'deribit' as const;
  readonly account: string;
  // Labels are not unique (a resend waits for valid_until); private/edit keeps the order; no margin
  // mode on orders.
  readonly capabilities = {
    uniqueClientOrderIds: false,
    amendReplacesOrder: false,
    marginModePerOrder: false,
  };
  protocolErrors = 0;

  private readonly config: DeribitAdapterConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly limiter: CreditLimiter;
  private readonly reports = new Subject<VenueReport>();
  private readonly connection: WsSession<WsRpcConnection>;
  readonly state$: Observable<VenueConnectionState>;
  readonly reports$: Observable<VenueReport> = this.reports.asObservable();

  private session: Session | undefined;
  private httpSession: Session | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(options: DeribitAdapterOptions) {
    const { logger, now, random, ...rest } = options;
    this.config = DeribitAdapterOptionsSchema.parse(rest);
    this.account = this.config.account;
    this.now = now ?? Date.now;
    this.random = random ?? Math.random;
    this.logger = logger.child({ venue: 'deribit', account: this.account }, { redact: REDACT });
    this.limiter = new CreditLimiter(this.config.rateLimits, this.now());
    const deadAfterMs = this.config.deadAfterMs ?? this.config.heartbeatIntervalSec * 2000 + 1000;
    this.connection = createWsSession({
      name: 'deribit',
      url: this.config.wsUrl,
      logger: this.logger,
      now: this.now,
      random: this.random,
      backoff: this.config.reconnect,
      connectTimeoutMs: this.config.connectTimeoutMs,
      openTimeoutMs: this.config.requestTimeoutMs,
      handshake: (socket) => this.handshake(socket),
      isFatal: (error) => error instanceof DeribitRpcError && error.venueCode === 13004,
      // Deribit's keepalive is its heartbeat: every test_request is answered (see onNotification).
      keepalive: { intervalMs: Math.max(50, Math.min(1000, Math.floor(deadAfterMs / 4))), deadAfterMs },
      onLinkDown: () => this.onLinkDown(),
      closedError,
    });
    this.state$ = this.connection.state$;
  }

  // ----------------------------------------------------------------------------------------------
  // Connection
  // ----------------------------------------------------------------------------------------------

  async connect(): Promise<void> {
    if (this.closing) throw closedError();
    await this.connection.start();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.connection.close();
    this.reports.complete();
  }

  /** On a fresh socket: authenticates, sets the heartbeat and subscribes. */
  private async handshake(socket: VenueSocket): Promise<WsRpcConnection> {
    const ws = new WsRpcConnection(socket, this.logger);
    ws.notifications$.subscribe((notification) => this.onNotification(ws, notification));
    await this.authenticate(ws);
    const ok = await this.rpc(ws, 'public/set_heartbeat', { interval: this.config.heartbeatIntervalSec });
    this.parse(OkSchema, ok.result, 'public/set_heartbeat');
    const subscribed = this.parse(
      SubscribedChannelsSchema,
      (await this.rpc(ws, 'private/subscribe', { channels: CHANNELS })).result,
      'private/subscribe',
    );
    const missing = CHANNELS.filter((channel) => !subscribed.includes(channel));
    if (missing.length > 0) {
      throw new DeribitError('DERIBIT_PROTOCOL_ERROR', `subscription refused: ${missing.join(', ')}`, true);
    }
    return ws;
  }

  /** The connection's link is gone: its token and its refresh go with it (tokens are connection-scoped). */
  private onLinkDown(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.session = undefined;
  }

  // ----------------------------------------------------------------------------------------------
  // Authentication
  // ----------------------------------------------------------------------------------------------

  private authParams(): Record<string, unknown> {
    const { clientId, clientSecret } = this.config.credentials;
    if (this.config.auth === 'client_credentials') {
      return { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret };
    }
    const timestamp = this.now();
    const nonce = randomBytes(8).toString('hex');
    return {
      grant_type: 'client_signature',
      client_id: clientId,
      timestamp,
      nonce,
      data: '',
      signature: clientSignature(clientSecret, timestamp, nonce, ''),
    };
  }

  private sessionOf(result: unknown): Session {
    const auth = this.parse(AuthResultSchema, result, 'public/auth');
    return {
      accessToken: auth.access_token,
      refreshToken: auth.refresh_token,
      expiresAt: this.now() + auth.expires_in * 1000,
    };
  }

  private async authenticate(ws: WsRpcConnection): Promise<void> {
    const reply = await this.rpc(ws, 'public/auth', this.authParams());
    this.session = this.sessionOf(reply.result);
    this.scheduleRefresh(ws);
    this.logger.info('deribit: authenticated');
  }

  private scheduleRefresh(ws: WsRpcConnection): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    const session = this.session;
    if (session === undefined) return;
    const lifetime = Math.max(0, session.expiresAt - this.now());
    this.refreshTimer = setTimeout(
      () => void this.refresh(ws),
      Math.floor(lifetime * this.config.tokenRefreshAt),
    );
  }

  /** Refresh before expiry; if the refresh token is refused, authenticate afresh; else drop the socket. */
  private async refresh(ws: WsRpcConnection): Promise<void> {
    if (ws !== this.connection.link() || this.session === undefined) return;
    try {
      const reply = await this.rpc(ws, 'public/auth', {
        grant_type: 'refresh_token',
        refresh_token: this.session.refreshToken,
      });
      this.session = this.sessionOf(reply.result);
      this.scheduleRefresh(ws);
      this.logger.debug('deribit: token refreshed');
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        'deribit: token refresh failed, authenticating again',
      );
      try {
        await this.authenticate(ws);
      } catch (again) {
        this.logger.error(
          { err: (again as Error).message },
          'deribit: re-authentication failed, reconnecting',
        );
        ws.terminate();
      }
    }
  }

  private async httpAuth(force: boolean): Promise<HttpAuth> {
    const { clientId, clientSecret } = this.config.credentials;
    if (this.config.auth === 'client_signature') {
      return { kind: 'signature', clientId, clientSecret, now: this.now };
    }
    const current = this.httpSession;
    if (!force && current !== undefined && current.expiresAt - this.now() > this.config.requestTimeoutMs) {
      return { kind: 'bearer', token: current.accessToken };
    }
    await this.reserve('public/auth');
    const reply = await httpRequest({
      baseUrl: this.config.httpUrl,
      method: 'public/auth',
      params: this.authParams(),
      timeoutMs: this.config.requestTimeoutMs,
      auth: { kind: 'none' },
      logger: this.logger,
    });
    this.httpSession = this.sessionOf(reply.result);
    return { kind: 'bearer', token: this.httpSession.accessToken };
  }

  // ----------------------------------------------------------------------------------------------
  // Requests
  // ----------------------------------------------------------------------------------------------

  /** Waits for the credits of a request; refuses (not sent) when that would exceed the timeout. */
  private async reserve(method: string): Promise<void> {
    const wait = this.limiter.reserve(
      method,
      this.now(),
      this.config.requestTimeoutMs,
      this.config.rateLimitMarginMs,
    );
    if (wait === undefined) {
      throw new DeribitError(
        'DERIBIT_RATE_LIMITED',
        `${method}: the ${poolOf(method)} credit pool cannot take it within ${this.config.requestTimeoutMs} ms; not sent`,
        false,
      );
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** A request on a given socket (session set-up). */
  private async rpc(ws: WsRpcConnection, method: string, params: Record<string, unknown>): Promise<RpcReply> {
    await this.reserve(method);
    return ws.request(method, params, this.config.requestTimeoutMs);
  }

  /**
   * A request over the WebSocket when it is up, else over HTTP. A refusal for want of
   * authentication (10000, 13009) proves nothing was done: authenticate again and retry once.
   */
  private async request(method: string, params: Record<string, unknown>): Promise<RpcReply> {
    if (this.closing) throw closedError(method);
    const ws = this.connection.link();
    const overWs = this.config.requestTransport === 'ws' && ws !== undefined && ws.isOpen;
    const once = async (retry: boolean): Promise<RpcReply> => {
      if (overWs) {
        if (retry) {
          await this.authenticate(ws).catch((error: unknown) => {
            throw new DeribitError(
              'DERIBIT_DISCONNECTED',
              `${method}: not re-sent: ${(error as Error).message}`,
              false,
            );
          });
        }
        return this.rpc(ws, method, params);
      }
      const auth = await this.httpAuth(retry).catch((error: unknown) => {
        // The request itself has not left: whatever happened to the authentication, it was not sent.
        throw new DeribitError(
          error instanceof DeribitError ? error.code : 'DERIBIT_HTTP_ERROR',
          `${method}: not sent, HTTP authentication failed: ${(error as Error).message}`,
          false,
        );
      });
      await this.reserve(method);
      return httpRequest({
        baseUrl: this.config.httpUrl,
        method,
        params,
        timeoutMs: this.config.requestTimeoutMs,
        auth,
        logger: this.logger,
      });
    };
    try {
      return await once(false);
    } catch (error) {
      if (error instanceof DeribitRpcError && error.classification.reauthenticate) {
        this.logger.warn(
          { method, code: error.venueCode },
          'deribit: not authenticated, authenticating again',
        );
        try {
          return await once(true);
        } catch (again) {
          // A re-authentication that failed sent nothing more: the venue's refusal stands.
          if (again instanceof DeribitError && !(again instanceof DeribitRpcError) && !again.sent)
            throw error;
          throw again;
        }
      }
      throw error;
    }
  }

  private parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new DeribitError(
      'DERIBIT_PROTOCOL_ERROR',
      `${what}: unreadable reply: ${describeIssues(parsed.error, value)}`,
      true,
    );
  }

  /** The outcome of a failed request that was meant to change something at the venue. */
  private failureOutcome(method: string, error: unknown): VenueRefusal | VenueUnknown {
    if (error instanceof DeribitRpcError) {
      const { classification, venueCode, venueMessage, latency, detail: message } = error;
      this.logger.warn(
        { method, code: venueCode, outcome: classification.outcome },
        `deribit: ${venueMessage}`,
      );
      if (classification.outcome === 'rejected') {
        return { outcome: 'rejected', venueCode: String(venueCode), message, ...(latency && { latency }) };
      }
      return {
        outcome: 'unknown',
        reason: message,
        venueCode: String(venueCode),
        retryable: classification.retryable,
      };
    }
    if (error instanceof DeribitError) {
      this.logger.warn({ method, code: error.code, sent: error.sent }, `deribit: ${error.message}`);
      if (!error.sent) {
        // Nothing left the adapter: the venue cannot have acted on it.
        return { outcome: 'rejected', venueCode: 'not_sent', message: error.message, notSent: true };
      }
      return {
        outcome: 'unknown',
        reason: error.message,
        retryable: error.code !== 'DERIBIT_PROTOCOL_ERROR',
      };
    }
    this.logger.error({ method, err: (error as Error)?.message }, 'deribit: unexpected failure');
    return {
      outcome: 'unknown',
      reason: `unexpected failure: ${(error as Error)?.message}`,
      retryable: false,
    };
  }

  // ----------------------------------------------------------------------------------------------
  // Pushes
  // ----------------------------------------------------------------------------------------------

  private onNotification(ws: WsRpcConnection, notification: Notification): void {
    if (notification.method === 'heartbeat') {
      if (notification.params.type === 'test_request') {
        // Answer at once (the reply is not awaited); the credits are taken even if it means debt.
        this.limiter.reserve('public/test', this.now(), Number.POSITIVE_INFINITY);
        ws.notify('public/test', {});
      }
      return;
    }
    const { channel, data } = notification.params;
    const receivedAt = new Date(this.now()).toISOString();
    if (channel.startsWith('user.orders.')) {
      for (const raw of Array.isArray(data) ? data : [data]) {
        const order = WireOrderSchema.safeParse(raw);
        if (!order.success) {
          this.protocolError(channel, describeIssues(order.error, raw));
          continue;
        }
        this.reports.next({ kind: 'order', order: orderSnapshot(this.account, order.data, raw), receivedAt });
      }
      return;
    }
    if (channel.startsWith('user.trades.')) {
      for (const raw of Array.isArray(data) ? data : [data]) {
        const trade = WireTradeSchema.safeParse(raw);
        if (!trade.success) {
          this.protocolError(channel, describeIssues(trade.error, raw));
          continue;
        }
        this.reports.next({ kind: 'fill', fill: venueFill(this.account, trade.data, raw), receivedAt });
      }
      return;
    }
    this.logger.debug({ channel }, 'deribit: notification on a channel not handled');
  }

  private protocolError(channel: string, issues: string): void {
    this.protocolErrors += 1;
    this.logger.error({ channel, issues }, 'deribit: unreadable push');
  }

  // ----------------------------------------------------------------------------------------------
  // The port
  // ----------------------------------------------------------------------------------------------

  async instruments(): Promise<Instrument[]> {
    const reply = await this.request('public/get_instruments', { currency: 'any', expired: false });
    const wires = this.parse(InstrumentListSchema, reply.result, 'public/get_instruments');
    return wires.flatMap((wire) => {
      try {
        const instrument = domainInstrument(wire);
        return instrument === undefined ? [] : [instrument];
      } catch (error) {
        // One instrument the domain cannot describe does not hide the others.
        this.logger.error(
          { instrument: wire.instrument_name, err: (error as Error).message },
          'deribit: instrument skipped',
        );
        return [];
      }
    });
  }

  async markPrice(instrument: Instrument): Promise<Decimal> {
    const method = 'public/ticker';
    const reply = await this.request(method, { instrument_name: instrument.symbol });
    return this.parse(TickerSchema, reply.result, method).mark_price;
  }

  place(order: OrderParams, options: PlaceOptions = {}): Promise<PlaceResult> {
    const method = order.side === 'buy' ? 'private/buy' : 'private/sell';
    return this.orderCall(method, {
      ...orderEntryParams(order),
      ...(options.validUntilMs !== undefined && { valid_until: options.validUntilMs }),
    });
  }

  /**
   * `private/close_position`. Deribit takes neither a label nor `valid_until` here: the order is
   * known by the id in the reply (or its pushes), and `options.validUntilMs` cannot be honoured.
   */
  closePosition(order: OrderParams, _options: PlaceOptions = {}): Promise<PlaceResult> {
    return this.orderCall('private/close_position', {
      instrument_name: order.instrument.symbol,
      type: order.type === 'limit' ? 'limit' : 'market',
      ...(order.type === 'limit' && order.price !== undefined && { price: order.price }),
    });
  }

  private async orderCall(method: string, params: Record<string, unknown>): Promise<PlaceResult> {
    try {
      const reply = await this.request(method, params);
      const { venueOrderId, order, fills } = orderReplyOf(this.account, method, reply.result);
      return {
        outcome: 'accepted',
        venueOrderId,
        order,
        fills,
        ...(reply.latency && { latency: reply.latency }),
      };
    } catch (error) {
      return this.failureOutcome(method, error);
    }
  }

  async amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult> {
    const price = amendment.price ?? current.price;
    const terms = {
      amount: amendment.amount ?? current.amount,
      ...(price !== undefined && { price }),
      post_only: current.postOnly,
      ...(current.postOnly && { reject_post_only: current.rejectPostOnly }),
      reduce_only: current.reduceOnly,
      ...(amendment.triggerPrice !== undefined && { trigger_price: amendment.triggerPrice }),
    };
    // Without the venue id (the ack never came), Deribit edits by label when exactly one open order has it.
    const [method, params] =
      ref.venueOrderId !== undefined
        ? ['private/edit', { order_id: ref.venueOrderId, ...terms }]
        : [
            'private/edit_by_label',
            { label: ref.clientOrderId, instrument_name: ref.instrument.symbol, ...terms },
          ];
    try {
      const reply = await this.request(method, params);
      const { venueOrderId, order, fills } = orderReplyOf(this.account, method, reply.result);
      return {
        outcome: 'accepted',
        venueOrderId,
        // Deribit edits keep the label.
        clientOrderId: undefined,
        order,
        fills,
        ...(reply.latency && { latency: reply.latency }),
      };
    } catch (error) {
      return this.failureOutcome(method, error);
    }
  }

  async cancel(ref: VenueOrderRef): Promise<CancelResult> {
    if (ref.venueOrderId === undefined) {
      const method = 'private/cancel_by_label';
      try {
        const reply = await this.request(method, {
          label: ref.clientOrderId,
          currency: currencyOf(ref.instrument),
        });
        const count = this.parse(CountSchema, reply.result, method);
        if (count === 0) {
          // No open order carries the label: not placed yet, or already closed. Look it up.
          return { outcome: 'unknown', reason: 'no open order carries this label', retryable: true };
        }
        return { outcome: 'accepted', order: undefined, ...(reply.latency && { latency: reply.latency }) };
      } catch (error) {
        return this.failureOutcome(method, error);
      }
    }
    const method = 'private/cancel';
    try {
      const reply = await this.request(method, { order_id: ref.venueOrderId });
      const parsed = this.parse(WireOrderSchema, reply.result, method);
      return {
        outcome: 'accepted',
        order: orderSnapshot(this.account, parsed, reply.result),
        ...(reply.latency && { latency: reply.latency }),
      };
    } catch (error) {
      return this.failureOutcome(method, error);
    }
  }

  async cancelAll(instrument: Instrument): Promise<number> {
    const method = 'private/cancel_all_by_instrument';
    const reply = await this.request(method, { instrument_name: instrument.symbol, type: 'all' });
    return this.parse(CountSchema, reply.result, method);
  }

  async findByClientOrderId(instrument: Instrument, clientOrderId: string): Promise<VenueOrderSnapshot[]> {
    const method = 'private/get_order_state_by_label';
    const reply = await this.request(method, { currency: currencyOf(instrument), label: clientOrderId });
    return this.orderList(method, reply.result).filter((order) => order.symbol === instrument.symbol);
  }

  async getOrder(_instrument: Instrument, venueOrderId: string): Promise<VenueOrderSnapshot | undefined> {
    const method = 'private/get_order_state';
    try {
      const reply = await this.request(method, { order_id: venueOrderId });
      return orderSnapshot(this.account, this.parse(WireOrderSchema, reply.result, method), reply.result);
    } catch (error) {
      if (error instanceof DeribitRpcError && error.venueCode === 10004) return undefined;
      throw error;
    }
  }

  async openOrders(instrument?: Instrument): Promise<VenueOrderSnapshot[]> {
    const [method, params] =
      instrument === undefined
        ? ['private/get_open_orders', {}]
        : ['private/get_open_orders_by_instrument', { instrument_name: instrument.symbol, type: 'all' }];
    const reply = await this.request(method, params);
    return this.orderList(method, reply.result);
  }

  private orderList(method: string, result: unknown): VenueOrderSnapshot[] {
    const orders = this.parse(OrderListSchema, result, method);
    const raws = result as unknown[];
    return orders.map((order, i) => orderSnapshot(this.account, order, raws[i]));
  }

  async fills(query: {
    instrument: Instrument;
    venueOrderId?: string;
    since?: string;
  }): Promise<VenueFill[]> {
    if (query.venueOrderId !== undefined) {
      const method = 'private/get_user_trades_by_order';
      const reply = await this.request(method, { order_id: query.venueOrderId, sorting: 'asc' });
      const trades = this.parse(TradesByOrderSchema, reply.result, method);
      const raws = Array.isArray(reply.result)
        ? reply.result
        : ((reply.result as { trades: unknown[] }).trades ?? []);
      return this.sorted(trades.map((trade, i) => venueFill(this.account, trade, raws[i])));
    }
    const method = 'private/get_user_trades_by_instrument';
    const start = query.since === undefined ? 0 : Date.parse(query.since);
    if (Number.isNaN(start)) throw new RangeError(`fills: since is not an ISO-8601 time: ${query.since}`);
    const fills: VenueFill[] = [];
    let params: Record<string, unknown> = {
      instrument_name: query.instrument.symbol,
      start_timestamp: start,
      count: 1000,
      sorting: 'asc',
    };
    for (let page = 0; page < 1000; page++) {
      const reply = await this.request(method, params);
      const parsed = this.parse(TradesByInstrumentSchema, reply.result, method);
      const raws = (reply.result as { trades: unknown[] }).trades;
      fills.push(...parsed.trades.map((trade, i) => venueFill(this.account, trade, raws[i])));
      const last = parsed.trades.at(-1);
      if (!parsed.has_more || last === undefined || last.trade_seq === undefined) break;
      params = {
        instrument_name: query.instrument.symbol,
        start_seq: last.trade_seq + 1,
        count: 1000,
        sorting: 'asc',
      };
    }
    return this.sorted(fills);
  }

  private sorted(fills: VenueFill[]): VenueFill[] {
    return [...fills].sort((a, b) => a.executedAt.localeCompare(b.executedAt));
  }

  async positions(): Promise<VenuePosition[]> {
    const method = 'private/get_positions';
    const reply = await this.request(method, { currency: 'any' });
    const positions = this.parse(PositionListSchema, reply.result, method);
    const raws = reply.result as unknown[];
    return positions.map((position, i) => venuePosition(this.account, position, raws[i]));
  }
}

/** The Deribit adapter for one account. Call `connect()` before use, `close()` when done. */
export function createDeribitAdapter(options: DeribitAdapterOptions): DeribitAdapter {
  return new DeribitAdapterImpl(options);
}
