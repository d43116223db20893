import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { firstValueFrom, type Observable, filter as rxFilter, timeout } from 'rxjs';
import WebSocket from 'ws';
import {
  createDeribitAdapter,
  type DeribitAdapter,
  type DeribitAdapterOptions,
} from '../../../adapters/venues/deribit/adapter.ts';
import { type Decimal, parseDecimal } from '../../../domain/decimal.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { OrderParams } from '../../../domain/order/contract.ts';
import {
  type LocalDeribit,
  type LocalDeribitOptions,
  startLocalDeribit,
} from '../../../simulators/deribit/server.ts';
import { seededRandom as seeded } from '../../../simulators/seeded-random.ts';

/** The API key the tests use. The secret is a sentinel: it must never show up in a log line. */
export const CLIENT = { clientId: 'oms-test-client', clientSecret: 'SENTINEL-secret-4f9c2e' } as const;

export const d = parseDecimal;

/** A pino logger writing into memory, so tests can read what was logged. */
export function memoryLogger(level: pino.Level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      if (process.env.DERIBIT_TEST_LOG) process.stdout.write(chunk);
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Polls a condition until it holds, or fails after `timeoutMs` naming what was awaited. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The first value of an observable that satisfies `predicate`, within `timeoutMs`. */
export function nextValue<T>(
  source: Observable<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  return firstValueFrom(source.pipe(rxFilter(predicate), timeout(timeoutMs)));
}

export function startSim(options: LocalDeribitOptions = {}): Promise<LocalDeribit> {
  return startLocalDeribit({ credentials: [CLIENT], seed: 7, minHeartbeatIntervalSec: 0.05, ...options });
}

export function adapterFor(
  sim: LocalDeribit,
  overrides: Partial<DeribitAdapterOptions> = {},
): { adapter: DeribitAdapter; lines: string[] } {
  const { logger, lines } = memoryLogger();
  const adapter = createDeribitAdapter({
    account: 'test-account',
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    credentials: { ...CLIENT },
    logger,
    requestTimeoutMs: 2000,
    heartbeatIntervalSec: 1,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, factor: 2 },
    random: seeded(11),
    ...overrides,
  });
  return { adapter, lines };
}

export function instrumentNamed(instruments: Instrument[], symbol: string): Instrument {
  const found = instruments.find((i) => i.symbol === symbol);
  if (found === undefined) throw new Error(`no instrument ${symbol}`);
  return found;
}

/** An order as the domain records it when requested. */
export function orderFor(
  instrument: Instrument,
  fields: Partial<OrderParams> & Pick<OrderParams, 'side' | 'type' | 'amount'>,
): OrderParams {
  return {
    orderId: randomUUID(),
    account: 'test-account',
    instrument,
    clientOrderId: `o-${randomUUID().replaceAll('-', '')}`,
    timeInForce: 'gtc',
    reduceOnly: false,
    postOnly: false,
    rejectPostOnly: false,
    positionMode: 'one_way',
    intent: 'order',
    ...fields,
  };
}

/** `n` steps of the instrument's amount grid. */
export function lots(instrument: Instrument, n: number): Decimal {
  return instrument.amountStep.times(n);
}

/** `n` ticks away from `price`. */
export function ticks(instrument: Instrument, price: Decimal, n: number): Decimal {
  return price.plus(instrument.tickSize.times(n));
}

// ------------------------------------------------------------------------------------------------
// A raw JSON-RPC client, to test the local Deribit's protocol without the adapter
// ------------------------------------------------------------------------------------------------

export interface RawEnvelope {
  jsonrpc: string;
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  usIn?: number;
  usOut?: number;
  usDiff?: number;
  testnet?: boolean;
  method?: string;
  params?: { channel?: string; data?: unknown; type?: string };
}

export class RawClient {
  readonly messages: RawEnvelope[] = [];
  readonly closed: Promise<number>;
  private readonly socket: WebSocket;
  private nextId = 1;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as RawEnvelope));
  }

  static open(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and waits for the reply with its id. */
  async call(method: string, params: Record<string, unknown> = {}): Promise<RawEnvelope> {
    const id = this.nextId++;
    this.sendText(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return waitFor(() => this.messages.find((m) => m.id === id), `the reply to ${method}`);
  }

  sendText(text: string): void {
    this.socket.send(text);
  }

  notifications(channelPrefix: string): RawEnvelope[] {
    return this.messages.filter(
      (m) => m.method === 'subscription' && m.params?.channel?.startsWith(channelPrefix),
    );
  }

  async auth(): Promise<RawEnvelope> {
    return this.call('public/auth', {
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

/** A JSON-RPC call over HTTP: POST with the request object as the body. */
export async function httpCall(
  sim: LocalDeribit,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: RawEnvelope }> {
  const response = await fetch(`${sim.httpUrl}/api/v2/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: response.status, body: (await response.json()) as RawEnvelope };
}
