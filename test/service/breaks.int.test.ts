import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { exists } from '../../domain/order/state.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;
let restarted: LocalDeribit | undefined;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'breaks', adapter: { heartbeatIntervalSec: 10 } });
});

afterAll(async () => {
  await svc?.close();
  await restarted?.close();
});

describe('reconciliation breaks', () => {
  it('an order the venue no longer knows is a break (the order is not guessed), until an operator resolves it', async () => {
    // Given an order resting at the venue
    const order = await restingBuy(svc, 'breaks-1');
    const { port } = svc.sim;

    // When the venue comes back without it (it restarted and lost its state)
    await svc.sim.close();
    restarted = await startLocalDeribit({
      port,
      seed: 7,
      credentials: [{ clientId: 'breaks', clientSecret: 'breaks-secret', account: 'main' }],
      minHeartbeatIntervalSec: 0.05,
    });
    await until(
      'the service to reconnect and reconcile',
      () => {
        const report = svc.running.reconciliations()[0];
        return report?.ordersUnknownAtVenue.includes(order.orderId);
      },
      20_000,
    );

    // Then the order is a break with both sides' figures, and stays as recorded
    const [found] = await svc.running.reconciliation.breaks('open');
    expect(found).toMatchObject({
      venue: 'deribit',
      account: 'main',
      kind: 'order_unknown_at_venue',
      orderId: order.orderId,
      theirs: 'no such order',
      status: 'open',
    });
    expect(found!.ours).toContain(order.venueOrderId);
    const loaded = await svc.running.handler.load(order.orderId);
    expect(loaded.state.status).toBe('open');

    // And a run on demand finds the same break again, without recording it twice
    const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(report!.openBreaks).toBe(1);
    expect(await svc.running.reconciliation.breaks()).toHaveLength(1);

    // When an operator resolves it, with a reason
    const resolved = await svc.running.reconciliation.resolveBreak(
      found!.breakId,
      'venue restarted; order confirmed gone by phone',
      'ops-alice',
    );

    // Then it is resolved, with who and why, and nothing is open any more
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: {
        resolution: 'operator',
        by: 'ops-alice',
        reason: 'venue restarted; order confirmed gone by phone',
      },
    });
    expect(await svc.running.reconciliation.breaks('open')).toEqual([]);
    // And resolving it again finds no open break
    expect(
      await svc.running.reconciliation.resolveBreak(found!.breakId, 'again', 'ops-alice'),
    ).toBeUndefined();
    // But the order is still open here: the next run says so again (no order stays open without a break)
    await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(await svc.running.reconciliation.breaks('open')).toHaveLength(1);

    // When an operator closes the order itself as lost at the venue
    const closed = await svc.running.reconciliation.resolveOrder(
      order.orderId,
      'lost',
      'venue restarted empty',
      {
        by: 'ops-alice',
      },
    );

    // Then the order is cancelled (lost at the venue), the break is resolved, and a run finds nothing more
    expect(closed.ok && closed.value.order.status).toBe('cancelled');
    expect(closed.ok && closed.value.resolvedBreaks).toHaveLength(1);
    const history = await svc.running.handler.load(order.orderId);
    const cancelled = history.events.at(-1)!;
    expect(cancelled.event).toMatchObject({
      type: 'OrderCancelled',
      data: { reason: 'lost_at_venue', note: 'venue restarted empty' },
    });
    expect(cancelled.metadata).toMatchObject({ by: 'ops-alice', source: 'client' });
    await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(await svc.running.reconciliation.breaks('open')).toEqual([]);
    // And an order already closed cannot be resolved again
    const again = await svc.running.reconciliation.resolveOrder(order.orderId, 'cancelled', 'again', {
      by: 'x',
    });
    expect(again.ok ? 'ok' : again.error.code).toBe('ORDER_ALREADY_CLOSED');
  });
});

describe('a trade id already recorded for another order', () => {
  it('is an anomaly on the order it is reported on and a break, never a silent omission', async () => {
    // Given a filled order on a local venue
    const svc2 = await startServiceOnLocalDeribit({
      clientId: 'collide',
      adapter: { heartbeatIntervalSec: 10 },
    });
    let again: LocalDeribit | undefined;
    const buy = (key: string) =>
      svc2.running.service.place(
        PlaceOrderRequestSchema.parse({
          venue: 'deribit',
          symbol: 'BTC-PERPETUAL',
          side: 'buy',
          type: 'market',
          amount: '10',
        }),
        { idempotencyKey: key },
      );
    const filledOrder = async (orderId: string) =>
      until('the order to fill', async () => {
        const loaded = await svc2.running.handler.load(orderId);
        return exists(loaded.state) && loaded.state.status === 'filled' ? loaded : undefined;
      });
    try {
      const first = await buy('collide-1');
      if (!first.ok) throw new Error(JSON.stringify(first));
      const firstOrder = await filledOrder(first.value.order.orderId);
      const firstTrade = firstOrder.events.flatMap((e) =>
        e.event.type === 'OrderFilled' ? [e.event.data.fill.tradeId] : [],
      );
      await svc2.running.readModelCaughtUp();

      // When the venue restarts (its trade ids start over) and reports the same trade id on a new order
      const { port } = svc2.sim;
      const restartedAt = new Date().toISOString();
      await svc2.sim.close();
      again = await startLocalDeribit({
        port,
        credentials: [{ clientId: 'collide', clientSecret: 'collide-secret', account: 'main' }],
        minHeartbeatIntervalSec: 0.05,
      });
      await until(
        'the service to trade again',
        async () => {
          const report = svc2.running.reconciliations()[0];
          return (
            svc2.running.registry.statuses()[0]?.trading &&
            report !== undefined &&
            report.startedAt > restartedAt
          );
        },
        20_000,
      );
      const second = await buy('collide-2');
      if (!second.ok) throw new Error(JSON.stringify(second));

      // Then the second order carries an anomaly naming the trade and the first order, the trade is
      // not recorded twice, and a break says so with both sides
      const secondOrder = await until('the anomaly on the second order', async () => {
        const loaded = await svc2.running.handler.load(second.value.order.orderId);
        return exists(loaded.state) && loaded.state.anomalies > 0 ? loaded : undefined;
      });
      const anomaly = secondOrder.events.find((e) => e.event.type === 'OrderAnomalyDetected');
      expect(JSON.stringify(anomaly?.event.data)).toContain(first.value.order.orderId);
      expect(JSON.stringify(anomaly?.event.data)).toContain(firstTrade[0]!);
      const collision = (await svc2.running.reconciliation.breaks('open')).find(
        (b) => b.kind === 'trade_id_collision',
      );
      expect(collision).toMatchObject({
        orderId: second.value.order.orderId,
        subject: firstTrade[0],
        status: 'open',
      });
      expect(collision?.ours).toContain(first.value.order.orderId);
    } finally {
      await svc2.close().catch(() => undefined);
      await again?.close();
    }
  });
});
