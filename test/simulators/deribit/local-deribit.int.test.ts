import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { CLIENT, RawClient, startSim, waitFor } from '../../venues/deribit/support.ts';

/** How the local Deribit trades and talks, seen through the raw protocol. */

interface WireOrderLike {
  order_id: string;
  order_state: string;
  price: number;
  amount: number;
  filled_amount: number;
  average_price: number;
  label: string;
  cancel_reason?: string;
  replaced: boolean;
}
interface OrderReply {
  order: WireOrderLike;
  trades: { trade_id: string; amount: number; price: number; liquidity: string; fee: number }[];
}

describe('matching against the synthetic book', () => {
  let sim: LocalDeribit;
  let client: RawClient;

  beforeEach(async () => {
    sim = await startSim();
    client = await RawClient.open(sim.wsUrl);
    await client.auth();
  });
  afterEach(async () => {
    client.close();
    await sim.close();
  });

  const order = async (method: string, params: Record<string, unknown>) => {
    const reply = await client.call(method, { instrument_name: 'BTC-PERPETUAL', ...params });
    if (reply.error) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
    return reply.result as OrderReply;
  };

  it('rests a limit order below the market, with its label and Deribit fields', async () => {
    // Given a market at 60000 (bid 59999.5, ask 60000.5)
    // When a buy is placed at 59990
    const { order: placed, trades } = await order('private/buy', { amount: 100, price: 59990, label: 'L1' });
    // Then it rests, unfilled
    expect(trades).toEqual([]);
    expect(placed).toMatchObject({
      order_state: 'open',
      filled_amount: 0,
      average_price: 0,
      label: 'L1',
      replaced: false,
    });
    expect(placed.order_id).toMatch(/^BTC-\d+$/);
  });

  it('fills a marketable limit order at the best levels, as taker, and rests the rest', async () => {
    sim.setBook('BTC-PERPETUAL', { levelDepth: '100' });
    const { order: placed, trades } = await order('private/buy', { amount: 300, price: 60001 });
    expect(trades.map((t) => [t.price, t.amount, t.liquidity])).toEqual([
      [60000.5, 100, 'T'],
      [60001, 100, 'T'],
    ]);
    expect(placed).toMatchObject({ order_state: 'open', filled_amount: 200, price: 60001 });
  });

  it('cancels what an IOC could not fill at once', async () => {
    sim.setBook('BTC-PERPETUAL', { levelDepth: '100' });
    const { order: placed, trades } = await order('private/sell', {
      amount: 300,
      price: 59999.5,
      time_in_force: 'immediate_or_cancel',
    });
    expect(trades).toHaveLength(1);
    expect(placed).toMatchObject({ order_state: 'cancelled', filled_amount: 100 });
  });

  it('kills a FOK that cannot fill entirely, without any trade', async () => {
    sim.setBook('BTC-PERPETUAL', { levelDepth: '100' });
    const { order: placed, trades } = await order('private/buy', {
      amount: 500,
      price: 60001,
      time_in_force: 'fill_or_kill',
    });
    expect(trades).toEqual([]);
    expect(placed).toMatchObject({ order_state: 'cancelled', filled_amount: 0 });
  });

  it('fills a market order through the book', async () => {
    const { order: placed, trades } = await order('private/buy', { amount: 1000, type: 'market' });
    expect(placed).toMatchObject({ order_state: 'filled', filled_amount: 1000, average_price: 60000.5 });
    expect(trades[0]?.fee).toBeGreaterThan(0);
  });

  it('re-prices a post-only order that would take to one tick inside the spread', async () => {
    const { order: placed, trades } = await order('private/buy', {
      amount: 10,
      price: 60100,
      post_only: true,
    });
    expect(trades).toEqual([]);
    expect(placed).toMatchObject({ order_state: 'open', price: 60000 });
  });

  it('fills a resting order when the mark moves through it, partially when liquidity is limited', async () => {
    const { order: placed } = await order('private/buy', { amount: 100, price: 59990 });
    sim.setMarkPrice('BTC-PERPETUAL', '59900', { fillLimit: '30' });
    const state = (await client.call('private/get_order_state', { order_id: placed.order_id }))
      .result as WireOrderLike;
    expect(state).toMatchObject({ order_state: 'open', filled_amount: 30, average_price: 59990 });
    const filled = sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '500' });
    expect(filled.toString()).toBe('70');
    const done = (await client.call('private/get_order_state', { order_id: placed.order_id }))
      .result as WireOrderLike;
    expect(done).toMatchObject({ order_state: 'filled', filled_amount: 100 });
  });

  it('gives every resting order one fill at its own price with fillEach (bulk fills for benchmarks)', async () => {
    // Given three resting buys, one with only 5 left to fill, and a resting sell
    const a = await order('private/buy', { amount: 100, price: 59990 });
    const b = await order('private/buy', { amount: 100, price: 59980 });
    const c = await order('private/buy', { amount: 20, price: 59970 });
    await order('private/sell', { amount: 100, price: 60100 });
    sim.trade('BTC-PERPETUAL', { side: 'sell', amount: '115', price: '59970' }); // a filled, b 15
    expect(sim.trades()).toHaveLength(2);
    // When the buys each get a fill of 10
    const fills = sim.fillEach('BTC-PERPETUAL', '10', 'buy');
    // Then b gets 10 more, c gets 10, a (filled) and the sell none: maker fills at their prices
    expect(fills).toBe(2);
    const state = async (id: string) =>
      (await client.call('private/get_order_state', { order_id: id })).result as WireOrderLike;
    expect(await state(a.order.order_id)).toMatchObject({ order_state: 'filled', filled_amount: 100 });
    expect(await state(b.order.order_id)).toMatchObject({ order_state: 'open', filled_amount: 25 });
    expect(await state(c.order.order_id)).toMatchObject({ order_state: 'open', filled_amount: 10 });
    expect(
      sim
        .trades()
        .slice(2)
        .map((t) => [t.price.toString(), t.amount.toString(), t.liquidity]),
    ).toEqual([
      ['59980', '10', 'M'],
      ['59970', '10', 'M'],
    ]);
  });

  it('edits in place: same id, new terms, replaced', async () => {
    const { order: placed } = await order('private/buy', { amount: 100, price: 59990 });
    const edited = await order('private/edit', { order_id: placed.order_id, amount: 200, price: 59980 });
    expect(edited.order).toMatchObject({
      order_id: placed.order_id,
      amount: 200,
      price: 59980,
      replaced: true,
    });
  });

  it('cancels a post-only order whose edit would take, when reject_post_only is set', async () => {
    const { order: placed } = await order('private/buy', {
      amount: 100,
      price: 59990,
      post_only: true,
      reject_post_only: true,
    });
    const edited = await order('private/edit', { order_id: placed.order_id, amount: 100, price: 60100 });
    expect(edited.order).toMatchObject({ order_state: 'cancelled', cancel_reason: 'edit_post_only_reject' });
  });

  it('keeps a reduce-only order from opening more than the position', async () => {
    await order('private/buy', { amount: 100, type: 'market' });
    const { order: reducing } = await order('private/sell', {
      amount: 300,
      type: 'market',
      reduce_only: true,
    });
    expect(reducing).toMatchObject({ order_state: 'cancelled', filled_amount: 100 });
    const [position] = (await client.call('private/get_positions', { currency: 'BTC' })).result as {
      size: number;
    }[];
    expect(position?.size).toBe(0);
  });

  it('closes a position with close_position: a reduce-only order for the whole size, without a label', async () => {
    await order('private/sell', { amount: 200, type: 'market' });
    const { order: closing, trades } = await order('private/close_position', { type: 'market' });
    expect(closing).toMatchObject({ order_state: 'filled', amount: 200, label: '' });
    expect(trades.reduce((sum, t) => sum + t.amount, 0)).toBe(200);
  });

  it('finds every order carrying a label: labels are not unique', async () => {
    await order('private/buy', { amount: 10, price: 59000, label: 'twice' });
    await order('private/buy', { amount: 20, price: 59000, label: 'twice' });
    const found = (await client.call('private/get_order_state_by_label', { currency: 'BTC', label: 'twice' }))
      .result as WireOrderLike[];
    expect(found.map((o) => o.amount).sort()).toEqual([10, 20]);
    expect(
      (await client.call('private/get_order_state_by_label', { currency: 'ETH', label: 'twice' })).result,
    ).toEqual([]);
  });

  it('reports positions as Deribit does: signed size, average price, realized PnL in the coin', async () => {
    await order('private/buy', { amount: 100, price: 60000.5 });
    sim.setMarkPrice('BTC-PERPETUAL', '62000');
    await order('private/sell', { amount: 100, type: 'market' });
    const [position] = (await client.call('private/get_positions', { currency: 'BTC' })).result as {
      size: number;
      realized_profit_loss: number;
      direction: string;
    }[];
    expect(position).toMatchObject({ size: 0, direction: 'zero' });
    // 100 USD × (1/60000.5 − 1/61999.5) BTC
    expect(position?.realized_profit_loss).toBeCloseTo(100 * (1 / 60000.5 - 1 / 61999.5), 12);
  });
});

