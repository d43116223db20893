import type { Logger } from 'pino';

/**
 * Bitget refuses requests stamped too far from its own clock (40008...). The adapter measures the
 * offset to the venue's clock (`/api/v2/public/time`) at connect, and again after such a refusal,
 * at most once per 10 s (no storm), and stamps its requests with it.
 */
export interface VenueClock {
  /** Venue time minus local time (ms), as last measured. */
  offsetMs(): number;
  /** Now on the venue's clock (ms since the epoch). */
  timestamp(): number;
  /** Measures the offset; keeps the last one when the venue does not answer. Nothing when disabled. */
  sync(): Promise<void>;
  /** After a timestamp refusal: measure again soon, unless that was done in the last 10 s. */
  resyncSoon(): void;
}

const RESYNC_FLOOR_MS = 10_000;

export function createVenueClock(options: {
  enabled: boolean;
  now: () => number;
  logger: Logger;
  /** The venue's time (ms since the epoch, as text), or undefined when it did not answer. */
  serverTime: () => Promise<string | undefined>;
}): VenueClock {
  const { now, logger } = options;
  let offset = 0;
  let lastResync = Number.NEGATIVE_INFINITY;

  const sync = async () => {
    if (!options.enabled) return;
    const before = now();
    const serverTime = await options.serverTime();
    if (serverTime === undefined) return;
    const after = now();
    offset = Number(serverTime) - Math.round((before + after) / 2);
    logger.info({ clockOffsetMs: offset }, 'bitget: clock offset measured');
  };

  return {
    offsetMs: () => offset,
    timestamp: () => now() + offset,
    sync,
    resyncSoon() {
      if (!options.enabled || now() - lastResync < RESYNC_FLOOR_MS) return;
      lastResync = now();
      sync().catch(() => {});
    },
  };
}
