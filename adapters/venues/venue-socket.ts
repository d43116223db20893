import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import WebSocket from 'ws';

/**
 * A venue's WebSocket once open, whatever it speaks: text frames in (`messages$`), text frames out,
 * when it last heard anything (for dead-link detection) and how it closed. The reconnecting session
 * (`ws-session.ts`) opens one per connection; the venue's protocol (Deribit JSON-RPC, Bitget ops)
 * sits on top. Nothing here logs a frame: they may carry secrets.
 */
export interface VenueSocket {
  /** Text frames as they arrive; completes when the socket closes. */
  readonly messages$: Observable<string>;
  /** Resolves when the socket is closed, for whatever reason. */
  readonly closed: Promise<SocketClosed>;
  /** Last time anything arrived (ms, the session's clock); the opening time before that. */
  readonly lastMessageAt: number;
  readonly isOpen: boolean;
  /** Sends a text frame; `onError` hears of a failed write (the frame may have left in part). */
  send(text: string, onError?: (error: Error) => void): void;
  /** Closes with 1000; a peer that does not answer the close handshake is cut after a second. */
  close(): void;
  /** Drops the socket at once (a dead link, a failed handshake). */
  terminate(): void;
}

export interface SocketClosed {
  code: number;
  reason: string;
}

/** The socket could not be opened (refused, no upgrade, no handshake in time): nothing was sent. */
export class SocketOpenError extends Error {
  readonly code = 'VENUE_SOCKET_OPEN_FAILED';
}

export interface OpenSocketOptions {
  /** Deadline of the WebSocket opening handshake. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Prefix of the log messages (`deribit`, `bitget ws`). */
  readonly name: string;
  readonly now: () => number;
}

const MAX_PAYLOAD = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

/** Opens a socket to `url`; rejects with SocketOpenError when it cannot. */
export function openVenueSocket(url: string, options: OpenSocketOptions): Promise<VenueSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout: options.timeoutMs, maxPayload: MAX_PAYLOAD });
    const fail = (error: Error) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      reject(new SocketOpenError(`cannot connect to ${url}: ${error.message}`));
    };
    const onUnexpected = (_request: unknown, response: { statusCode?: number }) =>
      fail(new Error(`HTTP ${response.statusCode ?? '?'} on upgrade`));
    socket.once('open', () => {
      socket.removeListener('error', fail);
      socket.removeListener('unexpected-response', onUnexpected);
      resolve(wrap(socket, options));
    });
    socket.once('unexpected-response', onUnexpected);
    socket.once('error', fail);
  });
}

function wrap(socket: WebSocket, { logger, name, now }: OpenSocketOptions): VenueSocket {
  const messages$ = new Subject<string>();
  let lastMessageAt = now();
  let isClosed = false;
  const closed = new Promise<SocketClosed>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      messages$.complete();
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  socket.on('message', (data, isBinary) => {
    lastMessageAt = now();
    if (isBinary) {
      logger.warn(`${name}: binary frame ignored`);
      return;
    }
    messages$.next(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
  });
  socket.on('error', (error) => logger.warn({ err: error.message }, `${name}: socket error`));
  return {
    messages$: messages$.asObservable(),
    closed,
    get lastMessageAt() {
      return lastMessageAt;
    },
    get isOpen() {
      return !isClosed && socket.readyState === WebSocket.OPEN;
    },
    send(text, onError) {
      socket.send(text, (error) => {
        if (error !== undefined && error !== null) onError?.(error);
      });
    },
    close() {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(1000, 'client closing');
      }
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    },
    terminate: () => socket.terminate(),
  };
}
