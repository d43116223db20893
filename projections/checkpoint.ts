import { isTransient, ReadModelDbError, type SqlRunner } from './db/read-model-db.ts';
import { CheckpointConflictError } from './errors.ts';
import { HandlerError } from './runner-types.ts';

/**
 * SQLSTATE of the guard that fails a batch's statement when its checkpoint compare-and-set matched
 * no row (a code of our own; `controlDdl` creates the guard).
 */
export const CHECKPOINT_MOVED = 'OMSCP';

/** The guard: a function of the compare-and-set's row count that raises `CHECKPOINT_MOVED` unless 1. */
export const checkpointGuard = (base: string): string => `${base}.checkpoint_guard`;

const isCheckpointMoved = (error: unknown): boolean =>
  error instanceof ReadModelDbError && error.sqlState === CHECKPOINT_MOVED;

/**
 * SQLSTATE of the guard that fails a batch's statement when an insert found rows the batch presumed
 * absent (a live batch presumes new the orders whose revision 0 it holds): the batch is then made
 * again without presuming (`isPresumptionFailed`).
 */
export const ROWS_PRESUMED_ABSENT = 'OMSRP';

/** That guard: `(rows inserted, rows given)`, raising `ROWS_PRESUMED_ABSENT` unless equal. */
export const rowsGuard = (base: string): string => `${base}.rows_guard`;

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
 * On a batch runner (`withBatch`) it is queued behind the batch's writes and goes out with them as
 * one statement, which the guard fails whole when the checkpoint moved; a live batch that read
 * nothing is then that one statement, without BEGIN and COMMIT. A write that fails there is the
 * handler's (HandlerError), as if it had failed when the projection made it.
 */
export const moveCheckpoint = async (tx: SqlRunner, move: CheckpointMove): Promise<void> => {
  const { base, name } = move;
  const cas = {
    table: `${base}.projections`,
    text: `update ${base}.projections set position = $3, updated_at = now()
       where name = $1 and position = $2 and generation = $4 and status = 'running' returning 1`,
    params: [name, move.from, move.to, move.generation],
    name: `${base}_checkpoint_cas`,
    check: `${checkpointGuard(base)}($rows)`,
  };
  if (tx.defer === undefined || tx.flush === undefined) {
    const moved = await tx.query(cas.text, cas.params, cas.name);
    if (moved.rowCount !== 1) throw new CheckpointConflictError(name);
    return;
  }
  tx.defer(cas);
  try {
    await tx.flush();
  } catch (error) {
    if (isCheckpointMoved(error)) throw new CheckpointConflictError(name);
    if (isTransient(error) || isPresumptionFailed(error)) throw error;
    throw new HandlerError(undefined, undefined, error);
  }
};
