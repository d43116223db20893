import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { httpCall, type RawEnvelope, startSim } from '../../venues/deribit/support.ts';

/**
 * The local Deribit's accounts: the first configured is the main account, the others its
 * subaccounts (`private/get_subaccounts`), each authenticated by its own key and holding its own
 * balances, orders, trades, positions and transaction log. One subaccount's key never reads nor
 * touches another account's data; the main account reads a subaccount's with `subaccount_id`
 * (Deribit's `mainaccount` scope), and nothing else does.
 */

const MAIN = { clientId: 'main-key', clientSecret: 'main-secret', account: 'main' };
const ALPHA = {
  clientId: 'alpha-key',
  clientSecret: 'alpha-secret',
  account: 'alpha',
  balances: { BTC: '2' },
};
const BETA = { clientId: 'beta-key', clientSecret: 'beta-secret', account: 'beta', balances: { BTC: '3' } };
type Who = { clientId: string; clientSecret: string };

const basic = (who: Who) => ({
  authorization: `Basic ${Buffer.from(`${who.clientId}:${who.clientSecret}`).toString('base64')}`,
});

let sim: LocalDeribit;
const call = async (who: Who, method: string, params: Record<string, unknown> = {}): Promise<RawEnvelope> =>
  (await httpCall(sim, method, params, basic(who))).body;
const result = async <T = Record<string, unknown>>(
  who: Who,
  method: string,
  params: Record<string, unknown> = {},
): Promise<T> => {
  const envelope = await call(who, method, params);
  if (envelope.error) throw new Error(`${method}: ${envelope.error.code} ${envelope.error.message}`);
  return envelope.result as T;
};
const logOf = (who: Who, extra: Record<string, unknown> = {}) =>
  result<{ logs: { type: string; change: number }[] }>(who, 'private/get_transaction_log', {
    currency: 'BTC',
    start_timestamp: 0,
    end_timestamp: Date.now() + 60_000,
    ...extra,
  }).then((r) => r.logs);
const balanceOf = (who: Who, extra: Record<string, unknown> = {}) =>
  result<{ balance: number }>(who, 'private/get_account_summary', { currency: 'BTC', ...extra }).then(
    (s) => s.balance,
  );
const idOf = async (account: string) =>
  (await result<{ id: number; username: string }[]>(MAIN, 'private/get_subaccounts')).find(
    (a) => a.username === account,
  )?.id;

let alphaOrder: string;

beforeAll(async () => {
  sim = await startSim({ credentials: [MAIN, ALPHA, BETA], enforceRateLimits: false });
  // Given alpha buys at the market and rests a limit order; beta has done nothing.
  await result(ALPHA, 'private/buy', { instrument_name: 'BTC-PERPETUAL', amount: 100, type: 'market' });
  const mark = sim.markPrice('BTC-PERPETUAL');
  const rested = await result<{ order: { order_id: string } }>(ALPHA, 'private/buy', {
    instrument_name: 'BTC-PERPETUAL',
    amount: 50,
    type: 'limit',
    price: mark.times('0.9').toDecimalPlaces(0).toNumber(),
    label: 'alpha-resting',
  });
  alphaOrder = rested.order.order_id;
});
afterAll(async () => {
  await sim.close();
});

