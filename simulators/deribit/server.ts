import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { parseDecimal } from '../../domain/decimal.ts';
import { seededRandom } from '../seeded-random.ts';
import { venueMemory } from '../state-journal.ts';
import { TokenStore } from './auth.ts';
import { notificationsFor, portfolioNotification } from './channels.ts';
import { controlSurface } from './control-surface.ts';
import { CreditLimiter } from './credits.ts';
import { DurableSimVenue } from './durable-venue.ts';
import { type Envelope, mangled, type Outcome, rpcEnvelope } from './envelope.ts';
import { FaultPlan, type LocalDeribitFaults, type ReplyFault } from './faults.ts';
import { httpHandler } from './http-transport.ts';
import { defaultInstruments, priceIndexOf } from './instruments.ts';
import { writeWire } from './json-rpc.ts';
import { feedData, type MarketFeed } from './market-channels.ts';
import { type CallContext, type Connection, methodHandlers } from './methods.ts';
import {
  DEFAULT_BALANCES,
  type LocalDeribit,
  type LocalDeribitOptions,
  LocalDeribitOptionsSchema,
} from './options.ts';
import { RpcFailure, refuse } from './rpc-failure.ts';
import type { ChangeSet, SimAccount } from './venue.ts';
import { wsTransport } from './ws-transport.ts';

export type { DecimalInput, LocalDeribit, LocalDeribitOptions, LocalDeribitOptionsInput } from './options.ts';
export { LocalDeribitOptionsSchema } from './options.ts';

/**
 * The local Deribit: a real HTTP + WebSocket server on 127.0.0.1 that speaks Deribit's JSON-RPC
 * (reference Part A, seeds 000-004): the same methods, envelopes (`usIn`, `usOut`, `usDiff`,
 * `testnet`), authentication forms, token expiry, connection-scoped tokens, heartbeats,
 * subscriptions, credit-based rate limits, and Deribit's refusals with its codes and messages.
 *
 * Production code: the service's default configuration runs it in-process. Tests (and fault
 * suites) drive the market and the faults through the returned control surface.
 */

