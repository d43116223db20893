import { z } from 'zod';

/**
 * Deribit's credit model (reference A10): every request costs credits from a pool that refills
 * continuously; an empty pool means `10028 too_many_requests` and a dropped session.
 *
 * Two pools per (sub)account: the matching engine's (buy, sell, edit, cancel, close_position...)
 * and everything else's. The adapter reserves credits before sending (it waits rather than trips
 * 10028). The local Deribit enforces the model with its own reading of the documents
 * (simulators/deribit/credits.ts); test/venues/deribit/rate-limits.unit.test.ts checks the two agree.
 */

export const CreditPoolSchema = z
  .object({
    /** Pool size: the burst. */
    maxCredits: z.number().positive(),
    /** Credits added back per second. */
    refillPerSec: z.number().positive(),
    /** What a request costs by default. */
    cost: z.number().positive(),
  })
  .strict();
export type CreditPool = z.infer<typeof CreditPoolSchema>;

export const RateLimitsSchema = z
  .object({
    matchingEngine: CreditPoolSchema,
    nonMatching: CreditPoolSchema,
    /** Methods of the non-matching pool that cost more than its default. */
    methodCosts: z.record(z.string(), z.number().positive()),
  })
  .strict();
export type RateLimits = z.infer<typeof RateLimitsSchema>;

/**
 * Deribit's defaults: non-matching 500 credits a request, pool 50,000, refill 10,000/s (20 req/s
 * sustained, burst 100); matching engine 5 req/s sustained, burst 20; subscribe 3,000 credits
 * (~3.3 req/s); get_instruments 1 req/s sustained.
 */
export const DERIBIT_DEFAULT_RATE_LIMITS: RateLimits = {
  matchingEngine: { maxCredits: 20_000, refillPerSec: 5_000, cost: 1_000 },
  nonMatching: { maxCredits: 50_000, refillPerSec: 10_000, cost: 500 },
  methodCosts: {
    'private/subscribe': 3_000,
    'public/subscribe': 3_000,
    'public/get_instruments': 10_000,
  },
};

/** Methods that go through the matching engine. */
const MATCHING_ENGINE_METHODS: ReadonlySet<string> = new Set([
  'private/buy',
  'private/sell',
  'private/edit',
  'private/edit_by_label',
  'private/cancel',
  'private/cancel_all',
  'private/cancel_all_by_currency',
  'private/cancel_all_by_instrument',
  'private/cancel_all_by_kind_or_type',
  'private/cancel_by_label',
  'private/close_position',
  'private/mass_quote',
  'private/cancel_quotes',
]);

export type PoolName = 'matchingEngine' | 'nonMatching';

export function poolOf(method: string): PoolName {
  return MATCHING_ENGINE_METHODS.has(method) ? 'matchingEngine' : 'nonMatching';
}

export function costOf(limits: RateLimits, method: string): number {
  const pool = poolOf(method);
  return pool === 'matchingEngine'
    ? limits.matchingEngine.cost
    : (limits.methodCosts[method] ?? limits.nonMatching.cost);
}

/** One leaky bucket. Credits may go negative: that is a queue of reservations. */
class Bucket {
  private credits: number;
  private last: number;
  private readonly pool: CreditPool;
  constructor(pool: CreditPool, now: number) {
    this.pool = pool;
    this.credits = pool.maxCredits;
    this.last = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.credits = Math.min(this.pool.maxCredits, this.credits + elapsed * this.pool.refillPerSec);
    this.last = Math.max(this.last, now);
  }

  /**
   * Reserves the credits; returns how long to wait (ms) before sending, so that at
   * least `margin` credits would be left.
   */
  reserve(cost: number, now: number, margin: number): number {
    const wait = this.waitFor(cost, now, margin);
    this.credits -= cost;
    return wait;
  }

  /** How long a reservation of `cost` would wait now (ms), without reserving. */
  waitFor(cost: number, now: number, margin: number): number {
    this.refill(now);
    const after = this.credits - cost;
    return after >= margin ? 0 : Math.ceil(((margin - after) / this.pool.refillPerSec) * 1000) + 1;
  }

  refillPerSec(): number {
    return this.pool.refillPerSec;
  }

  release(cost: number): void {
    this.credits = Math.min(this.pool.maxCredits, this.credits + cost);
  }

  available(now: number): number {
    this.refill(now);
    return this.credits;
  }
}

/** The two pools of one account. */
export class CreditLimiter {
  private readonly buckets: Record<PoolName, Bucket>;
  readonly limits: RateLimits;
  constructor(limits: RateLimits, now: number) {
    this.limits = limits;
    this.buckets = {
      matchingEngine: new Bucket(limits.matchingEngine, now),
      nonMatching: new Bucket(limits.nonMatching, now),
    };
  }

  /**
   * Reserves the request's credits unless the wait would exceed `maxWaitMs`.
   * Returns the wait in ms, or undefined (nothing reserved) when it is too long.
   *
   * `marginMs`: the server charges a request when it receives it, and starts refilling a full pool
   * only then; a request delayed in transit leaves the server's pool behind the client's count by
   * up to the refill of that delay. The client keeps that many credits in hand.
   */
  reserve(method: string, now: number, maxWaitMs: number, marginMs = 0): number | undefined {
    const bucket = this.buckets[poolOf(method)];
    const cost = costOf(this.limits, method);
    const margin = (bucket.refillPerSec() * marginMs) / 1000;
    if (bucket.waitFor(cost, now, margin) > maxWaitMs) return undefined;
    return bucket.reserve(cost, now, margin);
  }

  /**
   * For new orders: take the credits only if they are there now, leaving `keep`
   * requests' worth in the pool for cancels (they never queue behind new orders). Returns 0 when
   * taken, else how long to wait before asking again (ms).
   */
  takeLeaving(method: string, now: number, marginMs: number, keep: number): number {
    const bucket = this.buckets[poolOf(method)];
    const cost = costOf(this.limits, method);
    const margin = (bucket.refillPerSec() * marginMs) / 1000 + keep * cost;
    const wait = bucket.waitFor(cost, now, margin);
    if (wait === 0) bucket.reserve(cost, now, margin);
    return wait;
  }

  /** Gives back a reservation that was not used (the request was abandoned before sending). */
  release(method: string): void {
    this.buckets[poolOf(method)].release(costOf(this.limits, method));
  }

  available(pool: PoolName, now: number): number {
    return this.buckets[pool].available(now);
  }
}
