import { z } from 'zod';

/**
 * Deribit's credit-based rate limits as the local Deribit enforces them (digest A10, the OpenAPI
 * file's method notes): each (sub)account has a pool of credits per tier that refills continuously
 * up to its size; every request costs credits from its tier; a request that finds too few is
 * refused with `10028 too_many_requests` (and the venue ends the session).
 *
 * Two tiers: the matching engine (the methods the OpenAPI file tags "Matching Engine": order
 * entry, edits, cancels, close_position...) and everything else. Some non-matching methods cost
 * more than the default ("distinct API rate limiting requirements" in their OpenAPI notes).
 */

export const CreditPoolSchema = z
  .object({
    /** The pool's size: how many credits a burst may spend. */
    maxCredits: z.number().positive(),
    /** Credits that come back each second. */
    refillPerSec: z.number().positive(),
    /** What one request of the tier costs. */
    cost: z.number().positive(),
  })
  .strict();
export type CreditPool = z.infer<typeof CreditPoolSchema>;

export const RateLimitsSchema = z
  .object({
    matchingEngine: CreditPoolSchema,
    nonMatching: CreditPoolSchema,
    /** Non-matching methods with their own cost. */
    methodCosts: z.record(z.string(), z.number().positive()),
  })
  .strict();
export type RateLimits = z.infer<typeof RateLimitsSchema>;

/**
 * The documented defaults (A10). Non-matching: 500 credits a request from a pool of 50,000 that
 * refills 10,000 a second (20 requests a second sustained, a burst of 100). Matching engine: 5
 * requests a second sustained, a burst of 20. `subscribe`: 3,000 credits (about 3.3 a second);
 * `get_instruments`: one a second sustained.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  matchingEngine: { maxCredits: 20 * 1_000, refillPerSec: 5 * 1_000, cost: 1_000 },
  nonMatching: { maxCredits: 100 * 500, refillPerSec: 20 * 500, cost: 500 },
  methodCosts: {
    'public/subscribe': 3_000,
    'private/subscribe': 3_000,
    'public/get_instruments': 10_000,
  },
};

/** The methods the OpenAPI file tags "Matching Engine". */
const MATCHING_ENGINE = new Set(
  [
    'buy',
    'sell',
    'edit',
    'edit_by_label',
    'cancel',
    'cancel_all',
    'cancel_all_by_currency',
    'cancel_all_by_currency_pair',
    'cancel_all_by_instrument',
    'cancel_all_by_kind_or_type',
    'cancel_by_label',
    'cancel_quotes',
    'close_position',
    'mass_quote',
    'move_positions',
    'get_mmp_config',
    'get_mmp_status',
    'set_mmp_config',
    'reset_mmp',
    'create_combo',
    'simulate_block_trade',
    'verify_block_trade',
    'execute_block_trade',
  ].map((name) => `private/${name}`),
);

export type Tier = 'matchingEngine' | 'nonMatching';

export function tierOf(method: string): Tier {
  return MATCHING_ENGINE.has(method) ? 'matchingEngine' : 'nonMatching';
}

/**
 * One tier's pool. Kept in thousandths of a credit against whole milliseconds, so that with whole
 * numbers of credits and credits a second (Deribit's are) the refill is exact: a client that
 * paces itself to the documented rate is never refused for a rounding error.
 */
class Pool {
  private milliCredits: number;
  private at: number;
  private readonly pool: CreditPool;

  constructor(pool: CreditPool, now: number) {
    this.pool = pool;
    this.milliCredits = pool.maxCredits * 1000;
    this.at = now;
  }

  /** Refills for the time since the last request, then takes `cost` if the pool holds it. */
  charge(cost: number, now: number): boolean {
    if (now > this.at) {
      const refill = (now - this.at) * this.pool.refillPerSec;
      this.milliCredits = Math.min(this.pool.maxCredits * 1000, this.milliCredits + refill);
      this.at = now;
    }
    if (this.milliCredits < cost * 1000) return false;
    this.milliCredits -= cost * 1000;
    return true;
  }

  /** Credits in the pool now, without charging anything. */
  level(now: number): number {
    this.charge(0, now);
    return this.milliCredits / 1000;
  }
}

/** The two tiers of one account (or of one anonymous connection). */
export class CreditLimiter {
  private readonly limits: RateLimits;
  private readonly pools: Record<Tier, Pool>;

  constructor(limits: RateLimits, now: number) {
    this.limits = limits;
    this.pools = {
      matchingEngine: new Pool(limits.matchingEngine, now),
      nonMatching: new Pool(limits.nonMatching, now),
    };
  }

  /** What `method` costs. */
  costOf(method: string): number {
    const tier = tierOf(method);
    if (tier === 'matchingEngine') return this.limits.matchingEngine.cost;
    return this.limits.methodCosts[method] ?? this.limits.nonMatching.cost;
  }

  /** Charges a request; false when its tier has too few credits (the request is refused: 10028). */
  tryTake(method: string, now: number): boolean {
    return this.pools[tierOf(method)].charge(this.costOf(method), now);
  }

  /** Credits left in a tier now. */
  available(tier: Tier, now: number): number {
    return this.pools[tier].level(now);
  }
}
