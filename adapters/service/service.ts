import type { Logger } from 'pino';
import type { PreTradeLimits } from '../../domain/risk/pre-trade.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { createProjectionRunner, type ProjectionRunner } from '../../projections/runner.ts';
import type { EventStore } from '../event-store/port.ts';
import type { VenueAdapter } from '../venues/port.ts';
import { Ingestion } from './ingestion.ts';
import { MarketData } from './market-data.ts';
import { createOrderHandler, type HandleResult, type OrderHandler } from './order-handler.ts';
import { OrderService, type VenueAccountSettings } from './order-service.ts';
import { Reconciler, type ReconciliationReport } from './reconciliation.ts';
import { createSqlReadModel } from './sql-read-model.ts';
import { type SubmissionOptions, SubmissionProcessor } from './submission.ts';
import { type VenueEntry, VenueRegistry } from './venue-registry.ts';

export interface ServiceDeps<P> {
  store: EventStore<P>;
  readModelDb: ReadModelDb;
  /** Base schema of the read models (default `oms_read`). */
  readModelSchema?: string;
  adapters: readonly VenueAdapter[];
  accounts: readonly VenueAccountSettings[];
  limits: PreTradeLimits;
  logger: Logger;
  now?: () => number;
  submission?: Partial<
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
  /** Unknown outcomes in a row before a venue is paused. */
  venueFailureThreshold?: number;
  /** How long an API call waits for the venue's answer before answering 202. */
  defaultWaitMs?: number;
}

export interface RunningService<P> {
  service: OrderService<P>;
  handler: OrderHandler<P>;
  registry: VenueRegistry;
  runner: ProjectionRunner<P>;
  processor: SubmissionProcessor<P>;
  ingestion: Ingestion<P>;
  /** Instruments and mark prices, shared by every part. */
  market: MarketData;
  readModel: ReturnType<typeof createSqlReadModel>;
  /** Resolves when the read models include everything this process has recorded. */
  readModelCaughtUp(): Promise<void>;
  /** The last reconciliation report of each venue account. */
  reconciliations(): ReconciliationReport[];
  stop(): Promise<void>;
}

/**
 * Starts the order service on a store, a read-model database and venue adapters: the projection
 * runner, the submission processor, ingestion of venue pushes, reconciliation on every
 * (re)connect, and the order service the API calls. The adapters are connected here; a venue that
 * cannot be reached stays paused while the service keeps trying.
 */
export async function startService<P>(deps: ServiceDeps<P>): Promise<RunningService<P>> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const { store, logger } = deps;
  const schema = deps.readModelSchema ?? 'oms_read';
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
  const baseHandler = createOrderHandler({ store, logger: logger.child({ component: 'orders' }) });
  // Read-your-writes: remember the furthest position this process appended.
  let lastAppended: P | undefined;
  const noteAppended = (result: HandleResult<P>) => {
    if (result.ok && result.position !== undefined) {
      if (lastAppended === undefined || codec.compare(result.position, lastAppended) > 0)
        lastAppended = result.position;
    }
  };
  const handler: OrderHandler<P> = {
    load: baseHandler.load,
    async handle(command) {
      const result = await baseHandler.handle(command);
      noteAppended(result);
      return result;
    },
    async handleAll(commands) {
      const results = await baseHandler.handleAll(commands);
      for (const result of results) noteAppended(result);
      return results;
    },
  };

  const runner = createProjectionRunner({
    store,
    db: deps.readModelDb,
    logger: logger.child({ component: 'projections' }),
    schema,
  });
  runner.start();

  const readModel = createSqlReadModel({
    db: deps.readModelDb,
    schema,
    lagAfter: async (checkpoint) => {
      const page = await store.readAll({
        ...(checkpoint !== '' && { after: codec.parse(checkpoint) }),
        maxCount: 10_000,
      });
      return page.events.length;
    },
  });

  const waitForLive = async (): Promise<void> => {
    for (;;) {
      const status = runner.status();
      if (status.state === 'live') return;
      if (status.state === 'failed') throw new Error(`projection failed: ${status.error ?? 'unknown error'}`);
      if (status.state === 'stopped') throw new Error('projection stopped');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const readModelCaughtUp = async () => {
    await waitForLive();
    if (lastAppended !== undefined) await runner.whenCaughtUp(lastAppended, 30_000);
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
  const ingestion = new Ingestion({
    handler,
    registry,
    readModel,
    market,
    logger: logger.child({ component: 'ingestion' }),
    now,
  });
  const reconciler = new Reconciler({
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
  await waitForLive();
  const checkpoint = runner.status().checkpoint;
  const pending = await readModel.ordersNeedingWork();
  processor.start(checkpoint ? codec.parse(checkpoint) : undefined, pending);
  ingestion.start();

  const reports = new Map<string, ReconciliationReport>();
  const reconciling = new Map<string, Promise<void>>();
  const reconcile = (entry: VenueEntry) => {
    const previous = reconciling.get(entry.key) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (let attempt = 0; ; attempt++) {
        if (registry.status(entry).connection.status !== 'connected') return;
        try {
          reports.set(entry.key, await reconciler.reconcile(entry));
          return;
        } catch (error) {
          logger.error(
            { err: error, venue: entry.key, attempt },
            'reconciliation failed; the venue stays paused, retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)));
        }
      }
    });
    reconciling.set(entry.key, next);
  };
  for (const entry of registry.entries()) registry.watchConnection(entry, () => reconcile(entry));

  let stopping = false;
  const connect = async (entry: VenueEntry) => {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        await entry.adapter.connect();
        return;
      } catch (error) {
        const delay = Math.min(30_000, 1_000 * 2 ** attempt);
        logger.warn(
          { err: error, venue: entry.key, retryInMs: delay },
          'cannot connect to the venue; it stays paused',
        );
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  };
  for (const entry of registry.entries()) void connect(entry);

  return {
    service,
    handler,
    registry,
    runner,
    processor,
    ingestion,
    market,
    readModel,
    readModelCaughtUp,
    reconciliations: () => [...reports.values()],
    async stop() {
      stopping = true;
      processor.stop();
      ingestion.stop();
      await Promise.allSettled(deps.adapters.map((a) => a.close()));
      registry.close();
      await Promise.allSettled(reconciling.values());
      await runner.stop();
    },
  };
}
