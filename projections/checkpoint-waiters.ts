import type { PositionCodec } from '../application/ports/event-store.ts';
import type { Waiter } from './runner-types.ts';

/**
 * Callers waiting for the checkpoint to reach a position (read-your-writes): each is resolved when
 * `notify` finds its position reached, rejected by `rejectAll`, or by its own timeout.
 */
export class CheckpointWaiters<P> {
  readonly #reached: (position: P) => boolean;
  #waiters: Waiter<P>[] = [];

  constructor(reached: (position: P) => boolean) {
    this.#reached = reached;
  }

  /** Waits for `position`; after `timeoutMs` rejects with `timeoutError()`. */
  add(position: P, timeoutMs: number, timeoutError: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(timeoutError());
      }, timeoutMs);
      const waiter: Waiter<P> = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Resolves every waiter whose position the checkpoint has reached. */
  notify(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter<P>[] = [];
    for (const w of this.#waiters) {
      if (this.#reached(w.position)) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  rejectAll(error: unknown): void {
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.reject(error);
  }
}

/** Whether a committed checkpoint (serialized; '' or none: nothing applied yet) is at or past `position`. */
export const checkpointReached = <P>(codec: PositionCodec<P>, checkpoint: string | undefined, position: P) =>
  checkpoint !== undefined && checkpoint !== '' && codec.compare(codec.parse(checkpoint), position) >= 0;

/**
 * A promise settled once from outside (a runner's `done`, `whenLive`); callers that never await it
 * see no unhandled rejection.
 */
export function settleable(): { promise: Promise<void>; resolve(): void; reject(error: unknown): void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
