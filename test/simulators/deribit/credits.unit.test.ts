import { describe, expect, it } from 'vitest';
import { CreditLimiter, DEFAULT_RATE_LIMITS, tierOf } from '../../../simulators/deribit/credits.ts';

/** The local Deribit's credit model (digest A10), as the venue enforces it on each request. */

describe('the local Deribit charges each request to its tier', () => {
  it('puts the methods the OpenAPI file tags "Matching Engine" in that tier, everything else in the other', () => {
    const matching = ['buy', 'sell', 'edit', 'edit_by_label', 'cancel', 'cancel_all', 'close_position'];
    expect(matching.map((name) => tierOf(`private/${name}`))).toEqual(matching.map(() => 'matchingEngine'));
    const other = ['private/get_positions', 'private/get_order_state', 'public/auth', 'public/test'];
    expect(other.map(tierOf)).toEqual(other.map(() => 'nonMatching'));
  });

  it('prices subscribe and get_instruments above the default, as their documents say', () => {
    const limiter = new CreditLimiter(DEFAULT_RATE_LIMITS, 0);
    expect(limiter.costOf('private/get_positions')).toBe(500);
    expect(limiter.costOf('private/subscribe')).toBe(3000);
    expect(limiter.costOf('public/get_instruments')).toBe(10_000);
    expect(limiter.costOf('private/buy')).toBe(1000);
  });
});

describe('a burst against the documented defaults', () => {
  it('takes 20 matching-engine requests at once, refuses the 21st, and takes one more 200 ms later', () => {
    // Given a full pool
    const venue = new CreditLimiter(DEFAULT_RATE_LIMITS, 0);
    // When 21 orders arrive at the same millisecond
    const taken = Array.from({ length: 21 }, () => venue.tryTake('private/buy', 0));
    // Then 20 pass and the 21st is refused
    expect(taken.filter(Boolean)).toHaveLength(20);
    expect(taken[20]).toBe(false);
    // And at 5 requests a second, 199 ms is not enough and 200 ms is
    expect(venue.tryTake('private/buy', 199)).toBe(false);
    expect(venue.tryTake('private/buy', 200)).toBe(true);
  });

  it('keeps the tiers apart: an empty matching engine still answers queries', () => {
    const venue = new CreditLimiter(DEFAULT_RATE_LIMITS, 0);
    for (let i = 0; i < 20; i++) venue.tryTake('private/cancel', 0);
    expect(venue.tryTake('private/cancel', 0)).toBe(false);
    expect(venue.tryTake('private/get_positions', 0)).toBe(true);
    expect(venue.available('nonMatching', 0)).toBe(49_500);
  });

  it('refills continuously up to the pool size, never beyond, and a refusal costs nothing', () => {
    const venue = new CreditLimiter(DEFAULT_RATE_LIMITS, 0);
    expect(venue.tryTake('public/get_instruments', 0)).toBe(true);
    expect(venue.available('nonMatching', 0)).toBe(40_000);
    // 10,000 credits a second: 0.3 s later 3,000 are back
    expect(venue.available('nonMatching', 300)).toBe(43_000);
    // An hour later the pool is full, not more
    expect(venue.available('nonMatching', 3_600_000)).toBe(50_000);
    for (let i = 0; i < 5; i++) expect(venue.tryTake('public/get_instruments', 3_600_000)).toBe(true);
    expect(venue.tryTake('public/get_instruments', 3_600_000)).toBe(false);
    expect(venue.available('nonMatching', 3_600_000)).toBe(0);
  });

  it('is exact at a rate the client paces itself to: one request every cost/refill seconds, for ever', () => {
    // Given a pool of one request that refills 100 credits a second (one request every 10 s)
    const venue = new CreditLimiter(
      {
        matchingEngine: { maxCredits: 1000, refillPerSec: 100, cost: 1000 },
        nonMatching: { maxCredits: 500, refillPerSec: 3, cost: 500 },
        methodCosts: {},
      },
      0,
    );
    // Then a request exactly every 10,000 ms is always taken, and one a millisecond early is not
    for (let n = 0; n < 1000; n++) expect(venue.tryTake('private/buy', n * 10_000)).toBe(true);
    expect(venue.tryTake('private/buy', 1000 * 10_000 - 1)).toBe(false);
  });
});