describe("each account's data is its own", () => {
  it("Given alpha traded, when beta reads its orders, trades, positions, balance and log, then it finds none of alpha's", async () => {
    expect(await result<unknown[]>(BETA, 'private/get_open_orders_by_currency', { currency: 'BTC' })).toEqual(
      [],
    );
    expect(
      await result<{ trades: unknown[] }>(BETA, 'private/get_user_trades_by_instrument', {
        instrument_name: 'BTC-PERPETUAL',
      }),
    ).toMatchObject({ trades: [] });
    expect(await result<unknown[]>(BETA, 'private/get_positions', { currency: 'BTC' })).toEqual([]);
    expect(await balanceOf(BETA)).toBe(3);
    expect((await logOf(BETA)).map((l) => l.type)).toEqual(['deposit']);
  });

  it('Given alpha traded, when alpha reads them, then it finds its own order, trade, position and log entries', async () => {
    const open = await result<{ order_id: string }[]>(ALPHA, 'private/get_open_orders_by_currency', {
      currency: 'BTC',
    });
    expect(open.map((o) => o.order_id)).toEqual([alphaOrder]);
    const positions = await result<{ size: number }[]>(ALPHA, 'private/get_positions', { currency: 'BTC' });
    expect(positions.map((p) => p.size)).toEqual([100]);
    expect((await logOf(ALPHA)).map((l) => l.type)).toEqual(['trade', 'deposit']);
    expect(sim.orders(BETA.clientId)).toEqual([]);
    expect(sim.orders(ALPHA.clientId).map((o) => o.orderId)).toContain(alphaOrder);
  });

  it("Given alpha's resting order, when beta cancels or edits it by its id, then 10029 not_owner_of_order and the order rests on", async () => {
    expect((await call(BETA, 'private/cancel', { order_id: alphaOrder })).error).toMatchObject({
      code: 10029,
    });
    expect(
      (await call(BETA, 'private/edit', { order_id: alphaOrder, amount: 60, price: 1 })).error,
    ).toMatchObject({
      code: 10029,
    });
    expect((await call(BETA, 'private/cancel_all')).result).toBe(0);
    expect((await call(BETA, 'private/cancel_by_label', { label: 'alpha-resting' })).result).toBe(0);
    const open = await result<{ order_id: string; amount: number }[]>(
      ALPHA,
      'private/get_open_orders_by_currency',
      {
        currency: 'BTC',
      },
    );
    expect(open).toMatchObject([{ order_id: alphaOrder, amount: 50 }]);
  });

  it("Given a subaccount's key, when it names another account's subaccount_id, then 13021 forbidden, for the log, positions and summaries", async () => {
    const alpha = await idOf('alpha');
    const main = await idOf('main');
    for (const subaccount_id of [alpha, main]) {
      const refused = [
        await call(BETA, 'private/get_transaction_log', {
          currency: 'BTC',
          start_timestamp: 0,
          end_timestamp: Date.now(),
          subaccount_id,
        }),
        await call(BETA, 'private/get_positions', { currency: 'BTC', subaccount_id }),
        await call(BETA, 'private/get_account_summary', { currency: 'BTC', subaccount_id }),
        await call(BETA, 'private/get_account_summaries', { subaccount_id }),
      ];
      for (const envelope of refused)
        expect(envelope.error).toMatchObject({ code: 13021, message: 'forbidden' });
    }
  });
});

describe('the main account and its subaccounts', () => {
  it("Given the main account's key, when it names a subaccount, then it reads that subaccount's log, positions and balance", async () => {
    const alpha = await idOf('alpha');
    expect((await logOf(MAIN, { subaccount_id: alpha })).map((l) => l.type)).toEqual(['trade', 'deposit']);
    expect(
      (
        await result<{ size: number }[]>(MAIN, 'private/get_positions', {
          currency: 'BTC',
          subaccount_id: alpha,
        })
      ).map((p) => p.size),
    ).toEqual([100]);
    expect(await balanceOf(MAIN, { subaccount_id: await idOf('beta') })).toBe(3);
    expect(
      (await call(MAIN, 'private/get_positions', { currency: 'BTC', subaccount_id: 999_999 })).error,
    ).toMatchObject({
      code: -32602,
    });
  });

  it('Given three accounts, when the main account lists the subaccounts, then it sees all three with their types and, asked, their balances', async () => {
    const listed = await result<
      { username: string; type: string; portfolio?: { btc: { balance: number } } }[]
    >(MAIN, 'private/get_subaccounts', { with_portfolio: true });
    expect(listed.map((a) => [a.username, a.type, a.portfolio?.btc.balance])).toEqual([
      ['main', 'main', 10],
      ['alpha', 'subaccount', await balanceOf(ALPHA)],
      ['beta', 'subaccount', 3],
    ]);
  });

  it('Given a subaccount, when it lists the subaccounts, then it sees the main account (name and type only) and itself, not its sibling', async () => {
    const listed = await result<Record<string, unknown>[]>(BETA, 'private/get_subaccounts', {
      with_portfolio: true,
    });
    expect(listed.map((a) => [a.username, a.type])).toEqual([
      ['main', 'main'],
      ['beta', 'subaccount'],
    ]);
    expect(listed[0]).not.toHaveProperty('portfolio');
    expect(listed[1]).toMatchObject({ portfolio: { btc: { balance: 3 } } });
  });
});
