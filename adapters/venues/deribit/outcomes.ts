import type { Logger } from 'pino';
import type { VenueRefusal, VenueUnknown } from '../../../application/ports/venue.ts';
import { notSentRefusal } from '../not-sent.ts';
import { DeribitError, DeribitRpcError } from './errors.ts';

/**
 * The outcome of a failed request that was meant to change something at the venue: `rejected`
 * only on an error code that proves the request had no effect (see `errors.ts`) or when nothing
 * left the adapter; `unknown` for timeouts, disconnects, retryable codes and unreadable replies.
 */
export function failureOutcome(logger: Logger, method: string, error: unknown): VenueRefusal | VenueUnknown {
  if (error instanceof DeribitRpcError) {
    const { classification, venueCode, venueMessage, latency, detail: message } = error;
    logger.warn({ method, code: venueCode, outcome: classification.outcome }, `deribit: ${venueMessage}`);
    if (classification.outcome === 'rejected') {
      return { outcome: 'rejected', venueCode: String(venueCode), message, ...(latency && { latency }) };
    }
    return {
      outcome: 'unknown',
      reason: message,
      venueCode: String(venueCode),
      retryable: classification.retryable,
    };
  }
  if (error instanceof DeribitError) {
    logger.warn({ method, code: error.code, sent: error.sent }, `deribit: ${error.message}`);
    if (!error.sent) {
      // Nothing left the adapter: the venue cannot have acted on it.
      return notSentRefusal(error.message, error.code === 'DERIBIT_RATE_LIMITED');
    }
    return {
      outcome: 'unknown',
      reason: error.message,
      retryable: error.code !== 'DERIBIT_PROTOCOL_ERROR',
    };
  }
  logger.error({ method, err: (error as Error)?.message }, 'deribit: unexpected failure');
  return {
    outcome: 'unknown',
    reason: `unexpected failure: ${(error as Error)?.message}`,
    retryable: false,
  };
}
