import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBitgetAdapter } from '../../../adapters/venues/bitget/adapter.ts';
import type { VenueConnectionState } from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { averageEntry } from '../../../domain/position/position.ts';
import { orderParams } from './fixtures/orders.ts';
import { OmsHarness } from './harness.ts';
import { CREDENTIALS, first, memoryLogger, PLACE, startVenue, type Venue, waitFor } from './support.ts';

/**
 * Seeded, deterministic venue faults (benchmarks-and-faults.md F5-F10), injected through the local
 * Bitget's control surface. No sleeps: every wait is on a condition or an observable, with a deadline.
 */

let venue: Venue;
afterEach(async () => venue?.close());

async function setUp(...args: Parameters<typeof startVenue>) {
  venue = await startVenue(...args);
  const btc = (await venue.adapter.instruments()).find(
    (instrument) => instrument.symbol === 'BTCUSDT',
  ) as Instrument;
  return { btc, oms: new OmsHarness(venue.adapter, btc) };
}

const placeRequests = () => venue.local.requests().filter((request) => request.path === PLACE);

describe('F5: the venue accepts the order but the reply is lost', () => {
  it('is an unknown outcome, resolved by clientOid; exactly one order exists', async () => {
    const { btc, oms } = await setUp();
    venue.local.faults.loseReplies(1, { path: PLACE });

    // When the placement's reply is lost
    const orderId = await oms.place({ side: 'buy', type: 'limit', price: '59000', amount: '0.01' });

    // Then the order is in flight with an unknown outcome... (or already confirmed by its push)
    expect(oms.eventTypes(orderId)).toContain('OrderOutcomeUnknown');
    expect(oms.eventTypes(orderId)).not.toContain('OrderRejected');
    // ...and the lookup by clientOid finds it
    const found = await venue.adapter.findByClientOrderId(btc, oms.order(orderId).order.clientOrderId);
    expect(found).toHaveLength(1);
    expect(venue.local.orders()).toHaveLength(1);
    await waitFor('confirmed', () => oms.order(orderId).status === 'open');
    expect(oms.order(orderId).venueOrderId).toBe(found[0]?.venueOrderId);
  });

  it('a reply slower than the request deadline is unknown too, and the call does not hang', async () => {
    const { btc } = await setUp({}, { requestTimeoutMs: 200 });
    venue.local.faults.delayReplies(2_000, 1, { path: PLACE });
    const order = orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc);
    const result = await venue.adapter.place(order);
    expect(result).toMatchObject({
      outcome: 'unknown',
      retryable: true,
      reason: expect.stringMatching(/timeout/),
    });
    expect(await venue.adapter.findByClientOrderId(btc, order.clientOrderId)).toHaveLength(1);
  });

  it('a cancel whose reply is lost is unknown, and the order is cancelled at the venue', async () => {
    const { btc } = await setUp();
    const order = orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc);
    const placed = await venue.adapter.place(order);
    if (placed.outcome !== 'accepted') throw new Error('not placed');
    venue.local.faults.loseReplies(1, { path: '/api/v2/mix/order/cancel-order' });
    const result = await venue.adapter.cancel({
      instrument: btc,
      clientOrderId: order.clientOrderId,
      venueOrderId: placed.venueOrderId,
      positionMode: 'one_way',
    });
    expect(result).toMatchObject({ outcome: 'unknown', retryable: true });
    expect((await venue.adapter.getOrder(btc, placed.venueOrderId))?.status).toBe('cancelled');
  });
});

