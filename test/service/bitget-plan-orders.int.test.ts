import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmendOrderRequestSchema, PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { until } from '../support/until.ts';
import { type ServiceOnOneVenue, startServiceOnLocalBitget } from './support.ts';

// Stop and take orders through the OMS on the local Bitget, where they are plan orders
// (place-plan-order): the plan rests untriggered; when the mark reaches its trigger Bitget places an
// order with ids of its own, tied to the plan only by the plan's history (executeOrderId). The OMS
// follows that order as the same order: triggered, then filled, with no external order.

const credentials = { apiKey: 'plan-key', secretKey: 'plan-secret', passphrase: 'plan-pass' };
let sim: LocalBitget;
let svc: ServiceOnOneVenue;

beforeAll(async () => {
  sim = await startLocalBitget({ credentials });
  svc = await startServiceOnLocalBitget(sim, credentials);
});

afterAll(async () => {
  await svc?.close();
  await sim?.close();
});

const orderOf = async (orderId: string) => {
  const order = await svc.running.service.getOrder(orderId);
  if (!order.ok) throw new Error(JSON.stringify(order.error));
  return order.value;
};

const statusIs = (orderId: string, status: string) =>
  until(`order ${orderId} to be ${status}`, async () => {
    const order = await orderOf(orderId);
    return order.status === status ? order : undefined;
  });

async function placeStop(body: Record<string, unknown>, key: string) {
  const placed = await until('the venue to trade', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({ venue: 'bitget', symbol: 'BTCUSDT', ...body }),
      { idempotencyKey: key },
    );
    return result.ok ? result.value : undefined;
  });
  return placed.order;
}

const externalOrders = async () =>
  (await svc.store.readAll({ maxCount: 100_000 })).events.filter((e) => e.type === 'ExternalOrderDiscovered');

describe('a stop-market buy on the mark, as a Bitget plan order', () => {
  it('is untriggered, then triggered and filled under the order the plan created', async () => {
    // Given a stop-market buy 100 above the mark
    const mark = sim.markPrice('BTCUSDT');
    const placed = await placeStop(
      {
        side: 'buy',
        type: 'stop_market',
        amount: '0.01',
        marginMode: 'crossed',
        trigger: { price: mark.plus(100).toString(), reference: 'mark_price' },
      },
      'plan-stop-market',
    );
    expect(placed.status).toBe('untriggered');
    const [plan] = placed.venueOrderIds;

    // When the mark rises through the trigger
    sim.setMarkPrice('BTCUSDT', mark.plus(150));

    // Then the order fills under a second venue order id, the plan's, with no anomaly
    const filled = await statusIs(placed.orderId, 'filled');
    expect(filled).toMatchObject({ filled: '0.01', anomalies: 0 });
    expect(filled.venueOrderIds).toHaveLength(2);
    expect(filled.venueOrderIds[0]).toBe(plan);
    const history = await svc.running.service.history(placed.orderId);
    expect(history.ok && history.value.map((e) => e.type)).toEqual(
      expect.arrayContaining(['OrderAccepted', 'OrderTriggered', 'OrderFilled']),
    );
    expect(await externalOrders()).toHaveLength(0);
  });
});

describe('a take-limit sell on the last price', () => {
  it('can have its trigger amended and be cancelled while untriggered', async () => {
    // Given a long position to take profit on, and a take-limit sell 300 above the mark
    const mark = sim.markPrice('BTCUSDT');
    const placed = await placeStop(
      {
        side: 'sell',
        type: 'take_limit',
        amount: '0.01',
        price: mark.plus(290).toString(),
        marginMode: 'crossed',
        trigger: { price: mark.plus(300).toString(), reference: 'last_price' },
      },
      'plan-take-limit',
    );
    expect(placed.status).toBe('untriggered');

    // When its trigger is moved 100 further away
    const amended = await svc.running.service.amend(
      placed.orderId,
      AmendOrderRequestSchema.parse({ triggerPrice: mark.plus(400).toString() }),
      { idempotencyKey: 'plan-take-limit-amend' },
    );
    if (!amended.ok) throw new Error(JSON.stringify(amended.error));
    const untriggered = await until('the amendment to be recorded', async () => {
      const order = await orderOf(placed.orderId);
      return order.status === 'untriggered' && order.trigger?.price === mark.plus(400).toString()
        ? order
        : undefined;
    });
    // Then the venue's plan carries the new trigger
    const atVenue = sim.plans('plan-key').find((p) => p.orderId === untriggered.venueOrderIds[0]);
    expect(parseDecimal(String(atVenue?.triggerPrice)).toString()).toBe(mark.plus(400).toString());

    // When it is cancelled
    const cancelled = await svc.running.service.cancel(placed.orderId, {
      idempotencyKey: 'plan-take-limit-cancel',
    });
    if (!cancelled.ok) throw new Error(JSON.stringify(cancelled.error));
    // Then the plan is cancelled at the venue and in the OMS
    await statusIs(placed.orderId, 'cancelled');
    expect(await externalOrders()).toHaveLength(0);
  });
});

describe('when the created order is reported before the plan', () => {
  it('still follows it as the same order (the link is looked up first)', async () => {
    // Given a stop-market sell 100 under the mark
    const mark = sim.markPrice('BTCUSDT');
    const placed = await placeStop(
      {
        side: 'sell',
        type: 'stop_market',
        amount: '0.01',
        marginMode: 'crossed',
        trigger: { price: mark.minus(100).toString(), reference: 'mark_price' },
      },
      'plan-reordered',
    );
    // When it fires and its pushes arrive last first: the fill and the order before the plan's
    sim.faults.reorderPushes(4);
    sim.setMarkPrice('BTCUSDT', mark.minus(150));
    // Then the OMS has one order, triggered and filled, and no order it did not place
    const filled = await statusIs(placed.orderId, 'filled');
    expect(filled).toMatchObject({ filled: '0.01', anomalies: 0 });
    expect(await externalOrders()).toHaveLength(0);
  });
});

describe('when the plan fires while the OMS is disconnected', () => {
  it('reconciliation finds the order it created and follows it', async () => {
    // Given a stop-limit buy whose order will rest (its price under the book once it fires)
    const mark = sim.markPrice('BTCUSDT');
    const placed = await placeStop(
      {
        side: 'buy',
        type: 'stop_limit',
        amount: '0.01',
        price: mark.minus(500).toString(),
        marginMode: 'crossed',
        trigger: { price: mark.plus(100).toString(), reference: 'mark_price' },
      },
      'plan-disconnected',
    );
    expect(placed.status).toBe('untriggered');
    // When the private socket is down while the mark goes through the trigger
    sim.faults.blockWebSockets(true);
    sim.faults.dropPrivateSockets();
    sim.setMarkPrice('BTCUSDT', mark.plus(150));
    sim.faults.blockWebSockets(false);
    // Then after reconnecting, the OMS knows the plan fired into an open order of its own
    const open = await statusIs(placed.orderId, 'open');
    expect(open.venueOrderIds).toHaveLength(2);
    expect(await externalOrders()).toHaveLength(0);
    // And cancelling it cancels the created order at the venue
    const cancelled = await svc.running.service.cancel(placed.orderId, {
      idempotencyKey: 'plan-disconnected-cancel',
    });
    if (!cancelled.ok) throw new Error(JSON.stringify(cancelled.error));
    await statusIs(placed.orderId, 'cancelled');
    const atVenue = sim.orders('plan-key').find((o) => o.orderId === open.venueOrderIds[1]);
    expect(atVenue?.status ?? atVenue?.state).toBe('canceled');
  });
});
