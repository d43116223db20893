import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import type { VenueConnectionState } from '../../../application/ports/venue.ts';
import { isRecord, parseVenueJson } from '../venue-json.ts';
import type { VenueSocket } from '../venue-socket.ts';
import { createWsSession } from '../ws-session.ts';
import { classifyBitgetCode } from './codes.ts';
import type { BitgetWsOptions } from './options.ts';
import { type Credentials, signWsLogin } from './signing.ts';
import { describeIssues } from './wire-scalars.ts';
import {
  type WsEvent,
  WsEventSchema,
  type WsLoginOp,
  type WsPush,
  WsPushSchema,
  type WsSubscribeOp,
} from './wire-ws.ts';

/**
 * Bitget's private WebSocket on the venues' reconnecting session (`ws-session.ts`): the handshake
 * logs in (signed, timestamp in seconds) and subscribes to the channels; the keepalive is text
 * `ping`/`pong`. After each reconnect the handshake runs again and `reconnects` grows: the order
 * service reconciles then (pushes sent while the socket was down are lost).
 */

export interface PrivateWsOptions extends BitgetWsOptions {
  wsUrl: string;
  credentials: Credentials;
  instType: string;
  channels: readonly string[];
  logger: Logger;
  /** ms since the epoch, for the login timestamp (the adapter's clock plus any measured offset). */
  timestamp: () => number;
  /** In [0, 1): jitter of the reconnect delays. */
  random: () => number;
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
  const pushes$ = new Subject<ReceivedPush>();

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
    pushes$.next({ push: push.data, receivedAt: new Date().toISOString() });
    return undefined;
  };

  /** Logs in, then subscribes; resolves once every channel is acknowledged. */
  const handshake = (socket: VenueSocket) =>
    new Promise<void>((resolve, reject) => {
      const waitingFor = new Set(options.channels);
      let done = false;
      const settle = (error?: WsAttemptError) => {
        done = true;
        if (error) reject(error);
        else resolve();
      };
      /** What one handshake event means: go on, subscribe, or the handshake's end. */
      const onEvent = (event: WsEvent) => {
        if (event.event === 'login') {
          if (event.code === undefined || event.code === '0') socket.send(JSON.stringify(subscribeOp()));
          else
            settle(new WsAttemptError(`login refused: ${event.code} ${event.msg ?? ''}`, true, event.code));
        } else if (event.event === 'error') {
          const code = event.code ?? '';
          const meaning = classifyBitgetCode(code).meaning;
          settle(new WsAttemptError(`${meaning}: ${code} ${event.msg ?? ''}`, AUTH_CODES.has(code), code));
        } else if (event.event === 'subscribe' && event.arg) {
          waitingFor.delete(event.arg.channel);
          if (waitingFor.size === 0) settle();
        }
      };
      socket.messages$.subscribe((text) => {
        const event = handleText(text);
        if (event === undefined) return;
        if (!done) onEvent(event);
        else if (event.event === 'error')
          logger.warn({ code: event.code, msg: event.msg }, 'bitget ws: error event');
      });
      socket.send(JSON.stringify(loginOp()));
    });

  const session = createWsSession({
    name: 'bitget ws',
    url: options.wsUrl,
    logger,
    now: Date.now,
    random: options.random,
    backoff: { initialDelayMs: options.backoffInitialMs, maxDelayMs: options.backoffMaxMs },
    connectTimeoutMs: options.connectTimeoutMs,
    openTimeoutMs: options.handshakeTimeoutMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    handshake,
    isFatal: (error) => error instanceof WsAttemptError && error.fatal,
    keepalive: {
      intervalMs: options.pingIntervalMs,
      deadAfterMs: options.pingIntervalMs + options.pongTimeoutMs,
      ping: (socket) => socket.send('ping'),
    },
    closedError: () => new WsAttemptError('closed while connecting', true),
  });

  return {
    state$: session.state$,
    pushes$: pushes$.asObservable(),
    start: () => session.start(),
    async close() {
      await session.close();
      pushes$.complete();
    },
    current: () => session.current(),
  };
}