describe('F6: a retried submission meets 40786 (duplicate clientOid)', () => {
  it('adopts the original order, never marks it rejected, and exactly one order exists at the venue', async () => {
    const { oms } = await setUp();
    venue.local.faults.loseReplies(1, { path: PLACE });
    const orderId = await oms.place({ side: 'buy', type: 'limit', price: '59000', amount: '0.01' });
    expect(oms.eventTypes(orderId)).toContain('OrderOutcomeUnknown');

    // When the same order (same clientOid) is submitted again
    const retry = await venue.adapter.place(oms.order(orderId).order);

    // Then Bitget said 40786 and the adapter adopted the existing order
    expect(
      venue.local
        .requests()
        .filter((request) => request.path === PLACE)
        .map((request) => request.code),
    ).toEqual(['00000', '40786']);
    expect(retry).toMatchObject({
      outcome: 'accepted',
      order: { clientOrderId: oms.order(orderId).order.clientOrderId, status: 'open' },
    });
    const [only] = venue.local.orders();
    expect(venue.local.orders()).toHaveLength(1);
    expect(retry.outcome === 'accepted' && retry.venueOrderId).toBe(only?.orderId);
    // And the order's history says accepted, never rejected
    const { placeResultCommands } = await import('../../../application/orders/report-commands.ts');
    for (const command of placeResultCommands(oms.order(orderId), retry))
      oms.apply(orderId, command, 'venue');
    expect(oms.order(orderId).status).toBe('open');
    expect(oms.eventTypes(orderId)).not.toContain('OrderRejected');
  });

  it('adopts an order that has already traded, with its fills', async () => {
    const { btc } = await setUp();
    const order = orderParams({ side: 'buy', type: 'market', amount: '0.01' }, btc);
    venue.local.faults.loseReplies(1, { path: PLACE });
    expect((await venue.adapter.place(order)).outcome).toBe('unknown');
    const retry = await venue.adapter.place(order);
    expect(retry).toMatchObject({ outcome: 'accepted', order: { status: 'filled' } });
    expect(retry.outcome === 'accepted' && retry.fills.map((fill) => fill.tradeId)).toEqual(
      venue.local.trades().map((trade) => trade.tradeId),
    );
  });
});

