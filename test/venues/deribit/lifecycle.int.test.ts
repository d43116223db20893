import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeribitAdapter } from '../../../adapters/venues/deribit/adapter.ts';
import type { VenueOrderRef } from '../../../application/ports/venue.ts';
import type { Decimal } from '../../../domain/decimal.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { Amendment, OrderParams } from '../../../domain/order/contract.ts';
import { averageEntry } from '../../../domain/position/position.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { OmsHarness } from './oms-harness.ts';
import { adapterFor, instrumentNamed, lots, orderFor, startSim, ticks, waitFor } from './support.ts';

/**
 * Done when: through the adapter, on every simulated instrument, an order is placed, amended,
 * partially filled, filled; another is cancelled; an IOC realizes PnL; the position is closed.
 * The adapter's results and pushes go through `report-commands.ts` into `decide` / `evolve`, fills
 * into `applyFill`, and the domain's positions are compared with what `private/get_positions`
 * reports (the simulator's own accounting): size, average entry and realized PnL, in BTC/ETH for
 * inverse contracts, USDC for the linear perpetual and BTC for the option.
 */

const PNL_CURRENCY: Record<string, string> = {
  'BTC-PERPETUAL': 'BTC',
  'ETH-PERPETUAL': 'ETH',
  'ETH_USDC-PERPETUAL': 'USDC',
  'BTC-26MAR27': 'BTC',
  'BTC-26MAR27-70000-C': 'BTC',
};

function closeTo(a: Decimal | undefined, b: Decimal | undefined, tolerance: string): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.minus(b).abs().lte(tolerance);
}

