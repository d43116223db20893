import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { until } from '../support/until.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

// A stop order through the OMS on the local Deribit: it rests untriggered, fires when the mark
// reaches its trigger, continues at the venue as a new order (Deribit's trigger_order_id), and the
// OMS follows it as the same order: triggered, then filled, with no anomaly and no external order.

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'trigger-orders' });
});

afterAll(async () => svc?.close());

describe('a stop-market buy on the mark, through the OMS', () => {
  it('is untriggered, then triggered and filled under the venue order it became', async () => {
    const mark = svc.sim.markPrice('BTC-PERPETUAL');
    const placed = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'stop_market',
        amount: '10',
        trigger: { price: mark.plus(100).toString(), reference: 'mark_price' },
      }),
    );
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    expect(placed.value.order.status).toBe('untriggered');
    const orderId = placed.value.order.orderId;

    svc.sim.setMarkPrice('BTC-PERPETUAL', mark.plus(150));

    const filled = await until('the stop to fill', async () => {
      const order = await svc.running.service.getOrder(orderId);
      return order.ok && order.value.status === 'filled' ? order.value : undefined;
    });
    expect(filled).toMatchObject({ filled: '10', anomalies: 0 });
    expect(filled.venueOrderIds).toHaveLength(2);
    const history = await svc.running.service.history(orderId);
    expect(history.ok && history.value.map((e) => e.type)).toEqual(
      expect.arrayContaining(['OrderAccepted', 'OrderTriggered', 'OrderFilled']),
    );
    const stored = await svc.store.readAll({ maxCount: 10_000 });
    expect(stored.events.filter((e) => e.type === 'ExternalOrderDiscovered')).toHaveLength(0);
  });
});
