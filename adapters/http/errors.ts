import { z } from 'zod';
import type { ServiceError, ServiceErrorCode } from '../../application/orders/service-result.ts';
import { InvalidCursorError } from '../../application/ports/queries.ts';

/** Every error body: a stable code, a message for people, details for programs. */
export const ErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export type HttpErrorCode =
  | ServiceErrorCode
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'MALFORMED_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'BREAK_NOT_FOUND'
  | 'RECONCILIATION_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** The one place codes become HTTP statuses. */
export const STATUS_OF: Record<HttpErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  MALFORMED_REQUEST: 400,
  INVALID_ORDER: 400,
  UNKNOWN_INSTRUMENT: 400,
  VENUE_NOT_CONFIGURED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ORDER_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  BREAK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  ORDER_ALREADY_EXISTS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  ORDER_ALREADY_CLOSED: 409,
  ORDER_NOT_AMENDABLE: 409,
  REQUEST_ALREADY_PENDING: 409,
  NOTHING_TO_CLOSE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  KILL_SWITCH_ENGAGED: 422,
  INSTRUMENT_NOT_ALLOWED: 422,
  AMOUNT_ABOVE_LIMIT: 422,
  NOTIONAL_ABOVE_LIMIT: 422,
  PRICE_OUTSIDE_BAND: 422,
  REDUCE_ONLY_WOULD_INCREASE: 422,
  MARK_PRICE_UNAVAILABLE: 503,
  VENUE_PAUSED: 503,
  VENUE_BUSY: 429,
  VENUE_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  RECONCILIATION_FAILED: 503,
  INTERNAL_ERROR: 500,
};

export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: HttpErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return STATUS_OF[this.code];
  }
  get body(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function fromServiceError(error: ServiceError): HttpError {
  return new HttpError(error.code, error.message, error.details ?? {});
}

/** A zod failure as a 400 naming every offending path. */
export function validationError(where: 'body' | 'query' | 'path' | 'header', error: z.ZodError): HttpError {
  const issues = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  return new HttpError(
    'VALIDATION_FAILED',
    first ? `invalid ${where}: ${first.path}: ${first.message}` : `invalid ${where}`,
    { issues },
  );
}

/** A page read whose cursor the API never returned is the client's mistake (400), not the service's. */
export async function readingCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new HttpError('VALIDATION_FAILED', error.message, {
        issues: [{ path: 'query.cursor', message: error.message }],
      });
    }
    throw error;
  }
}
