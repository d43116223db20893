import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import WebSocket from 'ws';
import type { VenueConnectionState, VenueConnectionStatus } from '../../../application/ports/venue.ts';
import { classifyBitgetCode } from './codes.ts';
import { isRecord, parseVenueJson } from './json.ts';
import { type Credentials, signWsLogin } from './signing.ts';
import {
  describeIssues,
  type WsEvent,
  WsEventSchema,
  type WsLoginOp,
  type WsPush,
  WsPushSchema,
  type WsSubscribeOp,
} from './wire.ts';

/**
 * Bitget's private WebSocket: connect, log in (signed, timestamp in seconds), subscribe to the
 * channels, keep alive with text `ping`/`pong`, and on any loss reconnect with exponential backoff
 * and jitter, log in again and resubscribe. Each new `connected` after the first counts as a
 * reconnect: the order service reconciles then (pushes sent while the socket was down are lost).
 */

export interface PrivateWsOptions {
  wsUrl: string;
  credentials: Credentials;
  instType: string;
  channels: readonly string[];
  logger: Logger;
  /** ms since the epoch, for the login timestamp (the adapter's clock plus any measured offset). */
  timestamp: () => number;
  /** In [0, 1): jitter of the reconnect delays. */
  random: () => number;
  pingIntervalMs: number;
  /** The socket is declared dead when nothing (not even `pong`) arrived for ping interval + this. */
  pongTimeoutMs: number;
  /** Open + login + subscribe acks must complete within this. */
  handshakeTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** `start()` gives up after this long without a first connection. */
  connectTimeoutMs: number;
}

export interface ReceivedPush {
  push: WsPush;
  receivedAt: string;
}

export interface PrivateWs {
  readonly state$: Observable<VenueConnectionState>;
  readonly pushes$: Observable<ReceivedPush>;
  /** Resolves once logged in and subscribed; rejects on refused credentials or after connectTimeoutMs. */
  start(): Promise<void>;
  close(): Promise<void>;
  current(): VenueConnectionState;
}

/** Login codes that mean the credentials or the clock are wrong: retrying at once will not help. */
const AUTH_CODES = new Set(['30005', '30011', '30012', '30013', '30014', '30015']);

export class WsAttemptError extends Error {
  readonly code = 'BITGET_WS_CONNECT_FAILED';
  readonly fatal: boolean;
  readonly venueCode: string | undefined;
  constructor(message: string, fatal: boolean, venueCode?: string) {
    super(message);
    this.fatal = fatal;
    this.venueCode = venueCode;
  }
}

