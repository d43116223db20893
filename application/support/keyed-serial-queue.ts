/**
 * Runs tasks one at a time per key, in arrival order; different keys run concurrently. Keys are
 * forgotten once their queue drains, so memory follows the work in flight, not the history.
 */
export class KeyedSerialQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Whether `key` has work queued or running. */
  has(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.#tails.size;
  }
}
