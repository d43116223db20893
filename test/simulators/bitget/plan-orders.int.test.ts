import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalBitget,
  type LocalBitgetOptions,
  startLocalBitget,
} from '../../../simulators/bitget/server.ts';
import {
  CREDENTIALS,
  DETAIL,
  PLACE,
  placeBody,
  type RawReply,
  rawClient,
  rawSocket,
  SET_POSITION_MODE,
} from '../../venues/bitget/support.ts';

/**
 * Plan (trigger) orders on the local Bitget over raw signed HTTP and the raw private WebSocket:
 * place-plan-order, modify-plan-order, cancel-plan-order, orders-plan-pending,
 * orders-plan-history, plan-sub-order and the `orders-algo` channel, as Bitget's v2 documents
 * describe them.
 */

const PLACE_PLAN = '/api/v2/mix/order/place-plan-order';
const MODIFY_PLAN = '/api/v2/mix/order/modify-plan-order';
const CANCEL_PLAN = '/api/v2/mix/order/cancel-plan-order';
const PLAN_PENDING = '/api/v2/mix/order/orders-plan-pending';
const PLAN_HISTORY = '/api/v2/mix/order/orders-plan-history';
const PLAN_SUB_ORDER = '/api/v2/mix/order/plan-sub-order';
const ACCOUNT = '/api/v2/mix/account/account';
const PRODUCT = { productType: 'USDT-FUTURES' };

let local: LocalBitget;
let raw: ReturnType<typeof rawClient>;
const open: LocalBitget[] = [];
const dirs: string[] = [];

async function start(options: Partial<LocalBitgetOptions> = {}) {
  local = await startLocalBitget({
    credentials: CREDENTIALS,
    seed: 5,
    behaviour: { rateLimits: false },
    ...options,
  });
  open.push(local);
  raw = rawClient(local.restUrl);
}

beforeEach(async () => start());
afterEach(async () => {
  for (const venue of open.splice(0)) await venue.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function ok(reply: RawReply) {
  expect(reply.body, JSON.stringify(reply.body)).toMatchObject({ code: '00000', msg: 'success' });
  expect(reply.status).toBe(200);
  return reply.body.data as Record<string, unknown>;
}

function refused(reply: RawReply, code: string, msg: string | RegExp) {
  expect(reply.status).toBe(400);
  expect(reply.body.code).toBe(code);
  expect(reply.body.msg).toMatch(msg);
  expect(reply.body.data).toBeNull();
}

/** A place-plan-order body: a market buy-stop of 0.01 BTCUSDT on the mark at 61000 (mark 60000). */
function planBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    planType: 'normal_plan',
    symbol: 'BTCUSDT',
    productType: 'USDT-FUTURES',
    marginMode: 'crossed',
    marginCoin: 'USDT',
    size: '0.01',
    triggerPrice: '61000',
    triggerType: 'mark_price',
    side: 'buy',
    orderType: 'market',
    ...fields,
  };
}

async function placePlan(fields: Record<string, unknown> = {}) {
  return ok(await raw.post(PLACE_PLAN, planBody(fields))) as { orderId: string; clientOid: string };
}

async function pending(query: Record<string, unknown> = {}) {
  const data = ok(await raw.get(PLAN_PENDING, { ...PRODUCT, planType: 'normal_plan', ...query }));
  return (data.entrustedList ?? []) as Record<string, unknown>[];
}

async function history(query: Record<string, unknown> = {}) {
  const data = ok(await raw.get(PLAN_HISTORY, { ...PRODUCT, planType: 'normal_plan', ...query }));
  return (data.entrustedList ?? []) as Record<string, unknown>[];
}

async function subOrders(planOrderId: string) {
  return ok(
    await raw.get(PLAN_SUB_ORDER, { ...PRODUCT, planType: 'normal_plan', planOrderId }),
  ) as unknown as Record<string, unknown>[];
}

/** A logged-in private socket subscribed to the channels. */
async function subscribed(...channels: string[]) {
  const socket = await rawSocket(local.wsUrl);
  socket.login();
  await socket.next((m) => typeof m === 'object' && m.event === 'login');
  socket.send({
    op: 'subscribe',
    args: channels.map((channel) => ({ instType: 'USDT-FUTURES', channel, instId: 'default' })),
  });
  for (const channel of channels)
    await socket.next(
      (m) =>
        typeof m === 'object' &&
        m.event === 'subscribe' &&
        (m.arg as { channel: string }).channel === channel,
    );
  return socket;
}

type Socket = Awaited<ReturnType<typeof subscribed>>;

