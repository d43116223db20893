import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LiveOrderRef } from '../../application/ports/read-models.ts';
import type { VenueAdapter } from '../../application/ports/venue.ts';
import { Decimal } from '../../domain/decimal.ts';
import { exists } from '../../domain/order/state.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

/** Waits until the read models hold a live order matching `holds`. */
const readModelsHold = (svc: ServiceOnLocalDeribit, what: string, holds: (ref: LiveOrderRef) => boolean) =>
  until(`the read models to hold ${what}`, async () =>
    (await svc.running.readModel.liveOrders('deribit', svc.adapter.account)).some(holds),
  );

/** The venue order ids the run asks the venue about one by one (`getOrder`), in order. */
function lookUpsOf(adapter: VenueAdapter): string[] {
  const lookUp = adapter.getOrder.bind(adapter);
  const asked: string[] = [];
  vi.spyOn(adapter, 'getOrder').mockImplementation(async (instrument, venueOrderId) => {
    asked.push(venueOrderId);
    return lookUp(instrument, venueOrderId);
  });
  return asked;
}

// The local Deribit's list of open orders is compared with the records on the event loop when it
// is short, in a worker thread when it is long (`openOrdersScreenFrom`): both ways, the same specs.
describe.each([
  { way: 'a short list, read in place', clientId: 'reconcile-resting', screenFrom: 1_000 },
  { way: 'a long list, screened in a worker thread', clientId: 'reconcile-resting-w', screenFrom: 1 },
])('reconciling orders at rest: $way', ({ clientId, screenFrom }) => {
  let svc: ServiceOnLocalDeribit;

  beforeAll(async () => {
    svc = await startServiceOnLocalDeribit({ clientId, adapter: { openOrdersScreenFrom: screenFrom } });
  });

  afterAll(async () => svc?.close());

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
    const list = adapter.openOrdersBesides!.bind(adapter);
    let placed: Awaited<ReturnType<typeof restingBuy>> | undefined;
    // Given an order placed right after the run's list of open orders was taken
    vi.spyOn(adapter, 'openOrdersBesides').mockImplementation(async (recorded) => {
      const open = await list(recorded);
      if (placed === undefined) {
        const order = await restingBuy(svc, 'placed-during-run', { amount: '10', below: 700 });
        placed = order;
        // (the run reads the orders held live from the read models: they have it before it goes on)
        await readModelsHold(svc, 'the order', (ref) => ref.orderId === order.orderId);
      }
      return open;
    });
    const asked = lookUpsOf(adapter);
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

  it('Given an order the run found listed as recorded, When its record changes before the run checks it (an amend), Then nothing is recorded from the older listing; screened in a worker, the venue is asked about that order alone and it counts as recorded as it now is', async () => {
    const { adapter } = svc;
    const list = adapter.openOrdersBesides!.bind(adapter);
    const order = await restingBuy(svc, 'amended-during-run', { amount: '10', below: 800 });
    await readModelsHold(svc, 'the order', (r) => r.orderId === order.orderId);
    let changed = false;
    // Given the list taken, then the order amended (recorded and at the venue) before the run goes on
    vi.spyOn(adapter, 'openOrdersBesides').mockImplementation(async (recorded) => {
      const open = await list(recorded);
      if (!changed) {
        changed = true;
        const amended = await svc.running.service.amend(order.orderId, { amount: new Decimal(20) });
        expect(amended.ok).toBe(true);
        await readModelsHold(
          svc,
          'the amend',
          (r) => r.orderId === order.orderId && r.amount.toString() === '20',
        );
      }
      return open;
    });
    const asked = lookUpsOf(adapter);
    try {
      // When
      const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });

      // Then nothing was appended; screened, only that order was looked up and it is as recorded now
      const open = svc.sim.orders().filter((o) => o.state === 'open').length;
      const screened = screenFrom === 1;
      expect(report).toMatchObject({
        openOrdersAtVenue: open,
        openOrdersAsRecorded: screened ? open : open - 1,
        eventsAppended: 0,
      });
      expect(asked).toEqual(screened ? [order.venueOrderId] : []);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
