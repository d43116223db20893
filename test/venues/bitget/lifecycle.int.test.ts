import { afterEach, describe, expect, it } from 'vitest';
import { type Decimal, parseDecimal, sum, ZERO } from '../../../domain/decimal.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { averageEntry } from '../../../domain/position/position.ts';
import { OmsHarness } from './harness.ts';
import { startVenue, type Venue, waitFor } from './support.ts';

/**
 * Issue 6, "Done when": through the adapter, in one-way and in hedge mode, open, partially fill,
 * amend, close and cancel; every result and push goes through report-commands -> decide/evolve, and
 * the domain's positions are compared with what Bitget's all-position reports.
 */

let venue: Venue;
afterEach(async () => venue?.close());

const d = parseDecimal;
const text = (value: Decimal | undefined) => value?.toString();

async function setUp(positionMode: 'one_way' | 'hedge') {
  venue = await startVenue({ positionMode });
  const instruments = await venue.adapter.instruments();
  const btc = instruments.find((instrument) => instrument.symbol === 'BTCUSDT') as Instrument;
  return { oms: new OmsHarness(venue.adapter, btc), btc };
}

/** The venue's profit on every trade of an order (the `fills` endpoint's `profit`). */
function venueProfit(orderIds: string[]): Decimal {
  return sum(
    venue.local
      .trades()
      .filter((trade) => orderIds.includes(String(trade.orderId)))
      .map((trade) => d(String(trade.profit))),
  );
}

