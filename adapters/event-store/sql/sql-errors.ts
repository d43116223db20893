import type { ExpectedRevision } from '../../../application/ports/event-store.ts';
import {
  StoreUnavailableError,
  WrongExpectedVersionError,
} from '../../../application/ports/event-store-errors.ts';
import { isTransientSqlState, sqlStateOf } from '../../sql/sql-state.ts';
import { EVENT_ID_CONSTRAINT, WRONG_EXPECTED_VERSION_SQLSTATE } from './schema.ts';

/**
 * Translates what a `pg` or PGlite call threw into the port's errors. Both drivers report server
 * errors with a SQLSTATE `code` (and `detail`); anything else a driver call throws (socket closed,
 * connection refused, pool timeout) is a transport failure, hence transient.
 */
export const translateSqlError = (
  error: unknown,
  context: { streamId?: string; expected?: ExpectedRevision } = {},
): unknown => {
  if (error instanceof WrongExpectedVersionError || error instanceof StoreUnavailableError) return error;
  const code = sqlStateOf(error);
  if (
    code === WRONG_EXPECTED_VERSION_SQLSTATE &&
    context.streamId !== undefined &&
    context.expected !== undefined
  ) {
    const detail = (error as { detail?: unknown }).detail;
    const actual = typeof detail === 'string' && /^-?\d+$/.test(detail) ? BigInt(detail) : -1n;
    return new WrongExpectedVersionError(
      context.streamId,
      context.expected,
      actual < 0n ? 'no_stream' : actual,
    );
  }
  if (code !== undefined) {
    return isTransientSqlState(code)
      ? new StoreUnavailableError(`database unavailable (SQLSTATE ${code}): ${(error as Error).message}`, {
          cause: error,
        })
      : error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`database unreachable: ${message}`, { cause: error });
};

/** The append hit the per-stream unique event id (SQLSTATE 23505 on that constraint). */
export const isDuplicateEventId = (error: unknown): boolean =>
  sqlStateOf(error) === '23505' && (error as { constraint?: unknown }).constraint === EVENT_ID_CONSTRAINT;
