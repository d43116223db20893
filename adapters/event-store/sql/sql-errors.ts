import type { ExpectedRevision } from '../../../application/ports/event-store.ts';
import {
  StoreUnavailableError,
  WrongExpectedVersionError,
} from '../../../application/ports/event-store-errors.ts';
import { EVENT_ID_CONSTRAINT, WRONG_EXPECTED_VERSION_SQLSTATE } from './schema.ts';

/** SQLSTATEs after which the same statement may succeed later: connection, resources, shutdown, conflicts. */
const transientSqlState = (code: string): boolean =>
  code.startsWith('08') || // connection exception
  code.startsWith('53') || // insufficient resources (too many connections, disk full, out of memory)
  code.startsWith('57P') || // admin shutdown, crash shutdown, cannot connect now
  code === '40001' || // serialization failure
  code === '40P01' || // deadlock detected
  code === '55P03' || // lock not available
  code === '57014'; // query canceled (statement timeout)

const sqlState = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

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
  const code = sqlState(error);
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
    return transientSqlState(code)
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
  sqlState(error) === '23505' && (error as { constraint?: unknown }).constraint === EVENT_ID_CONSTRAINT;