export function createPrivateWs(options: PrivateWsOptions): PrivateWs {
  const { logger } = options;
  const iso = () => new Date().toISOString();
  const state$ = new BehaviorSubject<VenueConnectionState>({
    status: 'connecting',
    since: iso(),
    reconnects: 0,
  });
  const pushes$ = new Subject<ReceivedPush>();
  let socket: WebSocket | undefined;
  let closing = false;
  let everConnected = false;
  let reconnects = 0;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  /** Ends the wait between two first-connection attempts when the client is closed. */
  let wakeUp: (() => void) | undefined;
  const attempts = new Set<WebSocket>();

  const setState = (status: VenueConnectionStatus, detail?: string) => {
    state$.next({ status, since: iso(), reconnects, ...(detail !== undefined && { detail }) });
  };

  const backoff = (failure: number) => {
    const ceiling = Math.min(options.backoffMaxMs, options.backoffInitialMs * 2 ** Math.min(failure, 20));
    // "Equal jitter": half fixed, half random, so retries of many clients spread out.
    return Math.round(ceiling / 2 + (ceiling / 2) * options.random());
  };

  const loginOp = (): WsLoginOp => {
    const timestamp = String(Math.floor(options.timestamp() / 1000));
    return {
      op: 'login',
      args: [
        {
          apiKey: options.credentials.apiKey,
          passphrase: options.credentials.passphrase,
          timestamp,
          sign: signWsLogin(options.credentials.secretKey, timestamp),
        },
      ],
    };
  };

  const subscribeOp = (): WsSubscribeOp => ({
    op: 'subscribe',
    args: options.channels.map((channel) => ({ instType: options.instType, channel, instId: 'default' })),
  });

  /** Handles a message: pushes go out; events are returned to the handshake. */
  const handleText = (text: string): WsEvent | undefined => {
    if (text === 'pong') return undefined;
    let json: unknown;
    try {
      json = parseVenueJson(text);
    } catch {
      logger.warn({ length: text.length }, 'bitget ws: a message that is not JSON');
      return undefined;
    }
    if (isRecord(json) && typeof json.event === 'string') {
      const event = WsEventSchema.safeParse(json);
      if (!event.success) {
        logger.warn({ problem: describeIssues(event.error, 'ws event') }, 'bitget ws: malformed event');
        return undefined;
      }
      return event.data;
    }
    const push = WsPushSchema.safeParse(json);
    if (!push.success) {
      logger.warn({ problem: describeIssues(push.error, 'ws push') }, 'bitget ws: malformed push');
      return undefined;
    }
    pushes$.next({ push: push.data, receivedAt: iso() });
    return undefined;
  };

  /** One connection attempt: resolves with a logged-in, subscribed socket. */
  const connectOnce = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(options.wsUrl, { handshakeTimeout: options.handshakeTimeoutMs });
      attempts.add(ws);
      const waitingFor = new Set(options.channels);
      let settled = false;
      const settle = (error?: WsAttemptError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        attempts.delete(ws);
        if (error) {
          ws.removeAllListeners('message');
          ws.on('error', () => {});
          ws.terminate();
          reject(error);
        } else {
          resolve(ws);
        }
      };
      const deadline = setTimeout(
        () =>
          settle(
            new WsAttemptError(`no login and subscribe acks within ${options.handshakeTimeoutMs} ms`, false),
          ),
        options.handshakeTimeoutMs,
      );
      ws.on('open', () => ws.send(JSON.stringify(loginOp())));
      ws.on('message', (data: WebSocket.RawData) => {
        const event = handleText(data.toString());
        if (settled || event === undefined) return;
        if (event.event === 'login') {
          if (event.code === undefined || event.code === '0') {
            ws.send(JSON.stringify(subscribeOp()));
          } else {
            settle(new WsAttemptError(`login refused: ${event.code} ${event.msg ?? ''}`, true, event.code));
          }
        } else if (event.event === 'error') {
          const code = event.code ?? '';
          settle(
            new WsAttemptError(
              `${classifyBitgetCode(code).meaning}: ${code} ${event.msg ?? ''}`,
              AUTH_CODES.has(code),
              code,
            ),
          );
        } else if (event.event === 'subscribe' && event.arg) {
          waitingFor.delete(event.arg.channel);
          if (waitingFor.size === 0) settle();
        }
      });
      ws.on('error', (error) => settle(new WsAttemptError(`socket error: ${error.message}`, false)));
      ws.on('close', (code) =>
        settle(new WsAttemptError(`socket closed during the handshake (${code})`, false)),
      );
    });

  const stopPing = () => {
    if (pingTimer) clearInterval(pingTimer);
    pingTimer = undefined;
  };

  const onConnected = (ws: WebSocket) => {
    socket = ws;
    failures = 0;
    if (everConnected) reconnects += 1;
    everConnected = true;
    let lastSeen = performance.now();
    ws.removeAllListeners('message');
    ws.removeAllListeners('close');
    ws.removeAllListeners('error');
    ws.on('message', (data: WebSocket.RawData) => {
      lastSeen = performance.now();
      const event = handleText(data.toString());
      if (event?.event === 'error') {
        logger.warn({ code: event.code, msg: event.msg }, 'bitget ws: error event');
      }
    });
    ws.on('error', (error) => logger.warn({ error: error.message }, 'bitget ws: socket error'));
    ws.on('close', (code) => {
      if (socket === ws) socket = undefined;
      stopPing();
      if (!closing) {
        logger.warn({ code }, 'bitget ws: connection lost; reconnecting');
        scheduleReconnect(`connection lost (${code})`);
      }
    });
    stopPing();
    pingTimer = setInterval(() => {
      if (performance.now() - lastSeen > options.pingIntervalMs + options.pongTimeoutMs) {
        logger.warn('bitget ws: no pong; dropping the connection');
        ws.terminate();
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.send('ping');
    }, options.pingIntervalMs);
    setState('connected');
    logger.info({ reconnects }, 'bitget ws: logged in and subscribed');
  };

  const scheduleReconnect = (reason: string) => {
    if (closing) return;
    const delay = backoff(failures);
    failures += 1;
    setState('reconnecting', reason);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (closing) return;
      connectOnce().then(
        (ws) => {
          if (closing) {
            ws.terminate();
            return;
          }
          onConnected(ws);
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          logger.warn({ problem: message }, 'bitget ws: reconnect attempt failed');
          scheduleReconnect(message);
        },
      );
    }, delay);
  };

  const start = async () => {
    const giveUpAt = performance.now() + options.connectTimeoutMs;
    setState('connecting');
    for (;;) {
      if (closing) throw new WsAttemptError('closed while connecting', true);
      try {
        const ws = await connectOnce();
        if (closing) {
          ws.terminate();
          throw new WsAttemptError('closed while connecting', true);
        }
        onConnected(ws);
        return;
      } catch (error) {
        const attempt = error instanceof WsAttemptError ? error : new WsAttemptError(String(error), false);
        const delay = backoff(failures);
        failures += 1;
        if (attempt.fatal || performance.now() + delay > giveUpAt) {
          setState('closed', attempt.message);
          throw attempt;
        }
        logger.warn({ problem: attempt.message, retryInMs: delay }, 'bitget ws: connect attempt failed');
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          reconnectTimer = setTimeout(resolve, delay);
        });
        wakeUp = undefined;
      }
    }
  };

  const close = async () => {
    if (closing) return;
    closing = true;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    wakeUp?.();
    stopPing();
    for (const ws of attempts) ws.terminate();
    attempts.clear();
    const ws = socket;
    socket = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        ws.close(1000, 'closing');
      });
    }
    setState('closed');
    state$.complete();
    pushes$.complete();
  };

  return {
    state$: state$.asObservable(),
    pushes$: pushes$.asObservable(),
    start,
    close,
    current: () => state$.getValue(),
  };
}
