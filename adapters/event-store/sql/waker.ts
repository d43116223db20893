/**
 * Lets a polling loop sleep until it is woken (NOTIFY), a timeout passes, or its session fails.
 * A wake that arrives while the loop is reading is kept, so the next wait returns at once.
 */
export class Waker {
  #pending = false;
  #failure: { error: unknown } | undefined;
  #resolve: (() => void) | undefined;

  wake(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#resolve?.();
  }

  /** Call before reading: wakes that arrive from now on will cut the next wait short. */
  clear(): void {
    this.#pending = false;
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  /** Resolves to true when woken, false on timeout; throws when the session failed. */
  async wait(timeoutMs: number): Promise<boolean> {
    this.throwIfFailed();
    if (!this.#pending) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#resolve = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.#resolve = undefined;
    }
    this.throwIfFailed();
    return this.#pending;
  }
}
