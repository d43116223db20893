import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Gives the event loop a turn in long loops. The service runs on one event loop: a loop over a
 * venue's ten thousand open orders that never waits for I/O (their states are cached) would hold
 * every order, acknowledgement and fill behind it for as long as it runs (0.5-0.8 s measured with
 * 10,000 resting orders). `await pace()` in such a loop resolves at once until `sliceMs` has passed
 * since the last turn, then after one (pending I/O and timers run first).
 */
export type Pacer = () => Promise<void> | undefined;

export interface PacerOptions {
  /** Longest stretch of work between two turns (ms). Default 10. */
  readonly sliceMs?: number;
  /** Clock in ms. Default `performance.now`. */
  readonly now?: () => number;
}

export const eventLoopPacer = ({ sliceMs = 10, now = () => performance.now() }: PacerOptions = {}): Pacer => {
  let since = now();
  return () => {
    if (now() - since < sliceMs) return undefined;
    return nextTurn().then(() => {
      since = now();
    });
  };
};
