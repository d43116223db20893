import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../adapters/http/client.ts';
import { until } from '../support/until.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { API_TOKEN, type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import { type LocalVenues, startLocalVenues, venueOrdersOf } from './support/venues.ts';

/**
 * F9: latency, blackhole and connection resets between the service and a venue.
 *
 * The service reaches each local venue through a TCP proxy in this process. Seeds pick the venue
 * and the fault: latency on every chunk; a blackhole (connections accepted, nothing forwarded, as
 * a dead route; healed with the dead connections reset); resets of every connection while new
 * ones are refused. Orders are placed before and during the fault.
 * Pass: every API call answers (none hangs: the client's deadline is never reached); a venue that
 * cannot be reached is paused (new orders refused with VENUE_PAUSED, nothing sent) and resumes by
 * itself after the link heals; reconnect attempts are bounded (backoff, no storm); every order
 * ends resolved with exactly one venue order per client id.
 */
let venues: LocalVenues;
let svc: InProcessService;
const proxies: Record<'deribit' | 'bitget', TcpProxy> = {} as Record<'deribit' | 'bitget', TcpProxy>;
const log = memoryLogger('warn');

beforeAll(async () => {
  venues = await startLocalVenues();
  const d = new URL(venues.deribit.httpUrl);
  const b = new URL(venues.bitget.restUrl);
  proxies.deribit = await startTcpProxy({ host: d.hostname, port: Number(d.port) });
  proxies.bitget = await startTcpProxy({ host: b.hostname, port: Number(b.port) });
  svc = await startInProcessService(venues, {
    logger: log.logger,
    adapters: venues.adapters(log.logger, {
      deribit: {
        wsUrl: proxies.deribit.url(venues.deribit.wsUrl),
        httpUrl: proxies.deribit.url(venues.deribit.httpUrl),
        requestTimeoutMs: 1_000,
        heartbeatIntervalSec: 0.5,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 },
      },
      bitget: {
        restUrl: proxies.bitget.url(venues.bitget.restUrl),
        wsUrl: proxies.bitget.url(venues.bitget.wsUrl),
        requestTimeoutMs: 1_000,
        ws: {
          pingIntervalMs: 500,
          pongTimeoutMs: 500,
          handshakeTimeoutMs: 1_000,
          backoffInitialMs: 100,
          backoffMaxMs: 1_000,
        },
      },
    }),
    service: { defaultWaitMs: 2_000, submission: { submitWindowMs: 2_000, clockSkewMs: 500 } },
  });
  await svc.trading();
});

afterEach(() => {
  for (const p of Object.values(proxies)) {
    p.setLatency(0);
    p.setMode('pass');
  }
});

afterAll(async () => {
  await svc?.stop();
  for (const p of Object.values(proxies)) await p?.close();
  await venues?.close();
});

/** An API client whose calls fail if they take longer than the deadline: "no request hangs". */
const client = () => createApiClient({ baseUrl: svc.url, token: API_TOKEN, timeoutMs: 10_000 });

function order(venue: 'deribit' | 'bitget', n: number) {
  const mark = Number(
    (venue === 'deribit'
      ? venues.deribit.markPrice('BTC-PERPETUAL')
      : venues.bitget.markPrice('BTCUSDT')
    ).toString(),
  );
  return venue === 'deribit'
    ? {
        venue,
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'limit',
        amount: String(10 * n),
        price: String(Math.round(mark * 0.97)),
      }
    : {
        venue,
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        amount: (0.001 * n).toFixed(3),
        price: String(Math.round(mark * 0.97)),
      };
}

const trading = (venue: string) => svc.running.registry.statuses().find((s) => s.venue === venue)?.trading;

describe('F9: latency, blackhole and resets between the service and a venue', () => {
  it.each(faultSeeds(6, 900))(
    'nothing hangs; the venue pauses and resumes; one order per key (seed %i)',
    async (seed) =>
      withSeed('F9', seed, async () => {
        const r = rng(seed);
        const venue = r.pick(['deribit', 'bitget'] as const);
        const fault = r.pick(['latency', 'blackhole', 'reset'] as const);
        const proxy = proxies[venue];
        console.info(`F9 seed ${seed}: ${fault} on ${venue}`);
        const api = client();
        const placed: string[] = [];
        const place = async (n: number) => {
          try {
            const reply = await api.place(order(venue, n), `f9-${seed}-${n}`);
            placed.push(reply.order.orderId);
            return reply.status;
          } catch (error) {
            if (error instanceof ApiError) return error.code;
            throw new Error(`the API did not answer: ${(error as Error).message}`);
          }
        };
        expect(await place(1)).toBe(201);

        if (fault === 'latency') {
          proxy.setLatency(r.int(50, 300));
          for (let n = 2; n <= 4; n++) expect([201, 202]).toContain(await place(n));
        } else {
          const attemptsBefore = proxy.connections();
          if (fault === 'blackhole') proxy.setMode('blackhole');
          else {
            proxy.setMode('refuse');
            proxy.resetAll();
          }
          // A command sent into the dead link answers (202 while unknown, or 503 once paused)...
          expect([201, 202, 'VENUE_PAUSED']).toContain(await place(2));
          // ...the venue is paused, and new orders are refused without being sent
          await until(`${venue} to pause`, () => !trading(venue), 20_000);
          const ordersAtVenue = () =>
            venue === 'deribit' ? venues.deribit.orders().length : venues.bitget.orders().length;
          const before = ordersAtVenue();
          expect(await place(3)).toBe('VENUE_PAUSED');
          expect(ordersAtVenue()).toBe(before);
          expect((await api.health()).status).toBe('degraded');
          // Reconnects and probes back off: a bounded number of attempts during the outage, no storm
          const attempts = proxy.connections() - attemptsBefore;
          expect(attempts).toBeLessThan(60);
          // The link heals (dead connections reset): trading resumes by itself
          proxy.setMode('pass');
          proxy.resetAll();
        }
        await until(`${venue} to trade again`, () => trading(venue), 30_000);
        expect(await place(5)).toBe(201);

        // Every order resolved, exactly one venue order per client id
        await until(
          'every order to resolve',
          async () => {
            for (const id of placed) {
              const view = await api.order(id);
              if (view.status !== 'open' || view.unresolved !== null) return false;
            }
            return true;
          },
          30_000,
        );
        for (const id of placed) {
          const view = await api.order(id);
          expect(venueOrdersOf(venues, venue, view.clientOrderId), `${fault}: ${id}`).toHaveLength(1);
        }
        await until('health to be ok', async () => (await api.health()).status === 'ok');
      }),
    90_000,
  );
});
