import type { Logger } from 'pino';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import type { VenueConnectionState, VenueConnectionStatus } from '../../application/ports/venue.ts';
import { type BackoffOptions, backoffDelay, sleep } from '../../application/support/backoff.ts';
import { errorMessage } from './error-message.ts';
import { openVenueSocket, type VenueSocket } from './venue-socket.ts';

/**
 * The one reconnecting WebSocket session of the venue adapters (Deribit and Bitget).
 *
 * It opens a socket, runs the venue's own handshake on it (log in, set heartbeats, subscribe),
 * watches the link (a socket silent for `deadAfterMs` is dropped; the venue's ping, if any, goes
 * out every interval), and when the connection is lost reconnects with the project's one backoff
 * and runs the handshake again. The connection state is the venue port's: `connecting` (the first
 * connection), `connected`, `reconnecting`, `closed`; each re-established connection counts one
 * more in `reconnects`, the cue to reconcile (pushes sent while the socket was down are lost).
 */

export interface Keepalive {
  /** How often the link is checked (and the venue pinged). */
  readonly intervalMs: number;
  /** A socket that heard nothing for this long is dead: dropped, then reconnected. */
  readonly deadAfterMs: number;
  /** The venue's ping, sent every interval while the link is alive (Bitget's text `ping`). */
  readonly ping?: (socket: VenueSocket) => void;
}

export interface WsSessionOptions<L> {
  /** Prefix of the log messages (`deribit`, `bitget ws`). */
  readonly name: string;
  readonly url: string;
  readonly logger: Logger;
  /** The session's clock (ms): liveness and the states' `since`. */
  readonly now: () => number;
  /** Jitter of the backoff, in [0, 1). */
  readonly random: () => number;
  readonly backoff: BackoffOptions;
  /** `start()` gives up after this long without a connection. */
  readonly connectTimeoutMs: number;
  /** Deadline of the WebSocket opening handshake. */
  readonly openTimeoutMs: number;
  /** Deadline of the venue's handshake; without one, the handshake's own requests time out. */
  readonly handshakeTimeoutMs?: number;
  /**
   * The venue's handshake on a freshly opened socket: resolves with what the adapter talks
   * through while this connection lives (its `link`); rejects when the venue refuses.
   */
  readonly handshake: (socket: VenueSocket) => Promise<L>;
  /** Errors that retrying cannot mend (refused credentials): `start()` gives up at once. */
  readonly isFatal?: (error: unknown) => boolean;
  readonly keepalive: Keepalive;
  /** A connection's link is gone (lost or closed): stop what belongs to it. */
  readonly onLinkDown?: (link: L) => void;
  /** What `start()` throws once the session is closed. */
  readonly closedError: () => Error;
}

export interface WsSession<L> {
  readonly state$: Observable<VenueConnectionState>;
  current(): VenueConnectionState;
  /** The link of the live connection; undefined while there is none. */
  link(): L | undefined;
  /**
   * Connects (retrying with the backoff until `connectTimeoutMs`); resolves once the handshake is
   * done. Rejects with a fatal error at once, and with the last error when time is up.
   */
  start(): Promise<void>;
  /** Closes the connection and stops reconnecting; `state$` completes. */
  close(): Promise<void>;
}

interface Live<L> {
  socket: VenueSocket;
  link: L;
  watch: NodeJS.Timeout;
}

