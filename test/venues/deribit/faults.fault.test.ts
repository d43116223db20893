import type { Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeribitAdapter } from '../../../adapters/venues/deribit/adapter.ts';
import { fillCommand } from '../../../application/orders/report-commands.ts';
import type { VenueConnectionState } from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { OrderParams } from '../../../domain/order/contract.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { OmsHarness } from './oms-harness.ts';
import { adapterFor, CLIENT, d, instrumentNamed, nextValue, orderFor, startSim, waitFor } from './support.ts';

/**
 * Seeded, deterministic fault scenarios between the adapter and the local Deribit (F5, F7, F8, F9
 * of benchmarks-and-faults.md): each fault is armed explicitly on the simulator.
 */

describe('faults between the adapter and the venue', () => {
  let sim: LocalDeribit;
  let adapter: DeribitAdapter;
  let lines: string[];
  let btc: Instrument;
  let oms: OmsHarness;
  let subscription: Subscription | undefined;
  const states: VenueConnectionState[] = [];

  const start = async (options: Parameters<typeof adapterFor>[1] = {}) => {
    ({ adapter, lines } = adapterFor(sim, { requestTimeoutMs: 400, ...options }));
    adapter.state$.subscribe((state) => states.push(state));
    await adapter.connect();
    btc = instrumentNamed(await adapter.instruments(), 'BTC-PERPETUAL');
  };
  /** Feed the pushes into the OMS harness. */
  const follow = () => {
    subscription = adapter.reports$.subscribe((report) => oms.report(report));
  };
  const place = async (order: OrderParams) => {
    oms.request(order);
    const result = await adapter.place(order);
    oms.placed(order.orderId, result);
    return result;
  };
  const atVenue = (label: string) => sim.orders(CLIENT.clientId).filter((o) => o.label === label);

  beforeEach(async () => {
    sim = await startSim();
    oms = new OmsHarness('test-account');
    states.length = 0;
  });

  afterEach(async () => {
    subscription?.unsubscribe();
    subscription = undefined;
    await adapter.close();
    await sim.close();
  });

  it('F5: the reply is lost after the venue accepted the order: unknown, then the look-up finds exactly one', async () => {
    await start();
    // Given the venue will carry out the next buy but its reply will be lost
    sim.faults.dropReply({ method: 'private/buy' });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    // When the order is placed
    const result = await place(order);
    // Then the outcome is unknown (a timeout), retryable, and the order waits in `unknown`
    expect(result).toMatchObject({ outcome: 'unknown', retryable: true });
    expect(result.outcome === 'unknown' && result.reason).toMatch(/no reply within 400 ms/);
    expect(oms.order(order.orderId).status).toBe('unknown');
    // When the service looks it up by its client id
    const found = await adapter.findByClientOrderId(btc, order.clientOrderId);
    // Then exactly one order exists at the venue, and the lookup resolves it: no resend needed
    expect(found).toHaveLength(1);
    expect(atVenue(order.clientOrderId)).toHaveLength(1);
    oms.snapshot(order.orderId, found[0]!);
    expect(oms.order(order.orderId).status).toBe('open');
    expect(oms.eventTypes(order.orderId)).toEqual(['OrderRequested', 'OrderOutcomeUnknown', 'OrderAccepted']);
  });

  it('F5: a reply delayed past the timeout is unknown; the late reply is ignored and the session goes on', async () => {
    await start();
    sim.faults.delayReply(700, { method: 'private/buy' });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    expect(await adapter.place(order)).toMatchObject({ outcome: 'unknown', retryable: true });
    await waitFor(
      () => lines.some((line) => line.includes('reply without a waiting request')),
      'the late reply',
    );
    expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toHaveLength(1);
    // A reply delayed within the timeout is just slow
    sim.faults.delayReply(100, { method: 'private/sell' });
    const sell = orderFor(btc, { side: 'sell', type: 'limit', amount: d('100'), price: d('61000') });
    expect(await adapter.place(sell)).toMatchObject({ outcome: 'accepted' });
  });

  it('a reply that cannot be read after sending is unknown (not retryable), never rejected', async () => {
    await start();
    sim.faults.mangleReply({ method: 'private/buy' });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    const result = await adapter.place(order);
    expect(result).toMatchObject({ outcome: 'unknown', retryable: false });
    expect(result.outcome === 'unknown' && result.reason).toContain(
      'order.order_state: missing required field',
    );
    expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toHaveLength(1);
  });

  it('the socket closes mid-stream after the order was taken: unknown, reconnected, one order at the venue', async () => {
    await start();
    sim.faults.closeOnRequest({ method: 'private/buy', process: true });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    const result = await adapter.place(order);
    expect(result).toMatchObject({ outcome: 'unknown', retryable: true });
    expect(result.outcome === 'unknown' && result.reason).toMatch(/closed before the reply/);
    const back = await nextValue(adapter.state$, (s) => s.status === 'connected' && s.reconnects === 1);
    expect(back.reconnects).toBe(1);
    expect(states.map((s) => s.status)).toContain('reconnecting');
    expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toHaveLength(1);
  });

  it('the socket closes before the order is taken: unknown, and the look-up proves it absent', async () => {
    await start();
    sim.faults.closeOnRequest({ method: 'private/buy', process: false });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    expect(await adapter.place(order)).toMatchObject({ outcome: 'unknown' });
    await nextValue(adapter.state$, (s) => s.status === 'connected' && s.reconnects === 1);
    expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toEqual([]);
  });

  it.each([
    [10028, 'too_many_requests'],
    [10040, 'retry'],
    [11051, 'system_maintenance'],
  ])('%i %s is unknown and retryable, never a rejection; nothing was placed', async (code, message) => {
    await start();
    sim.faults.failNext(code, { method: 'private/buy' });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    const result = await adapter.place(order);
    expect(result).toMatchObject({ outcome: 'unknown', venueCode: String(code), retryable: true });
    expect(result.outcome === 'unknown' && result.reason).toBe(message);
    if (code === 10028) {
      // Deribit drops the session after 10028: the adapter comes back on its own
      await nextValue(adapter.state$, (s) => s.status === 'connected' && s.reconnects === 1);
    }
    expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toEqual([]);
  });

  it('F8: duplicated and reordered pushes: every fill counted once, state never backwards, position equal', async () => {
    await start();
    follow();
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('300'), price: d('59000') });
    await place(order);
    await waitFor(() => oms.order(order.orderId).status === 'open', 'the ack');
    // Given every push sent twice, then six pushes held and delivered backwards
    sim.faults.duplicatePushes(4);
    sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '50' });
    sim.faults.reorderPushes(6);
    for (const amount of ['50', '100', '100']) sim.trade('BTC-PERPETUAL', { side: 'sell', amount });
    // When they have all arrived
    await waitFor(() => oms.order(order.orderId).status === 'filled', 'the whole fill');
    // Then each trade is counted once, filled equals the amount, and no report was an anomaly
    const fills = oms.eventsOf(order.orderId).filter((e) => e.type === 'OrderFilled');
    expect(fills).toHaveLength(4);
    expect(oms.order(order.orderId).filled.toString()).toBe('300');
    expect(oms.allEvents().filter((e) => e.type === 'OrderAnomalyDetected')).toEqual([]);
    const venue = (await adapter.positions()).find((p) => p.symbol === 'BTC-PERPETUAL');
    expect(oms.position('BTC-PERPETUAL').size.toString()).toBe(venue?.size.toString());
    expect(oms.position('BTC-PERPETUAL').realizedPnl.toString()).toBe('0');
  });

  it('F7: fills while disconnected: reconnects (reconnects + 1), then fills({ since }) backfills the original trade ids', async () => {
    await start();
    follow();
    const since = new Date(Date.now() - 1).toISOString();
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('200'), price: d('59000') });
    await place(order);
    await waitFor(() => oms.order(order.orderId).status === 'open', 'the ack');
    // Given the connection drops and the venue refuses new ones for a while
    sim.faults.refuseConnections(true);
    sim.faults.closeConnections();
    await nextValue(adapter.state$, (s) => s.status === 'reconnecting');
    // When the order keeps filling meanwhile
    sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '80' });
    sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '120' });
    const missed = sim.trades(CLIENT.clientId).map((t) => t.tradeId);
    expect(oms.order(order.orderId).filled.isZero()).toBe(true);
    // And the venue takes connections again
    sim.faults.refuseConnections(false);
    const back = await nextValue(adapter.state$, (s) => s.status === 'connected', 5000);
    // Then the adapter says connected, one reconnect more
    expect(back.reconnects).toBe(1);
    // And the backfill has the missed trades with their original ids, oldest first
    const backfill = await adapter.fills({ instrument: btc, since });
    expect(backfill.map((f) => f.tradeId)).toEqual(missed);
    // When reconciliation feeds them (twice: replays are harmless) and the order's state
    for (const fill of [...backfill, ...backfill])
      oms.report({ kind: 'fill', fill, receivedAt: new Date().toISOString() });
    const snapshot = await adapter.getOrder(btc, oms.order(order.orderId).venueOrderId ?? '');
    if (snapshot) oms.snapshot(order.orderId, snapshot);
    // Then the order is filled once and the position equals the venue's
    expect(oms.order(order.orderId).status).toBe('filled');
    expect(oms.eventsOf(order.orderId).filter((e) => e.type === 'OrderFilled')).toHaveLength(2);
    const venue = (await adapter.positions()).find((p) => p.symbol === 'BTC-PERPETUAL');
    expect(oms.position('BTC-PERPETUAL').size.toString()).toBe(venue?.size.toString());
    expect(fillCommand(order.orderId, backfill[0]!).data).toMatchObject({ fill: { tradeId: missed[0] } });
  });

  it('F9: a dead link (nothing comes back) is detected from the missing heartbeats, and the adapter reconnects', async () => {
    await start({ heartbeatIntervalSec: 0.2, deadAfterMs: 600 });
    // Given the link goes silent both ways
    sim.faults.blackhole(true);
    // Then the adapter notices within the dead-after window and tries again
    await nextValue(adapter.state$, (s) => s.status === 'reconnecting', 3000);
    expect(lines.some((line) => line.includes('connection silent'))).toBe(true);
    // And when the link is back, it is connected again
    sim.faults.blackhole(false);
    const back = await nextValue(adapter.state$, (s) => s.status === 'connected', 5000);
    expect(back.reconnects).toBe(1);
  });

  it('F9: requests in flight when the link dies end as unknown within their timeout, never hang', async () => {
    await start();
    sim.faults.blackhole(true);
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    const started = Date.now();
    const result = await adapter.place(order);
    expect(result).toMatchObject({ outcome: 'unknown', retryable: true });
    expect(Date.now() - started).toBeLessThan(2000);
    sim.faults.blackhole(false);
  });

  it('replies that come back out of order are matched to their requests by id', async () => {
    await start();
    // Given the first of two concurrent orders is answered late
    sim.faults.delayReply(150, { method: 'private/buy' });
    const first = orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('58000') });
    const second = orderFor(btc, { side: 'sell', type: 'limit', amount: d('20'), price: d('62000') });
    const order: string[] = [];
    // When both are sent at once and the second reply arrives first
    const [a, b] = await Promise.all([
      adapter.place(first).then((r) => {
        order.push('first');
        return r;
      }),
      adapter.place(second).then((r) => {
        order.push('second');
        return r;
      }),
    ]);
    // Then each result is its own order's
    expect(order).toEqual(['second', 'first']);
    expect(a.outcome === 'accepted' && a.order?.clientOrderId).toBe(first.clientOrderId);
    expect(b.outcome === 'accepted' && b.order?.clientOrderId).toBe(second.clientOrderId);
  });

  it('fill before ack: the pushes of an order arrive before its reply and the OMS takes them first', async () => {
    sim.faults.pushesBeforeReply(true);
    await start();
    follow();
    const order = orderFor(btc, { side: 'buy', type: 'market', amount: d('100') });
    oms.request(order);
    const result = await adapter.place(order);
    // When the reply arrives, the push has already filled the order
    expect(oms.order(order.orderId).status).toBe('filled');
    oms.placed(order.orderId, result);
    expect(oms.eventTypes(order.orderId)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
  });

  it("the adapter's limiter keeps a burst within the credits: no 10028, no dropped session", async () => {
    const rateLimits = {
      matchingEngine: { maxCredits: 5000, refillPerSec: 25_000, cost: 1000 },
      nonMatching: { maxCredits: 50_000, refillPerSec: 10_000, cost: 500 },
      methodCosts: {},
    };
    await sim.close();
    sim = await startSim({ rateLimits });
    await start({ rateLimits, rateLimitMarginMs: 100, requestTimeoutMs: 3000 });
    // When 30 cancels go out at once (a burst of 5 allowed, 25 a second)
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        adapter.cancel({
          instrument: btc,
          clientOrderId: `x${n}`,
          venueOrderId: `BTC-${n}`,
          positionMode: 'one_way',
        }),
      ),
    );
    // Then the venue carried out every one (10004: no such order), none was refused for rate
    expect(results.every((r) => r.outcome === 'rejected' && r.venueCode === '10004')).toBe(true);
    expect(states.map((s) => s.status)).not.toContain('reconnecting');
  });
});
