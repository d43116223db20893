import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { type Decimal, parseDecimal } from '../../../../domain/decimal.ts';
import { seededRandom } from '../../seeded-random.ts';
import { CreditLimiter, DERIBIT_DEFAULT_RATE_LIMITS, RateLimitsSchema } from '../rate-limits.ts';
import { RpcRequestSchema } from '../requests.ts';
import { parseWireRequest, stringifyWire } from '../wire-json.ts';
import { TokenStore } from './auth.ts';
import { type Channel, notificationsFor } from './channels.ts';
import { FaultPlan, type LocalDeribitFaults, type ReplyFault } from './faults.ts';
import { defaultInstruments, type SimInstrument } from './instruments.ts';
import { feedData, type MarketFeed } from './market-channels.ts';
import { type CallContext, type Connection, methodHandlers } from './methods.ts';
import { RpcFailure, refuse } from './rpc-failure.ts';
import { type BookSettings, type ChangeSet, type SimAccount, SimVenue } from './venue.ts';
import type { SimOrder, SimTrade } from './wire-objects.ts';

/**
 * The local Deribit: a real HTTP + WebSocket server on 127.0.0.1 that speaks Deribit's JSON-RPC
 * (reference Part A, seeds 000-004): the same methods, envelopes (`usIn`, `usOut`, `usDiff`,
 * `testnet`), authentication forms, token expiry, connection-scoped tokens, heartbeats,
 * subscriptions, credit-based rate limits, and Deribit's refusals with its codes and messages.
 *
 * Production code: the service's default configuration runs it in-process. Tests (and fault
 * suites) drive the market and the faults through the returned control surface.
 */

const CredentialSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    /** A name for the account behind the key. */
    account: z.string().min(1).optional(),
    /** Deposits per currency, as decimal text. */
    balances: z.record(z.string(), z.string().regex(/^\d+(\.\d+)?$/)).optional(),
  })
  .strict();

const DEFAULT_BALANCES: Record<string, string> = { BTC: '10', ETH: '100', USDC: '1000000' };

export const LocalDeribitOptionsSchema = z
  .object({
    /** 0: an ephemeral port. */
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    /** The API keys the server accepts, one account each. */
    credentials: z
      .array(CredentialSchema)
      .min(1)
      .default([{ clientId: 'local-client', clientSecret: 'local-secret', account: 'main' }]),
    /** `expires_in` of access tokens (Deribit: commonly 900 s). */
    tokenExpiresInSec: z.number().positive().default(900),
    refreshTokenExpiresInSec: z
      .number()
      .positive()
      .default(7 * 24 * 3600),
    /** Seeds ids and tokens: a scenario replays the same. */
    seed: z.number().int().default(1),
    rateLimits: RateLimitsSchema.default(DERIBIT_DEFAULT_RATE_LIMITS),
    enforceRateLimits: z.boolean().default(true),
    /**
     * Check funds on each new order (margin of positions and every open order). Benchmarks that
     * keep thousands of orders resting turn it off: the check sums all of them, per order.
     */
    enforceMargin: z.boolean().default(true),
    /** Deribit refuses heartbeat intervals under 10 s; tests may lower it. */
    minHeartbeatIntervalSec: z.number().positive().default(10),
    testnet: z.boolean().default(true),
    /** Send the pushes a request causes before its reply (Deribit does both; default: reply first). */
    pushesBeforeReply: z.boolean().default(false),
    signatureWindowMs: z.number().int().positive().default(60_000),
    /** Deribit refuses frames and bodies over 32 kB. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(32 * 1024),
    /** Deribit allows 32 connections per IP. */
    maxConnections: z.number().int().positive().default(32),
  })
  .strict();
export type LocalDeribitOptionsInput = z.input<typeof LocalDeribitOptionsSchema>;

export interface LocalDeribitOptions extends LocalDeribitOptionsInput {
  /** The listing (default: `defaultInstruments()`). */
  instruments?: SimInstrument[];
  /** The server's clock in ms (default: Date.now). */
  now?: () => number;
  logger?: Logger;
}

export type DecimalInput = Decimal | string;

