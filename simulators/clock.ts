/**
 * The local venues' clock: real time plus an offset tests move forward, so that days of funding,
 * daily settlements and expiries run in seconds. Whatever is due at a time (a funding payment, a
 * settlement, a delivery) is the venue's to process when it next looks at the clock: on every
 * request, on a timer, and at once when the clock is moved (`onAdvance` listeners).
 */
export class SimClock {
  readonly #base: () => number;
  #offsetMs = 0;
  readonly #listeners = new Set<(now: number) => void>();

  constructor(base: () => number = Date.now) {
    this.#base = base;
  }

  /** Milliseconds since the epoch, as the venue sees them. */
  readonly now = (): number => this.#base() + this.#offsetMs;

  /** Moves the clock forward by `ms` (never back) and lets the venues process what became due. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`the clock only moves forward (asked ${ms} ms)`);
    this.#offsetMs += ms;
    const now = this.now();
    for (const listener of this.#listeners) listener(now);
  }

  /** Moves the clock forward to `epochMs` (nothing happens when it is already past it). */
  advanceTo(epochMs: number): void {
    const ahead = epochMs - this.now();
    if (ahead > 0) this.advance(ahead);
  }

  /** Called with the new time after every `advance`; returns the unsubscribe. */
  onAdvance(listener: (now: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
