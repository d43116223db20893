import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PositionCodec } from '../../application/ports/event-store.ts';
import { CheckpointWaiters, checkpointReached, settleable } from '../../projections/checkpoint-waiters.ts';
import {
  CatchUpTimeoutError,
  ProjectionFailedError,
  ProjectionStoppedError,
} from '../../projections/errors.ts';
import { ORDER_PROJECTION } from '../../projections/order-projection.ts';
import type { ProjectionRunner, RunnerStatus } from '../../projections/runner.ts';
import { ConfigSchema } from '../config/config.ts';
import { startTsWorker } from '../ts-worker.ts';

/**
 * The projection runner in a worker thread of its own (`OMS_PROJECTION_THREAD=worker`): the
 * worker opens its own store connection and read-model database and runs the same runner there,
 * so decoding events and writing the read models never take the service's event loop. This side
 * is a `ProjectionRunner` like the in-process one: the worker reports its status after every
 * committed batch and this side resolves read-your-writes waiters from it.
 */

/** What the worker needs: where the store and the read models are, and how much to log. */
export const ProjectionThreadDataSchema = z
  .object({
    store: ConfigSchema.shape.store,
    readModels: ConfigSchema.shape.readModels,
    logLevel: z.string().min(1),
  })
  .strict();
export type ProjectionThreadData = z.input<typeof ProjectionThreadDataSchema>;

const RunnerStatusSchema = z.object({
  name: z.string(),
  state: z.enum(['idle', 'waiting_for_lock', 'catching_up', 'live', 'failed', 'stopped']),
  checkpoint: z.string().optional(),
  generation: z.number().optional(),
  eventsApplied: z.number(),
  cachedOrders: z.number(),
  error: z.string().optional(),
});

/** Worker → service. */
export const ThreadMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: RunnerStatusSchema }),
  z.object({ type: z.literal('live') }),
  z.object({
    type: z.literal('failed'),
    failedPosition: z.string().optional(),
    failedEventId: z.string().optional(),
    reason: z.string(),
  }),
  z.object({ type: z.literal('stopped') }),
]);
export type ThreadMessage = z.input<typeof ThreadMessageSchema>;

/** Service → worker. */
export const ParentMessageSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('stop') })]);

const WORKER = new URL('./projection-worker.ts', import.meta.url);

export function startProjectionThread<P>(options: {
  data: ProjectionThreadData;
  codec: PositionCodec<P>;
  logger: Logger;
}): ProjectionRunner<P> {
  const { codec, logger } = options;
  const data = ProjectionThreadDataSchema.parse(options.data);
  const name = ORDER_PROJECTION;
  let status: RunnerStatus = {
    name,
    state: 'idle',
    checkpoint: undefined,
    generation: undefined,
    eventsApplied: 0,
    cachedOrders: 0,
    error: undefined,
  };
  let failure: ProjectionFailedError | undefined;
  let worker: Worker | undefined;
  let exited: Promise<void> | undefined;

  const reached = (position: P) => checkpointReached(codec, status.checkpoint, position);
  const waiters = new CheckpointWaiters<P>(reached);
  const settle = settleable();
  const settleLive = settleable();

  const fail = (error: ProjectionFailedError) => {
    if (status.state === 'stopped' || failure) return;
    failure = error;
    status = { ...status, state: 'failed', error: error.message };
    logger.error({ err: error }, 'projection thread failed');
    waiters.rejectAll(error);
    settleLive.reject(error);
    settle.reject(error);
  };
  const stopped = () => {
    if (failure || status.state === 'stopped') return;
    status = { ...status, state: 'stopped' };
    const error = new ProjectionStoppedError(name);
    waiters.rejectAll(error);
    settleLive.reject(error);
    settle.resolve();
  };

  const onMessage = (raw: unknown) => {
    const parsed = ThreadMessageSchema.safeParse(raw);
    if (!parsed.success) {
      logger.error({ issues: parsed.error.issues }, 'projection thread: unreadable message');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'status':
        if (status.state === 'stopped' || failure) return;
        status = {
          ...message.status,
          checkpoint: message.status.checkpoint,
          generation: message.status.generation,
          error: message.status.error,
        };
        waiters.notify();
        return;
      case 'live':
        settleLive.resolve();
        return;
      case 'failed':
        fail(new ProjectionFailedError(name, message.failedPosition, message.failedEventId, message.reason));
        return;
      case 'stopped':
        stopped();
        return;
    }
  };

  const start = () => {
    if (worker) return;
    const thread = startTsWorker(WORKER, { workerData: data, name: 'oms-projections' });
    worker = thread;
    thread.on('message', onMessage);
    thread.on('error', (error) => {
      fail(
        new ProjectionFailedError(name, status.checkpoint, undefined, `projection thread: ${error.message}`),
      );
    });
    exited = new Promise<void>((resolve) => {
      thread.once('exit', (code) => {
        if (code !== 0)
          fail(
            new ProjectionFailedError(
              name,
              status.checkpoint,
              undefined,
              `projection thread exited with code ${code}`,
            ),
          );
        else stopped();
        resolve();
      });
    });
  };

  return {
    start,
    async stop() {
      if (!worker || !exited) {
        stopped();
        return;
      }
      worker.postMessage({ type: 'stop' });
      // The worker stops after its batch in progress and closes its connections; a worker that
      // does not end within the grace period is terminated (its uncommitted batch is replayed).
      const grace = setTimeout(() => void worker?.terminate(), 10_000);
      await exited;
      clearTimeout(grace);
      stopped();
    },
    done: settle.promise,
    whenLive: () => settleLive.promise,
    whenCaughtUp(position, timeoutMs = 5000) {
      if (failure) return Promise.reject(failure);
      if (reached(position)) return Promise.resolve();
      if (status.state === 'stopped') return Promise.reject(new ProjectionStoppedError(name));
      return waiters.add(
        position,
        timeoutMs,
        () => new CatchUpTimeoutError(name, codec.serialize(position), status.checkpoint, timeoutMs),
      );
    },
    status: () => status,
  };
}
