import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import WebSocket from 'ws';
import type { VenueLatency } from '../../../domain/metadata.ts';
import { DeribitError, DeribitRpcError } from './errors.ts';
import { describeIssues, type Notification, NotificationSchema, RpcResponseSchema } from './schemas.ts';
import { parseWire, stringifyWire } from './wire-json.ts';

/**
 * One JSON-RPC session over a WebSocket. Requests are correlated strictly by id (replies may come
 * in any order); messages without an id are notifications, dispatched by method. Every request
 * has a timeout. Nothing here logs parameters: they may carry secrets (`public/auth`).
 */

export interface RpcReply {
  result: unknown;
  latency: VenueLatency | undefined;
}

interface Pending {
  method: string;
  resolve: (reply: RpcReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export function latencyOf(reply: {
  usIn?: number;
  usOut?: number;
  usDiff?: number;
}): VenueLatency | undefined {
  const { usIn, usOut, usDiff } = reply;
  if (usIn === undefined || usOut === undefined) return undefined;
  return { usIn, usOut, usDiff: usDiff ?? usOut - usIn };
}

export class WsRpcConnection {
  readonly notifications$ = new Subject<Notification>();
  /** Resolves when the socket is closed, for whatever reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Last time anything arrived (ms, the adapter's clock). */
  lastMessageAt: number;

  private readonly socket: WebSocket;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private isClosed = false;

  private constructor(socket: WebSocket, logger: Logger, now: () => number) {
    this.socket = socket;
    this.logger = logger;
    this.now = now;
    this.lastMessageAt = now();
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.isClosed = true;
        this.failPending('the connection closed before the reply');
        this.notifications$.complete();
        resolve({ code, reason: reason.toString('utf8') });
      });
    });
    socket.on('message', (data, isBinary) => {
      this.lastMessageAt = this.now();
      if (isBinary) {
        this.logger.warn('deribit: binary frame ignored');
        return;
      }
      this.onMessage(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
    });
    socket.on('error', (error) => this.logger.warn({ err: error.message }, 'deribit: socket error'));
  }

  /** Opens a socket; fails after `timeoutMs`. */
  static open(
    url: string,
    options: { timeoutMs: number; logger: Logger; now: () => number },
  ): Promise<WsRpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        handshakeTimeout: options.timeoutMs,
        maxPayload: 16 * 1024 * 1024,
      });
      const fail = (error: Error) => {
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        reject(new DeribitError('DERIBIT_DISCONNECTED', `cannot connect to ${url}: ${error.message}`, false));
      };
      socket.once('open', () => {
        socket.removeListener('error', fail);
        socket.removeListener('unexpected-response', onUnexpected);
        resolve(new WsRpcConnection(socket, options.logger, options.now));
      });
      const onUnexpected = (_req: unknown, res: { statusCode?: number }) =>
        fail(new Error(`HTTP ${res.statusCode ?? '?'} on upgrade`));
      socket.once('unexpected-response', onUnexpected);
      socket.once('error', fail);
    });
  }

  get isOpen(): boolean {
    return !this.isClosed && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Sends a request and waits for its reply. Rejects with DeribitRpcError (the venue's error),
   * or DeribitError: DERIBIT_DISCONNECTED (`sent` tells whether the request left), DERIBIT_TIMEOUT,
   * DERIBIT_PROTOCOL_ERROR (a reply that does not parse).
   */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<RpcReply> {
    if (!this.isOpen) {
      return Promise.reject(new DeribitError('DERIBIT_DISCONNECTED', `${method}: not connected`, false));
    }
    const id = this.nextId++;
    const text = stringifyWire({ jsonrpc: '2.0', id, method, params });
    return new Promise<RpcReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(String(id));
        reject(new DeribitError('DERIBIT_TIMEOUT', `${method}: no reply within ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.pending.set(String(id), { method, resolve, reject, timer });
      this.socket.send(text, (error) => {
        if (error === undefined || error === null) return;
        const pending = this.pending.get(String(id));
        if (pending === undefined) return;
        clearTimeout(pending.timer);
        this.pending.delete(String(id));
        // A failed write may still have reached the venue in part: treat as sent.
        reject(new DeribitError('DERIBIT_DISCONNECTED', `${method}: send failed: ${error.message}`, true));
      });
    });
  }

  /** Sends a request whose reply nobody waits for (the answer to a heartbeat `test_request`). */
  notify(method: string, params: Record<string, unknown>): void {
    if (!this.isOpen) return;
    const id = this.nextId++;
    this.socket.send(stringifyWire({ jsonrpc: '2.0', id, method, params }));
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(1000, 'client closing');
    }
    // A peer that does not answer the close handshake is cut after a grace period.
    const cut = setTimeout(() => this.socket.terminate(), 1000);
    cut.unref();
  }

  /** Drops the socket at once (dead link). */
  terminate(): void {
    this.socket.terminate();
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = parseWire(text);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'deribit: a message that is not JSON');
      return;
    }
    const id = typeof message === 'object' && message !== null && 'id' in message ? message.id : undefined;
    if (id === undefined || id === null) {
      const notification = NotificationSchema.safeParse(message);
      if (!notification.success) {
        this.logger.error(
          { issues: describeIssues(notification.error, message) },
          'deribit: unreadable notification',
        );
        return;
      }
      this.notifications$.next(notification.data);
      return;
    }
    const pending = this.pending.get(String(id));
    if (pending === undefined) {
      // Timed out earlier, or a reply to a fire-and-forget request.
      this.logger.debug({ id: String(id) }, 'deribit: reply without a waiting request');
      return;
    }
    this.pending.delete(String(id));
    clearTimeout(pending.timer);
    const reply = RpcResponseSchema.safeParse(message);
    if (!reply.success) {
      pending.reject(
        new DeribitError(
          'DERIBIT_PROTOCOL_ERROR',
          `${pending.method}: unreadable reply: ${describeIssues(reply.error, message)}`,
          true,
        ),
      );
      return;
    }
    const { error, result } = reply.data;
    if (error !== undefined) {
      pending.reject(
        new DeribitRpcError(pending.method, error.code, error.message, error.data, latencyOf(reply.data)),
      );
      return;
    }
    pending.resolve({ result, latency: latencyOf(reply.data) });
  }

  private failPending(reason: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new DeribitError('DERIBIT_DISCONNECTED', `${pending.method}: ${reason}`, true));
      this.pending.delete(id);
    }
  }
}
