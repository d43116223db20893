import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeribitAdapter } from '../../../adapters/venues/deribit/adapter.ts';
import type { VenueConnectionState, VenueOrderRef, VenueReport } from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { OrderParams } from '../../../domain/order/contract.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { adapterFor, CLIENT, d, instrumentNamed, nextValue, orderFor, startSim, waitFor } from './support.ts';

/** Every method of the venue port, through the Deribit adapter, against the local Deribit. */

const refOf = (order: OrderParams, venueOrderId: string | undefined): VenueOrderRef => ({
  instrument: order.instrument,
  clientOrderId: order.clientOrderId,
  venueOrderId,
  positionMode: 'one_way',
});

describe('the Deribit adapter against the local Deribit', () => {
  let sim: LocalDeribit;
  let adapter: DeribitAdapter;
  let lines: string[];
  let instruments: Instrument[];
  let btc: Instrument;
  let eth: Instrument;
  const reports: VenueReport[] = [];
  const states: VenueConnectionState[] = [];

  beforeAll(async () => {
    sim = await startSim();
    ({ adapter, lines } = adapterFor(sim));
    adapter.state$.subscribe((state) => states.push(state));
    adapter.reports$.subscribe((report) => reports.push(report));
    await adapter.connect();
    instruments = await adapter.instruments();
    btc = instrumentNamed(instruments, 'BTC-PERPETUAL');
    eth = instrumentNamed(instruments, 'ETH-PERPETUAL');
  });

  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });

  it('connects: connecting, then connected, reconnects 0', () => {
    expect(states.map((s) => s.status)).toEqual(['closed', 'connecting', 'connected']);
    expect(states.at(-1)?.reconnects).toBe(0);
  });

  it('lists the instruments with their units', () => {
    expect(
      instruments.map((i) => [i.symbol, i.kind, i.settlement, i.amountUnit, i.settlementCurrency]),
    ).toEqual([
      ['BTC-PERPETUAL', 'perpetual', 'inverse', 'quote', 'BTC'],
      ['ETH-PERPETUAL', 'perpetual', 'inverse', 'quote', 'ETH'],
      ['ETH_USDC-PERPETUAL', 'perpetual', 'linear', 'base', 'USDC'],
      ['BTC-26MAR27', 'future', 'inverse', 'quote', 'BTC'],
      ['BTC-26MAR27-70000-C', 'option', 'linear', 'base', 'BTC'],
    ]);
    expect(btc.contractSize.toString()).toBe('10');
    expect(btc.tickSize.toString()).toBe('0.5');
    expect(btc.minAmount.toString()).toBe('10');
  });

  it('reads the mark price', async () => {
    sim.setMarkPrice('ETH-PERPETUAL', '3012.35');
    expect((await adapter.markPrice(eth)).toString()).toBe('3012.35');
    sim.setMarkPrice('ETH-PERPETUAL', '3000');
  });

  it('places a resting limit order: accepted, with the order, no fills, and the latency figures', async () => {
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('59000') });
    const result = await adapter.place(order, { validUntilMs: Date.now() + 5000 });
    expect(result).toMatchObject({ outcome: 'accepted', fills: [] });
    if (result.outcome !== 'accepted') return;
    expect(result.order).toMatchObject({
      status: 'open',
      clientOrderId: order.clientOrderId,
      symbol: 'BTC-PERPETUAL',
    });
    expect(result.latency?.usOut).toBeGreaterThanOrEqual(result.latency?.usIn ?? Number.POSITIVE_INFINITY);
    expect(result.latency?.usDiff).toBe((result.latency?.usOut ?? 0) - (result.latency?.usIn ?? 0));
    // And the push of the new order arrives as a report
    await waitFor(
      () => reports.find((r) => r.kind === 'order' && r.order.venueOrderId === result.venueOrderId),
      'its push',
    );
  });

  it('places an IOC that fills in part: the fills and the cancelled remainder', async () => {
    sim.setBook('BTC-PERPETUAL', { levelDepth: '100' });
    const order = orderFor(btc, {
      side: 'sell',
      type: 'limit',
      timeInForce: 'ioc',
      amount: d('300'),
      price: d('59999.5'),
    });
    const result = await adapter.place(order);
    sim.setBook('BTC-PERPETUAL', { levelDepth: '100000' });
    expect(result.outcome).toBe('accepted');
    if (result.outcome !== 'accepted') return;
    expect(result.order).toMatchObject({ status: 'cancelled', cancelReason: 'unfilled_remainder' });
    expect(result.fills.map((f) => [f.amount.toString(), f.liquidity, f.side])).toEqual([
      ['100', 'taker', 'sell'],
    ]);
  });

  it('re-prices a post-only order inside the spread, and rejects it with reject-post-only', async () => {
    const repriced = await adapter.place(
      orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('60100'), postOnly: true }),
    );
    expect(repriced.outcome === 'accepted' && repriced.order?.price?.toString()).toBe('60000');
    const rejected = await adapter.place(
      orderFor(btc, {
        side: 'buy',
        type: 'limit',
        amount: d('10'),
        price: d('60100'),
        postOnly: true,
        rejectPostOnly: true,
      }),
    );
    expect(rejected).toMatchObject({ outcome: 'rejected', venueCode: '11054', message: 'post_only_reject' });
  });

  it('rejects what Deribit refuses, with its code: an amount below the minimum', async () => {
    const result = await adapter.place(
      orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('59000.3') }),
    );
    expect(result).toMatchObject({ outcome: 'rejected', venueCode: '10043' });
    expect(result.outcome === 'rejected' && result.latency?.usDiff).toBeGreaterThanOrEqual(0);
  });

  it('amends by order id (the id is kept) and, without one, by label', async () => {
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('58000') });
    const placed = await adapter.place(order);
    const venueOrderId = placed.outcome === 'accepted' ? placed.venueOrderId : undefined;
    const byId = await adapter.amend(refOf(order, venueOrderId), order, { price: d('58100') });
    expect(byId).toMatchObject({ outcome: 'accepted', venueOrderId, clientOrderId: undefined });
    expect(byId.outcome === 'accepted' && byId.order?.replaced).toBe(true);
    const byLabel = await adapter.amend(
      refOf(order, undefined),
      { ...order, price: d('58100') },
      { amount: d('200') },
    );
    expect(byLabel).toMatchObject({ outcome: 'accepted', venueOrderId });
    expect(byLabel.outcome === 'accepted' && byLabel.order?.amount.toString()).toBe('200');
    expect(byLabel.outcome === 'accepted' && byLabel.order?.price?.toString()).toBe('58100');
  });

  it('rejects an amend of an order that is not open (11044) or unknown (10004)', async () => {
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('58000') });
    const placed = await adapter.place(order);
    const venueOrderId = placed.outcome === 'accepted' ? placed.venueOrderId : undefined;
    await adapter.cancel(refOf(order, venueOrderId));
    expect(await adapter.amend(refOf(order, venueOrderId), order, { price: d('58500') })).toMatchObject({
      outcome: 'rejected',
      venueCode: '11044',
    });
    expect(await adapter.amend(refOf(order, 'BTC-1'), order, { price: d('58500') })).toMatchObject({
      outcome: 'rejected',
      venueCode: '10004',
    });
  });

  it('cancels by id, by label when the id is not known, and says unknown when no open order has the label', async () => {
    const first = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('57000') });
    const placed = await adapter.place(first);
    const byId = await adapter.cancel(
      refOf(first, placed.outcome === 'accepted' ? placed.venueOrderId : undefined),
    );
    expect(byId).toMatchObject({
      outcome: 'accepted',
      order: { status: 'cancelled', cancelReason: 'user_request' },
    });

    const second = orderFor(btc, { side: 'buy', type: 'limit', amount: d('100'), price: d('57000') });
    await adapter.place(second);
    expect(await adapter.cancel(refOf(second, undefined))).toMatchObject({
      outcome: 'accepted',
      order: undefined,
    });
    expect(await adapter.cancel(refOf(second, undefined))).toMatchObject({
      outcome: 'unknown',
      retryable: true,
    });
  });

  it('rejects a cancel of a filled order with 11044', async () => {
    const order = orderFor(btc, { side: 'buy', type: 'market', amount: d('10') });
    const placed = await adapter.place(order);
    const result = await adapter.cancel(
      refOf(order, placed.outcome === 'accepted' ? placed.venueOrderId : undefined),
    );
    expect(result).toMatchObject({ outcome: 'rejected', venueCode: '11044', message: 'not_open_order' });
  });

  it('cancels all open orders of an instrument and says how many', async () => {
    for (const price of ['56000', '56500']) {
      await adapter.place(
        orderFor(eth, { side: 'buy', type: 'limit', amount: d('10'), price: d(price).div(20) }),
      );
    }
    expect(await adapter.cancelAll(eth)).toBe(2);
    expect(await adapter.openOrders(eth)).toEqual([]);
  });

  it('finds every order with a client id (labels are not unique), on the instrument asked', async () => {
    const label = 'o-shared-label';
    await adapter.place(
      orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('55000'), clientOrderId: label }),
    );
    await adapter.place(
      orderFor(btc, { side: 'buy', type: 'limit', amount: d('20'), price: d('55000'), clientOrderId: label }),
    );
    await adapter.place(
      orderFor(eth, { side: 'buy', type: 'limit', amount: d('1'), price: d('2000'), clientOrderId: label }),
    );
    const found = await adapter.findByClientOrderId(btc, label);
    expect(found.map((o) => o.amount.toString()).sort()).toEqual(['10', '20']);
    expect(found.every((o) => o.clientOrderId === label && o.symbol === 'BTC-PERPETUAL')).toBe(true);
    expect(await adapter.findByClientOrderId(btc, 'o-never-used')).toEqual([]);
  });

  it('gets an order by id, and nothing for an id the venue does not know', async () => {
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('54000') });
    const placed = await adapter.place(order);
    const id = placed.outcome === 'accepted' ? placed.venueOrderId : '';
    expect(await adapter.getOrder(btc, id)).toMatchObject({ venueOrderId: id, status: 'open' });
    expect(await adapter.getOrder(btc, 'BTC-404')).toBeUndefined();
  });

  it('lists open orders of an instrument and of the account', async () => {
    const mine = await adapter.openOrders(btc);
    expect(mine.length).toBeGreaterThan(0);
    expect(
      mine.every(
        (o) => o.symbol === 'BTC-PERPETUAL' && (o.status === 'open' || o.status === 'partially_filled'),
      ),
    ).toBe(true);
    expect((await adapter.openOrders()).length).toBeGreaterThanOrEqual(mine.length);
  });

  it('returns the fills of an order, and of an instrument since a time, oldest first', async () => {
    const since = new Date().toISOString();
    const order = orderFor(eth, { side: 'buy', type: 'market', amount: d('30') });
    sim.setBook('ETH-PERPETUAL', { levelDepth: '10' });
    const placed = await adapter.place(order);
    sim.setBook('ETH-PERPETUAL', { levelDepth: '100000' });
    const id = placed.outcome === 'accepted' ? placed.venueOrderId : '';
    const byOrder = await adapter.fills({ instrument: eth, venueOrderId: id });
    expect(byOrder.map((f) => f.amount.toString())).toEqual(['10', '10', '10']);
    expect(byOrder.map((f) => f.price.toString())).toEqual(['3000.05', '3000.1', '3000.15']);
    const bySince = await adapter.fills({ instrument: eth, since });
    expect(bySince.map((f) => f.tradeId)).toEqual(byOrder.map((f) => f.tradeId));
  });

  it('pages through more than 1000 fills since a time (has_more, then by trade sequence)', async () => {
    const usdc = instrumentNamed(instruments, 'ETH_USDC-PERPETUAL');
    const since = new Date().toISOString();
    await adapter.place(
      orderFor(usdc, { side: 'sell', type: 'limit', amount: d('1.005'), price: d('3100') }),
    );
    for (let i = 0; i < 1005; i++) sim.trade('ETH_USDC-PERPETUAL', { side: 'buy', amount: '0.001' });
    const fills = await adapter.fills({ instrument: usdc, since });
    expect(fills).toHaveLength(1005);
    expect(new Set(fills.map((f) => f.tradeId)).size).toBe(1005);
    expect(fills.every((f) => f.liquidity === 'maker' && f.price.toString() === '3100')).toBe(true);
  });

  it('reports positions with signed size, average entry and realized PnL', async () => {
    const positions = await adapter.positions();
    const ethPosition = positions.find((p) => p.symbol === 'ETH-PERPETUAL');
    expect(ethPosition).toMatchObject({ side: 'net', account: 'test-account', venue: 'deribit' });
    expect(ethPosition?.size.toString()).toBe('30');
  });

  it('closes a position with close_position: the venue sizes the order', async () => {
    const closing = orderFor(eth, {
      side: 'sell',
      type: 'market',
      amount: d('30'),
      reduceOnly: true,
      intent: 'close_position',
    });
    const result = await adapter.closePosition(closing);
    expect(result).toMatchObject({
      outcome: 'accepted',
      order: { status: 'filled', reduceOnly: true, clientOrderId: undefined },
    });
    expect(result.outcome === 'accepted' && result.order?.amount.toString()).toBe('30');
    const ethPosition = (await adapter.positions()).find((p) => p.symbol === 'ETH-PERPETUAL');
    expect(ethPosition?.size.isZero()).toBe(true);
  });

  it('answers a heartbeat test_request with public/test', async () => {
    const before = sim.requestCount('public/test');
    sim.faults.sendTestRequest();
    await waitFor(() => sim.requestCount('public/test') > before, 'the public/test answer');
  });

  it('re-authenticates and retries once when the venue says its token expired (13009)', async () => {
    sim.expireTokens();
    const result = await adapter.place(
      orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('53000') }),
    );
    expect(result.outcome).toBe('accepted');
  });

  it("keeps the venue's refusal when the re-authentication fails: 13009, rejected, nothing re-sent", async () => {
    sim.expireTokens();
    sim.faults.failNext(13004, { method: 'public/auth', message: 'invalid_credentials' });
    const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('53000') });
    // 13009 (the order's refusal kept) or, when a background token refresh met the failing auth
    // first, 13004 (the refresh's): either way a definitive refusal, and nothing was re-sent.
    expect(await adapter.place(order)).toMatchObject({
      outcome: 'rejected',
      venueCode: expect.stringMatching(/^1300[49]$/),
    });
    expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toEqual([]);
  });

  it('never writes the client secret or a token to a log line', () => {
    const text = lines.join('');
    expect(text).not.toContain(CLIENT.clientSecret);
    expect(text).not.toMatch(/access_token|refresh_token/);
    expect(text).toContain('authenticated');
  });
});

