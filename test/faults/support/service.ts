import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import {
  type RunningService,
  type ServiceDeps,
  startService,
} from '../../../adapters/composition/service.ts';
import { LOG_REDACT_PATHS } from '../../../adapters/config/config.ts';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../../adapters/event-store/sql/sql-position.ts';
import { createApiClient } from '../../../adapters/http/client.ts';
import { routesFor } from '../../../adapters/http/routes.ts';
import { createHttpServer } from '../../../adapters/http/server.ts';
import { createPgliteReadModelDb } from '../../../adapters/sql/read-model-db.ts';
import type { VenueAdapter } from '../../../application/ports/venue.ts';
import { PreTradeLimitsSchema } from '../../../domain/risk/pre-trade.ts';
import { until } from '../../support/until.ts';
import type { LocalVenues } from './venues.ts';

export const API_TOKEN = 'fault-api-token-0123456789';

/** A pino logger into memory, redacting as the service's own logger does (F13 reads the lines). */
export function memoryLogger(level = process.env.LOG_LEVEL ?? 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = pino(
    { level, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' }, base: { service: 'oms' } },
    stream,
  );
  return { logger, lines };
}

/** The whole service in this process, on an in-memory PGlite: the same parts `startApp` wires. */
export interface InProcessService {
  store: PgliteEventStore;
  running: RunningService<SqlPosition>;
  adapters: VenueAdapter[];
  http: FastifyInstance;
  url: string;
  api: ReturnType<typeof createApiClient>;
  /** A raw request to the API (with the token unless `headers.authorization` is given). */
  raw(
    method: string,
    path: string,
    init?: { body?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Every venue account trading (connected and reconciled). */
  trading(): Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessService(
  venues: LocalVenues,
  options: {
    logger: Logger;
    store?: PgliteEventStore;
    adapters?: VenueAdapter[];
    service?: Partial<
      Pick<ServiceDeps<SqlPosition>, 'submission' | 'venueFailureThreshold' | 'defaultWaitMs' | 'now'>
    >;
    limits?: unknown;
  },
): Promise<InProcessService> {
  const { logger } = options;
  const store = options.store ?? (await openPgliteEventStore());
  const adapters = options.adapters ?? venues.adapters(logger);
  const running = await startService({
    store,
    readModelDb: createPgliteReadModelDb(store.db),
    adapters,
    accounts: [
      { venue: 'deribit', account: 'main', positionMode: 'one_way' },
      { venue: 'bitget', account: 'main', positionMode: 'one_way', marginMode: 'crossed' },
    ],
    limits: PreTradeLimitsSchema.parse(options.limits ?? { priceBand: '0.1' }),
    logger,
    ...options.service,
  });
  const http = createHttpServer({
    routes: routesFor(running),
    token: API_TOKEN,
    logger: logger.child({ component: 'http' }),
    version: 'fault',
  });
  const url = await http.listen({ host: '127.0.0.1', port: 0 });
  const service: InProcessService = {
    store,
    running,
    adapters,
    http,
    url,
    api: createApiClient({ baseUrl: url, token: API_TOKEN }),
    raw: (method, path, init = {}) =>
      fetch(new URL(path, url), {
        method,
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          'content-type': 'application/json',
          ...init.headers,
        },
        ...(init.body !== undefined && { body: init.body }),
      }),
    trading: async () => {
      await until('every venue to trade', () => running.registry.statuses().every((s) => s.trading), 20_000);
    },
    async stop() {
      await http.close();
      await running.stop();
      if (!options.store) await store.close();
    },
  };
  return service;
}
