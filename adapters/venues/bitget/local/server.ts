import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'lossless-json';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type Decimal, parseDecimal } from '../../../../domain/decimal.ts';
import { type LocalCredentials, verifyRest } from './auth.ts';
import { contractRecord, DEFAULT_CONTRACTS, type LocalContract } from './contracts.ts';
import {
  type Account,
  Engine,
  type EngineConfig,
  fillRecord,
  orderRecord,
  type PosMode,
  type Push,
  type SimOrder,
} from './engine.ts';
import { BitgetFailure, refuse } from './errors.ts';
import { FaultState, type LocalBitgetFaults } from './faults.ts';
import { idGenerator } from './ids.ts';
import { BITGET_PRODUCT_TYPES, marketRoutes } from './market-routes.ts';
import {
  AccountQuery,
  AllPositionQuery,
  BatchCancelBody,
  CancelAllBody,
  CancelOrderBody,
  ClosePositionsBody,
  ContractsQuery,
  DetailQuery,
  FillsQuery,
  ModifyOrderBody,
  OrderListQuery,
  PlaceOrderBody,
  parseRequest,
  SetPositionModeBody,
  SinglePositionQuery,
} from './protocol.ts';
import { WsHub } from './ws-hub.ts';

/**
 * A local Bitget v2 (USDT-M futures) on 127.0.0.1: the REST endpoints the OMS uses and the private
 * WebSocket, with signature verification, Bitget's envelopes, codes and HTTP statuses, its
 * per-endpoint rate limits, and fault injection. Used by the tests and by the service's default
 * configuration. See docs/venues/bitget.md for what is simulated and what is not.
 */

export interface LocalBitgetBehaviour extends Omit<EngineConfig, 'productType' | 'marginCoin'> {
  /** Unknown request parameters are refused with 40034 (else ignored). */
  rejectUnknownParameters: boolean;
  /** Enforce Bitget's per-second limits per account and endpoint (HTTP 429). */
  rateLimits: boolean;
  /** Accepted distance between a request's timestamp and the server clock. */
  timestampWindowMs: number;
  /** Private sockets without any message for this long are dropped. */
  wsIdleTimeoutMs: number;
}

export interface LocalBitgetOptions {
  /** 0 (default): an ephemeral port. */
  port?: number;
  host?: string;
  /** The API keys it accepts; each is an account of its own. */
  credentials: LocalCredentials | readonly LocalCredentials[];
  /** Seeds the ids (orderId, tradeId...): the same seed gives the same ids. */
  seed?: number;
  /** Every account's position mode at start. */
  positionMode?: 'one_way' | 'hedge';
  contracts?: readonly LocalContract[];
  /** The server clock (ms since the epoch). */
  now?: () => number;
  logger?: Logger;
  behaviour?: Partial<Omit<LocalBitgetBehaviour, 'initialBalance' | 'defaultDepth'>> & {
    initialBalance?: string;
    defaultDepth?: string;
  };
}

export interface RequestLogEntry {
  method: string;
  path: string;
  code: string;
  httpStatus: number;
  /** The `paptrading` header was present. */
  demo: boolean;
  /** Processed, and its reply lost or delayed by a fault. */
  replyFault: 'lose' | 'delay' | undefined;
}

export interface LocalBitget {
  restUrl: string;
  wsUrl: string;
  close(): Promise<void>;
  /** Moves the mark; resting orders it crosses fill (up to `liquidity`, all when absent). */
  setMarkPrice(symbol: string, price: string | Decimal, options?: { liquidity?: string | Decimal }): void;
  markPrice(symbol: string): Decimal;
  /** Taker liquidity at the mark for each new order. */
  setDepth(symbol: string, depth: string): void;
  setPositionMode(mode: 'one_way' | 'hedge', apiKey?: string): void;
  setLeverage(symbol: string, leverage: number, apiKey?: string): void;
  /** Every order of the account, as `orders-history` writes them (newest first). */
  orders(apiKey?: string): Record<string, unknown>[];
  /** The account's open positions, as `all-position` writes them. */
  positions(apiKey?: string): Record<string, unknown>[];
  /** The account's trades, as `fills` writes them (oldest first). */
  trades(apiKey?: string): Record<string, unknown>[];
  /** Requests received (no headers, no secrets). */
  requests(): readonly RequestLogEntry[];
  /** Logged-in private WebSocket connections. */
  wsConnections(): number;
  /** Text `ping`s received on the private WebSocket since start. */
  wsPings(): number;
  faults: LocalBitgetFaults;
}

