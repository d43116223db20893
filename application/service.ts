import type { Logger } from 'pino';
import type { PreTradeLimits } from '../domain/risk/pre-trade.ts';
import { Ingestion } from './ingestion/ingestion.ts';
import { createUnreadableRecorder } from './ingestion/unreadable.ts';
import { CashIngester, type CashIngestionResult } from './ledger/cash-ingester.ts';
import type { CashIngestionSettings } from './ledger/cash-ingestion-step.ts';
import { MarkRecorder, type MarkRecordingResult } from './marks/mark-recorder.ts';
import type { MarkSchedule } from './marks/mark-schedule.ts';
import { createOrderHandler, type HandleResult, type OrderHandler } from './orders/order-handler.ts';
import { OrderService } from './orders/order-service.ts';
import type { OrderView } from './orders/order-view.ts';
import type { RequestContext, ServiceResult, VenueAccountSettings } from './orders/service-result.ts';
import type { EventStore } from './ports/event-store.ts';
import type { ProjectionProgress, ServiceReadModel } from './ports/read-models.ts';
import type { VenueAdapter } from './ports/venue.ts';
import { BreakRecorder, type BreakView } from './reconciliation/breaks.ts';
import { Reconciler, type ReconciliationReport } from './reconciliation/reconciliation.ts';
import { type SubmissionOptions, SubmissionProcessor } from './submission/submission.ts';
import { MarketData } from './venues/market-data.ts';
import { VenueSupervisor } from './venues/supervisor.ts';
import { VenueRegistry } from './venues/venue-registry.ts';

export type SubmissionSettings<P> = Partial<
  Pick<
    SubmissionOptions<P>,
    | 'submitWindowMs'
    | 'clockSkewMs'
    | 'maxSubmitDelayMs'
    | 'retryDelayMs'
    | 'maxRetryDelayMs'
    | 'useVenueClosePosition'
    | 'sweepIntervalMs'
  >
>;

export interface ApplicationDeps<P> {
  store: EventStore<P>;
  /** What the processors read from the read models. */
  readModel: ServiceReadModel;
  /** How far the read models have come (the projection that maintains them). */
  projection: ProjectionProgress<P>;
  adapters: readonly VenueAdapter[];
  accounts: readonly VenueAccountSettings[];
  limits: PreTradeLimits;
  logger: Logger;
  now?: () => number;
  submission?: SubmissionSettings<P>;
  /** Unknown outcomes in a row before a venue is paused. */
  venueFailureThreshold?: number;
  /** How long an API call waits for the venue's answer before answering 202. */
  defaultWaitMs?: number;
  /** How often each venue account is reconciled besides every (re)connect (ms; default 60 s, 0: never). */
  reconcileIntervalMs?: number;
  /** How often the venues' cash logs are read besides start-up (ms; default 60 s, 0: never by itself). */
  cashIngestionIntervalMs?: number;
  cashIngestion?: Partial<CashIngestionSettings>;
  /** When marks are recorded: the interval (ms; default an hour, 0: only at each day's close) and the day boundary. */
  marks?: Partial<MarkSchedule>;
  /** How often the mark recorder looks whether a mark is due (ms; 0: only at start-up and on demand). */
  marksCheckEveryMs?: number;
}

/** Mark recording on demand (what the API's `/v1/marks/record` runs). */
export interface MarksControl {
  recordNow(): Promise<MarkRecordingResult[]>;
}

/** The back office's ledger ingestion on demand (what the API's `/v1/ledger/ingest` runs). */
export interface LedgerControl {
  ingestNow(): Promise<CashIngestionResult[]>;
}

/** Reconciliation on demand and its breaks (what the API's `/v1/reconcile` and `/v1/breaks` serve). */
export interface ReconciliationControl {
  /** Reconciles the matching venue accounts now; each run's report. */
  reconcileNow(filter?: { venue?: string; account?: string }): Promise<ReconciliationReport[]>;
  /** The breaks of every venue account (open ones first). */
  breaks(status?: 'open' | 'resolved'): Promise<BreakView[]>;
  /** An operator closes an open break with a reason; undefined when no open break has this id. */
  resolveBreak(breakId: string, reason: string, by: string): Promise<BreakView | undefined>;
  /**
   * An operator closes an order the venue no longer has (`cancelled` or `lost`), with a reason; the
   * open breaks about it are resolved with the same reason.
   */
  resolveOrder(
    orderId: string,
    as: 'cancelled' | 'lost',
    reason: string,
    context: RequestContext,
  ): Promise<ServiceResult<{ order: OrderView; resolvedBreaks: string[] }>>;
}

