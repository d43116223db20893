import { isTransient, ReadModelDbError, type SqlRunner } from './db/read-model-db.ts';
import { CheckpointConflictError } from './errors.ts';
import { HandlerError } from './runner-types.ts';

/**
 * The base schema's guard, `(actual, expected, sqlstate, message)`, created by `controlDdl`: it
 * raises with that SQLSTATE (codes of our own) unless `actual = expected`, which fails the whole
 * statement of a batch (`withBatch`) and keeps none of it. A deferred write's `check` calls it on
 * `$rows`, the rows the write returned.
 */
export const batchGuard = (base: string): string => `${base}.batch_guard`;

/** The checkpoint's compare-and-set matched no row: another writer or a rebuild moved it. */
export const CHECKPOINT_MOVED = 'OMSCP';

const isCheckpointMoved = (error: unknown): boolean =>
  error instanceof ReadModelDbError && error.sqlState === CHECKPOINT_MOVED;

/**
 * An insert found rows the batch presumed absent (a live batch presumes new the orders whose
 * revision 0 it holds): the batch is then made again without presuming (`isPresumptionFailed`).
 */
export const ROWS_PRESUMED_ABSENT = 'OMSRP';

export const isPresumptionFailed = (error: unknown): boolean =>
  error instanceof ReadModelDbError && error.sqlState === ROWS_PRESUMED_ABSENT;

export interface CheckpointMove {
  readonly base: string;
  /** The projection's name. */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly generation: number;
}

/**
 * The checkpoint's compare-and-set (`... where position = <from> and generation = <g>`): zero rows
 * means another writer or a rebuild moved it, a CheckpointConflictError.
 *
 * It is queued behind the batch's writes (a batch runner, `withBatch`) and goes out with them as
 * one statement, which the guard fails whole when the checkpoint moved; a live batch that read
 * nothing is then that one statement, without BEGIN and COMMIT. A write that fails there is the
 * handler's (HandlerError), as if it had failed when the projection made it. On a pipelined batch
 * (`pipelined-batches.ts`) the flush only sends it: `batchFailure` says what its failure means.
 */
export const moveCheckpoint = async (tx: SqlRunner, move: CheckpointMove): Promise<void> => {
  const { base, name } = move;
  const cas = {
    table: `${base}.projections`,
    text: `update ${base}.projections set position = $3, updated_at = now()
       where name = $1 and position = $2 and generation = $4 and status = 'running' returning 1`,
    params: [name, move.from, move.to, move.generation],
    name: `${base}_checkpoint_cas`,
    check: `${batchGuard(base)}($rows, 1, '${CHECKPOINT_MOVED}', 'the checkpoint moved under this writer')`,
  };
  if (tx.defer === undefined || tx.flush === undefined)
    throw new Error('the checkpoint moves with the batch: a batch runner (withBatch) is needed');
  tx.defer(cas);
  try {
    await tx.flush();
  } catch (error) {
    throw batchFailure(name, error);
  }
};

/**
 * A batch's statements failed: the checkpoint moved (CheckpointConflictError), a transient failure
 * or a presumption that did not hold (as they are), or the handler's (HandlerError), as if it had
 * failed when the projection made it. A pipelined batch's failure is known only once it committed.
 */
export const batchFailure = (name: string, error: unknown): unknown => {
  if (isCheckpointMoved(error)) return new CheckpointConflictError(name);
  if (isTransient(error) || isPresumptionFailed(error)) return error;
  return new HandlerError(undefined, undefined, error);
};
