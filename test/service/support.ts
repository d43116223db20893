import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type RunningService, startService } from '../../adapters/composition/service.ts';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import type { ApiToken } from '../../adapters/http/auth.ts';
import { routesFor } from '../../adapters/http/routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import { createPgliteReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { createBitgetAdapter } from '../../adapters/venues/bitget/adapter.ts';
import type { Credentials } from '../../adapters/venues/bitget/signing.ts';
import { createDeribitAdapter, type DeribitAdapterOptions } from '../../adapters/venues/deribit/adapter.ts';
import type { CashIngestionSettings } from '../../application/ledger/cash-ingestion-step.ts';
import type { MarkSchedule } from '../../application/marks/mark-schedule.ts';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import type { VenueAccountSettings } from '../../application/orders/service-result.ts';
import type { VenueAdapter } from '../../application/ports/venue.ts';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import type { LocalBitget } from '../../simulators/bitget/server.ts';
import type { SimClock } from '../../simulators/clock.ts';
import type { SimInstrument } from '../../simulators/deribit/instruments.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';
import { until } from '../support/until.ts';

/** The service's tests log nothing unless LOG_LEVEL says otherwise. */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** The whole service on an in-memory PGlite, trading on one venue account. */
export interface ServiceOnOneVenue {
  readonly store: PgliteEventStore;
  readonly adapter: VenueAdapter;
  readonly running: RunningService<SqlPosition>;
  /** Resolves once the venue account trades (connected and reconciled). */
  trading(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** How a spec starts the service besides its venue: its clock, reconciliation and ledger ingestion. */
export interface ServiceOptions {
  reconcileIntervalMs?: number;
  now?: () => number;
  cashIngestionIntervalMs?: number;
  cashIngestion?: Partial<CashIngestionSettings>;
  marks?: Partial<MarkSchedule>;
  marksCheckEveryMs?: number;
}

export async function startServiceOn(
  adapter: VenueAdapter,
  account: VenueAccountSettings,
  limits: unknown = {},
  options: ServiceOptions = {},
): Promise<ServiceOnOneVenue> {
  const store = await openPgliteEventStore();
  const running = await startService({
    store,
    readModelDb: createPgliteReadModelDb(store.db),
    adapters: [adapter],
    accounts: [account],
    limits: PreTradeLimitsSchema.parse(limits),
    logger: testLogger,
    ...(options.reconcileIntervalMs !== undefined && { reconcileIntervalMs: options.reconcileIntervalMs }),
    ...(options.now !== undefined && { now: options.now }),
    // The ledger ingester runs at start-up, then when a spec asks (`running.ledger.ingestNow()`),
    // unless it says otherwise.
    cashIngestionIntervalMs: options.cashIngestionIntervalMs ?? 0,
    ...(options.cashIngestion !== undefined && { cashIngestion: options.cashIngestion }),
    // Marks are recorded when a spec asks (`running.marks.recordNow()`), unless it says otherwise.
    marksCheckEveryMs: options.marksCheckEveryMs ?? 0,
    ...(options.marks !== undefined && { marks: options.marks }),
  });
  // The start-up run is over before the spec begins: what it records (the venue's cash log) never
  // lands in the middle of a spec's own counts.
  await running.ledger.ingestNow();
  return {
    store,
    adapter,
    running,
    trading: async (timeoutMs = 10_000) => {
      await until('the venue to trade', () => running.registry.statuses()[0]?.trading, timeoutMs);
    },
    close: async () => {
      await running.stop();
      await store.close();
    },
  };
}

/** The service on a local Deribit of its own (account `main`, one-way). */
export interface ServiceOnLocalDeribit extends ServiceOnOneVenue {
  readonly sim: LocalDeribit;
}

export async function startServiceOnLocalDeribit(options: {
  /** The API client id (and, with `-secret`, its secret) the local Deribit accepts. */
  clientId: string;
  limits?: unknown;
  adapter?: Partial<Omit<DeribitAdapterOptions, 'account' | 'wsUrl' | 'httpUrl' | 'credentials'>>;
  /** Runs on the local Deribit before the service connects (to arm a fault). */
  beforeStart?: (sim: LocalDeribit) => void;
  /** Wait until the venue trades before resolving (default true). */
  waitForTrading?: boolean;
  /** How often the service reconciles besides every (re)connect (default: the service's). */
  reconcileIntervalMs?: number;
  /** The venue's clock when a spec moves it (the service runs on it too), and the ledger's settings. */
  clock?: SimClock;
  service?: Omit<ServiceOptions, 'now' | 'reconcileIntervalMs'>;
  /** The local Deribit's listing (default: its own). */
  instruments?: SimInstrument[];
}): Promise<ServiceOnLocalDeribit> {
  const clientSecret = `${options.clientId}-secret`;
  const sim = await startLocalDeribit({
    credentials: [{ clientId: options.clientId, clientSecret, account: 'main' }],
    minHeartbeatIntervalSec: 0.05,
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.instruments !== undefined && { instruments: options.instruments }),
  });
  options.beforeStart?.(sim);
  const adapter = createDeribitAdapter({
    logger: testLogger,
    ...options.adapter,
    account: 'main',
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    credentials: { clientId: options.clientId, clientSecret },
    ...(options.clock !== undefined && { now: options.clock.now }),
  });
  const service = await startServiceOn(
    adapter,
    { venue: 'deribit', account: 'main', positionMode: 'one_way' },
    options.limits,
    {
      ...(options.reconcileIntervalMs !== undefined && { reconcileIntervalMs: options.reconcileIntervalMs }),
      ...(options.clock !== undefined && { now: options.clock.now }),
      ...options.service,
    },
  );
  if (options.waitForTrading ?? true) await service.trading();
  return {
    ...service,
    sim,
    close: async () => {
      await service.close();
      await sim.close();
    },
  };
}

/** Places a BTC-PERPETUAL limit buy of `amount` USD `below` the mark, with an idempotency key. */
export function buyBelowMark(
  svc: ServiceOnLocalDeribit,
  key: string,
  options: { amount?: string; below?: number; waitMs?: number } = {},
) {
  return svc.running.service.place(
    PlaceOrderRequestSchema.parse({
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'limit',
      amount: options.amount ?? '10',
      price: svc.sim
        .markPrice('BTC-PERPETUAL')
        .minus(options.below ?? 3000)
        .toString(),
    }),
    { idempotencyKey: key, ...(options.waitMs !== undefined && { waitMs: options.waitMs }) },
  );
}

/** As `buyBelowMark`, acknowledged by the venue: the order is resting there. */
export async function restingBuy(
  svc: ServiceOnLocalDeribit,
  key: string,
  options: { amount?: string; below?: number } = {},
) {
  const placed = await buyBelowMark(svc, key, options);
  if (!placed.ok || placed.value.order.venueOrderId === null) throw new Error(JSON.stringify(placed));
  return { ...placed.value.order, venueOrderId: placed.value.order.venueOrderId };
}

/** The service's HTTP API on an ephemeral port, with one operator token or named ones. */
export async function serveHttp<P>(
  running: RunningService<P>,
  auth: { token: string } | { tokens: readonly ApiToken[] },
): Promise<{ app: FastifyInstance; base: string }> {
  const app = createHttpServer({ routes: routesFor(running), ...auth, logger: testLogger, version: 'test' });
  return { app, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

/** The service trading on a local Bitget account `main` (crossed margin), once it trades. */
export async function startServiceOnLocalBitget(
  sim: LocalBitget,
  credentials: Credentials,
  options: { positionMode?: 'one_way' | 'hedge'; limits?: unknown; service?: ServiceOptions } = {},
): Promise<ServiceOnOneVenue> {
  const positionMode = options.positionMode ?? 'one_way';
  const svc = await startServiceOn(
    createBitgetAdapter({
      account: 'main',
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      credentials,
      positionMode,
      defaultMarginMode: 'crossed',
      logger: testLogger,
      // The venue's clock when a spec moves it: requests are signed on it.
      ...(options.service?.now !== undefined && { now: options.service.now }),
    }),
    { venue: 'bitget', account: 'main', positionMode, marginMode: 'crossed' },
    options.limits,
    options.service,
  );
  await svc.trading();
  return svc;
}
