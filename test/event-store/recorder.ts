import type { Observable, Subscription } from 'rxjs';

/**
 * Records what an Observable delivers, and waits (with a deadline, never a sleep) until the record
 * satisfies a condition. Call `stop()` when done, so that no subscription outlives its test.
 */
export class Recorder<T> {
  readonly values: T[] = [];
  error: unknown;
  readonly #subscription: Subscription;
  #waiters = new Set<() => void>();

  constructor(source: Observable<T>) {
    this.#subscription = source.subscribe({
      next: (value) => {
        this.values.push(value);
        this.#notify();
      },
      error: (error: unknown) => {
        this.error = error ?? new Error('subscription failed');
        this.#notify();
      },
    });
  }

  #notify() {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves with the values once `condition(values)` holds; rejects at the deadline or on error. */
  waitFor(condition: (values: readonly T[]) => boolean, what: string, deadlineMs = 10_000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.error !== undefined) {
          done();
          reject(this.error);
        } else if (condition(this.values)) {
          done();
          resolve([...this.values]);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`timed out after ${deadlineMs} ms waiting for ${what}; got ${this.values.length} values`),
        );
      }, deadlineMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.#subscription.unsubscribe();
    this.#waiters.clear();
  }
}
