import type { Observable } from 'rxjs';

/**
 * Consumes an Observable with `for await`. Values are queued while the loop body runs (a
 * subscription does not wait for its consumer); breaking out of the loop unsubscribes.
 */
export async function* toAsyncIterable<T>(source: Observable<T>): AsyncGenerator<T, void, undefined> {
  const queue: T[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let notify: (() => void) | undefined;
  const wake = () => {
    const n = notify;
    notify = undefined;
    n?.();
  };
  const subscription = source.subscribe({
    next: (value) => {
      queue.push(value);
      wake();
    },
    error: (error: unknown) => {
      failure = { error };
      wake();
    },
    complete: () => {
      done = true;
      wake();
    },
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift() as T;
        continue;
      }
      if (failure) throw failure.error;
      if (done) return;
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
    }
  } finally {
    subscription.unsubscribe();
  }
}