export function createWsSession<L>(options: WsSessionOptions<L>): WsSession<L> {
  const { logger, name, now } = options;
  const stop = new AbortController();
  const state$ = new BehaviorSubject<VenueConnectionState>({
    status: 'closed',
    since: new Date(now()).toISOString(),
    reconnects: 0,
  });
  let reconnects = 0;
  let live: Live<L> | undefined;
  /** The socket of the attempt in progress, cut when the session closes. */
  let attempt: VenueSocket | undefined;
  let starting: Promise<void> | undefined;

  const setState = (status: VenueConnectionStatus, detail?: string) => {
    if (state$.isStopped) return;
    state$.next({
      status,
      since: new Date(now()).toISOString(),
      reconnects,
      ...(detail !== undefined && { detail }),
    });
  };

  /** Fails when the socket closes or the deadline passes before the handshake is done. */
  const bounded = (socket: VenueSocket, handshake: Promise<L>): Promise<L> => {
    let timer: NodeJS.Timeout | undefined;
    const contenders: Promise<L>[] = [
      handshake,
      socket.closed.then(({ code }) => {
        throw new Error(`socket closed during the handshake (${code})`);
      }),
    ];
    const deadlineMs = options.handshakeTimeoutMs;
    if (deadlineMs !== undefined) {
      contenders.push(
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no handshake within ${deadlineMs} ms`)), deadlineMs);
        }),
      );
    }
    return Promise.race(contenders).finally(() => clearTimeout(timer));
  };

  /** One connection: open, handshake, then watch it. `connected` is said here, before any loss. */
  const establish = async (isReconnect: boolean): Promise<void> => {
    const socket = await openVenueSocket(options.url, {
      timeoutMs: options.openTimeoutMs,
      logger,
      name,
      now,
    });
    attempt = socket;
    let link: L;
    try {
      if (stop.signal.aborted) throw options.closedError();
      link = await bounded(socket, options.handshake(socket));
      if (stop.signal.aborted) throw options.closedError();
    } catch (error) {
      socket.terminate();
      await socket.closed;
      throw error;
    } finally {
      attempt = undefined;
    }
    const watch = setInterval(() => {
      const silentMs = now() - socket.lastMessageAt;
      if (silentMs > options.keepalive.deadAfterMs) {
        logger.warn({ silentMs }, `${name}: connection silent, dropping it`);
        socket.terminate();
        return;
      }
      if (socket.isOpen) options.keepalive.ping?.(socket);
    }, options.keepalive.intervalMs);
    live = { socket, link, watch };
    if (isReconnect) reconnects += 1;
    setState('connected');
    logger.info({ reconnects }, `${name}: connected`);
    void socket.closed.then(({ code, reason }) => onClosed(socket, code, reason));
  };

  const takeDown = (current: Live<L>) => {
    live = undefined;
    clearInterval(current.watch);
    options.onLinkDown?.(current.link);
  };

  const onClosed = (socket: VenueSocket, code: number, reason: string) => {
    if (live?.socket !== socket) return;
    takeDown(live);
    if (stop.signal.aborted) return;
    logger.warn({ code, reason }, `${name}: connection lost, reconnecting`);
    setState('reconnecting', `closed with ${code}${reason ? ` ${reason}` : ''}`);
    void reconnect();
  };

  const reconnect = async () => {
    for (let failures = 1; !stop.signal.aborted; failures++) {
      await sleep(backoffDelay(options.backoff, failures, options.random), stop.signal);
      if (stop.signal.aborted) return;
      try {
        await establish(true);
        return;
      } catch (error) {
        logger.warn({ err: errorMessage(error), failures }, `${name}: reconnect failed`);
        setState('reconnecting', errorMessage(error));
      }
    }
  };

  const connectFirst = async () => {
    setState('connecting');
    const giveUpAt = now() + options.connectTimeoutMs;
    for (let failures = 1; ; failures++) {
      try {
        await establish(false);
        return;
      } catch (error) {
        const delay = backoffDelay(options.backoff, failures, options.random);
        if (options.isFatal?.(error) || stop.signal.aborted || now() + delay > giveUpAt) {
          setState('closed', errorMessage(error));
          throw error;
        }
        logger.warn(
          { err: errorMessage(error), retryInMs: Math.round(delay) },
          `${name}: connect failed, retrying`,
        );
        await sleep(delay, stop.signal);
        if (stop.signal.aborted) {
          setState('closed');
          throw options.closedError();
        }
      }
    }
  };

  const untilConnected = async () => {
    const state = await firstValueFrom(
      state$.pipe(filter((s) => s.status === 'connected' || s.status === 'closed')),
      { defaultValue: undefined },
    );
    if (state?.status !== 'connected') throw options.closedError();
  };

  return {
    state$: state$.asObservable(),
    current: () => state$.value,
    link: () => live?.link,
    start() {
      if (stop.signal.aborted) return Promise.reject(options.closedError());
      const { status } = state$.value;
      if (status === 'connected') return Promise.resolve();
      if (status === 'reconnecting') return untilConnected();
      starting ??= connectFirst().finally(() => {
        starting = undefined;
      });
      return starting;
    },
    async close() {
      if (stop.signal.aborted) return;
      stop.abort();
      attempt?.terminate();
      const current = live;
      if (current !== undefined) {
        takeDown(current);
        current.socket.close();
        await current.socket.closed;
      }
      setState('closed');
      state$.complete();
    },
  };
}
