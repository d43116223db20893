import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { SimClock } from '../../simulators/clock.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';

/**
 * The local venues driven by an independent client library (ccxt, the most widely used one), as a
 * user would point it at Deribit and Bitget: a simulator that only agrees with our own adapter
 * proves nothing. Calls ccxt does not implement for a venue (Deribit fetchOrders and
 * closePosition) are made through ccxt's raw endpoint methods instead, as a ccxt user would.
 */

const within = <T>(promise: Promise<T>, ms = 5_000): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)),
  ]);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ccxt against the local Deribit', () => {
  const SYMBOL = 'BTC/USD:BTC';
  let sim: LocalDeribit;
  let ex: InstanceType<typeof ccxt.pro.deribit>;

  beforeAll(async () => {
    sim = await startLocalDeribit({
      credentials: [{ clientId: 'ccxt', clientSecret: 'ccxt-secret', account: 'main' }],
      enforceRateLimits: false,
    });
    ex = new ccxt.pro.deribit({ apiKey: 'ccxt', secret: 'ccxt-secret' });
    ex.urls.api = { rest: sim.httpUrl, ws: sim.wsUrl };
    await ex.loadHttpProxyAgent(); // ccxt asks for it before a plain ws:// URL
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it('loads markets and currencies, balances, a ticker and an order book', async () => {
    const markets = await ex.loadMarkets();
    expect(markets[SYMBOL]).toMatchObject({ id: 'BTC-PERPETUAL', settle: 'BTC', contract: true });
    const balance = await ex.fetchBalance({ code: 'BTC' });
    expect(balance.BTC?.total).toBe(10);
    const ticker = await ex.fetchTicker(SYMBOL);
    expect(ticker.bid).toBeLessThan(ticker.ask!);
    const book = await ex.fetchOrderBook(SYMBOL);
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.asks[0]![0]).toBeGreaterThan(book.bids[0]![0]!);
  });

  it('places, fetches, edits and cancels a post-only limit order; IOC and FOK; market and reduce-only', async () => {
    const limit = await ex.createOrder(SYMBOL, 'limit', 'buy', 10, 50_000, { postOnly: true });
    if (limit.id === undefined) throw new Error('no order id');
    expect((await ex.fetchOrder(limit.id, SYMBOL)).status).toBe('open');
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toContain(limit.id);
    const edited = await ex.editOrder(limit.id, SYMBOL, 'limit', 'buy', 20, 50_500);
    expect(edited).toMatchObject({ id: limit.id, amount: 20, price: 50_500 });
    expect((await ex.cancelOrder(limit.id, SYMBOL)).status).toBe('canceled');

    const ioc = await ex.createOrder(SYMBOL, 'limit', 'buy', 10, 59_000, { timeInForce: 'IOC' });
    expect(ioc.status).toBe('canceled'); // below the ask: nothing to take, the rest is cancelled
    const fok = await ex.createOrder(SYMBOL, 'limit', 'buy', 10, 70_000, { timeInForce: 'FOK' });
    expect(fok.status).toBe('closed');

    await ex.createOrder(SYMBOL, 'market', 'buy', 30);
    const reduce = await ex.createOrder(SYMBOL, 'market', 'sell', 10, undefined, { reduceOnly: true });
    expect(reduce.info.reduce_only).toBe(true);
    const position = await ex.fetchPosition(SYMBOL);
    expect(position.contracts).toBe(30); // USD: the FOK's 10 + 30 - 10 reduced
    expect((await ex.fetchMyTrades(SYMBOL)).length).toBeGreaterThanOrEqual(3);
    expect((await ex.fetchClosedOrders(SYMBOL)).length).toBeGreaterThanOrEqual(3);

    await ex.createOrder(SYMBOL, 'limit', 'buy', 10, 40_000);
    await ex.cancelAllOrders(SYMBOL);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);

    // close_position: ccxt has no unified method for Deribit; its raw endpoint works
    const closed = (await ex.privateGetClosePosition({
      instrument_name: 'BTC-PERPETUAL',
      type: 'market',
    })) as {
      result: { order: { order_state: string } };
    };
    expect(closed.result.order.order_state).toBe('filled');
    expect((await ex.fetchPosition(SYMBOL)).contracts ?? 0).toBe(0);
  });

  it('watches orders and trades over the WebSocket while orders fill', async () => {
    const orders = ex.watchOrders(SYMBOL);
    await pause(300);
    await ex.createOrder(SYMBOL, 'market', 'buy', 10);
    expect((await within(orders)).length).toBeGreaterThan(0);
    const trades = ex.watchMyTrades(SYMBOL);
    await pause(300);
    await ex.createOrder(SYMBOL, 'market', 'sell', 10);
    expect((await within(trades))[0]).toMatchObject({ symbol: SYMBOL });
  });

  it('serves the ticker and the order book over the WebSocket: a snapshot, then the changes a trade makes', async () => {
    const ticker = await within(ex.watchTicker(SYMBOL));
    expect(ticker.bid).toBeLessThan(ticker.ask!);
    const book = await within(ex.watchOrderBook(SYMBOL));
    const [bestAsk, askAmount] = book.asks[0]!;
    // When a taker buys at the best ask
    const next = ex.watchOrderBook(SYMBOL);
    await ex.createOrder(SYMBOL, 'market', 'buy', 20);
    // Then the book pushes the change: less at that price
    const changed = await within(next);
    const after = changed.asks.find(([price]) => price === bestAsk);
    expect(after?.[1]).toBe(askAmount! - 20);
  });
});