describe('funds', () => {
  it('refuses an order the account cannot margin, unless the margin check is off (benchmarks)', async () => {
    const poor = [{ ...CLIENT, balances: { BTC: '0.001' } }];
    for (const enforceMargin of [true, false]) {
      const sim = await startSim({ credentials: poor, enforceMargin });
      const client = await RawClient.open(sim.wsUrl);
      try {
        await client.auth();
        const reply = await client.call('private/buy', {
          instrument_name: 'BTC-PERPETUAL',
          amount: 100_000,
          price: 59990,
        });
        if (enforceMargin) expect(reply.error?.message).toBe('not_enough_funds');
        else expect(reply.error).toBeUndefined();
      } finally {
        client.close();
        await sim.close();
      }
    }
  });
});

describe('subscriptions and their payload shapes', () => {
  let sim: LocalDeribit;
  let client: RawClient;

  beforeAll(async () => {
    sim = await startSim();
    client = await RawClient.open(sim.wsUrl);
    await client.auth();
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('subscribes what it serves and silently leaves out the rest', async () => {
    const reply = await client.call('private/subscribe', {
      channels: [
        'user.orders.BTC-PERPETUAL.raw',
        'user.orders.future.BTC.100ms',
        'user.trades.any.any.raw',
        'user.changes.BTC-PERPETUAL.raw',
        'user.orders.NOPE.raw',
        'book.BTC-PERPETUAL.raw',
        'user.portfolio.btc',
        'user.portfolio.nope',
        'ticker.NOPE.raw',
      ],
    });
    expect(reply.result).toEqual([
      'user.orders.BTC-PERPETUAL.raw',
      'user.orders.future.BTC.100ms',
      'user.trades.any.any.raw',
      'user.changes.BTC-PERPETUAL.raw',
      'book.BTC-PERPETUAL.raw',
      'user.portfolio.btc',
    ]);
  });

  it('pushes an order object on raw, an array on 100ms, trades as an array, changes as an object', async () => {
    await client.call('private/buy', {
      instrument_name: 'BTC-PERPETUAL',
      amount: 10,
      type: 'market',
      label: 'sub',
    });
    const raw = await waitFor(
      () => client.notifications('user.orders.BTC-PERPETUAL.raw')[0],
      'a raw order push',
    );
    expect(raw.params?.data).toMatchObject({ label: 'sub', order_state: 'filled' });
    const aggregated = await waitFor(
      () => client.notifications('user.orders.future.BTC.100ms')[0],
      'an aggregated push',
    );
    expect(Array.isArray(aggregated.params?.data)).toBe(true);
    const trades = await waitFor(() => client.notifications('user.trades.any.any.raw')[0], 'a trades push');
    expect(trades.params?.data).toEqual([expect.objectContaining({ label: 'sub', liquidity: 'T' })]);
    const changes = await waitFor(
      () => client.notifications('user.changes.BTC-PERPETUAL.raw')[0],
      'a changes push',
    );
    expect(changes.params?.data).toMatchObject({
      instrument_name: 'BTC-PERPETUAL',
      orders: [expect.objectContaining({ label: 'sub' })],
      trades: [expect.objectContaining({ label: 'sub' })],
      positions: [expect.objectContaining({ size: 10, direction: 'buy' })],
    });
  });

  it('stamps every reply with usIn, usOut, usDiff and testnet, and echoes the id as sent', async () => {
    const reply = await client.call('public/test');
    expect(reply).toMatchObject({ result: { version: expect.any(String) }, testnet: true });
    expect(reply.usOut! - reply.usIn!).toBe(reply.usDiff);
    client.sendText(JSON.stringify({ jsonrpc: '2.0', id: 'text-id', method: 'public/get_time', params: {} }));
    await waitFor(() => client.messages.find((m) => m.id === 'text-id'), 'the reply with the string id');
  });
});

describe('heartbeats and cancel-on-disconnect', () => {
  it('sends test_request at the interval and closes a connection that does not answer', async () => {
    const sim = await startSim();
    const client = await RawClient.open(sim.wsUrl);
    await client.call('public/set_heartbeat', { interval: 0.1 });
    await waitFor(
      () => client.messages.find((m) => m.method === 'heartbeat' && m.params?.type === 'test_request'),
      'a test_request',
    );
    expect(await client.closed).toBeGreaterThan(0);
    await sim.close();
  });

  it('keeps a connection that answers with public/test', async () => {
    const sim = await startSim();
    const client = await RawClient.open(sim.wsUrl);
    await client.call('public/set_heartbeat', { interval: 0.1 });
    for (let i = 0; i < 3; i++) {
      const seen = client.messages.filter((m) => m.method === 'heartbeat').length;
      await waitFor(
        () => client.messages.filter((m) => m.method === 'heartbeat').length > seen,
        'a test_request',
      );
      await client.call('public/test');
    }
    expect(sim.connectionCount()).toBe(1);
    client.close();
    await sim.close();
  });

  it("cancels the connection's open orders when it drops, with cancel_on_disconnect", async () => {
    const sim = await startSim();
    const client = await RawClient.open(sim.wsUrl);
    await client.auth();
    await client.call('private/enable_cancel_on_disconnect', { scope: 'connection' });
    await client.call('private/buy', {
      instrument_name: 'BTC-PERPETUAL',
      amount: 10,
      price: 59000,
      label: 'cod',
    });
    client.close();
    await waitFor(() => sim.orders(CLIENT.clientId).every((o) => o.state === 'cancelled'), 'the cancel');
    expect(sim.orders(CLIENT.clientId)[0]?.cancelReason).toBe('cancel_on_disconnect');
    await sim.close();
  });
});

describe('a long list does not hold the other requests', () => {
  it('Given 1,200 resting orders, When the open orders are asked for and a buy is placed right after, Then the buy is answered first and the list holds every order, the buy not among them', async () => {
    const sim = await startSim({ enforceRateLimits: false, enforceMargin: false });
    const client = await RawClient.open(sim.wsUrl);
    try {
      await client.auth();
      const resting = Array.from({ length: 1_200 }, (_, i) =>
        client.call('private/buy', { instrument_name: 'BTC-PERPETUAL', amount: 10, price: 50_000 + i }),
      );
      expect((await Promise.all(resting)).every((r) => r.error === undefined)).toBe(true);
      const seen = client.messages.length;

      // When
      const list = client.call('private/get_open_orders', {});
      const buy = client.call('private/buy', { instrument_name: 'BTC-PERPETUAL', amount: 10, price: 40_000 });
      const [listed, bought] = await Promise.all([list, buy]);

      // Then
      const replies = client.messages.slice(seen).filter((m) => m.id !== undefined);
      expect(replies.map((m) => m.id)).toEqual([bought.id, listed.id]);
      const orders = listed.result as { price: number }[];
      expect(orders).toHaveLength(1_200);
      expect(orders.some((o) => o.price === 40_000)).toBe(false);
    } finally {
      client.close();
      await sim.close();
    }
  });
});
