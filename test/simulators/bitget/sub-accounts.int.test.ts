import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalBitget, startLocalBitget } from '../../../simulators/bitget/server.ts';
import {
  ALL_POSITION,
  CANCEL,
  DETAIL,
  FILLS,
  MODIFY,
  PENDING,
  PLACE,
  placeBody,
  rawClient,
  rawSocket,
} from '../../venues/bitget/support.ts';

/**
 * Bitget sub-accounts in the local Bitget: each API key is an account of its own, with its own
 * balance, orders, fills, positions, bills and private WebSocket pushes. One account's key never
 * reads nor touches another's: an order id of another account is not found, its pushes never
 * reach another account's socket.
 */

const ALPHA = { apiKey: 'alpha-key', secretKey: 'alpha-secret', passphrase: 'alpha-pass' };
const BETA = { apiKey: 'beta-key', secretKey: 'beta-secret', passphrase: 'beta-pass' };
const BILL = '/api/v2/mix/account/bill';
const ACCOUNTS = '/api/v2/mix/account/accounts';
const PRODUCT = { productType: 'USDT-FUTURES' };

let local: LocalBitget;
const data = async <T>(
  reply: Promise<{ body: { code: string; msg: string; data: unknown } }>,
): Promise<T> => {
  const { body } = await reply;
  expect(body, body.msg).toMatchObject({ code: '00000' });
  return body.data as T;
};
const as = (who: typeof ALPHA) => rawClient(local.restUrl, who);

let resting: string;

beforeAll(async () => {
  local = await startLocalBitget({ credentials: [ALPHA, BETA], seed: 3, behaviour: { rateLimits: false } });
  // Given alpha bought at the market and rests a limit buy far under the mark; beta did nothing.
  await data(as(ALPHA).post(PLACE, placeBody({ orderType: 'market', price: undefined, force: undefined })));
  const mark = local.markPrice('BTCUSDT');
  resting = (
    await data<{ orderId: string }>(
      as(ALPHA).post(PLACE, placeBody({ price: mark.times('0.9').toFixed(1), clientOid: 'alpha-rest' })),
    )
  ).orderId;
});
afterAll(async () => {
  await local.close();
});

describe('each Bitget account (API key) holds its own data', () => {
  it("Given alpha traded, when beta reads its orders, fills, positions, bills and balance, then none of alpha's is there", async () => {
    expect(await data<{ entrustedList: unknown[] | null }>(as(BETA).get(PENDING, PRODUCT))).toMatchObject({
      entrustedList: null,
    });
    expect(await data<{ fillList: unknown[] | null }>(as(BETA).get(FILLS, PRODUCT))).toMatchObject({
      fillList: null,
    });
    expect(await data<unknown[]>(as(BETA).get(ALL_POSITION, { ...PRODUCT, marginCoin: 'USDT' }))).toEqual([]);
    const bills = await data<{ bills: { businessType: string }[] }>(as(BETA).get(BILL, PRODUCT));
    expect(bills.bills.filter((b) => b.businessType !== 'trans_from_exchange')).toEqual([]);
    const [alphaAccount] = await data<{ available: string }[]>(as(ALPHA).get(ACCOUNTS, PRODUCT));
    const [betaAccount] = await data<{ available: string; accountEquity: string }[]>(
      as(BETA).get(ACCOUNTS, PRODUCT),
    );
    expect(betaAccount?.available).toBe(betaAccount?.accountEquity);
    expect(alphaAccount?.available).not.toBe(betaAccount?.available);
  });

  it('Given alpha traded, when alpha reads them, then its order, fill and position are there', async () => {
    const pending = await data<{ entrustedList: { orderId: string }[] }>(as(ALPHA).get(PENDING, PRODUCT));
    expect(pending.entrustedList.map((o) => o.orderId)).toEqual([resting]);
    const fills = await data<{ fillList: unknown[] }>(as(ALPHA).get(FILLS, PRODUCT));
    expect(fills.fillList).toHaveLength(1);
    const positions = await data<{ total: string }[]>(
      as(ALPHA).get(ALL_POSITION, { ...PRODUCT, marginCoin: 'USDT' }),
    );
    expect(positions.map((p) => p.total)).toEqual(['0.01']);
    expect(local.orders(BETA.apiKey)).toEqual([]);
    expect(local.trades(BETA.apiKey)).toEqual([]);
  });

  it("Given alpha's resting order, when beta asks for it, cancels or modifies it by its id, then the order does not exist for beta and rests on", async () => {
    const byId = { symbol: 'BTCUSDT', ...PRODUCT, orderId: resting };
    const replies = [
      await as(BETA).get(DETAIL, byId),
      await as(BETA).post(CANCEL, { ...byId, marginCoin: 'USDT' }),
      await as(BETA).post(MODIFY, { ...byId, newClientOid: 'beta-steals', newSize: '0.02', newPrice: '1' }),
    ];
    // Bitget's own answers for an order id it does not know: detail 40109, cancel 40768, modify 43001.
    expect(replies.map((r) => r.body.code)).toEqual(['40109', '40768', '43001']);
    const pending = await data<{ entrustedList: { orderId: string; size: string }[] }>(
      as(ALPHA).get(PENDING, PRODUCT),
    );
    expect(pending.entrustedList).toMatchObject([{ orderId: resting, size: '0.01' }]);
  });

  it("Given beta's private socket subscribed to orders, when alpha places and cancels an order, then beta's socket gets no push of it", async () => {
    const socket = await rawSocket(local.wsUrl);
    try {
      socket.login(BETA);
      await socket.next((m) => typeof m === 'object' && m.event === 'login');
      socket.send({
        op: 'subscribe',
        args: [{ instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' }],
      });
      await socket.next((m) => typeof m === 'object' && m.event === 'subscribe');
      const before = socket.messages.length;
      const alphaSocket = await rawSocket(local.wsUrl);
      alphaSocket.login(ALPHA);
      await alphaSocket.next((m) => typeof m === 'object' && m.event === 'login');
      alphaSocket.send({
        op: 'subscribe',
        args: [{ instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' }],
      });
      await alphaSocket.next((m) => typeof m === 'object' && m.event === 'subscribe');
      const mark = local.markPrice('BTCUSDT');
      const { orderId } = await data<{ orderId: string }>(
        as(ALPHA).post(PLACE, placeBody({ price: mark.times('0.8').toFixed(1), clientOid: 'alpha-pushed' })),
      );
      // Alpha's own socket hears of it: the push was sent, to alpha only.
      await alphaSocket.next((m) => typeof m === 'object' && JSON.stringify(m.data ?? '').includes(orderId));
      await alphaSocket.close();
      expect(socket.messages.slice(before).filter((m) => m.includes(orderId))).toEqual([]);
    } finally {
      await socket.close();
    }
  });
});
