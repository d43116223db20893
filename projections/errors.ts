/**
 * The projections' typed errors (stable codes; the CLI maps them to exit codes, the HTTP API to
 * status codes).
 */
export type ProjectionErrorCode =
  | 'PROJECTION_FAILED'
  | 'CATCH_UP_TIMEOUT'
  | 'CHECKPOINT_CONFLICT'
  | 'READ_MODEL_VERSION'
  | 'PROJECTION_STOPPED';

export abstract class ProjectionError extends Error {
  abstract readonly code: ProjectionErrorCode;
}

/** A handler error stopped the projection; the failing event is recorded in `projections`. */
export class ProjectionFailedError extends ProjectionError {
  readonly code = 'PROJECTION_FAILED' as const;
  readonly projection: string;
  readonly failedPosition: string | undefined;
  readonly failedEventId: string | undefined;
  readonly reason: string;
  constructor(
    projection: string,
    failedPosition: string | undefined,
    failedEventId: string | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `projection ${projection} failed${failedEventId ? ` at event ${failedEventId}` : ''}${
        failedPosition ? ` (position ${failedPosition})` : ''
      }: ${reason}`,
      options,
    );
    this.name = 'ProjectionFailedError';
    this.projection = projection;
    this.failedPosition = failedPosition;
    this.failedEventId = failedEventId;
    this.reason = reason;
  }
}

/** `whenCaughtUp` gave up: the checkpoint did not pass the position in time. */
export class CatchUpTimeoutError extends ProjectionError {
  readonly code = 'CATCH_UP_TIMEOUT' as const;
  readonly projection: string;
  readonly awaited: string;
  readonly checkpoint: string | undefined;
  constructor(projection: string, awaited: string, checkpoint: string | undefined, timeoutMs: number) {
    super(
      `projection ${projection} did not reach position ${awaited} within ${timeoutMs} ms (checkpoint ${
        checkpoint || 'none yet'
      })`,
    );
    this.name = 'CatchUpTimeoutError';
    this.projection = projection;
    this.awaited = awaited;
    this.checkpoint = checkpoint;
  }
}

/** Another writer moved the checkpoint (or a rebuild switched generations): reload and resume. */
export class CheckpointConflictError extends ProjectionError {
  readonly code = 'CHECKPOINT_CONFLICT' as const;
  constructor(projection: string) {
    super(`the checkpoint of projection ${projection} moved under this writer`);
    this.name = 'CheckpointConflictError';
  }
}

/** The read models were built by another version of their tables: run a rebuild. */
export class ReadModelVersionError extends ProjectionError {
  readonly code = 'READ_MODEL_VERSION' as const;
  constructor(projection: string, found: number, expected: number) {
    super(
      `the read models of ${projection} are version ${found}, this code needs ${expected}: run \`oms rebuild\``,
    );
    this.name = 'ReadModelVersionError';
  }
}

/** The runner was stopped while a caller waited on it. */
export class ProjectionStoppedError extends ProjectionError {
  readonly code = 'PROJECTION_STOPPED' as const;
  constructor(projection: string) {
    super(`projection ${projection} was stopped`);
    this.name = 'ProjectionStoppedError';
  }
}

export const isProjectionError = (e: unknown): e is ProjectionError => e instanceof ProjectionError;
