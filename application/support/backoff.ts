/**
 * The one backoff of the project: every retry loop (store resubscriptions, venue reconnects,
 * venue connection and reconciliation supervision, market-data loads) waits with it.
 */
export interface BackoffOptions {
  /** First delay after a failure; doubles per consecutive failure (with jitter) up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultBackoff: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 10_000 };

/**
 * Exponential backoff with "equal jitter": between half and all of the doubled delay.
 * `failures` counts consecutive failures from 1 (the first failure waits about `initialDelayMs`).
 */
export const backoffDelay = (
  options: BackoffOptions,
  failures: number,
  random: () => number = Math.random,
): number => {
  const doublings = Math.min(Math.max(0, failures - 1), 30);
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** doublings);
  return ceiling / 2 + (random() * ceiling) / 2;
};

/** Resolves after `ms`, or at once when `signal` is aborted; the timer never keeps the process alive. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal?.addEventListener('abort', done, { once: true });
  });

export interface RetryOptions {
  readonly backoff: BackoffOptions;
  /** Ends the loop (the last attempt's error is then dropped). */
  readonly signal?: AbortSignal;
  /** Called after each failure, with the delay before the next attempt. */
  readonly onFailure?: (error: unknown, failures: number, delayMs: number) => void;
  /** Whether to try again after this error (default: always). */
  readonly retryable?: (error: unknown) => boolean;
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, waiting with the backoff between failures. Resolves with its
 * result, or `undefined` when `signal` aborted the loop; rejects with an error `retryable` refuses.
 */
export async function retryWithBackoff<T>(
  attempt: (failures: number) => Promise<T>,
  options: RetryOptions,
): Promise<T | undefined> {
  for (let failures = 0; !options.signal?.aborted; ) {
    try {
      return await attempt(failures);
    } catch (error) {
      if (options.retryable && !options.retryable(error)) throw error;
      failures += 1;
      const delay = backoffDelay(options.backoff, failures, options.random);
      options.onFailure?.(error, failures, delay);
      await sleep(delay, options.signal);
    }
  }
  return undefined;
}
