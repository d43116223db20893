import type { RecordedEvent } from '../application/ports/event-store.ts';
import type { BatchPipeline } from '../application/ports/sql.ts';
import { backoffDelay, sleep as pause } from '../application/support/backoff.ts';
import { BatchDecoder } from './batch-decoder.ts';
import { type CatchUpPage, pageReader } from './catch-up-pages.ts';
import { batchFailure, batchGuard, isPresumptionFailed, moveCheckpoint } from './checkpoint.ts';
import { CheckpointWaiters, checkpointReached, settleable } from './checkpoint-waiters.ts';
import { isTransient, type SqlRunner, type WriterLock } from './db/read-model-db.ts';
import {
  CatchUpTimeoutError,
  CheckpointConflictError,
  ProjectionFailedError,
  ProjectionStoppedError,
  ReadModelVersionError,
} from './errors.ts';
import type { ProjectedItem } from './events.ts';
import { recordFailure } from './failure.ts';
import { followAll } from './live-follower.ts';
import {
  createOrderProjection,
  ORDER_PROJECTION,
  type OrderProjection,
  type StagedBatch,
} from './order-projection.ts';
import { batchesAfter, catchUpPipelined, isRedoable, pipelinedWriter } from './pipelined-batches.ts';
import {
  HandlerError,
  LIVE_COALESCE_MS,
  type ProjectionRunner,
  type ProjectionRunnerOptions,
  type RunnerState,
} from './runner-types.ts';
import { ensureReadModels, generationSchema, READ_MODEL_VERSION, readProjection } from './schema.ts';
import { statisticsKeeper } from './table-statistics.ts';

/**
 * The projection runner: keeps the order read models up to date with `$all`, exactly once.
 *
 * - One writer per projection: it takes the projection's writer lock first (a second waits).
 * - Catch-up reads `$all` in pages (memory stays bounded), the next page read while one is applied;
 *   then it subscribes (rxjs) and applies what queued while the previous batch was written, up to
 *   `batchSize`; past `maxLiveBacklog` queued it goes back to paging.
 * - Each batch is ONE transaction: the read-model writes, then the checkpoint compare-and-set
 *   (`... where position = <previous> and generation = <g>`). Zero rows: another writer or a
 *   rebuild moved it; roll back, forget the caches, reload the checkpoint and resume. The writes
 *   and the compare-and-set go out together as one statement (`withBatch`, `checkpoint.ts`).
 * - Events at or below the checkpoint are dropped (a resubscription may deliver them again).
 * - Transient database errors: retried with backoff from the checkpoint. Any other stops it; the
 *   batch is replayed event by event and the failing one recorded (`oms projections status`).
 * - `whenCaughtUp(position)`: read-your-writes for the position an append returned.
 * - Live, it keeps its tables' planner statistics fresh (`table-statistics.ts`).
 */

export type {
  BatchProgress,
  ProjectionRunner,
  ProjectionRunnerOptions,
  RunnerHooks,
  RunnerState,
  RunnerStatus,
} from './runner-types.ts';