export interface LocalDeribit {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
  /** Moves an instrument's mark; resting orders it crosses fill (up to `fillLimit` in total). */
  setMarkPrice(instrument: string, price: DecimalInput, options?: { fillLimit?: DecimalInput }): void;
  markPrice(instrument: string): Decimal;
  /** Best synthetic bid and ask. */
  quotes(instrument: string): { bid: Decimal; ask: Decimal };
  setBook(
    instrument: string,
    settings: { levelDepth?: DecimalInput; spreadTicks?: number; levels?: number },
  ): void;
  /** A synthetic taker trades against resting orders; returns the amount filled. */
  trade(
    instrument: string,
    order: { side: 'buy' | 'sell'; amount: DecimalInput; price?: DecimalInput },
  ): Decimal;
  /**
   * Bulk fills (benchmarks): every resting order of the instrument (of `side` when given) gets one
   * fill of `amount` (or what it has left); their trades go out in one push. Returns the fills.
   */
  fillEach(instrument: string, amount: DecimalInput, side?: 'buy' | 'sell'): number;
  readonly faults: LocalDeribitFaults;
  /** The account's orders / trades as the simulator holds them. */
  orders(clientId?: string): readonly SimOrder[];
  trades(clientId?: string): readonly SimTrade[];
  /** `private/get_positions` of the account, as Deribit would answer it. */
  positions(clientId?: string): Record<string, unknown>[];
  /** Every access token expires now (the next private call answers 13009). */
  expireTokens(): void;
  /** Open WebSocket connections. */
  connectionCount(): number;
  /** Requests received per method since start (`public/auth:<grant_type>` counts auth by grant). */
  requestCount(method: string): number;
}

type Envelope = Record<string, unknown>;

