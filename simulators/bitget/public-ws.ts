import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { crc32 } from 'node:zlib';
import { type WebSocket, WebSocketServer } from 'ws';
import type { LocalContract } from './contracts.ts';
import type { Engine } from './engine.ts';
import type { FundingRates } from './funding.ts';
import { type BookLevel, bookLevels, tickerRecord } from './market-book.ts';
import { WsSubscribeOp } from './protocol.ts';

/**
 * The local Bitget's public WebSocket (`/v2/ws/public`), read from Bitget's v2 documentation:
 * `{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"}]}`,
 * acked with `{"event":"subscribe","arg":{...}}`, then pushes
 * `{"action":"snapshot","arg":{...},"data":[...],"ts":...}` at once and after every move of the
 * market. Channels: `ticker` (as the REST ticker, with the funding rate and its next time), and the
 * books `books1`, `books5`, `books15` (every push a snapshot) and `books` (a snapshot, then
 * `update`s of the levels that changed, size "0" for a level gone), each with Bitget's CRC32
 * checksum over the first 25 levels of the whole book, `bid:size:ask:size:...`, signed 32-bit. Text
 * `ping` gets `pong`. Unknown channels or symbols: error 30001; malformed arguments: 30016.
 */

const BOOK_DEPTH: Record<string, number> = { books1: 1, books5: 5, books15: 15, books: 50 };
const CHANNELS = new Set(['ticker', ...Object.keys(BOOK_DEPTH)]);

interface Arg {
  instType: string;
  channel: string;
  instId: string;
}

interface Subscriber {
  ws: WebSocket;
  args: Map<string, Arg>;
  seq: number;
  /** `books` (incremental): the levels last sent per symbol, price → size. */
  sent: Map<string, { bids: Map<string, string>; asks: Map<string, string> }>;
}

/** The levels that changed since `before` ([price, "0"]: removed), best first as Bitget sends them. */
function delta(before: Map<string, string>, after: readonly BookLevel[]): BookLevel[] {
  const now = new Map(after);
  const changed: BookLevel[] = after.filter(([price, size]) => before.get(price) !== size);
  for (const price of before.keys()) if (!now.has(price)) changed.push([price, '0']);
  return changed;
}

/** Bitget's order book checksum. */
export function bookChecksum(bids: readonly BookLevel[], asks: readonly BookLevel[]): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    const bid = bids[i];
    const ask = asks[i];
    if (bid) parts.push(bid[0], bid[1]);
    if (ask) parts.push(ask[0], ask[1]);
  }
  return crc32(parts.join(':')) | 0;
}

export class PublicWsHub {
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #subscribers = new Set<Subscriber>();
  readonly #engine: Engine;
  readonly #funding: FundingRates;
  readonly #productType: string;
  readonly #now: () => number;

  constructor(options: { engine: Engine; funding: FundingRates; productType: string; now: () => number }) {
    this.#engine = options.engine;
    this.#funding = options.funding;
    this.#productType = options.productType;
    this.#now = options.now;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      const subscriber: Subscriber = { ws, args: new Map(), seq: 0, sent: new Map() };
      this.#subscribers.add(subscriber);
      ws.on('message', (data) => this.#onMessage(subscriber, data.toString()));
      ws.on('close', () => this.#subscribers.delete(subscriber));
      ws.on('error', () => this.#subscribers.delete(subscriber));
    });
  }

  /** The market of a symbol moved: every subscriber to it gets a fresh push. */
  marketMoved(symbol: string): void {
    for (const subscriber of this.#subscribers)
      for (const arg of subscriber.args.values()) if (arg.instId === symbol) this.#push(subscriber, arg);
  }

  async close(): Promise<void> {
    for (const subscriber of this.#subscribers) subscriber.ws.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #send(subscriber: Subscriber, payload: unknown): void {
    if (subscriber.ws.readyState === subscriber.ws.OPEN) subscriber.ws.send(JSON.stringify(payload));
  }

  #onMessage(subscriber: Subscriber, text: string): void {
    if (text === 'ping') {
      if (subscriber.ws.readyState === subscriber.ws.OPEN) subscriber.ws.send('pong');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.#send(subscriber, { event: 'error', code: 30002, msg: 'illegal request' });
      return;
    }
    const op = typeof message === 'object' && message !== null && 'op' in message ? message.op : undefined;
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      this.#send(subscriber, { event: 'error', code: 30003, msg: 'invalid op' });
      return;
    }
    const parsed = WsSubscribeOp.safeParse(message);
    if (!parsed.success) {
      this.#send(subscriber, { event: 'error', code: 30016, msg: 'param error' });
      return;
    }
    for (const raw of parsed.data.args) this.#subscribe(subscriber, parsed.data.op, raw);
  }

  #subscribe(subscriber: Subscriber, op: 'subscribe' | 'unsubscribe', raw: Partial<Arg>): void {
    const arg: Arg = { instType: raw.instType ?? '', channel: raw.channel ?? '', instId: raw.instId ?? '' };
    const key = `${arg.channel}|${arg.instId}`;
    if (op === 'unsubscribe') {
      subscriber.args.delete(key);
      if (arg.channel === 'books') subscriber.sent.delete(arg.instId);
      this.#send(subscriber, { event: 'unsubscribe', arg });
      return;
    }
    if (
      arg.instType.toUpperCase() !== this.#productType ||
      !CHANNELS.has(arg.channel) ||
      this.#engine.contract(arg.instId) === undefined
    ) {
      this.#send(subscriber, {
        event: 'error',
        arg,
        code: 30001,
        msg: `instType:${arg.instType},channel:${arg.channel},instId:${arg.instId} doesn't exist`,
      });
      return;
    }
    subscriber.args.set(key, arg);
    if (arg.channel === 'books') subscriber.sent.delete(arg.instId); // a new subscription starts with a snapshot
    this.#send(subscriber, { event: 'subscribe', arg });
    this.#push(subscriber, arg);
  }

  #push(subscriber: Subscriber, arg: Arg): void {
    const contract = this.#engine.contract(arg.instId) as LocalContract;
    const now = this.#now();
    if (arg.channel === 'ticker') {
      const data = { ...tickerRecord(this.#engine, this.#funding, contract, now), instId: arg.instId };
      this.#send(subscriber, { action: 'snapshot', arg, data: [data], ts: now });
      return;
    }
    const { bids, asks } = bookLevels(this.#engine, contract, BOOK_DEPTH[arg.channel] ?? 5);
    const book = { checksum: bookChecksum(bids, asks), seq: ++subscriber.seq, ts: String(now) };
    const before = arg.channel === 'books' ? subscriber.sent.get(arg.instId) : undefined;
    if (arg.channel === 'books')
      subscriber.sent.set(arg.instId, { bids: new Map(bids), asks: new Map(asks) });
    if (before === undefined) {
      this.#send(subscriber, { action: 'snapshot', arg, data: [{ asks, bids, ...book }], ts: now });
      return;
    }
    // `books` after its snapshot: only the levels that changed, a size of 0 for those removed.
    const update = { asks: delta(before.asks, asks), bids: delta(before.bids, bids), ...book };
    if (update.asks.length + update.bids.length > 0)
      this.#send(subscriber, { action: 'update', arg, data: [update], ts: now });
  }
}