export interface OrderApplication<P> {
  service: OrderService<P>;
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  processor: SubmissionProcessor<P>;
  ingestion: Ingestion<P>;
  /** Instruments and mark prices, shared by every part. */
  market: MarketData;
  /** Resolves when the read models include everything this process has recorded. */
  readModelCaughtUp(): Promise<void>;
  /** The last reconciliation report of each venue account. */
  reconciliations(): ReconciliationReport[];
  reconciliation: ReconciliationControl;
  ledger: LedgerControl;
  marks: MarksControl;
  /** The store's last refusal of a write, while no write has succeeded since (for health). */
  storeWriteRefused(): StoreWriteFailure | undefined;
  stop(): Promise<void>;
}

export interface StoreWriteFailure {
  readonly at: string;
  readonly message: string;
}

/** Wraps the handler to remember the furthest position this process appended (read-your-writes). */
/**
 * The store as the application uses it, remembering its last refusal of a write (database down,
 * disk full) until a write succeeds again: health says so while new orders fail.
 */
const watchingWrites = <P>(store: EventStore<P>, now: () => number) => {
  let refused: StoreWriteFailure | undefined;
  const append: EventStore<P>['append'] = async (...args) => {
    try {
      const result = await store.append(...args);
      refused = undefined;
      return result;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'STORE_UNAVAILABLE') {
        refused = { at: new Date(now()).toISOString(), message: (error as Error).message };
      }
      throw error;
    }
  };
  const watched: EventStore<P> = {
    positions: store.positions,
    append,
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    close: () => store.close(),
  };
  return { store: watched, refused: () => refused };
};

const trackingAppends = <P>(handler: OrderHandler<P>, compare: (a: P, b: P) => number) => {
  let last: P | undefined;
  const notePosition = (position: P) => {
    if (last === undefined || compare(position, last) > 0) last = position;
  };
  const note = (result: HandleResult<P>) => {
    if (result.ok && result.position !== undefined) notePosition(result.position);
  };
  const tracked: OrderHandler<P> = {
    load: handler.load,
    async handle(command) {
      const result = await handler.handle(command);
      note(result);
      return result;
    },
    async handleAll(commands) {
      const results = await handler.handleAll(commands);
      for (const result of results) note(result);
      return results;
    },
  };
  return { handler: tracked, lastAppended: () => last, notePosition };
};

/**
 * Starts the order application on its ports: the submission processor, ingestion of venue pushes,
 * supervision of the venue connections (connect, reconcile on every (re)connect), and the order
 * service the API calls. A venue that cannot be reached stays paused while the service keeps trying.
 */
