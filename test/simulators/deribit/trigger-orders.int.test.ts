import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { RawClient, startSim } from '../../venues/deribit/support.ts';

/**
 * Trigger orders on the local Deribit, as Deribit's documents describe them: a stop or take order
 * waits `untriggered` under an id of its own kind, fires when its reference price reaches the
 * trigger, and continues as a new order carrying `trigger_order_id`.
 */

let sim: LocalDeribit;
let client: RawClient;
const BTC = 'BTC-PERPETUAL';

beforeAll(async () => {
  sim = await startSim({ enforceRateLimits: false });
  client = await RawClient.open(sim.wsUrl);
  await client.auth();
});

afterAll(async () => {
  client?.close();
  await sim?.close();
});

type Order = Record<string, unknown> & { order_id: string; order_state: string };
const orderOf = (reply: { result?: unknown }) => (reply.result as { order: Order }).order;

describe('a stop-market buy on the mark price', () => {
  it('waits untriggered, fires when the mark reaches it, and continues as a new filled order', async () => {
    const mark = sim.markPrice(BTC).toNumber();
    // Given a stop-market buy 100 above the mark
    const placed = orderOf(
      await client.call('private/buy', {
        instrument_name: BTC,
        amount: 10,
        type: 'stop_market',
        trigger: 'mark_price',
        trigger_price: mark + 100,
        label: 'stop-1',
      }),
    );
    expect(placed).toMatchObject({
      order_state: 'untriggered',
      order_type: 'stop_market',
      trigger: 'mark_price',
      trigger_price: mark + 100,
      triggered: false,
      price: 'market_price',
    });
    expect(placed.order_id).toMatch(/^SMMB-\d+$/);
    const open = (await client.call('private/get_open_orders_by_instrument', { instrument_name: BTC }))
      .result as Order[];
    expect(open.map((o) => o.order_id)).toContain(placed.order_id);
    const limitsOnly = (
      await client.call('private/get_open_orders_by_instrument', { instrument_name: BTC, type: 'limit' })
    ).result as Order[];
    expect(limitsOnly.map((o) => o.order_id)).not.toContain(placed.order_id);

    // When the mark moves through the trigger
    sim.setMarkPrice(BTC, String(mark + 150));

    // Then the trigger order is triggered, and a new order under our label took the liquidity
    const trigger = (await client.call('private/get_order_state', { order_id: placed.order_id }))
      .result as Order;
    expect(trigger).toMatchObject({ order_state: 'triggered', triggered: true });
    const byLabel = (
      await client.call('private/get_order_state_by_label', { currency: 'BTC', label: 'stop-1' })
    ).result as Order[];
    const child = byLabel.find((o) => o.trigger_order_id === placed.order_id);
    expect(child).toMatchObject({ order_state: 'filled', order_type: 'market', filled_amount: 10 });
    expect(child?.order_id).not.toBe(placed.order_id);
  });
});

describe('refusals and changes of a trigger order', () => {
  it('refuses a trigger on the side that would fire at once, edits the trigger price, and cancels', async () => {
    const mark = sim.markPrice(BTC).toNumber();
    const wrongSide = await client.call('private/sell', {
      instrument_name: BTC,
      amount: 10,
      type: 'stop_limit',
      price: mark - 500,
      trigger: 'last_price',
      trigger_price: mark + 500,
    });
    expect(wrongSide.error).toMatchObject({ code: 10034, message: 'trigger_price_too_high' });

    const takeProfit = orderOf(
      await client.call('private/sell', {
        instrument_name: BTC,
        amount: 10,
        type: 'take_limit',
        price: mark + 600,
        trigger: 'mark_price',
        trigger_price: mark + 500,
        reduce_only: false,
      }),
    );
    expect(takeProfit.order_id).toMatch(/^TLMS-\d+$/);
    const edited = orderOf(
      await client.call('private/edit', {
        order_id: takeProfit.order_id,
        amount: 20,
        price: mark + 700,
        trigger_price: mark + 650,
      }),
    );
    expect(edited).toMatchObject({
      trigger_price: mark + 650,
      price: mark + 700,
      amount: 20,
      order_state: 'untriggered',
    });
    const cancelled = (await client.call('private/cancel', { order_id: takeProfit.order_id }))
      .result as Order;
    expect(cancelled.order_state).toBe('cancelled');
  });
});
