import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { until } from '../support/until.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({
    clientId: 'throttle',
    adapter: {
      heartbeatIntervalSec: 10,
      // Our own limiter: two matching-engine requests at once (one kept for a cancel), two a second
      // that would wait more than 300 ms is not sent.
      rateLimits: {
        matchingEngine: { maxCredits: 2_000, refillPerSec: 2_000, cost: 1_000 },
        nonMatching: { maxCredits: 50_000, refillPerSec: 10_000, cost: 500 },
        methodCosts: {},
      },
      requestTimeoutMs: 300,
      rateLimitMarginMs: 0,
    },
  });
});

afterAll(async () => svc?.close());

describe('client-side throttling is back-pressure, never a venue pause', () => {
  it('a burst beyond our rate limit: new orders get VENUE_BUSY (429) for a moment, the venue keeps trading, every recorded order reaches it', async () => {
    const place = (i: number) =>
      svc.running.service.place(
        PlaceOrderRequestSchema.parse({
          venue: 'deribit',
          symbol: 'BTC-PERPETUAL',
          side: 'buy',
          type: 'limit',
          amount: '10',
          price: svc.sim
            .markPrice('BTC-PERPETUAL')
            .minus(1000 + i)
            .toString(),
        }),
        { idempotencyKey: `throttle-${i}`, waitMs: 0 },
      );
    // When six orders arrive at once, then six more
    const first = await Promise.all(Array.from({ length: 6 }, (_, i) => place(i)));
    await until('the limiter to hold one back', () =>
      svc.running.registry.isBusy(svc.running.registry.entries()[0]!),
    );
    const second = await Promise.all(Array.from({ length: 6 }, (_, i) => place(10 + i)));

    // Then the venue was never paused for it
    expect(svc.running.registry.statuses()[0]).toMatchObject({ trading: true, consecutiveFailures: 0 });
    // And orders that came while our limiter was full were refused as busy, with nothing recorded
    const busy = second.filter((r) => !r.ok && r.error.code === 'VENUE_BUSY');
    expect(busy.length).toBeGreaterThan(0);
    // And every order that was recorded reaches the venue as the limiter drains
    const recorded = [...first, ...second].flatMap((r) => (r.ok ? [r.value.order] : []));
    await until(
      'every recorded order at the venue',
      () => recorded.every((o) => svc.sim.orders().some((s) => s.label === o.clientOrderId)),
      20_000,
    );
    expect(svc.running.registry.statuses()[0]).toMatchObject({ trading: true });
  });
});
