import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingestion } from '../../application/ingestion/ingestion.ts';
import type { VenueFill } from '../../application/ports/venue.ts';
import { Decimal } from '../../domain/decimal.ts';
import { orderStreamId } from '../../domain/order/contract.ts';
import { exists } from '../../domain/order/state.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit, testLogger } from './support.ts';

/** How venue fills reach the order streams: batched per order, fetched only when their pushes do not come. */

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'fills' });
});

afterAll(async () => svc?.close());

const filledOf = async (orderId: string) => {
  const { state } = await svc.running.handler.load(orderId);
  return exists(state) ? state.filled.toString() : undefined;
};

describe('fills of one order pushed in a burst', () => {
  it('records each once, in fewer appends than fills, and tells each caller what it appended', async () => {
    // Given an acknowledged order
    const order = await restingBuy(svc, 'burst-1', { amount: '1000', below: 500 });
    const { orderId, venueOrderId } = order;
    const entry = svc.running.registry.entries()[0]!;
    const fill = (n: number): VenueFill => ({
      venue: 'deribit',
      account: 'main',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      venueOrderId,
      clientOrderId: order.clientOrderId,
      tradeId: `burst-${n}`,
      price: new Decimal(order.price ?? '0'),
      amount: new Decimal('10'),
      fee: new Decimal('0'),
      feeCurrency: 'BTC',
      liquidity: 'maker',
      executedAt: new Date().toISOString(),
      positionMode: 'one_way',
      tradeSide: undefined,
      raw: {},
    });
    // When 30 fills arrive at once, 10 of them twice
    const reports = [
      ...Array.from({ length: 30 }, (_, n) => fill(n)),
      ...Array.from({ length: 10 }, (_, n) => fill(n)),
    ];
    const appended = await Promise.all(reports.map((f) => svc.running.ingestion.fill(entry, f, 'venue')));
    // Then each trade is recorded once, the duplicates append nothing, and fewer appends than fills ran
    expect(appended.reduce((a, b) => a + b, 0)).toBe(30);
    const events = (await svc.store.readStream(orderStreamId(orderId))).filter(
      (e) => e.type === 'OrderFilled',
    );
    expect(new Set(events.map((e) => (e.data as { fill: { tradeId: string } }).fill.tradeId)).size).toBe(30);
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.position.tx)).size).toBeLessThan(30);
    expect(await filledOf(orderId)).toBe('300');
  });
});

describe('an order update pushed ahead of its trades', () => {
  it('does not fetch the trades from the venue when their pushes follow', async () => {
    // Given an acknowledged order, and the venue's count of trade lookups
    const { orderId } = await restingBuy(svc, 'ahead-1', { amount: '100', below: 400 });
    const lookups = svc.sim.requestCount('private/get_user_trades_by_order');
    // When the venue fills it twice (each time: the order update, then the trade)
    svc.sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '20' });
    svc.sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '30' });
    // Then both fills are recorded from their pushes, and the venue was not asked for them
    await until('both fills', async () => (await filledOf(orderId)) === '50');
    expect(svc.sim.requestCount('private/get_user_trades_by_order')).toBe(lookups);
  });

  it('fetches the trades whose pushes never came, once the grace period is over', async () => {
    // Given an acknowledged order whose fill is never pushed to the OMS (its live feed is off)
    const { orderId, venueOrderId } = await restingBuy(svc, 'ahead-2', { amount: '100', below: 300 });
    svc.running.ingestion.stop();
    svc.sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '40' });
    const snapshot = await svc.adapter.getOrder(
      (await svc.adapter.instruments()).find((i) => i.symbol === 'BTC-PERPETUAL')!,
      venueOrderId,
    );
    expect(snapshot?.filledAmount.toString()).toBe('40');
    const lookups = svc.sim.requestCount('private/get_user_trades_by_order');
    // When only its order update arrives
    const ingestion = new Ingestion({
      handler: svc.running.handler,
      registry: svc.running.registry,
      readModel: svc.running.readModel,
      market: svc.running.market,
      logger: testLogger,
      now: Date.now,
      fillGraceMs: 50,
    });
    await ingestion.orderUpdate(svc.running.registry.entries()[0]!, snapshot!, 'venue');
    // Then the missing fill is fetched from the venue and recorded
    await until('the fetched fill', async () => (await filledOf(orderId)) === '40');
    expect(svc.sim.requestCount('private/get_user_trades_by_order')).toBe(lookups + 1);
    ingestion.stop();
  });
});
