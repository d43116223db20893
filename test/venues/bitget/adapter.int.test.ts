import { afterEach, describe, expect, it } from 'vitest';
import { BitgetRequestError, createBitgetAdapter } from '../../../adapters/venues/bitget/adapter.ts';
import type { VenueOrderSnapshot } from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { startLocalBitget } from '../../../simulators/bitget/server.ts';
import { orderParams } from './fixtures/orders.ts';
import { CREDENTIALS, first, memoryLogger, SECRETS, startVenue, type Venue, waitFor } from './support.ts';

let venue: Venue;
afterEach(async () => venue?.close());

async function btcOf(v: Venue): Promise<Instrument> {
  return (await v.adapter.instruments()).find((instrument) => instrument.symbol === 'BTCUSDT') as Instrument;
}

const orderReports = (v: Venue) =>
  v.reports.flatMap((report) => (report.kind === 'order' ? [report.order] : [])) as VenueOrderSnapshot[];

describe('the Bitget adapter against the local Bitget', () => {
  describe('connecting', () => {
    it('loads the contracts as instruments, learns the position mode, measures the clock, and reports connected', async () => {
      venue = await startVenue();
      const instruments = await venue.adapter.instruments();
      expect(instruments.map((instrument) => instrument.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      const btc = instruments[0];
      expect(btc).toMatchObject({
        venue: 'bitget',
        kind: 'perpetual',
        settlement: 'linear',
        amountUnit: 'base',
        bitgetProductType: 'USDT-FUTURES',
      });
      expect(btc?.tickSize.toString()).toBe('0.1');
      expect(btc?.amountStep.toString()).toBe('0.001');
      expect(btc?.minAmount.toString()).toBe('0.001');
      expect(btc?.minNotional?.toString()).toBe('5');
      expect(venue.adapter.positionMode()).toBe('one_way');
      expect(Math.abs(venue.adapter.clockOffsetMs())).toBeLessThan(1000);
      const state = await waitFor('connected', () => {
        let current: { status: string; reconnects: number } | undefined;
        venue.adapter.state$
          .subscribe((s) => {
            current = s;
          })
          .unsubscribe();
        return current?.status === 'connected' ? current : undefined;
      });
      expect(state.reconnects).toBe(0);
      expect(venue.local.wsConnections()).toBe(1);
    });

    it('keeps the private socket alive with text pings past the idle timeout', async () => {
      // (Bitget allows 10 inbound messages per second, pings included.)
      venue = await startVenue({ behaviour: { wsIdleTimeoutMs: 500 } }, { ws: { pingIntervalMs: 150 } });
      await waitFor('five pings (longer than the idle timeout)', () => venue.local.wsPings() >= 5);
      const state = await first(venue.adapter.state$, () => true);
      expect(state).toMatchObject({ status: 'connected', reconnects: 0 });
    });

    it('is dropped by the venue when it stays silent, and reconnects by itself', async () => {
      venue = await startVenue({ behaviour: { wsIdleTimeoutMs: 100 } }, { ws: { pingIntervalMs: 60_000 } });
      const state = await first(venue.adapter.state$, (s) => s.status === 'connected' && s.reconnects >= 1);
      expect(state.reconnects).toBeGreaterThanOrEqual(1);
    });

    it('reads the mark price', async () => {
      venue = await startVenue();
      venue.local.setMarkPrice('BTCUSDT', '60123.4');
      expect((await venue.adapter.markPrice(await btcOf(venue))).toString()).toBe('60123.4');
    });

    it('refuses to connect with wrong credentials, saying why and without the secrets', async () => {
      const local = await startLocalBitget({ credentials: CREDENTIALS });
      const { logger, lines } = memoryLogger();
      const adapter = createBitgetAdapter({
        account: 'main',
        restUrl: local.restUrl,
        wsUrl: local.wsUrl,
        credentials: { ...CREDENTIALS, passphrase: 'bg_wrong_passphrase_SENTINEL' },
        logger,
      });
      try {
        const error = await adapter.connect().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BitgetRequestError);
        expect(error).toMatchObject({ code: 'BITGET_VENUE_ERROR', venueCode: '40012' });
        expect(String((error as Error).message)).toMatch(/40012 apikey\/password is incorrect/);
        for (const secret of [...SECRETS, 'bg_wrong_passphrase_SENTINEL']) {
          expect(String((error as Error).message)).not.toContain(secret);
          expect(lines().join('\n')).not.toContain(secret);
        }
      } finally {
        await adapter.close();
        await local.close();
      }
    });

    it('sends paptrading: 1 on private calls in demo mode', async () => {
      venue = await startVenue({}, { demo: true });
      await venue.adapter.openOrders();
      const privateCalls = venue.local
        .requests()
        .filter((request) => !request.path.includes('/market/') && !request.path.includes('/public/'));
      expect(privateCalls.length).toBeGreaterThan(0);
      expect(privateCalls.every((request) => request.demo)).toBe(true);
    });
  });

  describe('orders', () => {
    it('places, pushes, looks up (by id, by clientOid, open orders), cancels, then finds it in the history', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      const order = orderParams(
        { side: 'buy', price: '59000', amount: '0.01', clientOrderId: 'life-1' },
        btc,
      );

      const placed = await venue.adapter.place(order);
      expect(placed).toMatchObject({
        outcome: 'accepted',
        venueOrderId: expect.stringMatching(/^\d{19}$/),
        fills: [],
      });
      if (placed.outcome !== 'accepted') return;
      expect(placed.latency?.usDiff).toBe(0);
      const pushed = await waitFor('the live push', () =>
        orderReports(venue).find((o) => o.clientOrderId === 'life-1'),
      );
      expect(pushed).toMatchObject({
        venueOrderId: placed.venueOrderId,
        status: 'open',
        side: 'buy',
        positionMode: 'one_way',
      });

      const byId = await venue.adapter.getOrder(btc, placed.venueOrderId);
      expect(byId).toMatchObject({
        clientOrderId: 'life-1',
        status: 'open',
        type: 'limit',
        reduceOnly: false,
      });
      expect(byId?.amount.toString()).toBe('0.01');
      expect(byId?.price?.toString()).toBe('59000');
      expect(await venue.adapter.findByClientOrderId(btc, 'life-1')).toEqual([
        expect.objectContaining({ venueOrderId: placed.venueOrderId }),
      ]);
      expect(await venue.adapter.findByClientOrderId(btc, 'nobody')).toEqual([]);
      expect(await venue.adapter.getOrder(btc, '1')).toBeUndefined();
      expect((await venue.adapter.openOrders(btc)).map((o) => o.venueOrderId)).toEqual([placed.venueOrderId]);
      expect((await venue.adapter.openOrders()).map((o) => o.venueOrderId)).toEqual([placed.venueOrderId]);

      const ref = {
        instrument: btc,
        clientOrderId: 'life-1',
        venueOrderId: placed.venueOrderId,
        positionMode: 'one_way' as const,
      };
      expect(await venue.adapter.cancel(ref)).toMatchObject({ outcome: 'accepted' });
      await waitFor('the cancel push', () =>
        orderReports(venue).find((o) => o.clientOrderId === 'life-1' && o.status === 'cancelled'),
      );
      expect(await venue.adapter.openOrders(btc)).toEqual([]);
      expect((await venue.adapter.orderHistory(btc)).map((o) => [o.venueOrderId, o.status])).toEqual([
        [placed.venueOrderId, 'cancelled'],
      ]);
      // A second cancel is refused: the order is finished.
      expect(await venue.adapter.cancel(ref)).toMatchObject({ outcome: 'rejected', venueCode: '22001' });
    });

    it('cancels by clientOid when the venue order id is not known yet', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      await venue.adapter.place(
        orderParams({ side: 'buy', price: '59000', amount: '0.01', clientOrderId: 'early' }, btc),
      );
      const result = await venue.adapter.cancel({
        instrument: btc,
        clientOrderId: 'early',
        venueOrderId: undefined,
        positionMode: 'one_way',
      });
      expect(result.outcome).toBe('accepted');
      expect(venue.local.orders()[0]).toMatchObject({ clientOid: 'early', status: 'canceled' });
    });

    it('returns definitive refusals with Bitget code and message', async () => {
      venue = await startVenue();
      const eth = (await venue.adapter.instruments()).find(
        (instrument) => instrument.symbol === 'ETHUSDT',
      ) as Instrument;
      const tooSmall = await venue.adapter.place(
        orderParams({ side: 'buy', price: '100', amount: '0.01' }, eth),
      );
      expect(tooSmall).toEqual({
        outcome: 'rejected',
        venueCode: '45110',
        message: 'less than the minimum amount 5 USDT',
      });
      const btc = await btcOf(venue);
      const tooBig = await venue.adapter.place(
        orderParams({ side: 'buy', price: '59000', amount: '1000' }, btc),
      );
      expect(tooBig).toEqual({ outcome: 'rejected', venueCode: '43012', message: 'Insufficient balance' });
    });

    it('refuses, without sending it, an order for the other position mode', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      const before = venue.local.requests().length;
      const result = await venue.adapter.place(
        orderParams(
          { side: 'sell', price: '61000', amount: '0.01', positionMode: 'hedge', tradeSide: 'close' },
          btc,
        ),
      );
      expect(result).toMatchObject({ outcome: 'rejected', venueCode: 'POSITION_MODE_MISMATCH' });
      expect(
        venue.local
          .requests()
          .slice(before)
          .filter((request) => request.path.endsWith('place-order')),
      ).toEqual([]);
    });

    it('adopts a reduce-only order Bitget accepted without an orderId (older reduce-only orders cancelled)', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      await venue.adapter.place(orderParams({ side: 'buy', type: 'market', amount: '0.02' }, btc));
      await venue.adapter.place(
        orderParams(
          { side: 'sell', price: '61000', amount: '0.02', reduceOnly: true, clientOrderId: 'ro-old' },
          btc,
        ),
      );
      const result = await venue.adapter.place(
        orderParams(
          { side: 'sell', price: '61100', amount: '0.01', reduceOnly: true, clientOrderId: 'ro-new' },
          btc,
        ),
      );
      expect(result).toMatchObject({
        outcome: 'accepted',
        order: { clientOrderId: 'ro-new', status: 'open', reduceOnly: true },
      });
      const old = await waitFor('the adjustment push', () =>
        orderReports(venue).find((o) => o.clientOrderId === 'ro-old' && o.status === 'cancelled'),
      );
      expect(old.cancelReason).toBe('reduce_only_adjustment');
    });

    it('amends by cancel-and-replace: a new venue order id under the new clientOid, found right after the reply', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      const order = orderParams({ side: 'buy', price: '59000', amount: '0.01', clientOrderId: 'am-1' }, btc);
      const placed = await venue.adapter.place(order);
      if (placed.outcome !== 'accepted') throw new Error('not placed');
      const ref = {
        instrument: btc,
        clientOrderId: 'am-1',
        venueOrderId: placed.venueOrderId,
        positionMode: 'one_way' as const,
      };
      const result = await venue.adapter.amend(ref, order, {
        price: order.price?.minus(100),
        newClientOrderId: 'am-2',
      });
      expect(result).toMatchObject({
        outcome: 'accepted',
        clientOrderId: 'am-2',
        order: { status: 'open', clientOrderId: 'am-2' },
      });
      if (result.outcome !== 'accepted') return;
      expect(result.venueOrderId).toBeDefined();
      expect(result.venueOrderId).not.toBe(placed.venueOrderId);
      expect(result.order?.price?.toString()).toBe('58900');
    });

    it('amends when the replacement comes after the reply: accepted without the new id, which the push then brings', async () => {
      venue = await startVenue({ behaviour: { modifyReplaceDelayMs: 50 } });
      const btc = await btcOf(venue);
      const order = orderParams(
        { side: 'buy', price: '59000', amount: '0.01', clientOrderId: 'late-1' },
        btc,
      );
      const placed = await venue.adapter.place(order);
      if (placed.outcome !== 'accepted') throw new Error('not placed');
      const ref = {
        instrument: btc,
        clientOrderId: 'late-1',
        venueOrderId: placed.venueOrderId,
        positionMode: 'one_way' as const,
      };
      const result = await venue.adapter.amend(ref, order, {
        amount: order.amount.times(2),
        newClientOrderId: 'late-2',
      });
      expect(result).toEqual({
        outcome: 'accepted',
        venueOrderId: undefined,
        clientOrderId: 'late-2',
        order: undefined,
        fills: [],
        latency: expect.any(Object),
      });
      const replacement = await waitFor('the replacement push', () =>
        orderReports(venue).find((o) => o.clientOrderId === 'late-2'),
      );
      expect(replacement.venueOrderId).not.toBe(placed.venueOrderId);
      expect(replacement.amount.toString()).toBe('0.02');
    });

    it('refuses an amend of an order that does not exist', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      const order = orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc);
      const ref = {
        instrument: btc,
        clientOrderId: order.clientOrderId,
        venueOrderId: '1',
        positionMode: 'one_way' as const,
      };
      expect(
        await venue.adapter.amend(ref, order, { price: order.price, newClientOrderId: 'x-2' }),
      ).toMatchObject({
        outcome: 'rejected',
        venueCode: '43001',
      });
    });

    it('cancels every open order of an instrument', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      for (const price of ['58000', '58100', '58200']) {
        await venue.adapter.place(orderParams({ side: 'buy', price, amount: '0.01' }, btc));
      }
      expect(await venue.adapter.cancelAll(btc)).toBe(3);
      expect(await venue.adapter.openOrders(btc)).toEqual([]);
    });
  });

  describe('fills and positions', () => {
    it('lists fills oldest first with their trade ids and economic sides, by order and since a time', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      const start = new Date().toISOString();
      const buy = await venue.adapter.place(
        orderParams({ side: 'buy', type: 'market', amount: '0.01' }, btc),
      );
      venue.local.setMarkPrice('BTCUSDT', '60500');
      await venue.adapter.place(orderParams({ side: 'sell', type: 'market', amount: '0.004' }, btc));
      const all = await venue.adapter.fills({ instrument: btc, since: start });
      expect(
        all.map((fill) => [fill.side, fill.amount.toString(), fill.price.toString(), fill.liquidity]),
      ).toEqual([
        ['buy', '0.01', '60000', 'taker'],
        ['sell', '0.004', '60499.9', 'taker'], // the best bid, a tick under the mark
      ]);
      expect(all.map((fill) => fill.tradeId)).toEqual(venue.local.trades().map((trade) => trade.tradeId));
      expect(all[0]?.fee.toString()).toBe('0.36');
      expect(all[0]?.feeCurrency).toBe('USDT');
      if (buy.outcome !== 'accepted') throw new Error('not placed');
      expect(
        (await venue.adapter.fills({ instrument: btc, venueOrderId: buy.venueOrderId })).map(
          (fill) => fill.venueOrderId,
        ),
      ).toEqual([buy.venueOrderId]);
      expect(
        await venue.adapter.fills({ instrument: btc, since: new Date(Date.now() + 60_000).toISOString() }),
      ).toEqual([]);
    });

    it('reports positions netted in one-way mode and per leg in hedge mode, and pushes them', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      await venue.adapter.place(orderParams({ side: 'sell', type: 'market', amount: '0.01' }, btc));
      const [net] = await venue.adapter.positions();
      expect(net).toMatchObject({ side: 'net', symbol: 'BTCUSDT' });
      expect(net?.size.toString()).toBe('-0.01');
      const pushed = await waitFor('a positions push', () =>
        venue.reports.find((report) => report.kind === 'positions' && report.positions.length === 1),
      );
      expect(pushed.kind === 'positions' && pushed.positions[0]?.size.toString()).toBe('-0.01');
      await venue.adapter.closePositionsAtMarket(btc);
      expect(await venue.adapter.positions()).toEqual([]);

      expect(await venue.adapter.setPositionMode('hedge')).toBe('hedge');
      await venue.adapter.place(
        orderParams(
          { side: 'buy', type: 'market', amount: '0.01', positionMode: 'hedge', tradeSide: 'open' },
          btc,
        ),
      );
      await venue.adapter.place(
        orderParams(
          { side: 'sell', type: 'market', amount: '0.02', positionMode: 'hedge', tradeSide: 'open' },
          btc,
        ),
      );
      const legs = await venue.adapter.positions();
      expect(legs.map((leg) => [leg.side, leg.size.toString()])).toEqual([
        ['long', '0.01'],
        ['short', '0.02'],
      ]);
      expect(
        (await venue.adapter.positionsOf(btc)).map((leg) => [leg.side, leg.averageEntry?.toString()]),
      ).toEqual([
        ['long', '60000'], // bought at the best ask, the mark
        ['short', '59999.9'], // sold at the best bid, a tick under it
      ]);
      const closed = await venue.adapter.closePositionsAtMarket(btc, 'short');
      expect(closed.closed).toHaveLength(1);
      expect((await venue.adapter.positions()).map((leg) => leg.side)).toEqual(['long']);
    });

    it('refuses to change the position mode while positions exist, with the venue code', async () => {
      venue = await startVenue();
      const btc = await btcOf(venue);
      await venue.adapter.place(orderParams({ side: 'buy', type: 'market', amount: '0.01' }, btc));
      await expect(venue.adapter.setPositionMode('hedge')).rejects.toMatchObject({
        code: 'BITGET_VENUE_ERROR',
        venueCode: '40920',
      });
      expect(venue.adapter.positionMode()).toBe('one_way');
    });

    it('learns a position mode changed at the venue when asked again', async () => {
      venue = await startVenue();
      venue.local.setPositionMode('hedge');
      expect(await venue.adapter.refreshPositionMode()).toBe('hedge');
      expect(venue.adapter.positionMode()).toBe('hedge');
    });
  });

  it('never writes the API key, secret or passphrase in a log line', async () => {
    venue = await startVenue();
    const btc = await btcOf(venue);
    await venue.adapter.place(orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc));
    await venue.adapter.place(orderParams({ side: 'buy', price: '59000', amount: '1000' }, btc));
    await venue.adapter.positions();
    const lines = venue.logLines();
    expect(lines.length).toBeGreaterThan(3);
    for (const secret of SECRETS) expect(lines.join('\n')).not.toContain(secret);
    for (const report of venue.reports)
      for (const secret of SECRETS) expect(JSON.stringify(report)).not.toContain(secret);
  });
});
