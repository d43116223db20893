import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../application/ports/event-store.ts';
import type { ReadModelDb } from './db/read-model-db.ts';

export type RunnerState = 'idle' | 'waiting_for_lock' | 'catching_up' | 'live' | 'failed' | 'stopped';

export interface RunnerHooks {
  /**
   * Called inside the batch transaction after the read-model writes and before the checkpoint
   * compare-and-set (fault tests pause or crash here: F2).
   */
  beforeCheckpoint?(batch: { events: number; from: string; to: string }): Promise<void>;
}

/** The live runner's default `liveCoalesceMs` (BENCHMARKS.md, ninth and tenth sessions: B8 at 100 orders/s). */
export const LIVE_COALESCE_MS = 3;

export interface ProjectionRunnerOptions<P> {
  readonly store: EventStore<P>;
  readonly db: ReadModelDb;
  readonly logger: Logger;
  /** Base schema of the read models (default `oms_read`). */
  readonly schema?: string;
  /** Checkpoint row (default `order-read-models`; rebuild and verify use their own). */
  readonly name?: string;
  /** Most events per transaction (default 2000). */
  readonly batchSize?: number;
  /** Positions scanned per catch-up page (default = batchSize). */
  readonly pageSize?: number;
  /**
   * Live: how long the subscription waits, once woken by an append, before it reads (default
   * `LIVE_COALESCE_MS`, 3 ms). An order's acknowledgement is usually appended within it: the
   * request and its answer are then read and written in one batch, after the API has answered,
   * instead of a batch between the two appends competing with the order's path for the event loop
   * and the database.
   */
  readonly liveCoalesceMs?: number;
  /** Live messages queued before the runner falls back to paging (default 10 × batchSize). */
  readonly maxLiveBacklog?: number;
  readonly maxCachedOrders?: number;
  /** The batch size from which the projection takes its bulk path (COPY; see order-projection.ts). */
  readonly copyThreshold?: number;
  /**
   * Catch-up batches sent while the one before them commits (`pipelined-batches.ts`; PostgreSQL
   * only): default 1; 0 waits for each batch before making the next.
   */
  readonly pipelineDepth?: number;
  /** `catch-up`: stop at the end of `$all` (or at `until`) instead of following it live. */
  readonly mode?: 'live' | 'catch-up';
  /** catch-up mode: apply nothing after this serialized position, and end the checkpoint there. */
  readonly until?: string;
  /** Create the read models (generation 1) if they do not exist yet (default true; rebuild: false). */
  readonly initialize?: boolean;
  /** Called after every committed batch (rebuild's progress display). */
  readonly onBatch?: (progress: BatchProgress) => void;
  readonly hooks?: RunnerHooks;
  readonly backoff?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

export interface BatchProgress {
  readonly events: number;
  readonly totalEvents: number;
  readonly position: string;
}

export interface RunnerStatus {
  readonly name: string;
  readonly state: RunnerState;
  /** Committed checkpoint (serialized), once loaded. */
  readonly checkpoint: string | undefined;
  readonly generation: number | undefined;
  readonly eventsApplied: number;
  readonly cachedOrders: number;
  readonly error: string | undefined;
}

export interface ProjectionRunner<P> {
  /** Starts the runner in the background (waiting for the writer lock first). */
  start(): void;
  /** Stops after the batch in progress; releases the writer lock. */
  stop(): Promise<void>;
  /** Resolves when stopped, or when a catch-up runner reached its end; rejects when the projection failed. */
  readonly done: Promise<void>;
  /**
   * Resolves once the committed checkpoint is at or past `position` (e.g. what an append
   * returned); rejects with CatchUpTimeoutError after `timeoutMs` (default 5000), with
   * ProjectionFailedError if the projection failed, ProjectionStoppedError if it was stopped.
   */
  whenCaughtUp(position: P, timeoutMs?: number): Promise<void>;
  /**
   * Resolves once the runner has caught up with the store and follows it live (the first time);
   * rejects if it failed or was stopped before that.
   */
  whenLive(): Promise<void>;
  status(): RunnerStatus;
}

export interface Waiter<P> {
  readonly position: P;
  resolve(): void;
  reject(error: unknown): void;
}

/** An error of the projection's own code or data (not the database's availability): it stops the projection. */
export class HandlerError extends Error {
  readonly event: RecordedEvent<unknown> | undefined;
  readonly position: string | undefined;
  constructor(event: RecordedEvent<unknown> | undefined, position: string | undefined, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.event = event;
    this.position = position;
  }
}
