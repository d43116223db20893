import { defer, filter, type Observable, type RetryConfig, retry, tap, throwError, timer } from 'rxjs';
import type { PositionCodec, SubscriptionMessage } from '../../application/ports/event-store.ts';
import { StoreUnavailableError } from '../../application/ports/event-store-errors.ts';
import { type BackoffOptions, backoffDelay } from '../../application/support/backoff.ts';

/**
 * Wraps a store's raw subscription (`open(after)`) so that it survives transient failures: on a
 * StoreUnavailableError it opens again after the last position it delivered (event, checkpoint or
 * caught-up), with backoff; other errors end the subscription. Messages at or before that position
 * are dropped, so a resubscription that overlaps delivers nothing twice; `caughtUp` is sent once.
 */
export const resubscribing = <P>(
  positions: PositionCodec<P>,
  open: (after: P | undefined) => Observable<SubscriptionMessage<P>>,
  after: P | undefined,
  backoff: BackoffOptions,
): Observable<SubscriptionMessage<P>> =>
  defer(() => {
    let resumeAfter = after;
    let caughtUpSent = false;
    const retryConfig: RetryConfig = {
      resetOnSuccess: true,
      delay: (error: unknown, failures: number) =>
        error instanceof StoreUnavailableError
          ? timer(backoffDelay(backoff, failures))
          : throwError(() => error),
    };
    return defer(() => open(resumeAfter)).pipe(
      filter((message) => {
        switch (message.kind) {
          case 'event':
            return resumeAfter === undefined || positions.compare(message.event.position, resumeAfter) > 0;
          case 'checkpoint':
            return resumeAfter === undefined || positions.compare(message.position, resumeAfter) > 0;
          case 'caughtUp':
            if (caughtUpSent) return false;
            caughtUpSent = true;
            return true;
        }
      }),
      tap((message) => {
        const position = message.kind === 'event' ? message.event.position : message.position;
        if (resumeAfter === undefined || positions.compare(position, resumeAfter) > 0) resumeAfter = position;
      }),
      retry(retryConfig),
    );
  });
