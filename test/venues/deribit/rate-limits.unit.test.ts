import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CreditLimiter,
  costOf,
  DERIBIT_DEFAULT_RATE_LIMITS,
  poolOf,
} from '../../../adapters/venues/deribit/rate-limits.ts';

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

  it('allows a burst of 20 matching-engine requests, then refuses the 21st until credits refill', () => {
    // Given a full pool
    const server = new CreditLimiter(limits, 0);
    // When 20 orders arrive at once, Then all pass and the 21st is refused
    for (let i = 0; i < 20; i++) expect(server.tryTake('private/buy', 0)).toBe(true);
    expect(server.tryTake('private/buy', 0)).toBe(false);
    // And 200 ms later (5 requests a second) one more passes
    expect(server.tryTake('private/buy', 200)).toBe(true);
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

  it('never makes the server refuse, whatever the bursts and the network delays within the margin', () => {
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
          // Given a client that reserves before sending and a server that charges on arrival
          const marginMs = 100;
          let clock = 0;
          const client = new CreditLimiter(limits, clock);
          const server = new CreditLimiter(limits, clock);
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
          // Then the server takes every one
          return arrivals.every(({ at, method }) => server.tryTake(method, at));
        },
      ),
      { seed: 20261121, numRuns: 200 },
    );
  });
});
