import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { filter, firstValueFrom, type Observable, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { SocketOpenError, type VenueSocket } from '../../adapters/venues/venue-socket.ts';
import { createWsSession, type WsSession, type WsSessionOptions } from '../../adapters/venues/ws-session.ts';
import type { VenueConnectionState } from '../../application/ports/venue.ts';
import { seededRandom } from '../../simulators/seeded-random.ts';
import { until as poll } from '../support/until.ts';

/**
 * The venues' reconnecting session against a real WebSocket server. The "venue" here speaks a toy
 * protocol: the client says `hello`, the server answers `welcome` (or `refused`, or `busy`), and
 * answers `ping` with `pong` while it is told to.
 */

class Refused extends Error {}

interface ToyVenue {
  url: string;
  connections: WebSocket[];
  pings: number;
  answer: 'welcome' | 'refused' | 'busy';
  answerPings: boolean;
  close(): Promise<void>;
}

async function startToyVenue(): Promise<ToyVenue> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const venue: ToyVenue = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: [],
    pings: 0,
    answer: 'welcome',
    answerPings: true,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    venue.connections.push(socket);
    socket.on('message', (data) => {
      const text = data.toString();
      if (text === 'hello') socket.send(venue.answer);
      if (text === 'ping') {
        venue.pings += 1;
        if (venue.answerPings) socket.send('pong');
      }
    });
  });
  return venue;
}

/** The handshake of the toy protocol; the link is the handshake's number. */
function toyHandshake(counter: { handshakes: number }) {
  return (socket: VenueSocket) =>
    new Promise<number>((resolve, reject) => {
      const subscription = socket.messages$.subscribe((text) => {
        subscription.unsubscribe();
        if (text === 'welcome') resolve(++counter.handshakes);
        else if (text === 'refused') reject(new Refused('refused'));
        else reject(new Error(text));
      });
      socket.send('hello');
    });
}

const until = (
  state$: Observable<VenueConnectionState>,
  predicate: (state: VenueConnectionState) => boolean,
): Promise<VenueConnectionState> => firstValueFrom(state$.pipe(filter(predicate), timeout(5_000)));

describe('the reconnecting venue session', () => {
  let venue: ToyVenue;
  let session: WsSession<number>;
  let states: VenueConnectionState[];
  const counter = { handshakes: 0 };

  const sessionWith = (overrides: Partial<WsSessionOptions<number>> = {}) => {
    session = createWsSession({
      name: 'toy',
      url: venue.url,
      logger: pino({ level: 'silent' }),
      now: Date.now,
      random: seededRandom(3),
      backoff: { initialDelayMs: 10, maxDelayMs: 50 },
      connectTimeoutMs: 2_000,
      openTimeoutMs: 1_000,
      handshakeTimeoutMs: 1_000,
      handshake: toyHandshake(counter),
      isFatal: (error) => error instanceof Refused,
      keepalive: { intervalMs: 20, deadAfterMs: 200, ping: (socket) => socket.send('ping') },
      closedError: () => new Error('the session is closed'),
      ...overrides,
    });
    states = [];
    session.state$.subscribe((state) => states.push(state));
    return session;
  };

  beforeEach(async () => {
    venue = await startToyVenue();
    counter.handshakes = 0;
  });

  afterEach(async () => {
    await session.close();
    await venue.close();
  });

  describe('a venue that answers', () => {
    it('connects: closed, connecting, connected, with no reconnect and one handshake', async () => {
      // When the session starts
      await sessionWith().start();

      // Then it went through connecting to connected, and its link is the handshake's
      expect(states.map((s) => s.status)).toEqual(['closed', 'connecting', 'connected']);
      expect(session.current().reconnects).toBe(0);
      expect(session.link()).toBe(1);
    });

    it('keeps a link whose pings are answered: no reconnect', async () => {
      await sessionWith().start();

      // When many keepalive intervals pass (more pings than the silence allowed)
      await poll('fifteen pings', () => venue.pings >= 15);

      // Then the same connection still stands
      expect(session.current()).toMatchObject({ status: 'connected', reconnects: 0 });
      expect(venue.connections).toHaveLength(1);
    });
  });

  describe('the venue drops the connection', () => {
    it('reconnects with a new handshake and counts one reconnect: the cue to reconcile', async () => {
      await sessionWith().start();

      // When the venue drops the socket
      venue.connections[0]?.terminate();

      // Then the session says reconnecting, then connected with one reconnect, over a new link
      const back = await until(session.state$, (s) => s.status === 'connected' && s.reconnects === 1);
      expect(back.reconnects).toBe(1);
      expect(states.map((s) => s.status)).toEqual([
        'closed',
        'connecting',
        'connected',
        'reconnecting',
        'connected',
      ]);
      expect(session.link()).toBe(2);
      expect(venue.connections).toHaveLength(2);
    });
  });

  describe('a silent link (pings not answered)', () => {
    it('is dropped after deadAfterMs and established again', async () => {
      // Given a venue that stops answering pings
      await sessionWith().start();
      venue.answerPings = false;

      // Then the session drops the dead socket and connects again
      await until(session.state$, (s) => s.status === 'reconnecting');
      const back = await until(session.state$, (s) => s.status === 'connected' && s.reconnects >= 1);
      expect(back.reconnects).toBeGreaterThanOrEqual(1);
      expect(venue.connections.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('a refusal retrying cannot mend', () => {
    it('makes start() give up at once with it; the state is closed', async () => {
      // Given a venue that refuses the handshake
      venue.answer = 'refused';

      // When the session starts, then it fails with the refusal after one attempt
      await expect(sessionWith().start()).rejects.toBeInstanceOf(Refused);
      expect(session.current().status).toBe('closed');
      expect(venue.connections).toHaveLength(1);
    });
  });

  describe('a venue that cannot be reached', () => {
    it('makes start() give up after connectTimeoutMs with the last error', async () => {
      // Given nothing listening at the address
      const url = venue.url;
      await venue.close();
      venue = await startToyVenue();

      // When the session starts, then it retries with the backoff and gives up
      await expect(sessionWith({ url, connectTimeoutMs: 200 }).start()).rejects.toBeInstanceOf(
        SocketOpenError,
      );
      expect(session.current().status).toBe('closed');
      expect(states.map((s) => s.status)).toEqual(['closed', 'connecting', 'closed']);
    });
  });

  describe('closing while reconnecting', () => {
    it('stops: the state ends closed, state$ completes, start() refuses', async () => {
      // Given a session that cannot get back (the venue is busy after dropping it)
      await sessionWith().start();
      const all = firstValueFrom(session.state$.pipe(toArray()));
      venue.answer = 'busy';
      venue.connections[0]?.terminate();
      await until(session.state$, (s) => s.status === 'reconnecting' && s.detail === 'busy');

      // When it is closed
      await session.close();

      // Then the last state is closed, state$ completed, and it cannot be started again
      expect((await all).at(-1)?.status).toBe('closed');
      await expect(session.start()).rejects.toThrow('the session is closed');
    });
  });
});