describe.each([
  { pushesBeforeReply: false, how: 'each reply before the pushes it causes' },
  { pushesBeforeReply: true, how: 'the pushes before the reply (fills before the ack)' },
])('the order lifecycle on every simulated instrument, with $how', ({ pushesBeforeReply }) => {
  let sim: LocalDeribit;
  let adapter: DeribitAdapter;
  let instruments: Instrument[];
  let oms: OmsHarness;
  let subscription: Subscription;

  beforeAll(async () => {
    sim = await startSim({ pushesBeforeReply });
    ({ adapter } = adapterFor(sim));
    oms = new OmsHarness('test-account');
    subscription = adapter.reports$.subscribe((report) => oms.report(report));
    await adapter.connect();
    instruments = await adapter.instruments();
  });

  afterAll(async () => {
    subscription.unsubscribe();
    await adapter.close();
    await sim.close();
  });

  const refOf = (orderId: string): VenueOrderRef => {
    const order = oms.order(orderId);
    return {
      instrument: order.order.instrument,
      clientOrderId: order.order.clientOrderId,
      venueOrderId: order.venueOrderId,
      positionMode: 'one_way',
    };
  };

  const place = async (order: OrderParams) => {
    oms.request(order);
    const result = await adapter.place(order);
    oms.placed(order.orderId, result);
    return result;
  };

  const amend = async (orderId: string, amendment: Amendment) => {
    oms.requestAmend(orderId, amendment);
    const result = await adapter.amend(refOf(orderId), oms.order(orderId).order, amendment);
    oms.amended(orderId, result);
    return result;
  };

  const cancel = async (orderId: string) => {
    oms.requestCancel(orderId);
    const result = await adapter.cancel(refOf(orderId));
    oms.cancelled(orderId, result);
    return result;
  };

  const closePosition = async (instrument: Instrument) => {
    const orderId = randomUUID();
    const order = oms.requestClose(orderId, instrument, 'market');
    const result = await adapter.closePosition(order.order);
    oms.placed(orderId, result);
    return { orderId, result };
  };

  const expectPositionsAgree = async (instrument: Instrument) => {
    const venue = (await adapter.positions()).find((p) => p.symbol === instrument.symbol);
    const mine = oms.position(instrument.symbol);
    expect(venue, `the venue's position in ${instrument.symbol}`).toBeDefined();
    expect(mine.size.toString()).toBe(venue?.size.toString());
    expect(
      closeTo(averageEntry(mine), venue?.averageEntry, '1e-24'),
      `average entry: domain ${averageEntry(mine)} venue ${venue?.averageEntry}`,
    ).toBe(true);
    expect(
      closeTo(mine.realizedPnl, venue?.realizedPnl, '1e-24'),
      `realized PnL: domain ${mine.realizedPnl} venue ${venue?.realizedPnl}`,
    ).toBe(true);
  };

  it.each(Object.keys(PNL_CURRENCY))(
    '%s: place, amend, partial fill, fill, cancel, IOC, close; the domain agrees with the venue',
    async (symbol) => {
      // Given the instrument as the venue lists it and the market around its mark
      const instrument = instrumentNamed(instruments, symbol);
      const mark = sim.markPrice(symbol);
      const { bid, ask } = sim.quotes(symbol);

      // When a buy is placed below the bid, it rests
      const buy = orderFor(instrument, {
        side: 'buy',
        type: 'limit',
        amount: lots(instrument, 10),
        price: ticks(instrument, bid, -4),
      });
      const placed = await place(buy);
      expect(placed).toMatchObject({ outcome: 'accepted' });
      expect(placed.outcome === 'accepted' && placed.latency?.usDiff).toBeGreaterThanOrEqual(0);
      expect(oms.order(buy.orderId).status).toBe('open');

      // When it is amended closer to the market and larger, the venue keeps its id
      const newPrice = ticks(instrument, bid, -2);
      const amended = await amend(buy.orderId, { price: newPrice, amount: lots(instrument, 12) });
      expect(amended.outcome === 'accepted' && amended.venueOrderId).toBe(
        oms.order(buy.orderId).venueOrderId,
      );
      expect(oms.order(buy.orderId).status).toBe('open');
      expect(oms.order(buy.orderId).order.price?.eq(newPrice)).toBe(true);
      expect(oms.order(buy.orderId).order.amount.eq(lots(instrument, 12))).toBe(true);

      // When the market drops through it but only 5 lots trade, it is partially filled
      sim.setMarkPrice(symbol, ticks(instrument, newPrice, -2), { fillLimit: lots(instrument, 5) });
      await waitFor(() => oms.order(buy.orderId).status === 'partially_filled', 'the partial fill');
      expect(oms.order(buy.orderId).filled.eq(lots(instrument, 5))).toBe(true);
      sim.setMarkPrice(symbol, mark);

      // When a seller takes the rest, it is filled, and the positions agree
      sim.trade(symbol, { side: 'sell', amount: lots(instrument, 7) });
      await waitFor(() => oms.order(buy.orderId).status === 'filled', 'the fill');
      await expectPositionsAgree(instrument);
      expect(oms.position(symbol).size.eq(lots(instrument, 12))).toBe(true);

      // When a sell above the ask is placed and cancelled, it is cancelled at the user's request
      const sell = orderFor(instrument, {
        side: 'sell',
        type: 'limit',
        amount: lots(instrument, 4),
        price: ticks(instrument, ask, 4),
      });
      await place(sell);
      const cancelled = await cancel(sell.orderId);
      expect(cancelled.outcome).toBe('accepted');
      expect(oms.order(sell.orderId).status).toBe('cancelled');

      // When an IOC sell takes the bid, it fills at once and realizes PnL on 3 lots
      const ioc = orderFor(instrument, {
        side: 'sell',
        type: 'limit',
        timeInForce: 'ioc',
        amount: lots(instrument, 3),
        price: ticks(instrument, bid, -1),
      });
      await place(ioc);
      await waitFor(() => oms.order(ioc.orderId).status === 'filled', 'the IOC fill');
      await expectPositionsAgree(instrument);
      expect(oms.position(symbol).size.eq(lots(instrument, 9))).toBe(true);
      expect(oms.position(symbol).realizedPnl.gt(0)).toBe(true);

      // When the position is closed at market, it is flat and all PnL is realized
      const close = await closePosition(instrument);
      expect(close.result.outcome).toBe('accepted');
      await waitFor(() => oms.order(close.orderId).status === 'filled', 'the close');
      await waitFor(() => oms.position(symbol).size.isZero(), 'a flat position');
      await expectPositionsAgree(instrument);

      // Then the events tell the story, in the instrument's PnL currency, without anomalies
      expect(oms.eventTypes(buy.orderId)).toEqual([
        'OrderRequested',
        'OrderAccepted',
        'OrderAmendRequested',
        'OrderAmendAccepted',
        'OrderFilled',
        'OrderFilled',
      ]);
      const buyFills = oms
        .eventsOf(buy.orderId)
        .flatMap((e) => (e.type === 'OrderFilled' ? [e.data.fill] : []));
      expect(buyFills.map((fill) => fill.amount.toString())).toEqual([
        lots(instrument, 5).toString(),
        lots(instrument, 7).toString(),
      ]);
      expect(buyFills.map((fill) => fill.liquidity)).toEqual(['maker', 'maker']);
      expect(oms.eventTypes(sell.orderId)).toEqual([
        'OrderRequested',
        'OrderAccepted',
        'OrderCancelRequested',
        'OrderCancelled',
      ]);
      expect(oms.eventsOf(sell.orderId).at(-1)).toMatchObject({ data: { reason: 'user_request' } });
      expect(oms.eventTypes(ioc.orderId)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
      expect(oms.eventTypes(close.orderId)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
      expect(oms.position(symbol).pnlCurrency).toBe(PNL_CURRENCY[symbol]);
      expect(oms.allEvents().filter((e) => e.type === 'OrderAnomalyDetected')).toEqual([]);
      expect(oms.refused).toEqual([]);

      // And the fees the domain counted are the venue's, once each
      const venueFees = (await adapter.fills({ instrument })).reduce(
        (sum, fill) => sum.plus(fill.fee),
        instrument.tickSize.times(0),
      );
      expect(oms.position(symbol).fees[PNL_CURRENCY[symbol] ?? '']?.toString()).toBe(venueFees.toString());
    },
  );
});
