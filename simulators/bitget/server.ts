import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'lossless-json';
import type { z } from 'zod';
import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import { venueMemory } from '../state-journal.ts';
import { type LocalCredentials, verifyRest } from './auth.ts';
import { billControls, billRoutes } from './bill-routes.ts';
import { DEFAULT_CONTRACTS } from './contracts.ts';
import { DurableEngine } from './durable-engine.ts';
import { type Account, fillRecord, orderRecord, type PosMode, type Push, positionRecord } from './engine.ts';
import { BitgetFailure, refuse } from './errors.ts';
import { FaultState } from './faults.ts';
import { idGenerator } from './ids.ts';
import { marketRoutes } from './market-routes.ts';
import {
  DEFAULT_BEHAVIOUR,
  type LocalBitget,
  type LocalBitgetBehaviour,
  type LocalBitgetOptions,
  type RequestLogEntry,
} from './options.ts';
import { planListRecord } from './plan-records.ts';
import { planRoutes } from './plan-routes.ts';
import { parseRequest } from './protocol.ts';
import { PublicWsHub } from './public-ws.ts';
import { tradingRoutes } from './trading-routes.ts';
import { WsHub } from './ws-hub.ts';

export type { LocalBitget, LocalBitgetBehaviour, LocalBitgetOptions, RequestLogEntry } from './options.ts';

/**
 * A local Bitget v2 (USDT-M futures) on 127.0.0.1: the REST endpoints the OMS uses and the private
 * WebSocket, with signature verification, Bitget's envelopes, codes and HTTP statuses, its
 * per-endpoint rate limits, and fault injection. Used by the tests and by the service's default
 * configuration. See docs/venues/bitget.md for what is simulated and what is not.
 */

type Handler = (ctx: { account: Account; query: Record<string, string>; body: unknown }) => unknown;
interface Route {
  group: string;
  /** Requests per second. */
  limit: number;
  public?: boolean;
  handler: Handler | ((ctx: { query: Record<string, string> }) => unknown);
}