export async function startLocalDeribit(options: LocalDeribitOptions = {}): Promise<LocalDeribit> {
  const { instruments: listing, now: nowOption, clock: simClock, logger, ...rest } = options;
  const config = LocalDeribitOptionsSchema.parse(rest);
  const clock = simClock?.now ?? nowOption;
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

  /** Pushes go out through the faults: dropped, duplicated, or held and reversed. */
  const deliver = (connection: Connection, texts: string[]) =>
    plan.deliver(connection.held, texts, (text) => send(connection, text));

  const push = (connection: Connection, text: string) => {
    if (connection.collecting !== undefined) connection.collecting.push(text);
    else deliver(connection, [text]);
  };

  const onChange = (change: ChangeSet) => {
    memory.remember(venue.changedEntries(change));
    for (const connection of connections.values()) {
      if (connection.closed || connection.accountId !== change.accountId) continue;
      for (const channel of connection.subscriptions.values()) {
        const summary = (currency: string) => venue.accountSummary(change.accountId, currency);
        for (const notification of notificationsFor(channel, change, connection.subscriptionLabel, summary)) {
          push(connection, writeWire(notification));
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
      writeWire({ jsonrpc: '2.0', method: 'subscription', params: { channel: feed.name, data } }),
    );
  };

  const onMarket = (instrument: string) => {
    memory.remember(venue.bookEntry(instrument));
    for (const connection of connections.values()) {
      for (const feed of connection.marketFeeds.values()) {
        const index = feed.kind === 'index' && feed.instrument === priceIndexOf(venue.instrument(instrument));
        if (feed.instrument === instrument || index) sendFeed(connection, feed);
      }
    }
  };

  /** The account's cash moved outside an order's change (settlement, deposit): `user.portfolio` follows. */
  const onCash = (accountId: number, currency: string) => {
    for (const connection of connections.values()) {
      if (connection.closed || connection.accountId !== accountId) continue;
      for (const channel of connection.subscriptions.values()) {
        if (channel.topic !== 'portfolio' || (channel.currency !== 'any' && channel.currency !== currency))
          continue;
        push(
          connection,
          writeWire(portfolioNotification(channel, venue.accountSummary(accountId, currency))),
        );
      }
    }
  };

  const venue = new DurableSimVenue({
    instruments: listing ?? defaultInstruments(),
    accounts,
    now,
    onChange,
    onMarket,
    onCash,
    settleUnrealized: config.settleUnrealizedPnl,
    idBase: 1_000_000 + (Math.abs(config.seed) % 1000) * 1000,
    enforceMargin: config.enforceMargin,
  });
  const memory = venueMemory(config.stateFile, () => venue.entries());
  venue.restore(memory.loaded);
  venue.openLedger();
  memory.checkpoint();
  /** Journals what the venue changed outside an order's change (the ledger, settled positions). */
  const remember = () => memory.remember(venue.drain());
  /** Processes what is due by the clock (funding, settlements, expiries), in time order. */
  const tick = () => {
    venue.catchUp();
    remember();
  };

  // ----------------------------------------------------------------------------------------------
  // Requests
  // ----------------------------------------------------------------------------------------------

  const handlers = methodHandlers({
    venue,
    tokens,
    now,
    minHeartbeatIntervalSec: config.minHeartbeatIntervalSec,
    // The WebSocket transport is built below; these run only once requests arrive.
    startHeartbeat: (connection, intervalSec) => ws.startHeartbeat(connection, intervalSec),
    stopHeartbeat: (connection) => ws.stopHeartbeat(connection),
    closeConnection: (connection) => ws.closeSoon(connection),
    // After the reply that lists the channel.
    startFeed: (connection, feed) => setImmediate(() => sendFeed(connection, feed)),
    startPortfolio: (connection, channel) =>
      setImmediate(() => {
        const account = connection.accountId;
        if (connection.closed || account === undefined) return;
        const currencies = channel.currency === 'any' ? venue.currencies() : [channel.currency ?? ''];
        for (const currency of currencies)
          push(
            connection,
            writeWire(portfolioNotification(channel, venue.accountSummary(account, currency))),
          );
      }),
  });

  const envelope = (id: unknown, usIn: number, body: Outcome): Envelope =>
    rpcEnvelope(id, usIn, Math.max(micros(), usIn), config.testnet, body);

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
      tick();
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
      const result = handler(params, context);
      remember();
      return { result };
    } catch (error) {
      if (error instanceof RpcFailure) return { error };
      logger?.error({ err: error, method }, 'local deribit: request failed');
      return { error: new RpcFailure(11094, 'internal_server_error') };
    }
  };

  const failureOf = (fault: Extract<ReplyFault, { kind: 'error' }>) =>
    new RpcFailure(fault.code, fault.message, fault.data);

  const ws = wsTransport({
    maxMessageBytes: config.maxMessageBytes,
    rateLimits: config.rateLimits,
    now,
    micros,
    envelope,
    execute,
    mangled,
    failureOf,
    plan,
    connections,
    timers,
    venue,
    tokens,
    send,
    deliver,
    logger,
    nextConnectionId: () => nextConnectionId++,
  });
  const { wss } = ws;

  // ----------------------------------------------------------------------------------------------
  // HTTP
  // ----------------------------------------------------------------------------------------------

  const handleHttp = httpHandler({
    maxMessageBytes: config.maxMessageBytes,
    anonymousLimiter: new CreditLimiter(config.rateLimits, now()),
    micros,
    envelope,
    execute,
    mangled,
    failureOf,
    tokens,
    plan,
    timers,
  });

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
    wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
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

  // What falls due is processed every second and at once when the clock moves (and at each request).
  const ticking = setInterval(() => {
    try {
      tick();
    } catch (error) {
      logger?.error({ err: error }, 'local deribit: processing what is due failed');
    }
  }, 1000);
  ticking.unref();
  const stopFollowingClock = simClock?.onAdvance(() => tick());

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
      for (const connection of connections.values()) ws.sendTestRequest(connection);
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
    ...controlSurface(venue, accounts, tick, remember),
    expireTokens: () => tokens.expireAll(),
    connectionCount: () => connections.size,
    requestCount: (method) => requestCounts.get(method) ?? 0,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(ticking);
      stopFollowingClock?.();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const connection of connections.values()) {
        ws.stopHeartbeat(connection);
        connection.socket.terminate();
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      memory.checkpoint();
    },
  };
}