const DEFAULT_BEHAVIOUR: LocalBitgetBehaviour = {
  tradeSideInOneWay: 'ignore',
  omitOrderIdAfterReduceOnlyAdjust: true,
  modifyReplaceDelayMs: 0,
  emptyListAs: 'null',
  clientOidSpelling: 'clientOid',
  initialBalance: parseDecimal('1000000'),
  defaultLeverage: 20,
  defaultDepth: parseDecimal('1000'),
  rejectUnknownParameters: true,
  rateLimits: true,
  timestampWindowMs: 30_000,
  wsIdleTimeoutMs: 120_000,
};

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
  const now = options.now ?? Date.now;
  const faults = new FaultState();
  const serverNow = () => now() + faults.clockSkewMs;
  const logger = options.logger;
  const credentialList = Array.isArray(options.credentials) ? options.credentials : [options.credentials];
  const credentials = new Map(credentialList.map((c: LocalCredentials) => [c.apiKey, c]));
  const firstKey = credentialList[0]?.apiKey;
  if (firstKey === undefined) throw new Error('the local Bitget needs at least one set of credentials');

  let hub: WsHub | undefined;
  const engine = new Engine({
    contracts: options.contracts ?? DEFAULT_CONTRACTS,
    config: { ...behaviour, productType, marginCoin: 'USDT' },
    now,
    newId: idGenerator(options.seed ?? 1),
    emit: (push: Push) => hub?.publish(push.apiKey, push.channel, push.data, now()),
  });
  const startMode: PosMode = options.positionMode === 'hedge' ? 'hedge_mode' : 'one_way_mode';
  for (const c of credentialList) engine.addAccount(c.apiKey, startMode);

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
  const orderList = (result: { orders: SimOrder[]; endId: string | undefined }) => ({
    entrustedList: emptyList(result.orders.map((order) => orderRecord(order, 'list'))),
    endId: result.endId ?? null,
  });

  const routes = new Map<string, Route>([
    [
      'POST /api/v2/mix/order/place-order',
      {
        group: 'place',
        limit: 10,
        handler: ({ account, body }: Parameters<Handler>[0]) => {
          const result = engine.placeOrder(account, parseWith(PlaceOrderBody, body));
          return result.orderId === undefined ? { clientOid: result.clientOid } : result;
        },
      },
    ],
    [
      'POST /api/v2/mix/order/cancel-order',
      {
        group: 'cancel',
        limit: 10,
        handler: ({ account, body }: Parameters<Handler>[0]) =>
          engine.cancelOrder(account, parseWith(CancelOrderBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/modify-order',
      {
        group: 'modify',
        limit: 10,
        handler: ({ account, body }: Parameters<Handler>[0]) =>
          engine.modifyOrder(account, parseWith(ModifyOrderBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/batch-cancel-orders',
      {
        group: 'batchCancel',
        limit: 10,
        handler: ({ account, body }: Parameters<Handler>[0]) =>
          engine.batchCancel(account, parseWith(BatchCancelBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/cancel-all-orders',
      {
        group: 'cancelAll',
        limit: 10,
        handler: ({ account, body }: Parameters<Handler>[0]) =>
          engine.cancelAll(account, parseWith(CancelAllBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/order/close-positions',
      {
        group: 'closePositions',
        limit: 1,
        handler: ({ account, body }: Parameters<Handler>[0]) =>
          engine.closePositions(account, parseWith(ClosePositionsBody, body)),
      },
    ],
    [
      'POST /api/v2/mix/account/set-position-mode',
      {
        group: 'setPositionMode',
        limit: 5,
        handler: ({ account, body }: Parameters<Handler>[0]) =>
          engine.setPositionMode(account, parseWith(SetPositionModeBody, body)),
      },
    ],
    [
      'GET /api/v2/mix/order/detail',
      {
        group: 'detail',
        limit: 10,
        handler: ({ account, query }: Parameters<Handler>[0]) =>
          orderRecord(engine.detail(account, parseWith(DetailQuery, query)), 'detail'),
      },
    ],
    [
      'GET /api/v2/mix/order/orders-pending',
      {
        group: 'pending',
        limit: 10,
        handler: ({ account, query }: Parameters<Handler>[0]) =>
          orderList(engine.listOrders(account, parseWith(OrderListQuery, query), 'pending')),
      },
    ],
    [
      'GET /api/v2/mix/order/orders-history',
      {
        group: 'history',
        limit: 10,
        handler: ({ account, query }: Parameters<Handler>[0]) =>
          orderList(engine.listOrders(account, parseWith(OrderListQuery, query), 'history')),
      },
    ],
    [
      'GET /api/v2/mix/order/fills',
      {
        group: 'fills',
        limit: 10,
        handler: ({ account, query }: Parameters<Handler>[0]) => {
          const result = engine.listTrades(account, parseWith(FillsQuery, query));
          return { fillList: emptyList(result.trades.map(fillRecord)), endId: result.endId ?? null };
        },
      },
    ],
    [
      'GET /api/v2/mix/position/all-position',
      {
        group: 'allPosition',
        limit: 5,
        handler: ({ account, query }: Parameters<Handler>[0]) => {
          const parsed = parseWith(AllPositionQuery, query);
          if (parsed.productType.toUpperCase() !== productType)
            throw refuse.invalid('productType', 'is not supported');
          return engine
            .positionsOf(account)
            .map((position) => engine.positionRecord(account, position, 'rest'));
        },
      },
    ],
    [
      'GET /api/v2/mix/position/single-position',
      {
        group: 'singlePosition',
        limit: 10,
        handler: ({ account, query }: Parameters<Handler>[0]) => {
          const parsed = parseWith(SinglePositionQuery, query);
          if (engine.contract(parsed.symbol) === undefined) throw refuse.symbolNotFound();
          return engine
            .positionsOf(account, parsed.symbol)
            .map((position) => engine.positionRecord(account, position, 'rest'));
        },
      },
    ],
    [
      'GET /api/v2/mix/account/account',
      {
        group: 'account',
        limit: 10,
        handler: ({ account, query }: Parameters<Handler>[0]) => {
          const parsed = parseWith(AccountQuery, query);
          if (engine.contract(parsed.symbol) === undefined) throw refuse.symbolNotFound();
          const available = engine.available(account);
          const leverage = String(engine.leverageOf(account, parsed.symbol));
          return {
            marginCoin: 'USDT',
            locked: '0',
            available: available.toString(),
            crossedMaxAvailable: available.toString(),
            isolatedMaxAvailable: available.toString(),
            maxTransferOut: available.toString(),
            accountEquity: account.equity.toString(),
            usdtEquity: account.equity.toString(),
            btcEquity: '0',
            crossedRiskRate: '0',
            crossedMarginLeverage: leverage,
            isolatedLongLever: leverage,
            isolatedShortLever: leverage,
            marginMode: 'crossed',
            posMode: account.posMode,
            unrealizedPL: '0',
            coupon: '0',
            crossedUnrealizedPL: '0',
            isolatedUnrealizedPL: '0',
          };
        },
      },
    ],
    [
      'GET /api/v2/mix/market/contracts',
      {
        group: 'contracts',
        limit: 20,
        public: true,
        handler: ({ query }: { query: Record<string, string> }) => {
          const parsed = parseWith(ContractsQuery, query);
          const type = parsed.productType.toUpperCase();
          // This venue lists USDT-M futures; the other product types exist and list nothing here.
          if (!BITGET_PRODUCT_TYPES.includes(type)) throw refuse.invalid('productType', 'is not supported');
          if (type !== productType) return [];
          return engine
            .contractList()
            .filter((contract) => parsed.symbol === undefined || contract.symbol === parsed.symbol)
            .map((contract) => contractRecord(contract, productType));
        },
      },
    ],
    [
      'GET /api/v2/mix/market/symbol-price',
      {
        group: 'symbolPrice',
        limit: 20,
        public: true,
        handler: ({ query }: { query: Record<string, string> }) => {
          const parsed = parseWith(ContractsQuery, query);
          const contracts = engine
            .contractList()
            .filter((contract) => parsed.symbol === undefined || contract.symbol === parsed.symbol);
          if (parsed.symbol !== undefined && contracts.length === 0) throw refuse.symbolNotFound();
          return contracts.map((contract) => {
            const mark = engine.markPrice(contract.symbol).toString();
            return {
              symbol: contract.symbol,
              price: mark,
              indexPrice: mark,
              markPrice: mark,
              ts: String(now()),
            };
          });
        },
      },
    ],
    ...marketRoutes(engine, productType, now, parseWith),
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
  server.on('upgrade', (request, socket, head: Buffer) => hub?.handleUpgrade(request, socket, head));

  async function handle(request: http.IncomingMessage, response: http.ServerResponse, body: string) {
    const method = (request.method ?? 'GET').toUpperCase();
    const [path = '/', rawQuery = ''] = (request.url ?? '/').split(/\?(.*)/s);
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
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            delayed.delete(release);
            resolve();
          }, fault.delayMs);
          const release = () => {
            clearTimeout(timer);
            resolve();
          };
          delayed.add(release);
        });
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
      const query = Object.fromEntries(new URLSearchParams(rawQuery));
      if (route.public) {
        if (behaviour.rateLimits && overLimit(`ip|${route.group}`, route.limit))
          return refused(refuse.rateLimited());
        const data = (route.handler as (ctx: { query: Record<string, string> }) => unknown)({ query });
        return reply(200, '00000', 'success', data);
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
      if (account === undefined) return refused(refuse.keyDoesNotExist());
      if (behaviour.rateLimits && overLimit(`${account.uid}|${route.group}`, route.limit)) {
        return refused(refuse.rateLimited());
      }
      let parsedBody: unknown = {};
      if (method === 'POST') {
        try {
          parsedBody = body === '' ? {} : parse(body, null, (number: string) => number);
        } catch {
          return refused(refuse.invalid('body', 'is not valid JSON'));
        }
      }
      const data = (route.handler as Handler)({ account, query, body: parsedBody });
      return reply(200, '00000', 'success', data);
    } catch (error) {
      if (error instanceof BitgetFailure) return refused(error);
      throw error;
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
    async close() {
      if (closed) return;
      closed = true;
      for (const release of delayed) release();
      delayed.clear();
      engine.close();
      await hub?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    setMarkPrice(symbol, price, markOptions) {
      const decimal = (value: string | Decimal) => (typeof value === 'string' ? parseDecimal(value) : value);
      engine.setMarkPrice(
        symbol,
        decimal(price),
        markOptions?.liquidity === undefined ? undefined : decimal(markOptions.liquidity),
      );
    },
    markPrice: (symbol) => engine.markPrice(symbol),
    setDepth: (symbol, depth) => engine.setDepth(symbol, parseDecimal(depth)),
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
    positions(apiKey) {
      const account = accountOf(apiKey);
      return engine.positionsOf(account).map((position) => engine.positionRecord(account, position, 'rest'));
    },
    trades(apiKey) {
      return accountOf(apiKey).trades.map(fillRecord);
    },
    requests: () => log,
    wsConnections: () => hub?.count() ?? 0,
    wsPings: () => hub?.pings ?? 0,
    faults: faults.controls({ dropSockets: () => hub?.dropAll(), flushHeldPushes: () => hub?.flushHeld() }),
  };
}
