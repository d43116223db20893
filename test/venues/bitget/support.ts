import http from 'node:http';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { filter, firstValueFrom, type Observable, timeout } from 'rxjs';
import WebSocket from 'ws';
import {
  type BitgetAdapter,
  type BitgetAdapterOptions,
  createBitgetAdapter,
} from '../../../adapters/venues/bitget/adapter.ts';
import { canonicalQuery, signedHeaders, signWsLogin } from '../../../adapters/venues/bitget/signing.ts';
import { parseVenueJson } from '../../../adapters/venues/venue-json.ts';
import type { VenueReport } from '../../../application/ports/venue.ts';
import {
  type LocalBitget,
  type LocalBitgetOptions,
  startLocalBitget,
} from '../../../simulators/bitget/server.ts';
import { seededRandom as seeded } from '../../../simulators/seeded-random.ts';

/** Sentinel secrets: tests assert they never show up in a log line. */
export const CREDENTIALS = {
  apiKey: 'bg_test_key_SENTINEL_a1b2',
  secretKey: 'bg_test_secret_SENTINEL_c3d4',
  passphrase: 'bg_test_passphrase_SENTINEL_e5f6',
};

export const SECRETS = [CREDENTIALS.apiKey, CREDENTIALS.secretKey, CREDENTIALS.passphrase];

/** A pino logger writing into memory, to inspect what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => lines };
}

export interface Venue {
  local: LocalBitget;
  adapter: BitgetAdapter;
  reports: VenueReport[];
  logLines: () => string[];
  close(): Promise<void>;
}

/** A local Bitget and an adapter connected to it. */
export async function startVenue(
  localOptions: Partial<LocalBitgetOptions> = {},
  adapterOptions: Partial<BitgetAdapterOptions> = {},
): Promise<Venue> {
  const local = await startLocalBitget({ credentials: CREDENTIALS, seed: 42, ...localOptions });
  const { logger, lines } = memoryLogger();
  const adapter = createBitgetAdapter({
    account: 'main',
    restUrl: local.restUrl,
    wsUrl: local.wsUrl,
    credentials: CREDENTIALS,
    logger,
    requestTimeoutMs: 2_000,
    random: seeded(7),
    ws: { backoffInitialMs: 20, backoffMaxMs: 200, pingIntervalMs: 5_000 },
    ...adapterOptions,
  });
  const reports: VenueReport[] = [];
  adapter.reports$.subscribe((report) => reports.push(report));
  await adapter.connect();
  return {
    local,
    adapter,
    reports,
    logLines: lines,
    async close() {
      await adapter.close();
      await local.close();
    },
  };
}

/** Waits for a condition, polling, with a deadline; fails with `what` when it does not come. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The first value of an observable that satisfies the predicate, with a deadline. */
export function first<T>(
  source: Observable<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  return firstValueFrom(source.pipe(filter(predicate), timeout(timeoutMs)));
}

export interface RawReply {
  status: number;
  body: { code: string; msg: string; requestTime: string; data: unknown } & Record<string, unknown>;
}

/** One HTTP request on its own connection (no keep-alive pool left behind). */
export function httpRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method, headers: options.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body === '' ? undefined : options.body);
  });
}

/** Signed HTTP straight to the local Bitget, bypassing the adapter. */
export function rawClient(restUrl: string, credentials = CREDENTIALS) {
  const send = async (
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, unknown> = {},
    tweak: {
      headers?: (headers: Record<string, string>) => Record<string, string>;
      timestamp?: number;
      body?: string;
      rawQuery?: string;
    } = {},
  ): Promise<RawReply> => {
    const query =
      method === 'GET'
        ? (tweak.rawQuery ??
          canonicalQuery(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))))
        : '';
    const body = method === 'POST' ? (tweak.body ?? JSON.stringify(params)) : '';
    const timestamp = String(tweak.timestamp ?? Date.now());
    let headers = signedHeaders(credentials, { timestamp, method, path, query, body }, { demo: false });
    if (tweak.headers) headers = tweak.headers(headers);
    const response = await httpRequest(`${restUrl}${path}${query === '' ? '' : `?${query}`}`, {
      method,
      headers,
      body,
    });
    return { status: response.status, body: parseVenueJson(response.text) as RawReply['body'] };
  };
  return {
    get: (path: string, query?: Record<string, unknown>, tweak?: Parameters<typeof send>[3]) =>
      send('GET', path, query, tweak),
    post: (path: string, body?: Record<string, unknown>, tweak?: Parameters<typeof send>[3]) =>
      send('POST', path, body, tweak),
  };
}

/** A raw private WebSocket client: collects every message. */
export async function rawSocket(wsUrl: string) {
  const ws = new WebSocket(wsUrl);
  const messages: string[] = [];
  ws.on('message', (data: WebSocket.RawData) => messages.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    messages,
    send: (payload: unknown) => ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    login(credentials = CREDENTIALS, timestamp = String(Math.floor(Date.now() / 1000))) {
      ws.send(
        JSON.stringify({
          op: 'login',
          args: [
            {
              apiKey: credentials.apiKey,
              passphrase: credentials.passphrase,
              timestamp,
              sign: signWsLogin(credentials.secretKey, timestamp),
            },
          ],
        }),
      );
    },
    /** The next message (JSON-parsed unless it is plain text) matching, with a deadline. */
    async next(
      predicate: (message: Record<string, unknown> | string) => boolean,
      from = 0,
    ): Promise<Record<string, unknown> | string> {
      return waitFor('a WebSocket message', () =>
        messages
          .slice(from)
          .map((text) => (text.startsWith('{') ? (parseVenueJson(text) as Record<string, unknown>) : text))
          .find(predicate),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

export const PLACE = '/api/v2/mix/order/place-order';
export const CANCEL = '/api/v2/mix/order/cancel-order';
export const MODIFY = '/api/v2/mix/order/modify-order';
export const DETAIL = '/api/v2/mix/order/detail';
export const PENDING = '/api/v2/mix/order/orders-pending';
export const FILLS = '/api/v2/mix/order/fills';
export const ALL_POSITION = '/api/v2/mix/position/all-position';
export const CLOSE_POSITIONS = '/api/v2/mix/order/close-positions';
export const SET_POSITION_MODE = '/api/v2/mix/account/set-position-mode';

/** A place-order body with sensible defaults (BTCUSDT, crossed, limit gtc below the 60000 mark). */
export function placeBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    symbol: 'BTCUSDT',
    productType: 'USDT-FUTURES',
    marginMode: 'crossed',
    marginCoin: 'USDT',
    size: '0.01',
    price: '59000',
    side: 'buy',
    orderType: 'limit',
    force: 'gtc',
    ...fields,
  };
}
