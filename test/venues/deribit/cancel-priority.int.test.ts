import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeribitAdapter } from '../../../adapters/venues/deribit/options.ts';
import { parseDecimal } from '../../../domain/decimal.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { adapterFor, instrumentNamed, orderFor, startSim } from './support.ts';

let sim: LocalDeribit;
let adapter: DeribitAdapter;

beforeAll(async () => {
  sim = await startSim({ enforceRateLimits: false });
  adapter = adapterFor(sim, {
    // Our own limiter: three matching-engine requests at once, then one a second.
    rateLimits: {
      matchingEngine: { maxCredits: 3_000, refillPerSec: 1_000, cost: 1_000 },
      nonMatching: { maxCredits: 50_000, refillPerSec: 10_000, cost: 500 },
      methodCosts: {},
    },
    rateLimitMarginMs: 0,
    requestTimeoutMs: 10_000,
  }).adapter;
  await adapter.connect();
});

afterAll(async () => {
  await adapter?.close();
  await sim?.close();
});

describe('cancels never queue behind new orders at our own rate limit', () => {
  it('with new orders waiting for credits, a cancel goes first', async () => {
    const instrument = instrumentNamed(await adapter.instruments(), 'BTC-PERPETUAL');
    const price = sim.markPrice('BTC-PERPETUAL').minus(2000);
    const place = () =>
      adapter.place(orderFor(instrument, { side: 'buy', type: 'limit', amount: parseDecimal('10'), price }));
    // Given one order resting, and the pool down to what is kept for a cancel
    const first = await place();
    if (first.outcome !== 'accepted') throw new Error(JSON.stringify(first));
    const finished: string[] = [];
    // When five more orders come at once (they wait for credits), then a cancel of the first
    const queued = Array.from({ length: 5 }, (_, i) => place().then(() => finished.push(`place ${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cancel = adapter
      .cancel({ instrument, clientOrderId: '', venueOrderId: first.venueOrderId, positionMode: 'one_way' })
      .then((result) => {
        finished.push('cancel');
        return result;
      });
    // Then the cancel is answered before the orders that were waiting
    expect((await cancel).outcome).toBe('accepted');
    await Promise.all(queued);
    expect(finished.indexOf('cancel')).toBeLessThan(3);
    expect(finished.filter((f) => f.startsWith('place'))).toHaveLength(5);
  }, 20_000);
});