/** The pushes received so far on a channel, their items in order. */
function pushes(socket: Socket, channel: string): Record<string, unknown>[] {
  return socket.messages
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as { arg?: { channel?: string }; data?: Record<string, unknown>[] })
    .filter((message) => message.arg?.channel === channel && message.data !== undefined)
    .flatMap((message) => message.data ?? []);
}

async function algoPush(socket: Socket, orderId: string, status: string) {
  const message = await socket.next(
    (m) =>
      typeof m === 'object' &&
      (m.arg as { channel?: string } | undefined)?.channel === 'orders-algo' &&
      Array.isArray(m.data) &&
      (m.data as Record<string, unknown>[]).some(
        (item) => item.orderId === orderId && item.status === status,
      ),
  );
  return ((message as Record<string, unknown>).data as Record<string, unknown>[])[0]!;
}

describe('a plan on the mark price', () => {
  it('rests live (listed, pushed), then fires when the mark rises through it: executed, and its market order fills under ids of its own', async () => {
    const socket = await subscribed('orders-algo', 'orders');
    // Given a market buy-stop at 61000 on the mark, the mark at 60000
    const plan = await placePlan({ clientOid: 'stop-1' });
    expect(plan).toEqual({ orderId: expect.stringMatching(/^\d{19}$/), clientOid: 'stop-1' });

    // Then it is pending, live, and pushed live
    expect(await pending()).toEqual([
      expect.objectContaining({
        planType: 'normal_plan',
        orderId: plan.orderId,
        clientOid: 'stop-1',
        planStatus: 'live',
        triggerPrice: '61000',
        triggerType: 'mark_price',
        size: '0.01',
        price: '',
        side: 'buy',
        posSide: 'net',
        orderType: 'market',
        enterPointSource: 'API',
        stopSurplusTriggerPrice: '',
        stopLossTriggerPrice: '',
      }),
    ]);
    expect(await algoPush(socket, plan.orderId, 'live')).toMatchObject({
      instId: 'BTCUSDT',
      clientOid: 'stop-1',
      planType: 'normal_plan',
      triggerTime: '',
      actualSize: '0',
      reduceOnly: 'no',
    });
    expect(await history()).toEqual([]);

    // When the mark rises to 60900: nothing; to 61000: it fires
    local.setMarkPrice('BTCUSDT', '60900');
    expect((await pending()).map((p) => p.planStatus)).toEqual(['live']);
    local.setMarkPrice('BTCUSDT', '61000');

    // Then it is executed, names the order it placed, and that order filled
    const executed = await algoPush(socket, plan.orderId, 'executed');
    expect(executed.triggerTime).toMatch(/^\d{13}$/);
    expect(executed).not.toHaveProperty('executeOrderId');
    expect(await pending()).toEqual([]);
    const [done] = await history();
    expect(done).toMatchObject({ orderId: plan.orderId, planStatus: 'executed', baseVolume: '0.01' });
    const executeOrderId = String(done?.executeOrderId);
    expect(executeOrderId).toMatch(/^\d{19}$/);
    expect(executeOrderId).not.toBe(plan.orderId);
    expect(await subOrders(plan.orderId)).toEqual([
      { orderId: executeOrderId, price: '61000', type: 'market', status: 'success' },
    ]);
    const order = ok(await raw.get(DETAIL, { ...PRODUCT, symbol: 'BTCUSDT', orderId: executeOrderId }));
    expect(order).toMatchObject({ state: 'filled', side: 'buy', size: '0.01', orderType: 'market' });
    expect(order.clientOid).not.toBe('stop-1');
    expect(done?.priceAvg).toBe(order.priceAvg);

    // And the plan's push came before the order's
    await socket.next(
      (m) =>
        typeof m === 'object' &&
        (m.arg as { channel?: string } | undefined)?.channel === 'orders' &&
        (m.data as Record<string, unknown>[] | undefined)?.[0]?.orderId === executeOrderId,
    );
    const algoAt = socket.messages.findIndex((t) => t.includes('"orders-algo"') && t.includes('"executed"'));
    const orderAt = socket.messages.findIndex(
      (t) => t.includes('"channel":"orders"') && t.includes(executeOrderId),
    );
    expect(algoAt).toBeGreaterThanOrEqual(0);
    expect(algoAt).toBeLessThan(orderAt);
    await socket.close();
  });

  it('a limit plan places a limit order at its price, which rests when the market is past it', async () => {
    // Given a buy-stop at 60500 that buys at 60400 at most
    const plan = await placePlan({ orderType: 'limit', price: '60400', triggerPrice: '60500' });
    // When the mark jumps to 60600
    local.setMarkPrice('BTCUSDT', '60600');
    // Then its order rests at 60400, working
    const [done] = await history();
    expect(done).toMatchObject({ planStatus: 'executed', price: '60400', baseVolume: '0', priceAvg: '' });
    const detail = ok(
      await raw.get(DETAIL, { ...PRODUCT, symbol: 'BTCUSDT', orderId: String(done?.executeOrderId) }),
    );
    expect(detail).toMatchObject({ state: 'live', price: '60400', orderType: 'limit' });
    expect(await subOrders(plan.orderId)).toEqual([
      { orderId: done?.executeOrderId, price: '60400', type: 'limit', status: 'in_progress' },
    ]);
  });

  it('hands its take-profit and stop-loss to the order it places', async () => {
    await placePlan({
      triggerPrice: '60100',
      stopSurplusTriggerPrice: '65000',
      stopSurplusTriggerType: 'mark_price',
      stopLossTriggerPrice: '58000',
    });
    expect((await pending())[0]).toMatchObject({
      stopSurplusTriggerPrice: '65000',
      stopSurplusTriggerType: 'mark_price',
      stopLossTriggerPrice: '58000',
      stopLossExecutePrice: '',
    });
    local.setMarkPrice('BTCUSDT', '60100');
    const [done] = await history();
    const detail = ok(
      await raw.get(DETAIL, { ...PRODUCT, symbol: 'BTCUSDT', orderId: String(done?.executeOrderId) }),
    );
    expect(detail).toMatchObject({ presetStopSurplusPrice: '65000', presetStopLossPrice: '58000' });
  });
});

