import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CreditLimiter,
  costOf,
  DERIBIT_DEFAULT_RATE_LIMITS,
  poolOf,
} from '../../../adapters/venues/deribit/rate-limits.ts';
import {
  tierOf,
  DEFAULT_RATE_LIMITS as VENUE_DEFAULTS,
  CreditLimiter as VenueCredits,
} from '../../../simulators/deribit/credits.ts';

const limits = DERIBIT_DEFAULT_RATE_LIMITS;

describe("Deribit's credit model", () => {
  it('puts order entry and cancels in the matching-engine pool, queries in the other', () => {
    expect(
      ['private/buy', 'private/sell', 'private/edit', 'private/cancel', 'private/close_position'].map(poolOf),
    ).toEqual(Array(5).fill('matchingEngine'));
    expect(['private/get_positions', 'public/auth', 'public/test'].map(poolOf)).toEqual(
      Array(3).fill('nonMatching'),
    );
    expect(costOf(limits, 'private/subscribe')).toBe(3000);
    expect(costOf(limits, 'public/get_instruments')).toBe(10000);
  });

  it("agrees with the local Deribit's own reading: the same defaults, the same tier for every method", () => {
    // Given the two independent readings of Deribit's rate-limit documents
    const methods = [
      ...['buy', 'sell', 'edit', 'edit_by_label', 'cancel', 'cancel_all', 'cancel_all_by_instrument'],
      ...['cancel_by_label', 'close_position', 'get_positions', 'get_order_state', 'subscribe'],
    ].map((name) => `private/${name}`);
    const publicMethods = ['public/auth', 'public/test', 'public/get_instruments', 'public/subscribe'];
    // Then they price every request alike
    expect(VENUE_DEFAULTS).toEqual(limits);
    for (const method of [...methods, ...publicMethods]) expect(tierOf(method)).toBe(poolOf(method));
  });

  it('keeps the pools apart: an exhausted matching engine does not hold back queries', () => {
    const client = new CreditLimiter(limits, 0);
    for (let i = 0; i < 20; i++) client.reserve('private/buy', 0, 10_000);
    expect(client.reserve('private/get_positions', 0, 10_000)).toBe(0);
    expect(client.reserve('private/buy', 0, 10_000)).toBeGreaterThan(0);
  });

  it('makes the client wait rather than send, and gives up past the timeout without reserving', () => {
    const client = new CreditLimiter(limits, 0);
    for (let i = 0; i < 20; i++) expect(client.reserve('private/buy', 0, 1000)).toBe(0);
    expect(client.reserve('private/buy', 0, 1000)).toBe(201);
    expect(client.reserve('private/buy', 0, 1000)).toBe(401);
    // A wait longer than the timeout: refused, and nothing is taken
    expect(client.reserve('private/buy', 0, 100)).toBeUndefined();
    expect(client.available('matchingEngine', 0)).toBe(-2000);
  });

  it('never makes the local Deribit refuse, whatever the bursts and the network delays within the margin', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            method: fc.constantFrom(
              'private/buy',
              'private/cancel',
              'private/get_positions',
              'private/subscribe',
            ),
            gapMs: fc.integer({ min: 0, max: 300 }),
            delayMs: fc.integer({ min: 0, max: 100 }),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        (requests) => {
          // Given the adapter's limiter reserving before sending, and the local Deribit's own credit
          // model (an independent reading of the documents) charging on arrival
          const marginMs = 100;
          let clock = 0;
          const client = new CreditLimiter(limits, clock);
          const server = new VenueCredits(limits, clock);
          const arrivals: { at: number; method: string }[] = [];
          for (const request of requests) {
            clock += request.gapMs;
            const wait = client.reserve(request.method, clock, Number.POSITIVE_INFINITY, marginMs);
            if (wait === undefined) throw new Error('no timeout given');
            clock += wait;
            arrivals.push({ at: clock + request.delayMs, method: request.method });
          }
          // When the requests arrive, each delayed by up to the margin, in the order they arrive
          arrivals.sort((a, b) => a.at - b.at);
          // Then the venue takes every one
          return arrivals.every(({ at, method }) => server.tryTake(method, at));
        },
      ),
      { seed: 20261121, numRuns: 200 },
    );
  });
});