describe('authentication and transports', () => {
  let sim: LocalDeribit;

  beforeAll(async () => {
    sim = await startSim({ tokenExpiresInSec: 1 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('authenticates with a client signature', async () => {
    const { adapter } = adapterFor(sim, { auth: 'client_signature' });
    await adapter.connect();
    expect((await adapter.positions()).length).toBeGreaterThanOrEqual(0);
    expect(sim.requestCount('public/auth:client_signature')).toBeGreaterThan(0);
    await adapter.close();
  });

  it('refreshes the token before expires_in runs out, with the refresh token', async () => {
    // Given tokens that live 1 s
    const { adapter } = adapterFor(sim);
    await adapter.connect();
    // When 80% of the lifetime has passed, Then the adapter refreshes, and keeps working
    await waitFor(() => sim.requestCount('public/auth:refresh_token') >= 1, 'a refresh', 3000);
    expect(await adapter.openOrders()).toEqual([]);
    await adapter.close();
  });

  it('sends everything over HTTP when asked: Bearer after client credentials, hmac with a signature', async () => {
    for (const auth of ['client_credentials', 'client_signature'] as const) {
      const { adapter } = adapterFor(sim, { requestTransport: 'http', auth });
      await adapter.connect();
      const btc = instrumentNamed(await adapter.instruments(), 'BTC-PERPETUAL');
      const order = orderFor(btc, { side: 'buy', type: 'limit', amount: d('10'), price: d('50000') });
      const placed = await adapter.place(order);
      expect(placed).toMatchObject({ outcome: 'accepted', order: { status: 'open' } });
      expect(placed.outcome === 'accepted' && placed.latency?.usDiff).toBeGreaterThanOrEqual(0);
      expect(await adapter.findByClientOrderId(btc, order.clientOrderId)).toHaveLength(1);
      expect(await adapter.cancelAll(btc)).toBe(1);
      await adapter.close();
    }
  });

  it('refuses to connect with wrong credentials, and says closed', async () => {
    const { adapter } = adapterFor(sim, {
      credentials: { clientId: CLIENT.clientId, clientSecret: 'wrong' },
    });
    await expect(adapter.connect()).rejects.toMatchObject({ venueCode: 13004 });
    const state = await nextValue(adapter.state$, () => true);
    expect(state.status).toBe('closed');
    await adapter.close();
  });

  it('completes its observables when closed', async () => {
    const { adapter } = adapterFor(sim);
    await adapter.connect();
    let completed = 0;
    adapter.reports$.subscribe({ complete: () => completed++ });
    adapter.state$.subscribe({ complete: () => completed++ });
    await adapter.close();
    expect(completed).toBe(2);
  });
});
