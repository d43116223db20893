import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitgetAdapter } from '../../adapters/venues/bitget/adapter.ts';
import { ClosePositionRequestSchema, PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { until } from '../support/until.ts';
import { type ServiceOnOneVenue, startServiceOn, testLogger } from './support.ts';

const credentials = { apiKey: 'svc-key', secretKey: 'svc-secret', passphrase: 'svc-pass' };
let sim: LocalBitget;
let svc: ServiceOnOneVenue;

const settled = (orderId: string) =>
  until(`order ${orderId} to settle`, async () => {
    const result = await svc.running.service.getOrder(orderId);
    return result.ok && ['filled', 'cancelled', 'rejected', 'expired'].includes(result.value.status)
      ? result.value
      : undefined;
  });

beforeAll(async () => {
  sim = await startLocalBitget({ credentials, positionMode: 'hedge' });
  svc = await startServiceOn(
    createBitgetAdapter({
      account: 'main',
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      credentials,
      positionMode: 'hedge',
      defaultMarginMode: 'crossed',
      logger: testLogger,
    }),
    { venue: 'bitget', account: 'main', positionMode: 'hedge', marginMode: 'crossed' },
    { priceBand: '0.1' },
  );
  await svc.trading();
});

afterAll(async () => {
  await svc?.close();
  await sim?.close();
});

describe('the order service on the local Bitget in hedge mode', () => {
  it('opens a long and a short leg, closes the long, and keeps the legs apart', async () => {
    // Given a long of 0.03 and a short of 0.01 opened at market
    const long = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'market',
        amount: '0.03',
        tradeSide: 'open',
      }),
      { idempotencyKey: 'bg-long' },
    );
    const short = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'sell',
        type: 'market',
        amount: '0.01',
        tradeSide: 'open',
      }),
      { idempotencyKey: 'bg-short' },
    );
    if (!long.ok || !short.ok) throw new Error(JSON.stringify([long, short]));
    expect((await settled(long.value.order.orderId)).filled).toBe('0.03');
    expect((await settled(short.value.order.orderId)).filled).toBe('0.01');

    // When the long leg is closed
    const close = await svc.running.service.closePosition(
      ClosePositionRequestSchema.parse({ venue: 'bitget', symbol: 'BTCUSDT', side: 'long', type: 'market' }),
      { idempotencyKey: 'bg-close' },
    );
    if (!close.ok) throw new Error(JSON.stringify(close.error));
    // Then it is a sell closing the long (Bitget side=buy, tradeSide=close), and only the short remains
    expect(close.value.order).toMatchObject({ side: 'sell', tradeSide: 'close', amount: '0.03' });
    await settled(close.value.order.orderId);
    await svc.running.readModelCaughtUp();
    const positions = await svc.running.readModel.positions({ venue: 'bitget', includeFlat: true });
    expect(positions.map((p) => [p.side, p.size])).toEqual([
      ['long', '0'],
      ['short', '0.01'],
    ]);
    // And the venue agrees
    const venueLegs = sim.positions().map((p) => [p.holdSide, p.total]);
    expect(venueLegs).toEqual([['short', '0.01']]);
  });

  it('amends a resting order by cancel-and-replace, keeping one OMS order with the new venue id', async () => {
    const mark = sim.markPrice('BTCUSDT');
    const placed = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        amount: '0.01',
        price: mark.times('0.97').toDecimalPlaces(1).toString(),
        tradeSide: 'open',
      }),
    );
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    const amended = await svc.running.service.amend(placed.value.order.orderId, {
      price: mark.times('0.96').toDecimalPlaces(1),
    });
    if (!amended.ok) throw new Error(JSON.stringify(amended.error));
    const order = await until('the replacement id', async () => {
      const r = await svc.running.service.getOrder(placed.value.order.orderId);
      return r.ok && r.value.venueOrderIds.length === 2 ? r.value : undefined;
    });
    expect(order.status).toBe('open');
    expect(order.clientOrderId).toMatch(/-r1$/);
    const history = await svc.running.service.history(placed.value.order.orderId);
    expect(history.ok && history.value.map((h) => h.type)).not.toContain('OrderCancelled');
  });

  it('refuses to close a leg that is flat', async () => {
    const result = await svc.running.service.closePosition(
      ClosePositionRequestSchema.parse({ venue: 'bitget', symbol: 'ETHUSDT', side: 'long', type: 'market' }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_CLOSE' } });
  });
});
