import type { VenueRefusal, VenueUnknown } from '../../../application/ports/venue.ts';
import { notSentRefusal } from '../not-sent.ts';
import type { VenueClock } from './clock.ts';
import { describeFailure, type RestFailure, type RestOutcome } from './rest-client.ts';

/**
 * What a failed Bitget request means. Outcomes are never guessed: a code that proves the request
 * was not carried out is a rejection; 429, 5xx, timeouts, transport failures and replies that do
 * not parse are unknown outcomes. A timestamp refusal makes the adapter measure the clock again.
 */

export class BitgetRequestError extends Error {
  readonly code:
    | 'BITGET_VENUE_ERROR'
    | 'BITGET_UNKNOWN_OUTCOME'
    | 'BITGET_NOT_CONNECTED'
    | 'BITGET_PROTOCOL_ERROR';
  readonly venueCode: string | undefined;
  readonly retryable: boolean;
  constructor(failure: RestFailure, what: string) {
    super(`${what}: ${describeFailure(failure)}`);
    this.code =
      failure.kind === 'venue'
        ? 'BITGET_VENUE_ERROR'
        : failure.kind === 'protocol'
          ? 'BITGET_PROTOCOL_ERROR'
          : failure.kind === 'closed'
            ? 'BITGET_NOT_CONNECTED'
            : 'BITGET_UNKNOWN_OUTCOME';
    this.venueCode = failure.kind === 'venue' ? failure.code : undefined;
    this.retryable =
      failure.kind === 'venue'
        ? failure.info.kind === 'retryable'
        : failure.kind !== 'protocol' && failure.kind !== 'closed';
  }
}

const isClockRefusal = (failure: RestFailure) => failure.kind === 'venue' && failure.info.topic === 'clock';

/** A query's data, or a BitgetRequestError. */
export function need<T>(clock: VenueClock, outcome: RestOutcome<T>, what: string): T {
  if (outcome.ok) return outcome.data;
  if (isClockRefusal(outcome.failure)) clock.resyncSoon();
  throw new BitgetRequestError(outcome.failure, what);
}

/** A failure that leaves it open whether the request was carried out. */
export function unknownOutcome(failure: RestFailure, request: string): VenueUnknown {
  const retryable =
    failure.kind === 'venue' ? failure.info.kind === 'retryable' : failure.kind !== 'protocol';
  return {
    outcome: 'unknown',
    reason: `${request}: ${describeFailure(failure)}`,
    ...(failure.kind === 'venue' && { venueCode: failure.code }),
    retryable,
  };
}

/** A failed order request: a refusal when the code proves nothing was done, else unknown. */
export function refusalOrUnknown(
  clock: VenueClock,
  failure: RestFailure,
  request: string,
): VenueRefusal | VenueUnknown {
  if (
    failure.kind === 'throttled' ||
    failure.kind === 'closed' ||
    (failure.kind === 'transport' && !failure.sent)
  ) {
    return notSentRefusal(failure.message, failure.kind === 'throttled');
  }
  if (failure.kind === 'venue' && failure.info.kind === 'refused') {
    if (isClockRefusal(failure)) clock.resyncSoon();
    return { outcome: 'rejected', venueCode: failure.code, message: failure.msg || failure.info.meaning };
  }
  return unknownOutcome(failure, request);
}