describe('a plan on the latest trade price', () => {
  it('fires on a trade price the mark never reaches', async () => {
    // Given 0.004 a level (asks at 60000, 60000.1, 60000.2...), a fill_price and a mark_price plan at 60000.1
    local.setDepth('BTCUSDT', '0.004');
    const onFill = await placePlan({ triggerPrice: '60000.1', triggerType: 'fill_price' });
    const onMark = await placePlan({ triggerPrice: '60000.1', triggerType: 'mark_price' });
    // When a market buy of 0.01 walks the asks to 60000.2
    ok(await raw.post(PLACE, placeBody({ orderType: 'market', price: undefined, force: undefined })));
    // Then the fill_price plan fired, the mark_price one did not (the mark is still 60000)
    expect((await history()).map((p) => [p.orderId, p.planStatus])).toEqual([[onFill.orderId, 'executed']]);
    expect((await pending()).map((p) => p.orderId)).toEqual([onMark.orderId]);
  });
});

describe('modify-plan-order', () => {
  it('moves the trigger in place (same ids); a trigger under the reference fires on a fall', async () => {
    const socket = await subscribed('orders-algo');
    const plan = await placePlan({ clientOid: 'moving' });
    // When the trigger moves from 61000 to 60500, and the size to 0.02
    const reply = ok(
      await raw.post(MODIFY_PLAN, {
        ...PRODUCT,
        planType: 'normal_plan',
        symbol: 'BTCUSDT',
        orderId: plan.orderId,
        newTriggerPrice: '60500',
        newSize: '0.02',
      }),
    );
    expect(reply).toEqual(plan);
    expect(await algoPush(socket, plan.orderId, 'live')).toMatchObject({ triggerPrice: '61000' });
    await socket.next(
      (m) =>
        typeof m === 'object' &&
        JSON.stringify(m.data ?? '').includes('"triggerPrice":"60500"') &&
        JSON.stringify(m.data ?? '').includes(plan.orderId),
    );
    // Then a mark at 60500 fires it, with the new size
    local.setMarkPrice('BTCUSDT', '60500');
    expect((await history())[0]).toMatchObject({
      planStatus: 'executed',
      triggerPrice: '60500',
      size: '0.02',
    });

    // Given a sell plan moved to 60000 while the mark is at 60500 (under it: waiting for a fall)
    const sell = await placePlan({ side: 'sell', triggerPrice: '61000' });
    ok(await raw.post(MODIFY_PLAN, { ...PRODUCT, clientOid: sell.clientOid, newTriggerPrice: '60000' }));
    // When the mark falls to 60100, nothing; to 60000, it fires
    local.setMarkPrice('BTCUSDT', '60100');
    expect((await pending()).map((p) => p.orderId)).toEqual([sell.orderId]);
    local.setMarkPrice('BTCUSDT', '60000');
    expect(await pending()).toEqual([]);
    expect((await history({ orderId: sell.orderId }))[0]).toMatchObject({ planStatus: 'executed' });
    await socket.close();
  });

  it('refuses a new price on a market plan, a trigger type without a trigger price, and an unknown plan (43025)', async () => {
    const plan = await placePlan();
    refused(
      await raw.post(MODIFY_PLAN, { ...PRODUCT, orderId: plan.orderId, newPrice: '61000' }),
      '40017',
      /newPrice/,
    );
    refused(
      await raw.post(MODIFY_PLAN, { ...PRODUCT, orderId: plan.orderId, newTriggerType: 'fill_price' }),
      '40019',
      'Parameter newTriggerPrice cannot be empty',
    );
    refused(
      await raw.post(MODIFY_PLAN, { ...PRODUCT, orderId: '1234567890123456789', newTriggerPrice: '62000' }),
      '43025',
      'Plan order does not exist',
    );
  });

  it('removes a take-profit with "0"', async () => {
    const plan = await placePlan({ stopSurplusTriggerPrice: '65000', stopLossTriggerPrice: '58000' });
    ok(await raw.post(MODIFY_PLAN, { ...PRODUCT, orderId: plan.orderId, newStopSurplusTriggerPrice: '0' }));
    expect((await pending())[0]).toMatchObject({
      stopSurplusTriggerPrice: '',
      stopLossTriggerPrice: '58000',
    });
  });
});