export async function startLocalDeribit(options: LocalDeribitOptions = {}): Promise<LocalDeribit> {
  const { instruments: listing, now: clock, logger, ...rest } = options;
  const config = LocalDeribitOptionsSchema.parse(rest);
  const now = clock ?? Date.now;
  const micros = clock
    ? () => clock() * 1000
    : () => Math.round((performance.timeOrigin + performance.now()) * 1000);
  const random = seededRandom(config.seed);
  const randomToken = () =>
    Array.from({ length: 4 }, () =>
      Math.floor(random() * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0'),
    ).join('');

  const accounts: SimAccount[] = config.credentials.map((credential, index) => ({
    id: 1000 + index,
    name: credential.account ?? credential.clientId,
    clientId: credential.clientId,
    clientSecret: credential.clientSecret,
    balances: new Map(
      Object.entries(credential.balances ?? DEFAULT_BALANCES).map(([currency, amount]) => [
        currency,
        parseDecimal(amount),
      ]),
    ),
    positions: new Map(),
    fees: new Map(),
  }));
  const accountByClient = new Map(accounts.map((account) => [account.clientId, account]));
  const tokens = new TokenStore(
    accounts.map((a) => ({ clientId: a.clientId, clientSecret: a.clientSecret, accountId: a.id })),
    {
      tokenExpiresInSec: config.tokenExpiresInSec,
      refreshTokenExpiresInSec: config.refreshTokenExpiresInSec,
      signatureWindowMs: config.signatureWindowMs,
      now,
      randomToken,
    },
  );
  const limiters = new Map<number, CreditLimiter>();
  const limiterOf = (accountId: number) => {
    let limiter = limiters.get(accountId);
    if (limiter === undefined) {
      limiter = new CreditLimiter(config.rateLimits, now());
      limiters.set(accountId, limiter);
    }
    return limiter;
  };
  const plan = new FaultPlan(config.pushesBeforeReply);
  const connections = new Map<number, Connection>();
  const timers = new Set<NodeJS.Timeout>();
  const requestCounts = new Map<string, number>();
  let nextConnectionId = 1;

  // ----------------------------------------------------------------------------------------------
  // Pushes
  // ----------------------------------------------------------------------------------------------

  const send = (connection: Connection, text: string) => {
    if (connection.closed || plan.blackholed || connection.socket.readyState !== WebSocket.OPEN) return;
    connection.socket.send(text);
  };

  /** Pushes go out through the faults: duplicated, or held and reversed. */
  const deliver = (connection: Connection, texts: string[]) => {
    for (const text of texts) {
      if (plan.dropCount > 0) {
        plan.dropCount -= 1;
        continue;
      }
      if (plan.reorderCount > 0) {
        connection.held.push(text);
        plan.reorderCount -= 1;
        if (plan.reorderCount === 0) {
          const held = connection.held.splice(0).reverse();
          for (const message of held) send(connection, message);
        }
        continue;
      }
      send(connection, text);
      if (plan.duplicateCount > 0) {
        plan.duplicateCount -= 1;
        send(connection, text);
      }
    }
  };

  const push = (connection: Connection, text: string) => {
    if (connection.collecting !== undefined) connection.collecting.push(text);
    else deliver(connection, [text]);
  };

  const onChange = (change: ChangeSet) => {
    for (const connection of connections.values()) {
      if (connection.closed || connection.accountId !== change.accountId) continue;
      for (const channel of connection.subscriptions.values()) {
        for (const notification of notificationsFor(channel, change, connection.subscriptionLabel)) {
          push(connection, stringifyWire(notification));
        }
      }
    }
  };

  /** A market feed's notification now, if it has anything to say. */
  const sendFeed = (connection: Connection, feed: MarketFeed) => {
    if (connection.closed) return;
    const data = feedData(feed, venue, now());
    if (data === undefined) return;
    push(
      connection,
      stringifyWire({ jsonrpc: '2.0', method: 'subscription', params: { channel: feed.name, data } }),
    );
  };

  const onMarket = (instrument: string) => {
    for (const connection of connections.values()) {
      for (const feed of connection.marketFeeds.values())
        if (feed.instrument === instrument) sendFeed(connection, feed);
    }
  };

  const venue = new SimVenue({
    instruments: listing ?? defaultInstruments(),
    accounts,
    now,
    onChange,
    onMarket,
    idBase: 1_000_000 + (Math.abs(config.seed) % 1000) * 1000,
    enforceMargin: config.enforceMargin,
  });

  // ----------------------------------------------------------------------------------------------
  // Requests
  // ----------------------------------------------------------------------------------------------

  const handlers = methodHandlers({
    venue,
    tokens,
    now,
    minHeartbeatIntervalSec: config.minHeartbeatIntervalSec,
    startHeartbeat: (connection, intervalSec) => startHeartbeat(connection, intervalSec),
    stopHeartbeat: (connection) => stopHeartbeat(connection),
    closeConnection: (connection) => closeSoon(connection),
    // After the reply that lists the channel.
    startFeed: (connection, feed) => setImmediate(() => sendFeed(connection, feed)),
  });

  const envelope = (
    id: unknown,
    usIn: number,
    body: { result: unknown } | { error: RpcFailure },
  ): Envelope => {
    const usOut = Math.max(micros(), usIn);
    const payload =
      'error' in body
        ? {
            error: {
              code: body.error.code,
              message: body.error.rpcMessage,
              ...(body.error.data !== undefined && { data: body.error.data }),
            },
          }
        : { result: body.result };
    return {
      jsonrpc: '2.0',
      ...(id !== undefined && { id }),
      ...payload,
      usIn,
      usOut,
      usDiff: usOut - usIn,
      testnet: config.testnet,
    };
  };

  /** Runs a request; returns its result or the refusal. */
  const execute = (
    method: string,
    params: Record<string, unknown>,
    context: CallContext,
  ): { result: unknown } | { error: RpcFailure } => {
    requestCounts.set(method, (requestCounts.get(method) ?? 0) + 1);
    if (method === 'public/auth' && typeof params.grant_type === 'string') {
      const key = `${method}:${params.grant_type}`;
      requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
    }
    try {
      const handler = handlers[method];
      if (handler === undefined) throw refuse.methodNotFound();
      if (config.enforceRateLimits) {
        const payer = context.accountId();
        const limiter = payer !== undefined ? limiterOf(payer) : context.anonymousLimiter;
        if (!limiter.tryTake(method, now())) {
          context.onRateLimited();
          throw refuse.tooManyRequests();
        }
      }
      return { result: handler(params, context) };
    } catch (error) {
      if (error instanceof RpcFailure) return { error };
      logger?.error({ err: error, method }, 'local deribit: request failed');
      return { error: new RpcFailure(11094, 'internal_server_error') };
    }
  };

  /** A result missing a field the client relies on: the order's state, or everything. */
  const mangled = (outcome: { result: unknown } | { error: RpcFailure }) => {
    if (!('result' in outcome)) return outcome;
    const result = outcome.result;
    if (typeof result === 'object' && result !== null && 'order' in result) {
      const { order_state: _dropped, ...order } = (result as { order: Record<string, unknown> }).order;
      return { result: { ...result, order } };
    }
    return { result: {} };
  };

  const failureOf = (fault: Extract<ReplyFault, { kind: 'error' }>) =>
    new RpcFailure(fault.code, fault.message, fault.data);

  // ----------------------------------------------------------------------------------------------
  // WebSocket
  // ----------------------------------------------------------------------------------------------

  const closeSoon = (connection: Connection) => {
    // Let what was queued go out first, then close.
    setImmediate(() => {
      if (!connection.closed) connection.socket.close(1000, 'closed by server');
    });
  };

  const stopHeartbeat = (connection: Connection) => {
    if (connection.heartbeat !== undefined) clearInterval(connection.heartbeat);
    connection.heartbeat = undefined;
    connection.awaitingTest = false;
  };

  const sendTestRequest = (connection: Connection) => {
    connection.awaitingTest = true;
    send(
      connection,
      stringifyWire({ jsonrpc: '2.0', method: 'heartbeat', params: { type: 'test_request' } }),
    );
  };

  const startHeartbeat = (connection: Connection, intervalSec: number) => {
    stopHeartbeat(connection);
    connection.heartbeat = setInterval(() => {
      // A dead link: the server hears nothing either, and does not act on it.
      if (plan.blackholed) return;
      if (connection.awaitingTest) {
        // No public/test since the last test_request: Deribit closes the connection.
        logger?.debug({ connection: connection.id }, 'local deribit: heartbeat missed, closing');
        connection.socket.terminate();
        return;
      }
      sendTestRequest(connection);
    }, intervalSec * 1000);
  };

  const onConnectionClosed = (connection: Connection) => {
    if (connection.closed) return;
    connection.closed = true;
    stopHeartbeat(connection);
    connections.delete(connection.id);
    if (connection.cod !== 'off' && connection.accountId !== undefined) {
      venue.cancelOnDisconnect(
        connection.accountId,
        connection.cod === 'connection' ? connection.id : undefined,
      );
    }
    tokens.forgetConnection(connection.id);
  };

  const onMessage = (connection: Connection, data: RawData) => {
    if (plan.blackholed || connection.closed) return;
    const usIn = micros();
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8');
    const reply = (body: Envelope) => send(connection, stringifyWire(body));
    if (Buffer.byteLength(text) > config.maxMessageBytes) {
      reply(envelope(null, usIn, { error: refuse.tooLarge() }));
      return;
    }
    let parsed: unknown;
    try {
      parsed = parseWireRequest(text);
    } catch {
      reply(envelope(null, usIn, { error: refuse.parseError() }));
      return;
    }
    const request = RpcRequestSchema.safeParse(parsed);
    if (!request.success) {
      const id = typeof parsed === 'object' && parsed !== null && 'id' in parsed ? parsed.id : null;
      const reason = Array.isArray(parsed)
        ? 'batch requests are not supported'
        : 'a request needs jsonrpc "2.0", an id, a method and named params';
      reply(envelope(id ?? null, usIn, { error: refuse.invalidRequest(reason) }));
      return;
    }
    const { id, method, params } = request.data;
    logger?.debug({ connection: connection.id, method, id: String(id) }, 'local deribit: request');

    const fault = plan.take(method);
    if (fault?.kind === 'error') {
      reply(envelope(id, usIn, { error: failureOf(fault) }));
      if (fault.closeAfter) closeSoon(connection);
      return;
    }
    if (fault?.kind === 'close' && !fault.process) {
      connection.socket.terminate();
      return;
    }

    let rateLimited = false;
    connection.collecting = [];
    const outcome = execute(method, params, {
      transport: 'ws',
      connection,
      accountId: () => connection.accountId,
      anonymousLimiter: connection.anonymousLimiter,
      onRateLimited: () => {
        rateLimited = true;
      },
      httpAccount: undefined,
    });
    const pushes = connection.collecting;
    connection.collecting = undefined;

    if (fault?.kind === 'close') {
      connection.socket.terminate();
      return;
    }
    const replyText = stringifyWire(
      envelope(id, usIn, fault?.kind === 'mangle' ? mangled(outcome) : outcome),
    );
    if (fault?.kind === 'drop') {
      deliver(connection, pushes);
      return;
    }
    if (fault?.kind === 'delay') {
      deliver(connection, pushes);
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(connection, replyText);
      }, fault.ms);
      timers.add(timer);
      return;
    }
    if (plan.pushesFirst) {
      deliver(connection, pushes);
      send(connection, replyText);
    } else {
      send(connection, replyText);
      deliver(connection, pushes);
    }
    // Deribit answers 10028 and terminates the session.
    if (rateLimited) closeSoon(connection);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes * 4 });
  wss.on('connection', (socket: WebSocket) => {
    const connection: Connection = {
      id: nextConnectionId++,
      socket,
      accountId: undefined,
      token: undefined,
      subscriptions: new Map<string, Channel>(),
      subscriptionLabel: undefined,
      heartbeat: undefined,
      awaitingTest: false,
      cod: 'off',
      anonymousLimiter: new CreditLimiter(config.rateLimits, now()),
      collecting: undefined,
      held: [],
      marketFeeds: new Map(),
      closed: false,
    };
    connections.set(connection.id, connection);
    socket.on('message', (data) => onMessage(connection, data));
    socket.on('close', () => onConnectionClosed(connection));
    socket.on('error', (error) => {
      logger?.debug({ err: error, connection: connection.id }, 'local deribit: socket error');
    });
  });

  // ----------------------------------------------------------------------------------------------
  // HTTP
  // ----------------------------------------------------------------------------------------------

  const readBody = (req: IncomingMessage): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= config.maxMessageBytes) chunks.push(chunk);
      });
      req.on('end', () =>
        resolve(size > config.maxMessageBytes ? undefined : Buffer.concat(chunks).toString('utf8')),
      );
      req.on('error', reject);
    });

  const httpStatusOf = (failure: RpcFailure): number => {
    if (failure.code === 10028) return 429;
    if (failure.code === 10000 || failure.code === 13009 || failure.code === 13004) return 401;
    return 400;
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const usIn = micros();
    const respond = (status: number, body: Envelope) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(stringifyWire(body));
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    const prefix = '/api/v2/';
    if (!url.pathname.startsWith(prefix)) {
      respond(404, envelope(undefined, usIn, { error: refuse.methodNotFound() }));
      return;
    }
    const method = url.pathname.slice(prefix.length);
    const body = await readBody(req);
    if (body === undefined) {
      respond(400, envelope(undefined, usIn, { error: refuse.tooLarge() }));
      return;
    }
    let id: unknown;
    let params: Record<string, unknown> = {};
    if (req.method === 'GET') {
      for (const key of new Set(url.searchParams.keys())) {
        const values = url.searchParams.getAll(key);
        params[key] = values.length > 1 ? values : values[0];
      }
    } else if (req.method === 'POST') {
      let parsed: unknown;
      try {
        parsed = body === '' ? {} : parseWireRequest(body);
      } catch {
        respond(400, envelope(undefined, usIn, { error: refuse.parseError() }));
        return;
      }
      const shape = z
        .looseObject({ id: z.unknown().optional(), params: z.record(z.string(), z.unknown()).optional() })
        .safeParse(parsed);
      if (!shape.success) {
        respond(
          400,
          envelope(undefined, usIn, { error: refuse.invalidRequest('expected a JSON-RPC object') }),
        );
        return;
      }
      id = shape.data.id;
      params = shape.data.params ?? {};
    } else {
      respond(405, envelope(undefined, usIn, { error: refuse.invalidRequest('use GET or POST') }));
      return;
    }
    const uri = `${url.pathname}${url.search}`;
    let httpAccount: number | undefined;
    const authenticate = () => {
      if (httpAccount === undefined) {
        const token = params.access_token;
        httpAccount =
          typeof token === 'string'
            ? tokens.accountForToken(token, undefined)
            : tokens.accountForHttp(req.headers.authorization, { method: req.method ?? 'GET', uri, body });
      }
      return httpAccount;
    };
    const fault = plan.take(method);
    if (fault?.kind === 'error') {
      const failure = failureOf(fault);
      respond(httpStatusOf(failure), envelope(id, usIn, { error: failure }));
      return;
    }
    const outcome = execute(method, params, {
      transport: 'http',
      connection: undefined,
      accountId: () => {
        if (!method.startsWith('private/')) return undefined;
        try {
          return authenticate();
        } catch {
          return undefined;
        }
      },
      anonymousLimiter: httpAnonymousLimiter,
      onRateLimited: () => {},
      httpAccount: authenticate,
    });
    if (fault?.kind === 'drop' || fault?.kind === 'close') {
      req.socket.destroy();
      return;
    }
    const answer = fault?.kind === 'mangle' ? mangled(outcome) : outcome;
    const send = () =>
      respond('error' in answer ? httpStatusOf(answer.error) : 200, envelope(id, usIn, answer));
    if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, fault.ms);
      timers.add(timer);
      return;
    }
    send();
  };
  const httpAnonymousLimiter = new CreditLimiter(config.rateLimits, now());

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      logger?.error({ err: error }, 'local deribit: HTTP request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const refuseUpgrade = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== '/ws/api/v2') return refuseUpgrade(404, 'Not Found');
    if (plan.refusing) return refuseUpgrade(503, 'Service Unavailable');
    if (connections.size >= config.maxConnections) return refuseUpgrade(429, 'Too Many Requests');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = `${config.host}:${port}`;
  logger?.info({ port }, 'local deribit: listening');

  const accountIdOf = (clientId?: string): number => {
    const account = clientId === undefined ? accounts[0] : accountByClient.get(clientId);
    if (account === undefined) throw new Error(`no account for client id ${clientId}`);
    return account.id;
  };
  const toDecimal = (value: DecimalInput): Decimal =>
    typeof value === 'string' ? parseDecimal(value) : value;

  const faults: LocalDeribitFaults = {
    failNext: (code, o = {}) => plan.arm(plan.errorFault(code, o), o),
    dropReply: (o = {}) => plan.arm({ kind: 'drop' }, o),
    delayReply: (ms, o = {}) => plan.arm({ kind: 'delay', ms }, o),
    closeOnRequest: (o = {}) => plan.arm({ kind: 'close', process: o.process ?? true }, o),
    mangleReply: (o = {}) => plan.arm({ kind: 'mangle' }, o),
    closeConnections: () => {
      for (const connection of connections.values()) connection.socket.terminate();
    },
    refuseConnections: (on) => {
      plan.refusing = on;
    },
    dropPushes: (count) => {
      plan.dropCount = count;
    },
    duplicatePushes: (count) => {
      plan.duplicateCount = count;
    },
    reorderPushes: (count) => {
      plan.reorderCount = count;
    },
    pushesBeforeReply: (on) => {
      plan.pushesFirst = on;
    },
    blackhole: (on) => {
      plan.blackholed = on;
    },
    sendTestRequest: () => {
      for (const connection of connections.values()) sendTestRequest(connection);
    },
    reset: () => {
      plan.reset(config.pushesBeforeReply);
      for (const connection of connections.values()) deliver(connection, connection.held.splice(0));
    },
  };

  let closed = false;
  return {
    httpUrl: `http://${base}`,
    wsUrl: `ws://${base}/ws/api/v2`,
    port,
    faults,
    setMarkPrice: (instrument, price, o) =>
      venue.setMarkPrice(
        instrument,
        toDecimal(price),
        o?.fillLimit === undefined ? undefined : toDecimal(o.fillLimit),
      ),
    markPrice: (instrument) => venue.mark(instrument),
    quotes: (instrument) => venue.quotes(instrument),
    setBook: (instrument, settings) => {
      const next: Partial<BookSettings> = {
        ...(settings.levelDepth !== undefined && { levelDepth: toDecimal(settings.levelDepth) }),
        ...(settings.spreadTicks !== undefined && { spreadTicks: settings.spreadTicks }),
        ...(settings.levels !== undefined && { levels: settings.levels }),
      };
      venue.setBook(instrument, next);
    },
    trade: (instrument, order) =>
      venue.trade(
        instrument,
        order.side,
        toDecimal(order.amount),
        order.price === undefined ? undefined : toDecimal(order.price),
      ),
    fillEach: (instrument, amount, side) => venue.fillEach(instrument, toDecimal(amount), side),
    orders: (clientId) => venue.accountOrders(accountIdOf(clientId)),
    trades: (clientId) => venue.accountTrades(accountIdOf(clientId)),
    positions: (clientId) => venue.positions(accountIdOf(clientId), 'any', undefined),
    expireTokens: () => tokens.expireAll(),
    connectionCount: () => connections.size,
    requestCount: (method) => requestCounts.get(method) ?? 0,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const connection of connections.values()) {
        stopHeartbeat(connection);
        connection.socket.terminate();
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