export async function startLocalBitget(options: LocalBitgetOptions): Promise<LocalBitget> {
  const behaviour: LocalBitgetBehaviour = {
    ...DEFAULT_BEHAVIOUR,
    ...options.behaviour,
    initialBalance: parseDecimal(options.behaviour?.initialBalance ?? '1000000'),
    defaultDepth: parseDecimal(options.behaviour?.defaultDepth ?? '1000'),
  };
  const productType = 'USDT-FUTURES';
  // The simulated clock wins over `now`; what falls due is processed when the venue looks at it.
  const now = options.clock?.now ?? options.now ?? Date.now;
  const faults = new FaultState();
  const serverNow = () => now() + faults.clockSkewMs;
  const logger = options.logger;
  const credentialList = Array.isArray(options.credentials) ? options.credentials : [options.credentials];
  const credentials = new Map(credentialList.map((c: LocalCredentials) => [c.apiKey, c]));
  const firstKey = credentialList[0]?.apiKey;
  if (firstKey === undefined) throw new Error('the local Bitget needs at least one set of credentials');

  let hub: WsHub | undefined;
  const ids = idGenerator(options.seed ?? 1);
  const engine: DurableEngine = new DurableEngine({
    contracts: options.contracts ?? DEFAULT_CONTRACTS,
    config: { ...behaviour, productType, marginCoin: 'USDT' },
    now,
    newId: ids,
    emit: (push: Push) => {
      // On disk before the request that caused the push is answered.
      memory.remember(engine.entriesFor(push, ids.last()));
      hub?.publish(push.apiKey, push.channel, push.data, now());
    },
  });
  const startMode: PosMode = options.positionMode === 'hedge' ? 'hedge_mode' : 'one_way_mode';
  for (const c of credentialList) engine.addAccount(c.apiKey, startMode);
  const funding = engine.funding;
  const memory = venueMemory(options.stateFile, () => engine.entries(ids.last()));
  engine.journalTo((entries) => memory.remember(entries), ids.last);
  const lastId = (memory.loaded.get('ids') as { lastId?: bigint } | undefined)?.lastId;
  if (typeof lastId === 'bigint') ids.resumeAfter(lastId);
  engine.restore(memory.loaded);
  memory.checkpoint();
  const settleDue = () => engine.settleDue();
  settleDue();
  const settleTimer = setInterval(settleDue, 1000);
  settleTimer.unref();
  const stopWatchingClock = options.clock?.onAdvance(settleDue);

  hub = new WsHub({
    credentials,
    productType,
    serverNow,
    windowMs: behaviour.timestampWindowMs,
    idleTimeoutMs: behaviour.wsIdleTimeoutMs,
    faults,
    logger,
    onSubscribed: (apiKey, channel) => {
      const account = engine.account(apiKey);
      if (account && channel === 'positions') engine.pushPositions(account);
    },
  });

  const parseWith = <S extends z.ZodObject>(schema: S, input: unknown) =>
    parseRequest(schema, input, { rejectUnknown: behaviour.rejectUnknownParameters });
  const emptyList = <T>(items: T[]) =>
    items.length === 0 && behaviour.emptyListAs === 'null' ? null : items;

  const routes = new Map<string, Route>([
    ...tradingRoutes({ engine, productType, now, parseWith, emptyList }),
    ...planRoutes({ engine, parseWith, emptyList }),
    ...marketRoutes(engine, funding, productType, now, parseWith),
    ...billRoutes(engine, parseWith),
    [
      'GET /api/v2/public/time',
      { group: 'time', limit: 20, public: true, handler: () => ({ serverTime: String(serverNow()) }) },
    ],
  ]);

  // Per-second limits per account (per IP for public endpoints), on arrival times.
  const arrivals = new Map<string, number[]>();
  const overLimit = (key: string, limit: number) => {
    const at = now();
    const recent = (arrivals.get(key) ?? []).filter((time) => time > at - 1000);
    const over = recent.length >= limit;
    if (!over) recent.push(at);
    arrivals.set(key, recent);
    return over;
  };

  const log: RequestLogEntry[] = [];
  /** Replies held back by `delayReplies`: released (and dropped) on close. */
  const delayed = new Set<() => void>();
  let closed = false;
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      handle(request, response, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        logger?.error({ error: String(error) }, 'local bitget: handler crashed');
        if (!response.headersSent) {
          response.writeHead(500, { 'Content-Type': 'application/json' });
          response.end(
            JSON.stringify({
              code: '40015',
              msg: 'System is abnormal, please try again later',
              requestTime: now(),
              data: null,
            }),
          );
        }
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const publicHub = new PublicWsHub({ engine, funding, productType, now });
  server.on('upgrade', (request, socket, head: Buffer) => {
    if ((request.url ?? '').split('?')[0] === '/v2/ws/public' && !faults.wsBlocked)
      publicHub.handleUpgrade(request, socket, head);
    else hub?.handleUpgrade(request, socket, head);
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse, body: string) {
    const method = (request.method ?? 'GET').toUpperCase();
    const [path = '/', rawQuery = ''] = (request.url ?? '/').split(/\?(.*)/s);
    settleDue();
    const requestTime = now();
    const demo = request.headers.paptrading !== undefined;
    const entry: RequestLogEntry = {
      method,
      path,
      code: '00000',
      httpStatus: 200,
      demo,
      replyFault: undefined,
    };
    log.push(entry);
    if (log.length > 10_000) log.shift();

    const reply = async (httpStatus: number, code: string, msg: string, data: unknown) => {
      entry.code = code;
      entry.httpStatus = httpStatus;
      const text = JSON.stringify({ code, msg, requestTime, data });
      const fault = code === '00000' ? faults.after(method, path) : undefined;
      if (fault?.kind === 'lose') {
        entry.replyFault = 'lose';
        // Carried out, and the reply never arrives: the connection just dies.
        request.socket.destroy();
        return;
      }
      if (fault?.kind === 'delay') {
        entry.replyFault = 'delay';
        await holdBack(fault.delayMs);
        if (request.socket.destroyed || closed) return;
      }
      response.writeHead(httpStatus, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      response.end(text);
    };
    const refused = (failure: BitgetFailure) =>
      reply(failure.httpStatus, failure.code, failure.message, null);

    const route = routes.get(`${method} ${path}`);
    if (route === undefined) return refused(refuse.notFound());

    const before = faults.before(method, path);
    if (before?.kind === 'rate_limit') return refused(refuse.rateLimited());
    if (before?.kind === 'expired') return refused(refuse.timestampExpired());
    if (before?.kind === 'gateway') {
      entry.code = '';
      entry.httpStatus = before.status;
      response.writeHead(before.status, { 'Content-Type': 'text/html' });
      response.end(`<html><body><h1>${before.status}</h1>gateway error</body></html>`);
      return;
    }

    try {
      return reply(200, '00000', 'success', dispatch(route, request, method, path, rawQuery, body));
    } catch (error) {
      if (error instanceof BitgetFailure) return refused(error);
      throw error;
    }
  }

  /** A reply held back by the delay fault (released, and dropped, on close). */
  function holdBack(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delayed.delete(release);
        resolve();
      }, ms);
      const release = () => {
        clearTimeout(timer);
        resolve();
      };
      delayed.add(release);
    });
  }

  /** Runs the route, public or signed by a known key: its data, or Bitget's refusal thrown. */
  function dispatch(
    route: Route,
    request: http.IncomingMessage,
    method: string,
    path: string,
    rawQuery: string,
    body: string,
  ): unknown {
    const query = Object.fromEntries(new URLSearchParams(rawQuery));
    if (route.public) {
      if (behaviour.rateLimits && overLimit(`ip|${route.group}`, route.limit)) throw refuse.rateLimited();
      return (route.handler as (ctx: { query: Record<string, string> }) => unknown)({ query });
    }
    const apiKey = verifyRest({
      headers: request.headers,
      method,
      path,
      rawQuery,
      body,
      credentials,
      serverNow: serverNow(),
      windowMs: behaviour.timestampWindowMs,
    });
    const account = engine.account(apiKey);
    if (account === undefined) throw refuse.keyDoesNotExist();
    if (behaviour.rateLimits && overLimit(`${account.uid}|${route.group}`, route.limit))
      throw refuse.rateLimited();
    return (route.handler as Handler)({ account, query, body: bodyOf(method, body) });
  }

  /** A POST's JSON body, numbers kept as their text. */
  function bodyOf(method: string, body: string): unknown {
    if (method !== 'POST' || body === '') return {};
    try {
      return parse(body, null, (number: string) => number);
    } catch {
      throw refuse.invalid('body', 'is not valid JSON');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const accountOf = (apiKey: string | undefined) => {
    const account = engine.account(apiKey ?? firstKey);
    if (account === undefined) throw new Error(`no account for that API key`);
    return account;
  };

  return {
    restUrl: `http://${host}:${address.port}`,
    wsUrl: `ws://${host}:${address.port}/v2/ws/private`,
    publicWsUrl: `ws://${host}:${address.port}/v2/ws/public`,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(settleTimer);
      stopWatchingClock?.();
      for (const release of delayed) release();
      delayed.clear();
      engine.close();
      memory.checkpoint();
      await publicHub.close();
      await hub?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    setIndexPrice(symbol, price) {
      settleDue();
      funding.setIndex(symbol, typeof price === 'string' ? parseDecimal(price) : price);
      memory.remember(engine.marketEntries());
      publicHub.marketMoved(symbol);
    },
    setMarkPrice(symbol, price, markOptions) {
      settleDue();
      funding.before(symbol);
      const decimal = (value: string | Decimal) => (typeof value === 'string' ? parseDecimal(value) : value);
      engine.setMarkPrice(
        symbol,
        decimal(price),
        markOptions?.liquidity === undefined ? undefined : decimal(markOptions.liquidity),
      );
      funding.moved(symbol);
      memory.remember(engine.marketEntries());
      publicHub.marketMoved(symbol);
    },
    markPrice: (symbol) => engine.markPrice(symbol),
    setDepth: (symbol, depth) => {
      engine.setDepth(symbol, parseDecimal(depth));
      publicHub.marketMoved(symbol);
    },
    setPositionMode(mode, apiKey) {
      accountOf(apiKey).posMode = mode === 'hedge' ? 'hedge_mode' : 'one_way_mode';
    },
    setLeverage(symbol, leverage, apiKey) {
      accountOf(apiKey).leverage.set(symbol, leverage);
    },
    orders(apiKey) {
      const account = accountOf(apiKey);
      return [...account.orders.values()]
        .sort((a, b) => b.seq - a.seq)
        .map((order) => orderRecord(order, 'list'));
    },
    plans(apiKey) {
      const account = accountOf(apiKey);
      return engine
        .plansOf(account)
        .sort((a, b) => b.seq - a.seq)
        .map((plan) => planListRecord(plan, engine.executedOrder(account, plan), 'history'));
    },
    positions(apiKey) {
      const account = accountOf(apiKey);
      return engine.positionsOf(account).map((position) => positionRecord(engine, account, position, 'rest'));
    },
    trades(apiKey) {
      return accountOf(apiKey).trades.map(fillRecord);
    },
    ...billControls(engine, accountOf),
    requests: () => log,
    wsConnections: () => hub?.count() ?? 0,
    wsPings: () => hub?.pings ?? 0,
    faults: faults.controls({ dropSockets: () => hub?.dropAll(), flushHeldPushes: () => hub?.flushHeld() }),
  };
}
