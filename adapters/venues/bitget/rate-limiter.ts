/**
 * Client-side rate limiting to Bitget's per-endpoint limits (per UID, per second), so the adapter
 * stays under them on its own instead of meeting 429s.
 *
 * A sliding window per endpoint group: a request is sent at the earliest instant at which fewer
 * than `limit` requests were sent in the preceding window. The window is widened by a small margin
 * because the venue counts arrival times, which network jitter spreads differently than send times.
 */

export const BITGET_ENDPOINT_GROUPS = [
  'place',
  'cancel',
  'modify',
  'batchCancel',
  'detail',
  'pending',
  'history',
  'fills',
  'singlePosition',
  'allPosition',
  'closePositions',
  'setPositionMode',
  'account',
  'contracts',
  'symbolPrice',
  'time',
  'planPlace',
  'planModify',
  'planCancel',
  'planPending',
  'planHistory',
  'bills',
] as const;
export type BitgetEndpointGroup = (typeof BITGET_ENDPOINT_GROUPS)[number];

/** Requests per second, from the reference (B4, B7). Public market endpoints are per IP. */
export const BITGET_RATE_LIMITS: Readonly<Record<BitgetEndpointGroup, number>> = {
  place: 10,
  cancel: 10,
  modify: 10,
  batchCancel: 10,
  detail: 10,
  pending: 10,
  history: 10,
  fills: 10,
  singlePosition: 10,
  allPosition: 5,
  closePositions: 1,
  setPositionMode: 5,
  account: 10,
  contracts: 20,
  symbolPrice: 20,
  time: 20,
  // The plan (trigger) order endpoints: 10 per second per UID each.
  planPlace: 10,
  planModify: 10,
  planCancel: 10,
  planPending: 10,
  planHistory: 10,
  // Account bills: 10 per second per UID.
  bills: 10,
};

export interface RateLimiterOptions {
  limits: Readonly<Record<BitgetEndpointGroup, number>>;
  windowMs: number;
  /** Added to the window (see above). */
  marginMs: number;
  now: () => number;
}

export interface RateLimiter {
  /**
   * Waits for a slot. Resolves `true` once the request may be sent, `false` at once when the wait
   * would exceed `maxWaitMs` (the request is then not sent at all).
   */
  acquire(group: BitgetEndpointGroup, maxWaitMs: number): Promise<boolean>;
  /** How long a request of this group would wait now, in ms. */
  delayFor(group: BitgetEndpointGroup): number;
  /** Rejects every waiting request; later acquisitions fail. */
  dispose(): void;
}

export class RateLimiterDisposedError extends Error {
  readonly code = 'BITGET_CLIENT_CLOSED';
  constructor() {
    super('the Bitget adapter is closed');
  }
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limits, now } = options;
  const window = options.windowMs + options.marginMs;
  /** Send times per group, ascending; may hold reserved times in the near future. */
  const sent = new Map<BitgetEndpointGroup, number[]>();
  const waiting = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  let disposed = false;

  const slotFor = (group: BitgetEndpointGroup, at: number): { slot: number; times: number[] } => {
    const times = (sent.get(group) ?? []).filter((time) => time > at - window);
    sent.set(group, times);
    const limit = limits[group];
    const slot = times.length < limit ? at : Math.max(at, (times[times.length - limit] ?? at) + window);
    return { slot, times };
  };

  return {
    delayFor(group) {
      const at = now();
      return slotFor(group, at).slot - at;
    },
    acquire(group, maxWaitMs) {
      if (disposed) return Promise.reject(new RateLimiterDisposedError());
      const at = now();
      const { slot, times } = slotFor(group, at);
      const wait = slot - at;
      if (wait > maxWaitMs) return Promise.resolve(false);
      times.push(slot);
      if (wait <= 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve, reject) => {
        const entry = {
          timer: setTimeout(() => {
            waiting.delete(entry);
            resolve(true);
          }, wait),
          reject,
        };
        waiting.add(entry);
      });
    },
    dispose() {
      disposed = true;
      for (const entry of waiting) {
        clearTimeout(entry.timer);
        entry.reject(new RateLimiterDisposedError());
      }
      waiting.clear();
    },
  };
}
