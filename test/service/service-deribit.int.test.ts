import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({
    clientId: 'svc',
    limits: { priceBand: '0.1' },
    adapter: { heartbeatIntervalSec: 10 },
  });
});

afterAll(async () => svc?.close());

describe('the order service on the local Deribit', () => {
  it('places a resting limit order: recorded, sent with its label, acknowledged, in the read model', async () => {
    const mark = svc.sim.markPrice('BTC-PERPETUAL');
    const price = mark.minus(1000).toString();
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'limit',
        amount: '100',
        price,
      }),
      { idempotencyKey: 'svc-1' },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.value.order).toMatchObject({ status: 'open', amount: '100', filled: '0', price });
    const atVenue = svc.sim.orders().find((o) => o.label === result.value.order.clientOrderId);
    expect(atVenue).toBeDefined();

    await svc.running.readModelCaughtUp();
    const page = await svc.running.readModel.listOrders({ limit: 10 });
    expect(page.orders.map((o) => o.orderId)).toContain(result.value.order.orderId);
  });

  it('answers a retried placement with the first result and sends nothing twice', async () => {
    const request = PlaceOrderRequestSchema.parse({
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'limit',
      amount: '50',
      price: svc.sim.markPrice('BTC-PERPETUAL').minus(2000).toString(),
    });
    const first = await svc.running.service.place(request, { idempotencyKey: 'svc-2' });
    const second = await svc.running.service.place(request, { idempotencyKey: 'svc-2' });
    expect(first.ok && second.ok && second.value.replayed).toBe(true);
    const label = first.ok ? first.value.order.clientOrderId : '';
    expect(svc.sim.orders().filter((o) => o.label === label)).toHaveLength(1);
  });

  it('fills a market order and builds the position from its fills', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'ETH-PERPETUAL',
        side: 'buy',
        type: 'market',
        amount: '10',
      }),
      { idempotencyKey: 'svc-3' },
    );
    expect(result.ok && result.value.order.status).toBe('filled');
    await svc.running.readModelCaughtUp();
    const positions = await svc.running.readModel.positions({ venue: 'deribit', includeFlat: false });
    expect(positions.find((p) => p.symbol === 'ETH-PERPETUAL')).toMatchObject({ size: '10', side: 'net' });
  });

  it('cancels an open order at the venue', async () => {
    const placed = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'sell',
        type: 'limit',
        amount: '20',
        price: svc.sim.markPrice('BTC-PERPETUAL').plus(1000).toString(),
      }),
    );
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    const cancelled = await svc.running.service.cancel(placed.value.order.orderId);
    expect(cancelled.ok && cancelled.value.order.status).toBe('cancelled');
    const atVenue = svc.sim.orders().find((o) => o.label === placed.value.order.clientOrderId);
    expect(atVenue?.state).toBe('cancelled');
  });

  it('refuses a price outside the band before anything is recorded', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'limit',
        amount: '10',
        price: svc.sim.markPrice('BTC-PERPETUAL').times(2).toString(),
      }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'PRICE_OUTSIDE_BAND' } });
  });
});