describe('cancel-plan-order', () => {
  it('cancels listed plans (symbol required), then every plan of a symbol: cancelled in the history, and pushed', async () => {
    const socket = await subscribed('orders-algo');
    const first = await placePlan({ clientOid: 'c1' });
    const second = await placePlan({ clientOid: 'c2', triggerPrice: '62000' });
    const third = await placePlan({ clientOid: 'c3', triggerPrice: '63000' });
    const eth = await placePlan({ symbol: 'ETHUSDT', size: '0.1', triggerPrice: '3100' });

    refused(
      await raw.post(CANCEL_PLAN, { ...PRODUCT, orderIdList: [{ orderId: first.orderId }] }),
      '40019',
      'Parameter symbol cannot be empty',
    );
    // When the first is cancelled by id, the second by clientOid, with an unknown id among them
    const listed = ok(
      await raw.post(CANCEL_PLAN, {
        ...PRODUCT,
        symbol: 'BTCUSDT',
        marginCoin: 'USDT',
        orderIdList: [{ orderId: first.orderId }, { clientOid: 'c2' }, { orderId: '1234567890123456789' }],
      }),
    );
    expect(listed).toEqual({
      successList: [first, second],
      failureList: [{ orderId: '1234567890123456789', clientOid: '', errorMsg: 'Plan order does not exist' }],
    });
    expect(await algoPush(socket, first.orderId, 'cancelled')).toMatchObject({ clientOid: 'c1' });

    // When every plan of BTCUSDT is cancelled
    const all = ok(await raw.post(CANCEL_PLAN, { ...PRODUCT, symbol: 'BTCUSDT', planType: 'normal_plan' }));
    expect(all).toEqual({ successList: [third], failureList: [] });
    await algoPush(socket, third.orderId, 'cancelled');

    // Then those are cancelled in the history (newest first), the ETHUSDT plan still live
    expect((await history({ planStatus: 'cancelled' })).map((p) => p.orderId)).toEqual([
      third.orderId,
      second.orderId,
      first.orderId,
    ]);
    expect((await pending()).map((p) => p.orderId)).toEqual([eth.orderId]);
    expect(await history({ planStatus: 'executed' })).toEqual([]);
    // And a cancelled plan placed no order
    expect(await subOrders(first.orderId)).toEqual([]);
    await socket.close();
  });
});