describe('ccxt against the local Bitget', () => {
  const SYMBOL = 'BTC/USDT:USDT';
  const credentials = { apiKey: 'ccxt-key', secretKey: 'ccxt-secret', passphrase: 'ccxt-pass' };
  const HEDGE = { apiKey: 'ccxt-hedge', secretKey: 'ccxt-hedge-secret', passphrase: 'ccxt-hedge-pass' };
  let sim: LocalBitget;
  let ex: InstanceType<typeof ccxt.pro.bitget>;

  beforeAll(async () => {
    sim = await startLocalBitget({ credentials: [credentials, HEDGE], positionMode: 'one_way' });
    ex = new ccxt.pro.bitget({
      apiKey: credentials.apiKey,
      secret: credentials.secretKey,
      password: credentials.passphrase,
      options: { defaultType: 'swap' },
    });
    for (const key of Object.keys(ex.urls.api))
      if (typeof ex.urls.api[key] === 'string') ex.urls.api[key] = sim.restUrl;
    ex.urls.api.ws = {
      public: sim.publicWsUrl,
      private: sim.wsUrl,
      utaPublic: sim.publicWsUrl,
      utaPrivate: sim.wsUrl,
    };
    await ex.loadHttpProxyAgent();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it('loads markets (every product type is asked for; USDT-M is listed), balances, a ticker and an order book', async () => {
    const markets = await ex.loadMarkets();
    expect(markets[SYMBOL]).toMatchObject({ id: 'BTCUSDT', settle: 'USDT', swap: true });
    const balance = await ex.fetchBalance();
    expect(balance.USDT?.free).toBe(1_000_000);
    expect((await ex.fetchTicker(SYMBOL)).last).toBe(60_000);
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    expect(book.asks).toHaveLength(5);
    expect(book.asks[0]![0]).toBeGreaterThan(book.bids[0]![0]!);
  });

  it('places, fetches, edits (cancel-and-replace) and cancels; market, reduce-only; trades and positions', async () => {
    const limit = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 50_000);
    if (limit.id === undefined) throw new Error('no order id');
    expect((await ex.fetchOrder(limit.id, SYMBOL)).status).toBe('open');
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toContain(limit.id);
    const edited = await ex.editOrder(limit.id, SYMBOL, 'limit', 'buy', 0.02, 50_500);
    expect(edited.clientOrderId).toBeDefined();
    const replaced = await within(
      (async () => {
        for (;;) {
          const open = await ex.fetchOpenOrders(SYMBOL);
          const found = open.find((o) => o.price === 50_500);
          if (found) return found;
          await pause(50);
        }
      })(),
    );
    expect(replaced.id).not.toBe(limit.id); // Bitget's modify replaces the order
    await ex.cancelOrder(replaced.id!, SYMBOL);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);

    await ex.createOrder(SYMBOL, 'market', 'buy', 0.03);
    await ex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    const [position] = await ex.fetchPositions([SYMBOL]);
    expect(position).toMatchObject({ side: 'long', contracts: 0.02 });
    expect((await ex.fetchMyTrades(SYMBOL)).length).toBe(2);

    await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 40_000);
    await ex.cancelAllOrders(SYMBOL);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
  });

  it('creates, lists and cancels a trigger order (a Bitget plan order: place-plan-order, orders-plan-pending, cancel-plan-order)', async () => {
    // ccxt sends what the document lists (planType normal_plan, triggerType mark_price, the
    // triggerPrice) plus two fields it does not: its default `force` and, for a limit trigger, the
    // price again as `executePrice`. The venue takes ccxt's trigger orders, so the local one does too.
    // Given a market trigger buy far above the mark
    const trigger = await ex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { triggerPrice: 70_000 });
    if (trigger.id === undefined) throw new Error('no order id');
    // Then it is listed among the open trigger orders, untriggered, and not among the plain ones
    const open = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    expect(open.map((o) => [o.id, o.status, o.triggerPrice, o.amount, o.side])).toEqual([
      [trigger.id, 'open', 70_000, 0.01, 'buy'],
    ]);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).not.toContain(trigger.id);
    // When it is cancelled
    await ex.cancelOrder(trigger.id, SYMBOL, { trigger: true });
    // Then no trigger order is open any more
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toEqual([]);

    // A limit trigger order carries its price; it is listed with it, then cancelled
    const limit = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 69_000, { triggerPrice: 70_000 });
    const [listed] = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    expect([listed?.id, listed?.price, listed?.triggerPrice]).toEqual([limit.id, 69_000, 70_000]);
    if (limit.id === undefined) throw new Error('no order id');
    await ex.cancelOrder(limit.id, SYMBOL, { trigger: true });
  });

  it('trades both legs in hedge mode (an account of its own)', async () => {
    const hedge = new ccxt.bitget({
      apiKey: HEDGE.apiKey,
      secret: HEDGE.secretKey,
      password: HEDGE.passphrase,
      options: { defaultType: 'swap' },
    });
    for (const key of Object.keys(hedge.urls.api)) {
      if (typeof hedge.urls.api[key] === 'string') hedge.urls.api[key] = sim.restUrl;
    }
    sim.setPositionMode('hedge', HEDGE.apiKey);
    const ex = hedge;
    await ex.createOrder(SYMBOL, 'market', 'buy', 0.02, undefined, { hedged: true });
    await ex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, { hedged: true });
    const legs = await ex.fetchPositions([SYMBOL]);
    expect(legs.map((p) => [p.side, p.contracts]).sort()).toEqual([
      ['long', 0.02],
      ['short', 0.01],
    ]);
    // Closing the long leg: tradeSide close (ccxt: reduceOnly with hedged)
    await ex.createOrder(SYMBOL, 'market', 'sell', 0.02, undefined, { hedged: true, reduceOnly: true });
    const after = await ex.fetchPositions([SYMBOL]);
    expect(after.map((p) => [p.side, p.contracts])).toEqual([['short', 0.01]]);
  });

  it('watches orders and trades over the WebSocket while orders fill', async () => {
    const orders = ex.watchOrders(SYMBOL);
    await pause(300);
    await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
    expect((await within(orders)).length).toBeGreaterThan(0);
    const trades = ex.watchMyTrades(SYMBOL);
    await pause(300);
    await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
    expect((await within(trades))[0]).toMatchObject({ symbol: SYMBOL });
  });

  it('watches the ticker (with funding) and the order book (checksummed) over the public WebSocket', async () => {
    const ticker = await within(ex.watchTicker(SYMBOL));
    expect(ticker.bid).toBeLessThan(ticker.ask!);
    expect(ticker.info).toMatchObject({ fundingRate: '0.0001' });
    const book = await within(ex.watchOrderBook(SYMBOL));
    expect(book.asks[0]![0]).toBeGreaterThan(book.bids[0]![0]!);
    // The market moves: a new book comes, its checksum verified by ccxt
    sim.setMarkPrice('BTCUSDT', '60500');
    let best = book.asks[0]![0];
    for (let i = 0; i < 5 && best !== 60500; i++)
      best = (await within(ex.watchOrderBook(SYMBOL))).asks[0]![0];
    expect(best).toBe(60500);
  });

  it('reads the account bills as a ledger (fetchLedger) and the funding payments (fetchFundingHistory)', async () => {
    // A venue of its own whose clock runs 8 hours behind (its timestamp checks follow ccxt's clock),
    // so that moving it to now passes a funding time
    const BEHIND = 8 * 3_600_000;
    const clock = new SimClock(() => Date.now() - BEHIND);
    const keys = { apiKey: 'ccxt-ledger', secretKey: 'ccxt-ledger-secret', passphrase: 'ccxt-ledger-pass' };
    const venue = await startLocalBitget({ credentials: keys, clock });
    venue.faults.setClockSkew(BEHIND);
    const client = new ccxt.bitget({
      apiKey: keys.apiKey,
      secret: keys.secretKey,
      password: keys.passphrase,
      options: { defaultType: 'swap' },
    });
    for (const key of Object.keys(client.urls.api))
      if (typeof client.urls.api[key] === 'string') client.urls.api[key] = venue.restUrl;
    try {
      // Given a long 0.01 BTC, a transfer in, and a funding time
      await client.createOrder(SYMBOL, 'market', 'buy', 0.01);
      venue.transferIn(keys.apiKey, '250');
      clock.advance(BEHIND);
      venue.faults.setClockSkew(0);

      // Then ccxt reads every bill as a ledger entry: its id, type, amount and the balance after it
      const bills = venue.bills(keys.apiKey);
      const types: Record<string, string> = {
        trans_from_exchange: 'transfer',
        buy: 'trade',
        contract_settle_fee: 'fee',
      };
      const entries = await client.fetchLedger('USDT');
      expect(entries.map((e) => e.id).sort()).toEqual(bills.map((b) => b.billId).sort());
      for (const bill of bills) {
        expect(entries.find((e) => e.id === bill.billId)).toMatchObject({
          type: types[bill.businessType!],
          currency: 'USDT',
          amount: Math.abs(Number(bill.amount)),
          direction: bill.amount!.startsWith('-') ? 'out' : 'in',
          after: Number(bill.balance),
          timestamp: Number(bill.cTime),
        });
      }
      // and the funding paid through fetchFundingHistory (which also sends marginCoin)
      const funding = await client.fetchFundingHistory(SYMBOL);
      expect(funding.length).toBeGreaterThan(0);
      for (const payment of funding)
        expect(payment).toMatchObject({ symbol: SYMBOL, code: 'USDT', amount: -0.06 });
      expect(funding.map((f) => f.id)).toEqual(
        bills
          .filter((b) => b.businessType === 'contract_settle_fee')
          .map((b) => b.billId)
          .reverse(),
      );
    } finally {
      await venue.close();
    }
  });
});
