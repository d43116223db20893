import type { Logger } from 'pino';
import type { SqlRunner } from './db/read-model-db.ts';
import { ProjectionFailedError } from './errors.ts';
import type { HandlerError } from './runner-types.ts';

/**
 * A handler error stopped the projection: recorded in its row of the projections table (`oms
 * projections status` shows it; `retry` clears it) and logged; the error waiters hear.
 */
export const recordFailure = async (
  at: { readonly db: SqlRunner; readonly base: string; readonly name: string; readonly log: Logger },
  error: HandlerError,
): Promise<ProjectionFailedError> => {
  const { db, base, name, log } = at;
  const eventId = error.event?.id;
  const streamId = error.event?.streamId;
  const reason = error.message;
  const failure = new ProjectionFailedError(name, error.position, eventId, reason, { cause: error.cause });
  log.error(
    { err: error.cause, failedPosition: error.position, failedEventId: eventId, streamId },
    'projection stopped by a handler error',
  );
  try {
    await db.query(
      `update ${base}.projections set status = 'failed', failed_position = $2, failed_event_id = $3,
         failed_stream_id = $4, error = $5, failed_at = now(), updated_at = now() where name = $1`,
      [name, error.position ?? null, eventId ?? null, streamId ?? null, reason.slice(0, 4000)],
    );
  } catch (recordError) {
    log.error({ err: recordError }, 'could not record the failure in the projections table');
  }
  return failure;
};
