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

/** Waits to be woken (or `timeoutMs`); once woken, a moment more (`coalesceMs`) for appends still committing. */
export async function wakeUp(waker: Waker, timeoutMs: number, coalesceMs: number): Promise<boolean> {
  const woken = await waker.wait(timeoutMs);
  if (woken && coalesceMs > 0) await new Promise((resolve) => setTimeout(resolve, coalesceMs));
  return woken;
}

/**
 * How long a caught-up poll waits. Woken by a commit that is not visible yet (an older transaction
 * still runs and hides it), it looks again soon (2, 4, 8... ms) rather than after a whole interval.
 */
export function recheckPacer(pollIntervalMs: number) {
  let recheckMs = 0;
  let wasWoken = false;
  let hidden = false;
  return {
    next: (advanced: boolean): number => {
      hidden = (hidden || wasWoken) && !advanced;
      recheckMs = hidden ? Math.min(Math.max(recheckMs * 2, 2), pollIntervalMs) : 0;
      return hidden ? recheckMs : pollIntervalMs;
    },
    woken: (woken: boolean) => {
      wasWoken = woken;
    },
  };
}