export async function startOrderApplication<P>(deps: ApplicationDeps<P>): Promise<OrderApplication<P>> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const { logger, readModel, projection } = deps;
  const writes = watchingWrites(deps.store, now);
  const store = writes.store;
  const codec = store.positions;

  // One listing of instruments and mark prices for every part of the service.
  const market = new MarketData({ now });
  const registry = new VenueRegistry({
    adapters: deps.adapters,
    logger: logger.child({ component: 'venues' }),
    now,
    instruments: (entry) => market.instruments(entry),
    ...(deps.venueFailureThreshold !== undefined && { failureThreshold: deps.venueFailureThreshold }),
  });
  const { handler, lastAppended, notePosition } = trackingAppends(
    createOrderHandler({ store, logger: logger.child({ component: 'orders' }) }),
    codec.compare,
  );
  const readModelCaughtUp = async () => {
    await projection.whenLive();
    const last = lastAppended();
    if (last !== undefined) await projection.whenCaughtUp(last, 30_000);
  };

  const processor = new SubmissionProcessor({
    store,
    handler,
    registry,
    logger: logger.child({ component: 'submission' }),
    now,
    startedAt,
    pendingOrders: () => readModel.ordersNeedingWork(),
    ...deps.submission,
  });
  const breaks = new BreakRecorder({ store, logger: logger.child({ component: 'reconciliation' }), now });
  const ingestion = new Ingestion({
    breaks,
    handler,
    registry,
    readModel,
    market,
    logger: logger.child({ component: 'ingestion' }),
    now,
    unreadable: createUnreadableRecorder({
      store,
      readModel,
      logger: logger.child({ component: 'ingestion' }),
    }),
  });
  const reconciler = new Reconciler({
    breaks,
    handler,
    ingestion,
    readModel,
    market,
    registry,
    logger: logger.child({ component: 'reconciliation' }),
    now,
    readModelCaughtUp,
    resolve: (orderId) => processor.schedule(orderId),
  });
  const service = new OrderService({
    store,
    handler,
    processor,
    registry,
    market,
    readModel,
    readModelCaughtUp,
    limits: deps.limits,
    accounts: deps.accounts,
    logger: logger.child({ component: 'service' }),
    now,
    ...(deps.defaultWaitMs !== undefined && { defaultWaitMs: deps.defaultWaitMs }),
  });
  await service.start();

  // Resume: work left by an earlier process (as of the read models' checkpoint), then follow the store.
  await projection.whenLive();
  const checkpoint = projection.checkpoint();
  processor.start(checkpoint, await readModel.ordersNeedingWork());
  ingestion.start();

  const supervisor = new VenueSupervisor({
    registry,
    logger,
    reconcile: (entry) => reconciler.reconcile(entry),
    ...(deps.reconcileIntervalMs !== undefined && { intervalMs: deps.reconcileIntervalMs }),
  });
  supervisor.start();
  const cash = new CashIngester({
    store,
    registry,
    logger: logger.child({ component: 'ledger' }),
    now,
    ...(deps.cashIngestion !== undefined && { settings: deps.cashIngestion }),
    ...(deps.cashIngestionIntervalMs !== undefined && { intervalMs: deps.cashIngestionIntervalMs }),
    onAppended: notePosition,
  });
  cash.start();
  const marks = new MarkRecorder({
    store,
    registry,
    market,
    readModel,
    logger: logger.child({ component: 'marks' }),
    now,
    ...(deps.marks !== undefined && { schedule: deps.marks }),
    ...(deps.marksCheckEveryMs !== undefined && { checkEveryMs: deps.marksCheckEveryMs }),
    onAppended: notePosition,
  });
  marks.start();
  const accountRefs = () =>
    registry.entries().map((e) => ({ venue: e.adapter.venue, account: e.adapter.account }));
  const reconciliation: ReconciliationControl = {
    reconcileNow: (filter = {}) =>
      supervisor.reconcileNow(
        registry
          .entries()
          .filter(
            (e) =>
              (filter.venue === undefined || e.adapter.venue === filter.venue) &&
              (filter.account === undefined || e.adapter.account === filter.account),
          ),
      ),
    breaks: (status) => breaks.list(accountRefs(), status),
    async resolveOrder(orderId, as, reason, context) {
      const resolved = await service.resolveOrder(orderId, as, reason, context);
      if (!resolved.ok) return resolved;
      const by = context.by ?? 'api';
      const resolvedBreaks: string[] = [];
      for (const b of await breaks.list(accountRefs(), 'open')) {
        if (b.orderId !== orderId) continue;
        if (await breaks.resolve(b, b.breakId, `order resolved as ${as}: ${reason}`, by))
          resolvedBreaks.push(b.breakId);
      }
      return { ok: true, value: { order: resolved.value.order, resolvedBreaks } };
    },
    async resolveBreak(breakId, reason, by) {
      const found = (await breaks.list(accountRefs(), 'open')).find((b) => b.breakId === breakId);
      if (!found || !(await breaks.resolve(found, breakId, reason, by))) return undefined;
      return (await breaks.list([found])).find((b) => b.breakId === breakId);
    },
  };

  return {
    service,
    handler,
    registry,
    processor,
    ingestion,
    market,
    readModelCaughtUp,
    reconciliations: () => supervisor.reports(),
    reconciliation,
    ledger: { ingestNow: () => cash.ingestNow() },
    marks: { recordNow: () => marks.recordNow() },
    storeWriteRefused: writes.refused,
    async stop() {
      cash.stop();
      marks.stop();
      processor.stop();
      ingestion.stop();
      const stopping = supervisor.stop();
      await Promise.allSettled(deps.adapters.map((a) => a.close()));
      registry.close();
      await stopping;
    },
  };
}
