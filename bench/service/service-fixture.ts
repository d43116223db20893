import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startProjectionThread } from '../../adapters/composition/projection-thread.ts';
import { type RunningService, startService } from '../../adapters/composition/service.ts';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import { routesFor } from '../../adapters/http/routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { createBitgetAdapter } from '../../adapters/venues/bitget/adapter.ts';
import { BITGET_ENDPOINT_GROUPS } from '../../adapters/venues/bitget/rate-limiter.ts';
import { createDeribitAdapter } from '../../adapters/venues/deribit/adapter.ts';
import type { EventStore } from '../../application/ports/event-store.ts';
import type { VenueAdapter } from '../../application/ports/venue.ts';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import type { VenueThread } from './venue-thread.ts';

/**
 * The whole service as `oms serve` composes it (store, read models, venue adapters, service, HTTP
 * API on 127.0.0.1), on PostgreSQL or PGlite, against the local venues of a worker thread. The
 * adapters' client-side rate limits are raised to match the simulators' (off): the benchmarks
 * measure the OMS, not Deribit's or Bitget's per-account quotas.
 */

export type StoreKind = 'PostgreSQL' | 'PGlite';

export interface BenchService {
  readonly kind: StoreKind;
  readonly store: SqlEventStore;
  readonly running: RunningService<unknown>;
  readonly url: string;
  readonly token: string;
  /** A JSON request over a keep-alive connection pool. */
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpReply>;
  close(): Promise<void>;
}

export interface HttpReply {
  readonly status: number;
  readonly body: unknown;
}

const UNLIMITED_CREDITS = { maxCredits: 1e12, refillPerSec: 1e12, cost: 1 };

export async function startBenchService(options: {
  kind: StoreKind;
  databaseUrl?: string;
  venues: VenueThread;
  venuesEnabled?: { deribit?: boolean; bitget?: boolean };
  /** Service logs (default silent). */
  logLevel?: string;
}): Promise<BenchService> {
  const logger = pino({ level: options.logLevel ?? process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const closers: (() => Promise<void>)[] = [];
  let store: SqlEventStore;
  let readModelDb: ReadModelDb;
  if (options.kind === 'PostgreSQL') {
    const pgStore = await openPostgresEventStore({ connectionString: options.databaseUrl ?? '' });
    store = pgStore;
    readModelDb = createPostgresReadModelDb({ pool: pgStore.pool });
    closers.push(() => pgStore.close());
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'oms-bench-service-'));
    const pgliteStore = await openPgliteEventStore({ dataDir: join(dir, 'data') });
    store = pgliteStore;
    readModelDb = createPgliteReadModelDb(pgliteStore.db);
    closers.push(async () => {
      await pgliteStore.close();
      await rm(dir, { recursive: true, force: true });
    });
  }

  const { venues } = options;
  const adapters: VenueAdapter[] = [];
  if (options.venuesEnabled?.deribit ?? true) {
    adapters.push(
      createDeribitAdapter({
        account: 'main',
        ...venues.deribit,
        credentials: venues.credentials.deribit,
        rateLimits: {
          matchingEngine: UNLIMITED_CREDITS,
          nonMatching: UNLIMITED_CREDITS,
          methodCosts: {},
        },
        logger: logger.child({ component: 'deribit' }),
      }),
    );
  }
  if (options.venuesEnabled?.bitget ?? true) {
    adapters.push(
      createBitgetAdapter({
        account: 'main',
        ...venues.bitget,
        credentials: venues.credentials.bitget,
        positionMode: 'one_way',
        defaultMarginMode: 'crossed',
        rateLimits: Object.fromEntries(BITGET_ENDPOINT_GROUPS.map((g) => [g, 1_000_000])),
        logger: logger.child({ component: 'bitget' }),
      }),
    );
  }
  // BENCH_PROJECTION_THREAD=worker: the projections in a worker thread (PostgreSQL), as
  // OMS_PROJECTION_THREAD=worker runs them.
  const inWorker = options.kind === 'PostgreSQL' && process.env.BENCH_PROJECTION_THREAD === 'worker';
  const running = await startService({
    store: store as EventStore<unknown>,
    readModelDb,
    ...(inWorker && {
      runner: startProjectionThread({
        data: {
          store: { kind: 'postgres', databaseUrl: options.databaseUrl ?? '' },
          readModels: {},
          logLevel: process.env.BENCH_LOG_LEVEL ?? 'silent',
        },
        codec: (store as EventStore<unknown>).positions,
        logger: logger.child({ component: 'projections' }),
      }),
    }),
    adapters,
    accounts: [
      ...(adapters.some((a) => a.venue === 'deribit')
        ? [{ venue: 'deribit' as const, account: 'main', positionMode: 'one_way' as const }]
        : []),
      ...(adapters.some((a) => a.venue === 'bitget')
        ? [
            {
              venue: 'bitget' as const,
              account: 'main',
              positionMode: 'one_way' as const,
              marginMode: 'crossed' as const,
            },
          ]
        : []),
    ],
    // A price band is the usual production setting: every order needs the (cached) mark price.
    limits: PreTradeLimitsSchema.parse({ priceBand: '0.2' }),
    logger,
  });
  closers.unshift(() => running.stop());
  const token = 'bench-token';
  const server = createHttpServer({
    routes: routesFor(running),
    token,
    logger: logger.child({ component: 'http' }),
    version: 'bench',
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  closers.unshift(() => server.close());

  // Wait until every venue trades (connected and reconciled).
  const deadline = Date.now() + 30_000;
  while (!running.registry.statuses().every((s) => s.trading)) {
    if (Date.now() > deadline)
      throw new Error(`venues not trading: ${JSON.stringify(running.registry.statuses())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  // The client keeps a fixed pool of connections, opened before anything is measured and used in
  // turn (FIFO, so none idles out), as a trading client does; a request beyond them waits for a free
  // one, and that wait counts in its latency. Opening connections mid-run would measure the
  // server's accept instead: libuv accepts one connection per event-loop turn, so a burst of new
  // connections to a busy service waits turns long (BENCHMARKS.md, eighth session).
  const sockets = Number(process.env.BENCH_HTTP_SOCKETS ?? 64);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: sockets,
    maxFreeSockets: sockets,
    scheduling: 'fifo',
  });
  closers.push(async () => agent.destroy());
  const { hostname, port } = new URL(url);
  const http: BenchService['http'] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          agent,
          host: hostname,
          port,
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  // Open the pool: as many health checks at once as there are connections.
  await Promise.all(Array.from({ length: sockets }, () => http('GET', '/v1/health')));

  return {
    kind: options.kind,
    store,
    running,
    url,
    token,
    http,
    close: async () => {
      for (const close of closers) await close().catch(() => undefined);
    },
  };
}