export const createProjectionRunner = <P>(options: ProjectionRunnerOptions<P>): ProjectionRunner<P> => {
  const { store, db, logger } = options;
  const codec = store.positions;
  const base = options.schema ?? 'oms_read';
  const name = options.name ?? ORDER_PROJECTION;
  const batchSize = options.batchSize ?? 2000;
  const pageSize = options.pageSize ?? batchSize;
  const maxLiveBacklog = options.maxLiveBacklog ?? batchSize * 10;
  const mode = options.mode ?? 'live';
  const pipelineDepth = options.pipelineDepth ?? 1;
  const until = options.until;
  const backoff = options.backoff ?? { initialDelayMs: 100, maxDelayMs: 10_000 };
  const log = logger.child({ projection: name, schema: base });
  const projection: OrderProjection = createOrderProjection({
    guard: batchGuard(base),
    ...(options.maxCachedOrders !== undefined && { maxCachedOrders: options.maxCachedOrders }),
    ...(options.copyThreshold !== undefined && { copyThreshold: options.copyThreshold }),
  });

  let state: RunnerState = 'idle';
  let checkpoint: string | undefined; // serialized; '' = the start of $all
  let generation: number | undefined;
  let eventsApplied = 0;
  let failure: ProjectionFailedError | undefined;
  const abort = new AbortController();
  let wakeLive: (() => void) | undefined;
  const settle = settleable();
  const settleLive = settleable();
  let running: Promise<void> | undefined;

  const parse = (text: string): P => (text === '' ? codec.start : codec.parse(text));
  const bound = () => (until === undefined ? undefined : parse(until));
  const reached = (position: P) => checkpointReached(codec, checkpoint, position);

  const waiters = new CheckpointWaiters<P>(reached);
  const notifyWaiters = () => waiters.notify();
  const rejectWaiters = (error: unknown) => waiters.rejectAll(error);

  const sleep = (ms: number) => pause(ms, abort.signal);

  const loadCheckpoint = async () => {
    const row = await ensureReadModels(db, base, name, { initialize: options.initialize ?? true });
    if (row.version !== READ_MODEL_VERSION)
      throw new ReadModelVersionError(name, row.version, READ_MODEL_VERSION);
    if (row.status === 'failed') {
      throw new ProjectionFailedError(
        name,
        row.failed_position ?? undefined,
        row.failed_event_id ?? undefined,
        `stopped earlier, not restarted: ${row.error ?? 'unknown error'} (clear it with \`oms projections retry\`)`,
      );
    }
    checkpoint = row.position;
    generation = row.generation;
    projection.reset();
    decoder.clear();
    notifyWaiters();
  };
  const statistics = statisticsKeeper(db, log);
  // Events decoded ahead (while the previous batch is being written).
  const decoder = new BatchDecoder(codec);
  const predecode = (events: readonly RecordedEvent<P>[]) => decoder.ahead(events);
  const decode = (events: readonly RecordedEvent<P>[]) => decoder.decode(events);

  /**
   * A batch transaction. If it fails because a rebuild switched generations meanwhile (the old
   * generation's tables are dropped after the switch), that is a checkpoint conflict: reload.
   */
  const inTransaction = async <T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> => {
    try {
      return await db.withBatch(work);
    } catch (error) {
      if (error instanceof CheckpointConflictError || isTransient(error)) throw error;
      const row = await readProjection(db, base, name).catch(() => undefined);
      if (row !== undefined && row.generation !== generation) throw new CheckpointConflictError(name);
      throw error;
    }
  };

  /** The batch's writes, then the checkpoint compare-and-set (from → to), on a batch's runner. */
  const batchWork =
    (events: readonly ProjectedItem[], from: string, to: string, presumeNew: boolean) =>
    async (tx: SqlRunner): Promise<StagedBatch> => {
      let result: StagedBatch;
      try {
        result = await projection.apply(tx, generationSchema(base, generation!), events, { presumeNew });
      } catch (error) {
        if (isTransient(error) || isPresumptionFailed(error)) throw error;
        throw new HandlerError(undefined, undefined, error);
      }
      await options.hooks?.beforeCheckpoint?.({ events: events.length, from, to });
      await moveCheckpoint(tx, { base, name, from, to, generation: generation! });
      return result;
    };

  /** A batch committed: the checkpoint moves, waiters and progress hear of it. */
  const confirm = (staged: StagedBatch, to: string) => {
    checkpoint = to;
    eventsApplied += staged.events;
    options.onBatch?.({ events: staged.events, totalEvents: eventsApplied, position: to });
    notifyWaiters();
    if (mode === 'live') statistics.afterBatch(generationSchema(base, generation!), eventsApplied);
  };

  /** One batch; made again without presuming its orders new when the database said they were not. */
  const commitBatch = async (events: readonly ProjectedItem[], to: string) => {
    const from = checkpoint!;
    const staged = await inTransaction(batchWork(events, from, to, true)).catch((error: unknown) => {
      if (!isPresumptionFailed(error)) throw error;
      log.warn({ from, to }, 'orders presumed new had history rows: the batch is made again, reading them');
      return inTransaction(batchWork(events, from, to, false));
    });
    projection.commit(staged);
    confirm(staged, to);
  };

  /** The batches of recorded events after `current` (not beyond `until`), the last one moving to `to`. */
  const slicesOf = (recorded: readonly RecordedEvent<P>[], to: P, current: P) =>
    batchesAfter(codec, { recorded, to, current, batchSize, until: bound() });

  /**
   * Applies recorded events (in `$all` order) and moves the checkpoint to `to`. Events at or
   * before the checkpoint are dropped. On a handler error, replays them one by one to pin the
   * failing event (everything before it is committed).
   */
  const applyRecorded = async (recorded: readonly RecordedEvent<P>[], to: P) => {
    for (const { slice, to: sliceTo } of slicesOf(recorded, to, parse(checkpoint!))) {
      try {
        await commitBatch(decode(slice), sliceTo);
      } catch (error) {
        if (!(error instanceof HandlerError) || slice.length === 0) throw error;
        log.warn({ err: error }, 'batch failed: applying its events one by one to find the failing one');
        await applyOneByOne(slice);
        if (codec.compare(parse(checkpoint!), parse(sliceTo)) < 0) await commitBatch([], sliceTo);
      }
    }
  };

  /** Commits each event in its own batch: a handler error then names the event. */
  const applyOneByOne = async (slice: readonly RecordedEvent<P>[]) => {
    projection.reset();
    for (const event of slice) {
      try {
        await commitBatch(decode([event]), codec.serialize(event.position));
      } catch (single) {
        if (!(single instanceof HandlerError)) throw single;
        throw new HandlerError(
          event as RecordedEvent<unknown>,
          codec.serialize(event.position),
          single.cause,
        );
      }
    }
  };

  /**
   * Pages through `$all` until its end (or `until`), reading the next page while applying one. On
   * PostgreSQL the batches are pipelined (`pipelined-batches.ts`); should one fail, what was not
   * committed is applied again batch by batch, each waited for, and the pipeline goes on after it.
   */
  const catchUp = async () => {
    state = 'catching_up';
    const pages = pageReader({
      store,
      after: parse(checkpoint!),
      pageSize,
      until: bound(),
      signal: abort.signal,
      predecode,
    });
    const release = (page: CatchUpPage<P>) => {
      for (const e of page.events) decoder.delete(e);
    };
    if (pipelineDepth === 0 || db.withPipeline === undefined) {
      for (let page = await pages.next(); page !== undefined; page = await pages.next()) {
        await applyRecorded(page.events, page.lastScanned);
        release(page); // (after a failure, the next round's `loadCheckpoint` clears them all)
      }
      return;
    }
    await catchUpPipelined({
      pages,
      open: (work) => db.withPipeline!(work),
      writer: (pipeline: BatchPipeline) =>
        pipelinedWriter<P>({
          pipeline,
          depth: pipelineDepth,
          write: (tx, events, from, to) => batchWork(events, from, to, true)(tx),
          sent: (staged) => projection.commit(staged),
          committed: confirm,
          failure: (error) => batchFailure(name, error),
        }),
      batches: (page, head) => slicesOf(page.events, page.lastScanned, parse(head)),
      checkpoint: () => checkpoint!,
      decode,
      release,
      redo: async (events, to, cause) => {
        projection.reset();
        if (!isRedoable(cause)) throw cause;
        log.warn(
          { err: cause },
          'a pipelined batch failed: applying again what was not committed, batch by batch',
        );
        await applyRecorded(events, to);
      },
    });
  };

  /** Follows `$all` live until stopped, or until the queue grows too long (back to paging). */
  const followLive = () => {
    state = 'live';
    settleLive.resolve();
    const follower = followAll({
      store,
      after: checkpoint === '' ? undefined : parse(checkpoint!),
      batchSize,
      maxLiveBacklog,
      coalesceMs: options.liveCoalesceMs ?? LIVE_COALESCE_MS,
      apply: applyRecorded,
      log,
      signal: abort.signal,
    });
    wakeLive = follower.stop;
    return follower.done.finally(() => {
      wakeLive = undefined;
    });
  };

  /** Marks the runner stopped (not failed): every waiter hears so. */
  const settleStopped = () => {
    state = 'stopped';
    rejectWaiters(new ProjectionStoppedError(name));
    settleLive.reject(new ProjectionStoppedError(name));
    settle.resolve();
  };

  /** Marks the runner failed with what stopped it: every waiter hears it. */
  const settleFailed = async (error: unknown) => {
    if (error instanceof HandlerError) failure = await recordFailure({ db, base, name, log }, error);
    else if (error instanceof ProjectionFailedError) failure = error;
    else {
      const reason = error instanceof Error ? error.message : String(error);
      failure = new ProjectionFailedError(name, checkpoint, undefined, reason, { cause: error });
      log.error({ err: error }, 'projection stopped');
    }
    state = 'failed';
    rejectWaiters(failure);
    settleLive.reject(failure);
    settle.reject(failure);
  };

  /** One round from the checkpoint: catch up, then follow live (unless catch-up only). */
  const runOnce = async (): Promise<'again' | 'done'> => {
    await loadCheckpoint();
    await catchUp();
    if (mode === 'catch-up' || abort.signal.aborted) return 'done';
    await followLive();
    return 'again';
  };

  /** Rounds until stopped; a checkpoint conflict reloads, a transient error waits and retries. */
  const runRounds = async () => {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        if ((await runOnce()) === 'done') return;
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) return;
        projection.reset();
        if (error instanceof CheckpointConflictError) {
          log.warn('checkpoint moved under this writer: reloading it');
          continue;
        }
        if (!isTransient(error)) throw error;
        failures += 1;
        const delay = backoffDelay(backoff, failures);
        log.warn({ err: error, delayMs: Math.round(delay) }, 'transient error: retrying from the checkpoint');
        await sleep(delay);
      }
    }
  };

  const run = async () => {
    let lock: WriterLock | undefined;
    try {
      state = 'waiting_for_lock';
      log.info('waiting for the writer lock');
      lock = await db.acquireWriterLock(`oms-projection:${base}:${name}`, abort.signal);
      log.info('writer lock taken');
      await runRounds();
      settleStopped();
    } catch (error) {
      // Stopped while waiting for the lock or in the middle of a batch: not a failure.
      if (abort.signal.aborted && !(error instanceof HandlerError)) settleStopped();
      else await settleFailed(error);
    } finally {
      await lock?.release();
    }
  };

  return {
    start: () => {
      if (running) return;
      running = run();
    },
    stop: async () => {
      abort.abort();
      wakeLive?.();
      if (running) await running;
      else settleStopped();
    },
    done: settle.promise,
    whenLive: () => settleLive.promise,
    whenCaughtUp: (position, timeoutMs = 5000) => {
      if (failure) return Promise.reject(failure);
      if (reached(position)) return Promise.resolve();
      if (state === 'stopped') return Promise.reject(new ProjectionStoppedError(name));
      return waiters.add(
        position,
        timeoutMs,
        () => new CatchUpTimeoutError(name, codec.serialize(position), checkpoint, timeoutMs),
      );
    },
    status: () => ({
      name,
      state,
      checkpoint,
      generation,
      eventsApplied,
      cachedOrders: projection.cachedOrders,
      error: failure?.message,
    }),
  };
};
