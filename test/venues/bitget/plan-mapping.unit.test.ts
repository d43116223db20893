import { describe, expect, it } from 'vitest';
import { placePlanRequest, planSnapshot } from '../../../adapters/venues/bitget/plan-mapping.ts';
import { PlanSchema } from '../../../adapters/venues/bitget/wire-plans.ts';
import { orderParams } from './fixtures/orders.ts';

const defaults = { productType: 'USDT-FUTURES' as const, marginCoin: 'USDT', marginMode: 'crossed' as const };
const ctx = { account: 'main', accountMode: 'one_way' as const, receivedAt: '2026-12-04T00:00:00.000Z' };

describe('the OMS trigger orders -> Bitget place-plan-order', () => {
  it('sends a stop-market on the mark as a market normal_plan with lowercase reduceOnly', () => {
    const order = orderParams({
      side: 'sell',
      type: 'stop_market',
      amount: '0.01',
      reduceOnly: true,
      trigger: { price: '59000', reference: 'mark_price' },
    });
    const mapped = placePlanRequest(order, 'one_way', defaults);
    expect(mapped).toEqual({
      ok: true,
      request: {
        planType: 'normal_plan',
        symbol: 'BTCUSDT',
        productType: 'USDT-FUTURES',
        marginMode: 'crossed',
        marginCoin: 'USDT',
        size: '0.01',
        side: 'sell',
        orderType: 'market',
        clientOid: order.clientOrderId,
        triggerPrice: '59000',
        triggerType: 'mark_price',
        reduceOnly: 'yes',
      },
    });
  });

  it('sends a take-limit on the last price as a limit plan (fill_price) with its price and presets', () => {
    const order = orderParams({
      side: 'buy',
      type: 'take_limit',
      amount: '0.02',
      price: '58010',
      trigger: { price: '58000', reference: 'last_price' },
      stopLoss: { triggerPrice: '57000' },
    });
    const mapped = placePlanRequest(order, 'one_way', defaults);
    if (!mapped.ok) throw new Error(mapped.message);
    expect(mapped.request).toMatchObject({
      orderType: 'limit',
      price: '58010',
      triggerType: 'fill_price',
      stopLossTriggerPrice: '57000',
      stopLossTriggerType: 'fill_price',
    });
    expect(mapped.request).not.toHaveProperty('force');
  });

  it('refuses an index-price trigger, which Bitget plans do not have', () => {
    const order = orderParams({
      side: 'buy',
      type: 'stop_market',
      amount: '0.01',
      trigger: { price: '1', reference: 'index_price' },
    });
    expect(placePlanRequest(order, 'one_way', defaults)).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_TRIGGER',
    });
  });
});

describe('Bitget plans -> snapshots', () => {
  const plan = (fields: Record<string, unknown>) =>
    PlanSchema.parse({
      planType: 'normal_plan',
      symbol: 'BTCUSDT',
      size: '0.01',
      orderId: '1111',
      clientOid: 'oms-abc',
      price: '0',
      triggerPrice: '61000',
      triggerType: 'mark_price',
      side: 'buy',
      posMode: 'one_way_mode',
      orderType: 'market',
      cTime: '1700000000000',
      ...fields,
    });

  it('reads a live plan (list planStatus) as untriggered, a market plan without price', () => {
    expect(planSnapshot(plan({ planStatus: 'live' }), ctx)).toMatchObject({
      venueOrderId: '1111',
      clientOrderId: 'oms-abc',
      status: 'untriggered',
      type: 'stop_market',
      price: undefined,
      side: 'buy',
    });
  });

  it('reads the orders-algo push spelling (status, instId) and a cancelled plan', () => {
    const pushed = plan({
      symbol: undefined,
      instId: 'BTCUSDT',
      status: 'cancelled',
      orderType: 'limit',
      executePrice: '60990',
    });
    expect(planSnapshot(pushed, ctx)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'user_request',
      type: 'stop_limit',
    });
    expect(pushed.price?.toString()).toBe('60990');
  });

  it('reads a plan that failed to place its order as cancelled by the venue, saying why', () => {
    expect(planSnapshot(plan({ planStatus: 'fail_execute' }), ctx)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'venue_other',
      venueReason: expect.stringContaining('fail_execute'),
    });
  });

  it('refuses an unknown plan status, naming it', () => {
    expect(() => PlanSchema.parse({ ...plan({ planStatus: 'live' }).raw, planStatus: 'exploded' })).toThrow(
      /exploded/,
    );
  });
});
