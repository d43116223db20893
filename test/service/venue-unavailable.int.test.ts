import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({
    clientId: 'vu',
    // Given a venue that refuses its instrument listing (rate limit) from the start
    beforeStart: (sim) =>
      sim.faults.failNext(10028, { method: 'public/get_instruments', closeAfter: false, count: 1_000 }),
    waitForTrading: false,
  });
});

afterAll(async () => svc?.close());

describe('a venue that does not answer its instrument list', () => {
  it('is VENUE_UNAVAILABLE for a new order (503), not an internal error, nothing is recorded, and it recovers', async () => {
    // When an order is placed while the venue still refuses its listing
    const request = PlaceOrderRequestSchema.parse({
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'market',
      amount: '10',
    });
    const result = await svc.running.service.place(request, { idempotencyKey: 'vu-1' });
    // Then it is refused as the venue being unavailable; nothing was sent
    expect(result).toMatchObject({ ok: false, error: { code: 'VENUE_UNAVAILABLE' } });
    expect(svc.sim.orders()).toHaveLength(0);
    expect(svc.running.registry.statuses()[0]?.trading).toBe(false);

    // And once the venue answers again, the service lists it (once, for every part), reconciles and trades
    svc.sim.faults.reset();
    await svc.trading(20_000);
    const retry = await svc.running.service.place(request, { idempotencyKey: 'vu-1' });
    expect(retry.ok && retry.value.order.status).toBe('filled');
  });
});
