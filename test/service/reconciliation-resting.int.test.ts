import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exists } from '../../domain/order/state.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'reconcile-resting' });
});

afterAll(async () => svc?.close());

describe('reconciling orders at rest', () => {
  it('Given resting orders the read models hold as the venue shows them, and one the venue filled in part while its pushes were lost, When reconciliation runs, Then it records that fill and counts the others as recorded', async () => {
    // Given three resting buys; the venue fills 40 of the one nearest the mark, every push lost
    await restingBuy(svc, 'resting-1', { amount: '10', below: 600 });
    await restingBuy(svc, 'resting-2', { amount: '10', below: 500 });
    const hit = await restingBuy(svc, 'resting-3', { amount: '100', below: 300 });
    svc.sim.faults.dropPushes(1_000);
    svc.sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '40' });
    const btc = (await svc.adapter.instruments()).find((i) => i.symbol === 'BTC-PERPETUAL')!;
    await until('the venue to fill 40 of it', async () => {
      const snapshot = await svc.adapter.getOrder(btc, hit.venueOrderId);
      return snapshot?.filledAmount.toString() === '40';
    });
    svc.sim.faults.reset();

    // When
    const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });

    // Then the two untouched orders needed nothing; the third has its fill, from reconciliation
    expect(report).toMatchObject({ openOrdersAtVenue: 3, openOrdersAsRecorded: 2 });
    expect(report!.eventsAppended).toBeGreaterThan(0);
    const loaded = await svc.running.handler.load(hit.orderId);
    expect(exists(loaded.state) && loaded.state.filled.toString()).toBe('40');
    expect(loaded.events.find((e) => e.event.type === 'OrderFilled')?.metadata.source).toBe('reconciliation');

    // And a second run finds all three as recorded
    const [again] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(again).toMatchObject({ openOrdersAtVenue: 3, openOrdersAsRecorded: 3, eventsAppended: 0 });
  });

  it('Given an order placed after the venue listed its open orders, When the run learns the fate of the orders held live, Then it does not ask the venue about that one (the list could not hold it) and counts it; the next run finds it as recorded', async () => {
    const { adapter } = svc;
    const list = adapter.openOrders.bind(adapter);
    const lookUp = adapter.getOrder.bind(adapter);
    let placed: Awaited<ReturnType<typeof restingBuy>> | undefined;
    const asked: string[] = [];
    // Given an order placed right after the run's list of open orders was taken
    vi.spyOn(adapter, 'openOrders').mockImplementation(async () => {
      const open = await list();
      if (placed === undefined) {
        const order = await restingBuy(svc, 'placed-during-run', { amount: '10', below: 700 });
        placed = order;
        // (the run reads the orders held live from the read models: they have it before it goes on)
        await until('the read models to hold the order', async () =>
          (await svc.running.readModel.liveOrders('deribit', adapter.account)).some(
            (ref) => ref.orderId === order.orderId,
          ),
        );
      }
      return open;
    });
    vi.spyOn(adapter, 'getOrder').mockImplementation(async (instrument, venueOrderId) => {
      asked.push(venueOrderId);
      return lookUp(instrument, venueOrderId);
    });
    try {
      // When
      const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });

      // Then the venue was not asked about it, it is counted, and nothing was made of it
      expect(placed).toBeDefined();
      expect(asked).not.toContain(placed!.venueOrderId);
      expect(report).toMatchObject({
        openOrdersAtVenue: 3,
        ordersPlacedDuringRun: 1,
        ordersUnknownAtVenue: [],
        ordersToResolve: [],
        eventsAppended: 0,
      });
    } finally {
      vi.restoreAllMocks();
    }
    // And the next run lists it, as recorded
    const [next] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(next).toMatchObject({ openOrdersAtVenue: 4, openOrdersAsRecorded: 4, ordersPlacedDuringRun: 0 });
  });
});
