import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse } from 'lossless-json';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { type LocalCredentials, verifyWsLogin } from './auth.ts';
import { BitgetFailure } from './errors.ts';
import type { FaultState } from './faults.ts';
import { WsLoginOp, WsSubscribeOp } from './protocol.ts';

/**
 * The local Bitget's private WebSocket (`/v2/ws/private`): login (seconds or ms timestamps),
 * subscribe / unsubscribe acks, `orders` / `fill` / `positions` / `orders-algo` pushes as
 * `{"action":"snapshot","arg":{...},"data":[...],"ts":...}`, text ping/pong, an idle drop after
 * two minutes without a message, and at most 10 inbound messages per second per connection.
 */

export const PRIVATE_CHANNELS = ['orders', 'fill', 'positions', 'orders-algo'] as const;
export type PrivateChannel = (typeof PRIVATE_CHANNELS)[number];

interface Connection {
  ws: WebSocket;
  apiKey: string | undefined;
  channels: Set<string>;
  lastSeen: number;
  recent: number[];
}

export interface WsHubOptions {
  credentials: ReadonlyMap<string, LocalCredentials>;
  productType: string;
  /** Server clock for login timestamps (fault clock skew included). */
  serverNow: () => number;
  windowMs: number;
  idleTimeoutMs: number;
  faults: FaultState;
  logger: Logger | undefined;
  /** Called after a subscription to `positions`, to send the current positions. */
  onSubscribed: (apiKey: string, channel: PrivateChannel) => void;
}

export class WsHub {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly options: WsHubOptions;
  private readonly idleTimer: NodeJS.Timeout;
  private held: { apiKey: string; channel: PrivateChannel; message: string }[] = [];
  /** Text pings received, all connections together. */
  pings = 0;

  constructor(options: WsHubOptions) {
    this.options = options;
    this.idleTimer = setInterval(
      () => this.dropIdle(),
      Math.min(5_000, Math.max(50, options.idleTimeoutMs / 4)),
    );
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const path = (request.url ?? '').split('?')[0];
    if (this.options.faults.wsBlocked || path !== '/v2/ws/private') {
      socket.end(
        this.options.faults.wsBlocked
          ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
          : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket) {
    const connection: Connection = {
      ws,
      apiKey: undefined,
      channels: new Set(),
      lastSeen: Date.now(),
      recent: [],
    };
    this.connections.add(connection);
    ws.on('message', (data) => this.onMessage(connection, data.toString()));
    ws.on('close', () => this.connections.delete(connection));
    ws.on('error', () => this.connections.delete(connection));
  }

  private send(connection: Connection, payload: unknown) {
    if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send(JSON.stringify(payload));
  }

  private error(connection: Connection, code: number, msg: string, arg?: unknown) {
    this.send(connection, { event: 'error', ...(arg !== undefined && { arg }), code, msg });
  }

  private onMessage(connection: Connection, text: string) {
    const at = Date.now();
    connection.lastSeen = at;
    connection.recent = connection.recent.filter((time) => time > at - 1000);
    connection.recent.push(at);
    if (connection.recent.length > 10) {
      this.error(connection, 30006, 'request too many');
      return;
    }
    if (text === 'ping') {
      this.pings += 1;
      if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send('pong');
      return;
    }
    let json: unknown;
    try {
      json = parse(text, null, (number: string) => number);
    } catch {
      this.error(connection, 30002, 'illegal request');
      return;
    }
    const op = typeof json === 'object' && json !== null && 'op' in json ? json.op : undefined;
    if (op === 'login') return this.login(connection, json);
    if (op === 'subscribe' || op === 'unsubscribe') return this.subscribe(connection, json);
    this.error(connection, 30003, 'invalid op');
  }

  private login(connection: Connection, json: unknown) {
    const parsed = WsLoginOp.safeParse(json);
    if (!parsed.success || parsed.data.args[0] === undefined) {
      this.error(connection, 30016, 'param error');
      return;
    }
    try {
      connection.apiKey = verifyWsLogin({
        login: parsed.data.args[0],
        credentials: this.options.credentials,
        serverNow: this.options.serverNow(),
        windowMs: this.options.windowMs,
      });
      this.send(connection, { event: 'login', code: 0, msg: '' });
    } catch (error) {
      if (!(error instanceof BitgetFailure)) throw error;
      this.error(connection, Number(error.code), error.message);
    }
  }

  private subscribe(connection: Connection, json: unknown) {
    const parsed = WsSubscribeOp.safeParse(json);
    if (!parsed.success) {
      this.error(connection, 30016, 'param error');
      return;
    }
    for (const arg of parsed.data.args) {
      const echo = { instType: arg.instType, channel: arg.channel, instId: arg.instId ?? 'default' };
      if (!(PRIVATE_CHANNELS as readonly string[]).includes(arg.channel)) {
        this.error(connection, 30001, `channel:${arg.channel},instId:${echo.instId} doesn't exist`, echo);
        continue;
      }
      if (connection.apiKey === undefined) {
        this.error(connection, 30004, 'User needs to log in', echo);
        continue;
      }
      if (arg.instType.toUpperCase() !== this.options.productType) {
        this.error(connection, 30016, 'param error', echo);
        continue;
      }
      if (parsed.data.op === 'subscribe') {
        connection.channels.add(arg.channel);
        this.send(connection, { event: 'subscribe', arg: echo });
        this.options.onSubscribed(connection.apiKey, arg.channel as PrivateChannel);
      } else {
        connection.channels.delete(arg.channel);
        this.send(connection, { event: 'unsubscribe', arg: echo });
      }
    }
  }

  /** Sends a push to the account's connections subscribed to the channel (faults applied). */
  publish(apiKey: string, channel: PrivateChannel, data: Record<string, unknown>[], ts: number) {
    const message = JSON.stringify({
      action: 'snapshot',
      arg: { instType: this.options.productType, channel, instId: 'default' },
      data,
      ts,
    });
    const { faults } = this.options;
    if (faults.reorder > 0) {
      this.held.push({ apiKey, channel, message });
      faults.reorder -= 1;
      if (faults.reorder === 0) this.flushHeld();
      return;
    }
    this.deliver(apiKey, channel, message);
    if (faults.duplicate > 0) {
      faults.duplicate -= 1;
      this.deliver(apiKey, channel, message);
    }
  }

  /** Sends the held pushes, last first. */
  flushHeld() {
    const held = this.held.reverse();
    this.held = [];
    for (const push of held) this.deliver(push.apiKey, push.channel, push.message);
  }

  private deliver(apiKey: string, channel: PrivateChannel, message: string) {
    for (const connection of this.connections) {
      if (connection.apiKey !== apiKey || !connection.channels.has(channel)) continue;
      if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send(message);
    }
  }

  private dropIdle() {
    const limit = Date.now() - this.options.idleTimeoutMs;
    for (const connection of this.connections) {
      if (connection.lastSeen < limit) {
        this.options.logger?.info('local bitget: idle private socket dropped');
        connection.ws.terminate();
        this.connections.delete(connection);
      }
    }
  }

  dropAll() {
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
  }

  count(): number {
    return [...this.connections].filter((connection) => connection.apiKey !== undefined).length;
  }

  async close() {
    clearInterval(this.idleTimer);
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