describe('F9: the venue is unreachable or answers 5xx', () => {
  it('a 502 from the gateway is an unknown, retryable outcome (nothing was created here)', async () => {
    const { btc } = await setUp();
    venue.local.faults.failRequests(1, 502, { path: PLACE });
    const order = orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc);
    expect(await venue.adapter.place(order)).toMatchObject({
      outcome: 'unknown',
      retryable: true,
      reason: expect.stringMatching(/HTTP 502/),
    });
    expect(await venue.adapter.place(order)).toMatchObject({ outcome: 'accepted' });
    expect(venue.local.orders()).toHaveLength(1);
  });

  it('a reply that cannot be parsed after sending is an unknown outcome naming the problem', async () => {
    const server = http.createServer((request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const reply = request.url?.startsWith(PLACE)
        ? {
            code: '00000',
            msg: 'success',
            requestTime: Date.now(),
            data: { orderId: { nested: true }, clientOid: 'x' },
          }
        : { code: '00000', msg: 'success', requestTime: Date.now(), data: [] };
      response.end(JSON.stringify(reply));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { logger } = memoryLogger();
    const adapter = createBitgetAdapter({
      account: 'main',
      restUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      wsUrl: 'ws://127.0.0.1:1/v2/ws/private',
      credentials: CREDENTIALS,
      logger,
      positionMode: 'one_way',
    });
    try {
      const result = await adapter.place(orderParams({ side: 'buy', price: '59000', amount: '0.01' }));
      expect(result).toMatchObject({
        outcome: 'unknown',
        retryable: false,
        reason: expect.stringMatching(/protocol error: .*data: orderId/),
      });
    } finally {
      await adapter.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('429 bursts', () => {
  it('the client limiter keeps the adapter under Bitget limits on its own: 15 placements, no 429', async () => {
    const { btc } = await setUp();
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        venue.adapter.place(orderParams({ side: 'buy', price: String(58000 + i), amount: '0.01' }, btc)),
      ),
    );
    expect(results.every((result) => result.outcome === 'accepted')).toBe(true);
    expect(placeRequests().map((request) => request.httpStatus)).toEqual(Array(15).fill(200));
  });

  it('an injected burst surfaces as unknown and retryable, once per request: no retry storm', async () => {
    const { btc } = await setUp();
    venue.local.faults.rateLimitBurst(3, { path: PLACE });
    const results = await Promise.all(
      Array.from({ length: 3 }, () =>
        venue.adapter.place(orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc)),
      ),
    );
    for (const result of results)
      expect(result).toMatchObject({ outcome: 'unknown', retryable: true, venueCode: '429' });
    expect(placeRequests().map((request) => [request.httpStatus, request.code])).toEqual(
      Array(3).fill([429, '429']),
    );
    expect(venue.local.orders()).toEqual([]);
  });
});

describe('F10: timestamp expired / clock skew', () => {
  it('40008 is surfaced as a refusal saying so, sent once, never retried in a loop', async () => {
    const { btc } = await setUp({}, { syncClock: false });
    venue.local.faults.expireTimestamps(1, { path: PLACE });
    const result = await venue.adapter.place(
      orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc),
    );
    expect(result).toEqual({ outcome: 'rejected', venueCode: '40008', message: 'Request timestamp expired' });
    expect(placeRequests()).toHaveLength(1);
    expect(venue.local.orders()).toEqual([]);
  });

  it('a venue clock 40 s ahead: the first request is refused, the adapter re-measures the offset, the next one passes', async () => {
    const { btc } = await setUp();
    venue.local.faults.setClockSkew(40_000);
    const refused = await venue.adapter.place(
      orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc),
    );
    expect(refused).toMatchObject({ outcome: 'rejected', venueCode: '40008' });
    await waitFor('the new clock offset', () => venue.adapter.clockOffsetMs() > 35_000);
    expect(
      await venue.adapter.place(orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc)),
    ).toMatchObject({ outcome: 'accepted' });
    expect(placeRequests().map((request) => request.code)).toEqual(['40008', '00000']);
  });

  it('without clock sync, a skewed local clock fails the connection clearly instead of looping', async () => {
    const { logger } = memoryLogger();
    venue = await startVenue();
    const adapter = createBitgetAdapter({
      account: 'skewed',
      restUrl: venue.local.restUrl,
      wsUrl: venue.local.wsUrl,
      credentials: CREDENTIALS,
      logger,
      syncClock: false,
      positionMode: 'one_way',
      now: () => Date.now() - 45_000,
    });
    try {
      await expect(adapter.connect()).rejects.toThrow(/30014|timestamp expired/i);
      const btc = (await adapter.instruments())[0] as Instrument;
      expect(
        await adapter.place(orderParams({ side: 'buy', price: '59000', amount: '0.01' }, btc)),
      ).toMatchObject({
        outcome: 'rejected',
        venueCode: '40008',
      });
    } finally {
      await adapter.close();
    }
  });
});

