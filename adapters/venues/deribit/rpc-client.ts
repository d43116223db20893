import type { Logger } from 'pino';
import { sleep } from '../../../application/support/backoff.ts';
import { DeribitAuth } from './auth.ts';
import { closedError, DeribitError, DeribitRpcError } from './errors.ts';
import { type HttpAuth, httpRequest } from './http-rpc.ts';
import type { DeribitContext } from './options.ts';
import { CreditLimiter, poolOf } from './rate-limits.ts';
import type { RpcReply, WsRpcConnection } from './ws-rpc.ts';

/**
 * Deribit requests: over the WebSocket when it is up (HTTP otherwise, or always HTTP), each one
 * first waiting for its credits in a client-side limiter on Deribit's model, so the adapter never
 * trips 10028 itself. A refusal for want of authentication (10000, 13009) proves nothing was done:
 * the request is authenticated again and sent once more.
 */

/** Requests that add or change exposure: they leave room in the matching-engine pool for cancels (and closes). */
const NEW_ORDER_METHODS: ReadonlySet<string> = new Set([
  'private/buy',
  'private/sell',
  'private/edit',
  'private/edit_by_label',
]);

/** Cancels' worth of credits new orders leave in the pool. */
const CANCELS_KEPT = 1;

export class DeribitRpcClient {
  readonly auth: DeribitAuth;
  readonly limiter: CreditLimiter;
  private readonly context: DeribitContext;
  private readonly logger: Logger;
  private readonly link: () => WsRpcConnection | undefined;
  private readonly isClosed: () => boolean;

  constructor(options: {
    context: DeribitContext;
    link: () => WsRpcConnection | undefined;
    isClosed: () => boolean;
  }) {
    this.context = options.context;
    this.logger = options.context.logger;
    this.link = options.link;
    this.isClosed = options.isClosed;
    const { config, now } = options.context;
    this.limiter = new CreditLimiter(config.rateLimits, now());
    this.auth = new DeribitAuth({
      context: options.context,
      rpc: (ws, method, params) => this.rpc(ws, method, params),
      http: (method, params) => this.http(method, params, { kind: 'none' }),
      link: options.link,
    });
  }

  /** A request on a given socket (a connection's handshake). */
  async rpc(ws: WsRpcConnection, method: string, params: Record<string, unknown>): Promise<RpcReply> {
    await this.reserve(method);
    return ws.request(method, params, this.context.config.requestTimeoutMs);
  }

  /** A request over the live connection, or HTTP; re-authenticated and repeated once when refused for want of it. */
  async request(method: string, params: Record<string, unknown>): Promise<RpcReply> {
    if (this.isClosed()) throw closedError(method);
    const ws = this.link();
    const overWs = this.context.config.requestTransport === 'ws' && ws !== undefined && ws.isOpen;
    const once = async (retry: boolean): Promise<RpcReply> => {
      if (overWs) {
        if (retry) {
          await this.auth.authenticate(ws).catch((error: unknown) => {
            throw new DeribitError(
              'DERIBIT_DISCONNECTED',
              `${method}: not re-sent: ${(error as Error).message}`,
              false,
            );
          });
        }
        return this.rpc(ws, method, params);
      }
      const auth = await this.auth.http(retry).catch((error: unknown) => {
        // The request itself has not left: whatever happened to the authentication, it was not sent.
        throw new DeribitError(
          error instanceof DeribitError ? error.code : 'DERIBIT_HTTP_ERROR',
          `${method}: not sent, HTTP authentication failed: ${(error as Error).message}`,
          false,
        );
      });
      return this.http(method, params, auth);
    };
    try {
      return await once(false);
    } catch (error) {
      if (error instanceof DeribitRpcError && error.classification.reauthenticate) {
        this.logger.warn(
          { method, code: error.venueCode },
          'deribit: not authenticated, authenticating again',
        );
        try {
          return await once(true);
        } catch (again) {
          // A re-authentication that failed sent nothing more: the venue's refusal stands.
          if (again instanceof DeribitError && !(again instanceof DeribitRpcError) && !again.sent)
            throw error;
          throw again;
        }
      }
      throw error;
    }
  }

  /** Answers a heartbeat `test_request` at once; the credits are taken even if it means debt. */
  answerHeartbeat(ws: WsRpcConnection): void {
    this.limiter.reserve('public/test', this.context.now(), Number.POSITIVE_INFINITY);
    ws.notify('public/test', {});
  }

  private async http(method: string, params: Record<string, unknown>, auth: HttpAuth): Promise<RpcReply> {
    await this.reserve(method);
    const { config } = this.context;
    return httpRequest({
      baseUrl: config.httpUrl,
      method,
      params,
      timeoutMs: config.requestTimeoutMs,
      auth,
      logger: this.logger,
    });
  }

  /**
   * Waits for the credits of a request; refuses (not sent) when that would exceed the timeout. New
   * orders and edits do not queue: they take credits only when there are some left beyond what a
   * cancel needs, so a cancel (or the kill switch's) never waits behind them.
   */
  private async reserve(method: string): Promise<void> {
    const { config, now } = this.context;
    if (NEW_ORDER_METHODS.has(method)) {
      const deadline = now() + config.requestTimeoutMs;
      for (;;) {
        const wait = this.limiter.takeLeaving(method, now(), config.rateLimitMarginMs, CANCELS_KEPT);
        if (wait === 0) return;
        if (now() + wait > deadline) break;
        await sleep(wait);
      }
      throw new DeribitError(
        'DERIBIT_RATE_LIMITED',
        `${method}: the ${poolOf(method)} credit pool cannot take it within ${config.requestTimeoutMs} ms (credits kept for cancels); not sent`,
        false,
      );
    }
    const wait = this.limiter.reserve(method, now(), config.requestTimeoutMs, config.rateLimitMarginMs);
    if (wait === undefined) {
      throw new DeribitError(
        'DERIBIT_RATE_LIMITED',
        `${method}: the ${poolOf(method)} credit pool cannot take it within ${config.requestTimeoutMs} ms; not sent`,
        false,
      );
    }
    if (wait > 0) await sleep(wait);
  }
}
