import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { ProjectionFailedError } from '../../projections/errors.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { LOG_REDACT_PATHS } from '../config/config.ts';
import { ParentMessageSchema, ProjectionThreadDataSchema, type ThreadMessage } from './projection-thread.ts';
import { openStore } from './stores.ts';

/**
 * The projection thread's entry (started by `startProjectionThread`): opens the store and the
 * read-model database the configuration names, runs the projection runner over them, and reports
 * its status to the service after every committed batch, when it goes live, when it fails and when
 * it has stopped.
 */

const port = parentPort;
if (!port) throw new Error('projection-worker.ts runs as a worker thread (startProjectionThread)');
const data = ProjectionThreadDataSchema.parse(workerData);
const logger = pino({
  level: data.logLevel,
  redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
  base: { service: 'oms', thread: 'projections' },
});
const post = (message: ThreadMessage) => port.postMessage(message);
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

try {
  const opened = await openStore(data);
  const runner = createProjectionRunner({
    store: opened.store,
    db: opened.readModelDb,
    logger: logger.child({ component: 'projections' }),
    schema: data.readModels.schema,
    onBatch: () => post({ type: 'status', status: runner.status() }),
  });
  // State changes between batches (waiting for the lock, catching up) are reported once a second.
  const heartbeat = setInterval(() => post({ type: 'status', status: runner.status() }), 1000);
  heartbeat.unref();

  port.on('message', (raw: unknown) => {
    const message = ParentMessageSchema.safeParse(raw);
    if (!message.success) {
      logger.error({ issues: message.error.issues }, 'projection thread: unreadable message');
      return;
    }
    void (async () => {
      clearInterval(heartbeat);
      await runner.stop();
      await opened.close();
      post({ type: 'stopped' });
      port.close();
    })();
  });

  runner.start();
  post({ type: 'status', status: runner.status() });
  runner.whenLive().then(
    () => {
      post({ type: 'status', status: runner.status() });
      post({ type: 'live' });
    },
    () => undefined,
  );
  runner.done.catch((error: unknown) => {
    clearInterval(heartbeat);
    post(
      error instanceof ProjectionFailedError
        ? {
            type: 'failed',
            ...(error.failedPosition !== undefined && { failedPosition: error.failedPosition }),
            ...(error.failedEventId !== undefined && { failedEventId: error.failedEventId }),
            reason: error.reason,
          }
        : { type: 'failed', reason: reason(error) },
    );
  });
} catch (error) {
  // The store or the read models could not be opened: the service hears why.
  logger.error({ err: error }, 'projection thread could not start');
  post({ type: 'failed', reason: `projection thread could not start: ${reason(error)}` });
  port.close();
}