describe('F7: the WebSocket drops while fills happen', () => {
  it('reconnects, logs in, resubscribes, says so on state$, and the backfill brings the missed trades with their ids', async () => {
    const { oms } = await setUp();
    const states: VenueConnectionState[] = [];
    venue.adapter.state$.subscribe((state) => states.push(state));
    const orderId = await oms.place({ side: 'buy', type: 'limit', price: '59990', amount: '0.02' });
    await waitFor('open', () => oms.order(orderId).status === 'open');
    const since = new Date(Date.now() - 1000).toISOString();

    // When the socket dies and cannot come back while two partial fills happen
    venue.local.faults.blockWebSockets(true);
    venue.local.faults.dropPrivateSockets();
    await first(venue.adapter.state$, (state) => state.status === 'reconnecting');
    venue.local.setMarkPrice('BTCUSDT', '59980', { liquidity: '0.008' });
    venue.local.setMarkPrice('BTCUSDT', '59970', { liquidity: '0.005' });
    expect(oms.order(orderId).filled.isZero()).toBe(true);

    // And the network comes back
    venue.local.faults.blockWebSockets(false);
    const back = await first(
      venue.adapter.state$,
      (state) => state.status === 'connected' && state.reconnects === 1,
    );
    expect(back.reconnects).toBe(1);
    expect(venue.local.wsConnections()).toBe(1);

    // Then reconciliation (fills since, twice: idempotent) brings exactly the venue's trades
    await oms.backfill(since);
    await oms.backfill(since);
    const venueTrades = venue.local.trades().map((trade) => trade.tradeId);
    expect([...oms.order(orderId).tradeIds]).toEqual(venueTrades);
    expect(oms.order(orderId).filled.toString()).toBe('0.013');
    expect(oms.order(orderId).status).toBe('partially_filled');
    const [position] = await venue.adapter.positions();
    expect(oms.position('net').size.toString()).toBe(position?.size.toString());
    expect(averageEntry(oms.position('net'))?.toString()).toBe(position?.averageEntry?.toString());
    expect(states.map((state) => state.status)).toEqual(
      expect.arrayContaining(['connected', 'reconnecting', 'connected']),
    );

    // And pushes flow again after the reconnect
    venue.local.setMarkPrice('BTCUSDT', '59960');
    await waitFor('filled by push', () => oms.order(orderId).status === 'filled');
  });
});

describe('F8: duplicated and reordered pushes', () => {
  it('duplicated pushes are taken once: each trade counted once, filled never above the amount', async () => {
    const { oms } = await setUp();
    const orderId = await oms.place({ side: 'buy', type: 'limit', price: '59990', amount: '0.02' });
    await waitFor('open', () => oms.order(orderId).status === 'open');
    venue.local.faults.duplicatePushes(20);
    venue.local.setMarkPrice('BTCUSDT', '59980', { liquidity: '0.008' });
    venue.local.setMarkPrice('BTCUSDT', '59970');
    await waitFor('filled', () => oms.order(orderId).status === 'filled');
    await waitFor(
      'all duplicates seen',
      () => venue.reports.filter((report) => report.kind === 'fill').length === 4,
    );
    expect(oms.order(orderId).filled.toString()).toBe('0.02');
    expect(oms.order(orderId).tradeIds.size).toBe(2);
    expect(oms.eventTypes(orderId).filter((type) => type === 'OrderFilled')).toHaveLength(2);
    expect(oms.order(orderId).anomalies).toBe(0);
    expect(oms.position('net').size.toString()).toBe('0.02');
  });

  it('reordered pushes never move the order backwards', async () => {
    const { oms } = await setUp();
    const orderId = await oms.place({ side: 'buy', type: 'limit', price: '59990', amount: '0.02' });
    await waitFor('open', () => oms.order(orderId).status === 'open');
    const statuses: string[] = [];
    const watch = setInterval(() => statuses.push(oms.order(orderId).status), 1);
    try {
      // Two partial fills make six pushes (orders, fill, positions twice): held, then sent last first.
      venue.local.faults.reorderPushes(6);
      venue.local.setMarkPrice('BTCUSDT', '59980', { liquidity: '0.008' });
      venue.local.setMarkPrice('BTCUSDT', '59970');
      await waitFor('filled', () => oms.order(orderId).status === 'filled');
      await waitFor('the last (oldest) push', () =>
        venue.reports.some((report) => report.kind === 'order' && report.order.status === 'partially_filled'),
      );
    } finally {
      clearInterval(watch);
    }
    statuses.push(oms.order(orderId).status);
    const rank = { pending_new: 0, open: 1, partially_filled: 2, filled: 3 } as Record<string, number>;
    const ranks = statuses.map((status) => rank[status] ?? -1);
    expect(ranks.every((value, i) => i === 0 || value >= (ranks[i - 1] ?? 0))).toBe(true);
    expect(oms.order(orderId).status).toBe('filled');
    expect(oms.order(orderId).tradeIds.size).toBe(2);
    expect(oms.order(orderId).anomalies).toBe(0);
  });
});
