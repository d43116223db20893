import type { ReaderHold } from '../../application/ports/queries.ts';
import {
  type ApplicationDeps,
  type OrderApplication,
  startOrderApplication,
} from '../../application/service.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { createSqlReadModel } from '../../projections/queries/sql-read-model.ts';
import { createProjectionRunner, type ProjectionRunner } from '../../projections/runner.ts';

export interface ServiceDeps<P> extends Omit<ApplicationDeps<P>, 'readModel' | 'projection'> {
  readModelDb: ReadModelDb;
  /** Base schema of the read models (default `oms_read`). */
  readModelSchema?: string;
  /** What holds the store's `$all` readers back (the PostgreSQL store), for health. */
  readerHold?: () => Promise<ReaderHold>;
  /** The projection runner, when it runs elsewhere (a worker thread); default: one on this thread. */
  runner?: ProjectionRunner<P>;
}

export interface RunningService<P> extends OrderApplication<P> {
  runner: ProjectionRunner<P>;
  readModel: ReturnType<typeof createSqlReadModel>;
}

/**
 * Starts the order application over a store, a read-model database and venue adapters: the
 * projection runner that maintains the read models, the SQL queries the service and the API read
 * them with, and the application itself. The one place that wires the read models in.
 */
export async function startService<P>(deps: ServiceDeps<P>): Promise<RunningService<P>> {
  const { store, logger } = deps;
  const schema = deps.readModelSchema ?? 'oms_read';
  const codec = store.positions;
  const runner =
    deps.runner ??
    createProjectionRunner({
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
    ...(deps.readerHold && { readerHold: deps.readerHold }),
  });
  try {
    const application = await startOrderApplication({
      ...deps,
      readModel,
      projection: {
        whenLive: () => runner.whenLive(),
        whenCaughtUp: (position, timeoutMs) => runner.whenCaughtUp(position, timeoutMs),
        checkpoint: () => {
          const text = runner.status().checkpoint;
          return text ? codec.parse(text) : undefined;
        },
      },
    });
    return {
      ...application,
      runner,
      readModel,
      async stop() {
        await application.stop();
        await runner.stop();
      },
    };
  } catch (error) {
    await runner.stop();
    throw error;
  }
}
