import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../adapters/composition/service.ts';
import {
  openPostgresEventStore,
  type PostgresEventStore,
} from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { ApiError, createApiClient } from '../../adapters/http/client.ts';
import { routesFor } from '../../adapters/http/routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import { createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import { testDatabase } from '../support/postgres.ts';
import { until } from '../support/until.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { API_TOKEN, memoryLogger } from './support/service.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import { type LocalVenues, startLocalVenues } from './support/venues.ts';

/**
 * F9, the database side: the link between the service and PostgreSQL resets or goes dead.
 *
 * The service (PostgreSQL store and read models, the local Deribit) reaches its database through
 * a TCP proxy. Seeds pick the fault: every connection reset while new ones are refused, or a
 * blackhole (connections accepted, nothing forwarded). Commands are sent during the fault and
 * retried with their keys after it heals. (The store's statements have a 2 s client-side deadline
 * here; 30 s by default.)
 * Pass: every API call answers before the client's deadline: 503 STORE_UNAVAILABLE while the
 * database is unreachable, and nothing is sent to the venue unrecorded; after the link heals the
 * service works again by itself; a command retried with its key gives exactly one order.
 */
const pg = process.env.DATABASE_URL ? await testDatabase('f9_db') : undefined;

let venues: LocalVenues;
let proxy: TcpProxy;
let store: PostgresEventStore;
let running: RunningService<SqlPosition>;
let http: FastifyInstance;
let url: string;
const log = memoryLogger('warn');

describe.skipIf(!pg?.available)('F9: the link to PostgreSQL resets or goes dead', () => {
  beforeAll(async () => {
    if (!pg?.available) return;
    venues = await startLocalVenues();
    const target = new URL(pg.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(pg.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    store = await openPostgresEventStore({
      connectionString: viaProxy.toString(),
      queryTimeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    const [deribit] = venues.adapters(log.logger, { deribit: { requestTimeoutMs: 1_000 } });
    if (!deribit) throw new Error('no adapter');
    running = await startService({
      store,
      readModelDb: createPostgresReadModelDb({ pool: store.pool }),
      adapters: [deribit],
      accounts: [{ venue: 'deribit', account: 'main', positionMode: 'one_way' }],
      limits: PreTradeLimitsSchema.parse({}),
      logger: log.logger,
      defaultWaitMs: 2_000,
    });
    http = createHttpServer({
      routes: routesFor(running),
      token: API_TOKEN,
      logger: log.logger,
      version: 'f9',
    });
    url = await http.listen({ host: '127.0.0.1', port: 0 });
    await until('the venue to trade', () => running.registry.statuses().every((s) => s.trading), 20_000);
  });

  afterAll(async () => {
    proxy?.setMode('pass');
    await http?.close();
    await running?.stop();
    await store?.close();
    await proxy?.close();
    await venues?.close();
    if (pg?.available) await pg.drop();
  });

  it.each(faultSeeds(3, 950))(
    'no request hangs; it works again after; one order per key (seed %i)',
    async (seed) =>
      withSeed('F9/db', seed, async () => {
        const r = rng(seed);
        const fault = r.pick(['reset', 'blackhole'] as const);
        const api = createApiClient({ baseUrl: url, token: API_TOKEN, timeoutMs: 15_000 });
        const mark = venues.deribit.markPrice('BTC-PERPETUAL');
        const body = (n: number) => ({
          venue: 'deribit',
          symbol: 'BTC-PERPETUAL',
          side: 'buy',
          type: 'limit',
          amount: String(10 * n),
          price: mark.minus(500 + n).toString(),
        });
        const attempt = async (n: number) => {
          try {
            return (await api.place(body(n), `f9db-${seed}-${n}`)).status;
          } catch (error) {
            if (error instanceof ApiError) return error.code;
            return `no answer: ${(error as Error).name} ${(error as Error).message}`;
          }
        };
        expect(await attempt(1)).toBe(201);
        const venueOrders = venues.deribit.orders().length;

        if (fault === 'reset') {
          proxy.setMode('refuse');
          proxy.resetAll();
        } else {
          proxy.setMode('blackhole');
        }
        const during = await attempt(2);
        console.info(`F9/db seed ${seed} ${fault}: a place during the fault answered ${during}`);
        expect(during).toBe('STORE_UNAVAILABLE');
        expect(venues.deribit.orders().length).toBe(venueOrders);

        proxy.setMode('pass');
        proxy.resetAll();
        // It works again by itself; the command retried with its key gives one order
        await until('the service to take orders again', async () => (await attempt(2)) === 201, 30_000);
        const retried = await api.place(body(2), `f9db-${seed}-2`);
        expect(retried.replayed).toBe(true);
        expect(venues.deribit.orders().filter((o) => o.label === retried.order.clientOrderId)).toHaveLength(
          1,
        );
        expect(await attempt(3)).toBe(201);
      }),
    90_000,
  );
});
