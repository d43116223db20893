import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import type { VenueLatency } from '../../../domain/metadata.ts';
import { OFF_THREAD_CHARS, parseVenueJsonOffThread } from '../json-parse-thread.ts';
import { parseVenueJson } from '../venue-json.ts';
import type { VenueSocket } from '../venue-socket.ts';
import { DeribitError, DeribitRpcError } from './errors.ts';
import { describeIssues, type Notification, NotificationSchema, RpcResponseSchema } from './schemas.ts';
import { stringifyWire } from './wire-json.ts';

/**
 * JSON-RPC over one connection's socket (see `ws-session.ts` for the connection itself). Requests are correlated strictly by id (replies may come
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

  private readonly socket: VenueSocket;
  private readonly logger: Logger;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  /** Set while a long message is parsed off the event loop: the pushes after it wait their turn. */
  private backlog: Promise<void> | undefined;

  constructor(socket: VenueSocket, logger: Logger) {
    this.socket = socket;
    this.logger = logger;
    socket.messages$.subscribe({
      next: (text) => this.receive(text),
      // A reply still being parsed when the socket closed is delivered first.
      complete: () =>
        this.afterBacklog(() => {
          this.failPending('the connection closed before the reply');
          this.notifications$.complete();
        }),
    });
  }

  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  /** Drops the socket at once (a session that cannot be re-authenticated). */
  terminate(): void {
    this.socket.terminate();
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
      // A reply that arrived in time but waits behind a long message being parsed is not late.
      const expire = () => {
        if (!this.pending.has(String(id))) return;
        this.pending.delete(String(id));
        reject(new DeribitError('DERIBIT_TIMEOUT', `${method}: no reply within ${timeoutMs} ms`, true));
      };
      const timer = setTimeout(() => this.afterBacklog(expire), timeoutMs);
      this.pending.set(String(id), { method, resolve, reject, timer });
      this.socket.send(text, (error) => {
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

  /**
   * Messages are handled in arrival order, with one exception. A long one (a list of thousands of
   * open orders) is parsed in a worker thread (`json-parse-thread.ts`), and the pushes after it wait
   * for it; a reply to another request does not: replies are matched by id, in any order (as over
   * HTTP), and the acknowledgements of orders placed meanwhile must not wait the hundreds of
   * milliseconds a list of thousands takes to parse.
   */
  private receive(text: string): void {
    if (text.length >= OFF_THREAD_CHARS) {
      const parsed = parseVenueJsonOffThread(text);
      parsed.catch(() => undefined); // handled in its turn
      this.inTurn(parsed);
      return;
    }
    let message: unknown;
    try {
      message = parseVenueJson(text);
    } catch (error) {
      if (this.backlog === undefined) this.notJson(error);
      else this.inTurn(Promise.reject(error));
      return;
    }
    if (this.backlog === undefined || isReply(message)) this.onMessage(message);
    else this.inTurn(Promise.resolve(message));
  }

  /** Handles a message once every message before it that waits its turn has been handled. */
  private inTurn(parsed: Promise<unknown>): void {
    const turn = (this.backlog ?? Promise.resolve())
      .then(() => parsed)
      .then(
        (message) => this.onMessage(message),
        (error: unknown) => this.notJson(error),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'deribit: a message could not be handled'),
      );
    this.backlog = turn;
    void turn.finally(() => {
      if (this.backlog === turn) this.backlog = undefined;
    });
  }

  /** Runs `work` once every message received so far has been handled. */
  private afterBacklog(work: () => void): void {
    if (this.backlog === undefined) work();
    else void this.backlog.finally(() => this.afterBacklog(work));
  }

  private notJson(error: unknown): void {
    this.logger.error({ err: (error as Error).message }, 'deribit: a message that is not JSON');
  }

  private onMessage(message: unknown): void {
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

/** A JSON-RPC reply (it carries the id of the request it answers); notifications carry none. */
function isReply(message: unknown): boolean {
  if (typeof message !== 'object' || message === null || !('id' in message)) return false;
  return message.id !== undefined && message.id !== null;
}