describe('the order lifecycle through the Bitget adapter', () => {
  it('one-way mode: open, amend, partial fill, cancel, partial close, close — domain and venue agree', async () => {
    const { oms } = await setUp('one_way');
    expect(venue.adapter.positionMode()).toBe('one_way');

    // Given a resting limit buy of 0.02 at 59990 (mark 60000)
    const a = await oms.place({ side: 'buy', type: 'limit', price: '59990', amount: '0.02' });
    await waitFor('A open', () => oms.order(a).status === 'open');
    const firstVenueId = oms.order(a).venueOrderId;

    // When it is amended to 59980 (cancel-and-replace with a new clientOid)
    const amendResult = await oms.amend(a, {
      price: '59980',
      newClientOrderId: `${oms.order(a).order.clientOrderId}-r1`,
    });
    expect(amendResult.outcome).toBe('accepted');
    // Then the order carries the replacement's venue order id, and was never cancelled
    const replaced = await waitFor('the replacement id', () => {
      const order = oms.order(a);
      return order.venueOrderId !== firstVenueId && order.status === 'open' ? order : undefined;
    });
    expect(text(replaced.order.price)).toBe('59980');
    const amended = oms.events(a).find((event) => event.type === 'OrderAmendAccepted');
    expect(amended?.data).toMatchObject({
      venueOrderId: replaced.venueOrderId,
      clientOrderId: replaced.order.clientOrderId,
    });

    // When the mark moves through it with 0.008 of liquidity
    venue.local.setMarkPrice('BTCUSDT', '59970', { liquidity: '0.008' });
    await waitFor('A partially filled', () => oms.order(a).status === 'partially_filled');
    expect(text(oms.order(a).filled)).toBe('0.008');

    // And the rest is cancelled
    const cancelled = await oms.cancel(a);
    expect(cancelled.outcome).toBe('accepted');
    expect(oms.order(a).status).toBe('cancelled');

    // Then A's history is exactly the story, with no anomaly
    expect(oms.eventTypes(a)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      'OrderAmendRequested',
      'OrderAmendAccepted',
      'OrderFilled',
      'OrderCancelRequested',
      'OrderCancelled',
    ]);

    // When the position grows with a market buy at 60100: 0.010 at (0.008 × 59980 + 0.002 × 60100) / 0.01
    venue.local.setMarkPrice('BTCUSDT', '60100');
    const b = await oms.place({ side: 'buy', type: 'market', amount: '0.002' });
    await waitFor('B filled', () => oms.order(b).status === 'filled');

    // And 0.004 is closed by a reduce-only limit sell at 60200, filled when the mark passes it
    const c = await oms.place({
      side: 'sell',
      type: 'limit',
      price: '60200',
      amount: '0.004',
      reduceOnly: true,
    });
    await waitFor('C open', () => oms.order(c).status === 'open');
    venue.local.setMarkPrice('BTCUSDT', '60250');
    await waitFor('C filled', () => oms.order(c).status === 'filled');

    // Then the domain's net position equals Bitget's: size, average entry, realized PnL
    const net = oms.position('net');
    expect(text(net.size)).toBe('0.006');
    expect(text(averageEntry(net))).toBe('60004');
    expect(text(net.realizedPnl)).toBe('0.784');
    const venuePositions = await venue.adapter.positions();
    expect(venuePositions).toHaveLength(1);
    const [position] = venuePositions;
    expect(position?.side).toBe('net');
    expect(text(position?.size)).toBe(text(net.size));
    expect(text(position?.averageEntry)).toBe(text(averageEntry(net)));
    expect(text(position?.realizedPnl)).toBe(text(net.realizedPnl));

    // When the position is closed (a reduce-only market order for what the OMS holds)
    const close = await oms.closePosition({ side: 'long', size: net.size, positionMode: 'one_way' });
    await waitFor('close filled', () => oms.order(close).status === 'filled');

    // Then both are flat, and the domain realized what the venue's trades realized
    expect(oms.position('net').size.isZero()).toBe(true);
    expect(await venue.adapter.positions()).toEqual([]);
    // (the closing sell took the best bid, a tick under the mark: 2.26 − 0.1 × 0.006)
    expect(text(oms.position('net').realizedPnl)).toBe('2.2594');
    expect(text(venueProfit(venue.local.orders().map((order) => String(order.orderId))))).toBe('2.2594');
    for (const id of [a, b, c, close]) expect(oms.order(id).anomalies).toBe(0);
    expect(oms.unrouted.filter((report) => report.kind !== 'positions')).toEqual([]);
  });

  it('hedge mode: both legs open, amend, partial fill, cancel, partial close, close — per leg, domain and venue agree', async () => {
    const { oms } = await setUp('hedge');
    expect(venue.adapter.positionMode()).toBe('hedge');

    // Given an open-long limit buy of 0.02 at 59990, amended to 59980, then partially filled (0.008)
    const a = await oms.place({
      side: 'buy',
      type: 'limit',
      price: '59990',
      amount: '0.02',
      positionMode: 'hedge',
      tradeSide: 'open',
    });
    await waitFor('A open', () => oms.order(a).status === 'open');
    const firstVenueId = oms.order(a).venueOrderId;
    expect(
      (await oms.amend(a, { price: '59980', newClientOrderId: `${oms.order(a).order.clientOrderId}-r1` }))
        .outcome,
    ).toBe('accepted');
    await waitFor(
      'the replacement id',
      () => oms.order(a).venueOrderId !== firstVenueId && oms.order(a).status === 'open',
    );
    venue.local.setMarkPrice('BTCUSDT', '59970', { liquidity: '0.008' });
    await waitFor('A partially filled', () => oms.order(a).status === 'partially_filled');
    // And the rest cancelled
    await oms.cancel(a);
    expect(oms.order(a).status).toBe('cancelled');
    expect(oms.eventTypes(a)).not.toContain('OrderAnomalyDetected');
    expect(oms.eventTypes(a).filter((type) => type === 'OrderCancelled')).toHaveLength(1);

    // And an open-short market sell of 0.005 at 59970
    const s = await oms.place({
      side: 'sell',
      type: 'market',
      amount: '0.005',
      positionMode: 'hedge',
      tradeSide: 'open',
    });
    await waitFor('S filled', () => oms.order(s).status === 'filled');

    // And the long grows by 0.002 at 60100
    venue.local.setMarkPrice('BTCUSDT', '60100');
    const b = await oms.place({
      side: 'buy',
      type: 'market',
      amount: '0.002',
      positionMode: 'hedge',
      tradeSide: 'open',
    });
    await waitFor('B filled', () => oms.order(b).status === 'filled');

    // When 0.004 of the long is closed: economically a sell, which Bitget names side=buy, tradeSide=close
    const c = await oms.place({
      side: 'sell',
      type: 'limit',
      price: '60200',
      amount: '0.004',
      positionMode: 'hedge',
      tradeSide: 'close',
    });
    await waitFor('C open', () => oms.order(c).status === 'open');
    const venueC = venue.local.orders().find((order) => order.orderId === oms.order(c).venueOrderId);
    expect(venueC).toMatchObject({ side: 'buy', tradeSide: 'close', posSide: 'long' });
    venue.local.setMarkPrice('BTCUSDT', '60250');
    await waitFor('C filled', () => oms.order(c).status === 'filled');

    // Then each leg of the domain equals Bitget's leg
    const long = oms.position('long');
    const short = oms.position('short');
    expect(text(long.size)).toBe('0.006');
    expect(text(averageEntry(long))).toBe('60004');
    expect(text(long.realizedPnl)).toBe('0.784');
    expect(text(short.size)).toBe('0.005');
    expect(text(averageEntry(short))).toBe('59969.9'); // sold at the best bid
    expect(text(short.realizedPnl)).toBe('0');
    const legs = await venue.adapter.positions();
    for (const [side, domain] of [
      ['long', long],
      ['short', short],
    ] as const) {
      const leg = legs.find((position) => position.side === side);
      expect(text(leg?.size)).toBe(text(domain.size));
      expect(text(leg?.averageEntry)).toBe(text(averageEntry(domain)));
      expect(text(leg?.realizedPnl)).toBe(text(domain.realizedPnl));
    }

    // When both legs are closed (close short = economic buy = Bitget side=sell, tradeSide=close)
    const closeShort = await oms.closePosition({ side: 'short', size: short.size, positionMode: 'hedge' });
    const closeLong = await oms.closePosition({ side: 'long', size: long.size, positionMode: 'hedge' });
    await waitFor(
      'closes filled',
      () => oms.order(closeShort).status === 'filled' && oms.order(closeLong).status === 'filled',
    );
    expect(
      venue.local.orders().find((order) => order.orderId === oms.order(closeShort).venueOrderId),
    ).toMatchObject({
      side: 'sell',
      tradeSide: 'close',
    });

    // Then both are flat and each leg realized what its venue trades realized
    expect(await venue.adapter.positions()).toEqual([]);
    expect(oms.position('long').size.isZero() && oms.position('short').size.isZero()).toBe(true);
    // (sells take the best bid, a tick under the mark: the long's close, the short's open)
    expect(text(oms.position('long').realizedPnl)).toBe('2.2594');
    expect(text(oms.position('short').realizedPnl)).toBe('-1.4005');
    const venueIds = (ids: string[]) => ids.flatMap((id) => oms.order(id).venueOrderIds);
    expect(text(venueProfit(venueIds([a, b, c, closeLong])))).toBe('2.2594');
    expect(text(venueProfit(venueIds([s, closeShort])))).toBe('-1.4005');
    for (const id of [a, s, b, c, closeShort, closeLong]) expect(oms.order(id).anomalies).toBe(0);
    expect(
      sum([oms.position('long').realizedPnl, oms.position('short').realizedPnl]).eq(ZERO.plus('0.8589')),
    ).toBe(true);
  });
});