describe('refusals', () => {
  it('43025 for a plan it does not know (sub-orders of an unknown plan)', async () => {
    refused(
      await raw.get(PLAN_SUB_ORDER, {
        ...PRODUCT,
        planType: 'normal_plan',
        planOrderId: '1234567890123456789',
      }),
      '43025',
      'Plan order does not exist',
    );
  });

  it('a limit plan without a price (40019), a market plan with one (40017)', async () => {
    refused(
      await raw.post(PLACE_PLAN, planBody({ orderType: 'limit' })),
      '40019',
      'Parameter price cannot be empty',
    );
    refused(await raw.post(PLACE_PLAN, planBody({ price: '61000' })), '40017', /price must be empty/);
    expect(await pending()).toEqual([]);
  });

  it('a trailing plan: not simulated here (40017 says so)', async () => {
    refused(
      await raw.post(PLACE_PLAN, planBody({ planType: 'track_plan', callbackRatio: '1' })),
      '40017',
      /track_plan \(trailing stop\) is not simulated by the local venue/,
    );
  });

  it('a trigger price off the tick (41103), a clientOid an order already has (40786), no tradeSide in hedge mode (40774)', async () => {
    refused(await raw.post(PLACE_PLAN, planBody({ triggerPrice: '61000.05' })), '41103', /price scale/);
    ok(await raw.post(PLACE, placeBody({ clientOid: 'taken' })));
    refused(await raw.post(PLACE_PLAN, planBody({ clientOid: 'taken' })), '40786', 'Duplicate clientOid');
    await placePlan({ clientOid: 'plan-taken' });
    refused(await raw.post(PLACE, placeBody({ clientOid: 'plan-taken' })), '40786', 'Duplicate clientOid');
    const hedge = await startLocalBitget({ credentials: CREDENTIALS, positionMode: 'hedge' });
    open.push(hedge);
    refused(await rawClient(hedge.restUrl).post(PLACE_PLAN, planBody()), '40774', /unilateral/);
  });

  it('a position mode change while a plan is live (40920); a live plan reserves no margin', async () => {
    const account = { ...PRODUCT, symbol: 'BTCUSDT', marginCoin: 'USDT' };
    const before = ok(await raw.get(ACCOUNT, account)).available;
    await placePlan({ size: '1' });
    expect(ok(await raw.get(ACCOUNT, account)).available).toBe(before);
    refused(
      await raw.post(SET_POSITION_MODE, { ...PRODUCT, posMode: 'hedge_mode' }),
      '40920',
      /position mode cannot be switched/,
    );
    ok(await raw.post(CANCEL_PLAN, PRODUCT));
    ok(await raw.post(SET_POSITION_MODE, { ...PRODUCT, posMode: 'hedge_mode' }));
  });

  it('a list query without planType (40019); profit_loss lists nothing here', async () => {
    refused(await raw.get(PLAN_PENDING, PRODUCT), '40019', 'Parameter planType cannot be empty');
    await placePlan();
    expect(await pending({ planType: 'profit_loss' })).toEqual([]);
  });
});

describe('a plan whose order is refused when it fires', () => {
  it('ends fail_execute (pushed), with no executeOrderId and a failed sub-order', async () => {
    const socket = await subscribed('orders-algo');
    // Given a reduce-only sell-stop at 59000 and no position to reduce (the document's "NO"/"YES" in any case)
    const plan = await placePlan({ side: 'sell', triggerPrice: '59000', reduceOnly: 'Yes' });
    // When the mark falls through it
    local.setMarkPrice('BTCUSDT', '58900');
    // Then the plan failed to execute
    const failed = await algoPush(socket, plan.orderId, 'fail_execute');
    expect(failed.triggerTime).toMatch(/^\d{13}$/);
    expect(pushes(socket, 'orders-algo').map((p) => p.status)).toEqual(['live', 'fail_execute']);
    expect((await history())[0]).toMatchObject({ planStatus: 'fail_execute', executeOrderId: '' });
    expect(await history({ planStatus: 'fail_execute' })).toHaveLength(1);
    expect(await subOrders(plan.orderId)).toEqual([
      { orderId: '', price: '', type: 'market', status: 'fail' },
    ]);
    expect(local.orders()).toEqual([]);
    await socket.close();
  });
});

describe('across a restart', () => {
  it('keeps a live plan live, and it fires afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitget-plans-'));
    dirs.push(dir);
    const stateFile = join(dir, 'bitget.jsonl');
    // Given a live plan on a venue that keeps its state
    await start({ stateFile });
    const plan = await placePlan({ clientOid: 'kept', stopLossTriggerPrice: '58000' });
    // When the venue restarts
    await local.close();
    await start({ stateFile });
    // Then the plan is still live, its clientOid still taken, and it fires when the mark gets there
    expect(await pending()).toEqual([
      expect.objectContaining({
        orderId: plan.orderId,
        clientOid: 'kept',
        planStatus: 'live',
        stopLossTriggerPrice: '58000',
      }),
    ]);
    refused(await raw.post(PLACE_PLAN, planBody({ clientOid: 'kept' })), '40786', 'Duplicate clientOid');
    local.setMarkPrice('BTCUSDT', '61000');
    expect((await history())[0]).toMatchObject({ orderId: plan.orderId, planStatus: 'executed' });
  });
});
