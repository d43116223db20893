import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedHeaders, signWsLogin } from '../../../adapters/venues/bitget/signing.ts';
import { parseDecimal } from '../../../domain/decimal.ts';
import { DEFAULT_CONTRACTS } from '../../../simulators/bitget/contracts.ts';
import {
  type LocalBitget,
  type LocalBitgetOptions,
  startLocalBitget,
} from '../../../simulators/bitget/server.ts';
import { SEED_PLACE_ORDER_REQUEST } from '../../venues/bitget/fixtures/seed-003.ts';
import {
  ALL_POSITION,
  CANCEL,
  CLOSE_POSITIONS,
  CREDENTIALS,
  DETAIL,
  FILLS,
  httpRequest,
  MODIFY,
  PENDING,
  PLACE,
  placeBody,
  type RawReply,
  rawClient,
  rawSocket,
  SET_POSITION_MODE,
  waitFor,
} from '../../venues/bitget/support.ts';

/**
 * The local Bitget over raw signed HTTP and raw WebSocket (no adapter): it refuses what Bitget
 * refuses, with Bitget's code, message and HTTP status, in Bitget's envelope.
 */

let local: LocalBitget;
let raw: ReturnType<typeof rawClient>;

async function start(options: Partial<LocalBitgetOptions> = {}) {
  local = await startLocalBitget({ credentials: CREDENTIALS, seed: 3, ...options });
  raw = rawClient(local.restUrl);
}

beforeEach(async () => start());
afterEach(async () => local.close());

function expectRefusal(reply: RawReply, code: string, msg: string | RegExp, status = 400) {
  expect(Object.keys(reply.body).sort()).toEqual(['code', 'data', 'msg', 'requestTime']);
  expect(reply.status).toBe(status);
  expect(reply.body.code).toBe(code);
  expect(reply.body.msg).toMatch(msg);
  expect(reply.body.data).toBeNull();
}

function expectSuccess(reply: RawReply) {
  expect(Object.keys(reply.body).sort()).toEqual(['code', 'data', 'msg', 'requestTime']);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ code: '00000', msg: 'success' });
  expect(reply.body.requestTime).toMatch(/^\d{13}$/);
  return reply.body.data as Record<string, unknown>;
}

async function openLong(size: string) {
  // A market buy fills at the 60000 mark.
  return expectSuccess(
    await raw.post(PLACE, placeBody({ orderType: 'market', price: undefined, force: undefined, size })),
  );
}

describe('the local Bitget over raw signed HTTP', () => {
  describe('accepts what Bitget accepts', () => {
    it('places the seed example and answers { orderId, clientOid } in the success envelope', async () => {
      // Given the seed's request (a hedge-mode open short of 0.1 ETH at 2000), in a hedge account,
      // with the mark where the seed's market was (a sell more than 5% under it is refused)
      local.setPositionMode('hedge');
      local.setMarkPrice('ETHUSDT', '2050');
      const reply = await raw.post(PLACE, {}, { body: SEED_PLACE_ORDER_REQUEST });
      // Then it is accepted with the seed's reply shape
      const data = expectSuccess(reply);
      expect(data).toEqual({ orderId: expect.stringMatching(/^\d{19}$/), clientOid: '121211212122' });
      const detail = expectSuccess(
        await raw.get(DETAIL, { symbol: 'ETHUSDT', productType: 'USDT-FUTURES', clientOid: '121211212122' }),
      );
      // A sell limit at 2000 under the 2050 mark takes the best bid, a tick under the mark.
      expect(detail).toMatchObject({
        state: 'filled',
        side: 'sell',
        tradeSide: 'open',
        posSide: 'short',
        size: '0.1',
        price: '2000',
        priceAvg: '2049.99',
      });
    });

    it('fills a taker across the levels of the book, each at its price, no further than its limit', async () => {
      // Given 0.004 a level: asks at 60000, 60000.1, 60000.2, ...
      local.setDepth('BTCUSDT', '0.004');
      // When a buy of 0.01 limited to 60000.1 arrives (IOC)
      const data = expectSuccess(
        await raw.post(PLACE, placeBody({ size: '0.01', price: '60000.1', force: 'ioc' })),
      );
      // Then it takes two levels and the rest is cancelled; the levels it took are gone from the book
      expect(local.orders().find((order) => order.orderId === data.orderId)).toMatchObject({
        baseVolume: '0.008',
        priceAvg: '60000.05',
        cancelReason: 'ioc_cancel',
      });
      expect(local.trades().map((t) => [t.price, t.baseVolume])).toEqual([
        ['60000', '0.004'],
        ['60000.1', '0.004'],
      ]);
      const depth = expectSuccess(
        await raw.get('/api/v2/mix/market/merge-depth', {
          symbol: 'BTCUSDT',
          productType: 'USDT-FUTURES',
          limit: '5',
        }),
      );
      expect((depth as { asks: string[][] }).asks[0]).toEqual(['60000.2', '0.004']);
    });

    it('refuses a limit price beyond the contract’s price limit ratio around the mark (40808 delegatePrice)', async () => {
      const mark = local.markPrice('BTCUSDT');
      for (const [side, price] of [
        ['buy', mark.times(1.08)],
        ['sell', mark.times(0.92)],
      ] as const) {
        const reply = await raw.post(PLACE, placeBody({ side, price: price.toDecimalPlaces(1).toString() }));
        expect(reply.body, side).toMatchObject({
          code: '40808',
          msg: expect.stringContaining('delegatePrice'),
        });
      }
      const within = await raw.post(
        PLACE,
        placeBody({ price: mark.times(1.04).toDecimalPlaces(1).toString() }),
      );
      expectSuccess(within);
    });

    it('generates a clientOid when none is sent', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody()));
      expect(data.clientOid).toMatch(/^\d+$/);
    });

    it('verifies the signature over the query string exactly as sent, whatever its order', async () => {
      const reply = await raw.get(PENDING, {}, { rawQuery: 'symbol=BTCUSDT&productType=USDT-FUTURES' });
      expect(expectSuccess(reply)).toEqual({ entrustedList: null, endId: null });
    });

    it('answers empty lists as Bitget does: entrustedList null, positions []', async () => {
      expect(expectSuccess(await raw.get(PENDING, { productType: 'USDT-FUTURES' }))).toEqual({
        entrustedList: null,
        endId: null,
      });
      expect(expectSuccess(await raw.get(FILLS, { productType: 'USDT-FUTURES' }))).toEqual({
        fillList: null,
        endId: null,
      });
      expect(await raw.get(ALL_POSITION, { productType: 'USDT-FUTURES', marginCoin: 'USDT' })).toMatchObject({
        body: { code: '00000', data: [] },
      });
    });

    it('ignores tradeSide in one-way mode by default (seed 003)', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody({ tradeSide: 'open' })));
      const detail = expectSuccess(
        await raw.get(DETAIL, { symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: data.orderId }),
      );
      expect(detail).toMatchObject({ posMode: 'one_way_mode', tradeSide: 'buy_single', posSide: 'net' });
    });

    it('keeps preset take-profit and stop-loss on the order', async () => {
      const data = expectSuccess(
        await raw.post(PLACE, placeBody({ presetStopSurplusPrice: '65000', presetStopLossPrice: '55000' })),
      );
      const detail = expectSuccess(
        await raw.get(DETAIL, { symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: data.orderId }),
      );
      expect(detail).toMatchObject({ presetStopSurplusPrice: '65000', presetStopLossPrice: '55000' });
    });
  });

  describe('authentication (B2)', () => {
    const without = (name: string) => (headers: Record<string, string>) => {
      const { [name]: _, ...rest } = headers;
      return rest;
    };
    it('40001 without ACCESS-KEY', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody(), { headers: without('ACCESS-KEY') }),
        '40001',
        'ACCESS_KEY cannot be empty',
      );
    });
    it('40002 without ACCESS-SIGN', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody(), { headers: without('ACCESS-SIGN') }),
        '40002',
        /ACCESS_SIGN/,
      );
    });
    it('40011 without ACCESS-PASSPHRASE', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody(), { headers: without('ACCESS-PASSPHRASE') }),
        '40011',
        /PASSPHRASE/,
      );
    });
    it('40005 with a timestamp that is not milliseconds', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody(), { timestamp: 1700000000 }),
        '40005',
        'Invalid ACCESS_TIMESTAMP',
      );
    });
    it('40008 with a timestamp more than 30 s away from the server clock', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody(), { timestamp: Date.now() - 31_000 }),
        '40008',
        'Request timestamp expired',
      );
      expectRefusal(
        await raw.post(PLACE, placeBody(), { timestamp: Date.now() + 31_000 }),
        '40008',
        'Request timestamp expired',
      );
    });
    it('accepts a timestamp 20 s off (inside the window)', async () => {
      expectSuccess(await raw.post(PLACE, placeBody(), { timestamp: Date.now() - 20_000 }));
    });
    it('40037 with an API key it does not know', async () => {
      const stranger = rawClient(local.restUrl, { ...CREDENTIALS, apiKey: 'unknown-key' });
      expectRefusal(await stranger.post(PLACE, placeBody()), '40037', 'Apikey does not exist');
    });
    it('40012 with the wrong passphrase', async () => {
      const wrong = rawClient(local.restUrl, { ...CREDENTIALS, passphrase: 'wrong' });
      expectRefusal(await wrong.post(PLACE, placeBody()), '40012', 'apikey/password is incorrect');
    });
    it('40009 with a signature made with another secret', async () => {
      const wrong = rawClient(local.restUrl, { ...CREDENTIALS, secretKey: 'another-secret' });
      expectRefusal(await wrong.post(PLACE, placeBody()), '40009', 'sign signature error');
    });
    it('40009 when the body sent is not the body signed', async () => {
      const signed = JSON.stringify(placeBody());
      const headers = signedHeaders(
        CREDENTIALS,
        { timestamp: String(Date.now()), method: 'POST', path: PLACE, query: '', body: signed },
        { demo: false },
      );
      const response = await httpRequest(`${local.restUrl}${PLACE}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(placeBody({ size: '0.02' })),
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toMatchObject({
        code: '40009',
        msg: 'sign signature error',
        data: null,
      });
      expect(local.orders()).toEqual([]);
    });
  });

  describe('parameters', () => {
    it('40019 when a required parameter is missing', async () => {
      const { size: _, ...body } = placeBody();
      expectRefusal(await raw.post(PLACE, body), '40019', 'Parameter size cannot be empty');
    });
    it('40019 when a limit order has no price', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ price: undefined })),
        '40019',
        'Parameter price cannot be empty',
      );
    });
    it('40034 for a parameter Bitget does not know', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ leverage: '10' })),
        '40034',
        'Parameter leverage does not exist',
      );
    });
    it('40017 for a value outside the allowed ones', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ side: 'long' })),
        '40017',
        /Parameter verification failed, side/,
      );
    });
    it('40102 for a symbol it does not list', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ symbol: 'DOGEUSDT' })),
        '40102',
        /Contract configuration does not exist/,
      );
    });
    it('40808 for a size off the size step', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ size: '0.0105' })),
        '40808',
        /size checkBDScale error value=0.0105 checkScale=3/,
      );
    });
    it('41103 for a price off the tick', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ price: '59000.05' })),
        '41103',
        'param price scale error error',
      );
    });
    it('45110 below the minimum notional of 5 USDT', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ symbol: 'ETHUSDT', size: '0.01', price: '100' })),
        '45110',
        'less than the minimum amount 5 USDT',
      );
    });
    it('43006 below the minimum size', async () => {
      const [btc] = DEFAULT_CONTRACTS;
      if (btc === undefined) throw new Error('no contract');
      await local.close();
      await start({ contracts: [{ ...btc, minTradeNum: parseDecimal('0.01') }] });
      expectRefusal(
        await raw.post(PLACE, placeBody({ size: '0.005' })),
        '43006',
        /less than the minimum 0.01/,
      );
    });
    it('40305 for a clientOid longer than 50 characters', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ clientOid: 'x'.repeat(51) })),
        '40305',
        /client_oid length/,
      );
    });
  });

  describe('orders', () => {
    it('40786 for a clientOid already used, and the first order stays the only one', async () => {
      expectSuccess(await raw.post(PLACE, placeBody({ clientOid: 'same' })));
      expectRefusal(
        await raw.post(PLACE, placeBody({ clientOid: 'same', size: '0.02' })),
        '40786',
        'Duplicate clientOid',
      );
      expect(local.orders().filter((order) => order.clientOid === 'same')).toHaveLength(1);
    });
    it('43012 when the margin is more than the balance', async () => {
      expectRefusal(await raw.post(PLACE, placeBody({ size: '1000' })), '43012', 'Insufficient balance');
    });
    it('40109 for an order detail it cannot find', async () => {
      expectRefusal(
        await raw.get(DETAIL, { symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: '1' }),
        '40109',
        /cannot be found/,
      );
    });
    it('40768 to cancel an order that does not exist', async () => {
      expectRefusal(
        await raw.post(CANCEL, { symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: '1' }),
        '40768',
        'Order does not exist',
      );
    });
    it('22001 to cancel an order that is already finished', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody()));
      expectSuccess(
        await raw.post(CANCEL, { symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: data.orderId }),
      );
      expectRefusal(
        await raw.post(CANCEL, { symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: data.orderId }),
        '22001',
        'No order to cancel',
      );
    });
    it('cancels by clientOid, and orderId wins when both are given', async () => {
      const a = expectSuccess(await raw.post(PLACE, placeBody({ clientOid: 'a' })));
      expectSuccess(await raw.post(PLACE, placeBody({ clientOid: 'b' })));
      const reply = expectSuccess(
        await raw.post(CANCEL, {
          symbol: 'BTCUSDT',
          productType: 'USDT-FUTURES',
          orderId: a.orderId,
          clientOid: 'b',
        }),
      );
      expect(reply).toEqual({ orderId: a.orderId, clientOid: 'a' });
    });
    it('43001 to modify an order that does not exist', async () => {
      const reply = await raw.post(MODIFY, {
        symbol: 'BTCUSDT',
        productType: 'USDT-FUTURES',
        marginCoin: 'USDT',
        orderId: '1',
        newClientOid: 'n',
        newSize: '0.01',
        newPrice: '59000',
      });
      expectRefusal(reply, '43001', /does not exist/);
    });
    it('22003 to modify size and price without a newClientOid, 40925 with only one of them', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody()));
      const base = {
        symbol: 'BTCUSDT',
        productType: 'USDT-FUTURES',
        marginCoin: 'USDT',
        orderId: data.orderId,
      };
      expectRefusal(
        await raw.post(MODIFY, { ...base, newSize: '0.02', newPrice: '58000' }),
        '22003',
        /newClientOid/,
      );
      expectRefusal(
        await raw.post(MODIFY, { ...base, newClientOid: 'n', newPrice: '58000' }),
        '40925',
        /together/,
      );
    });
    it('40786 to modify with a newClientOid already used', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody({ clientOid: 'first' })));
      const reply = await raw.post(MODIFY, {
        symbol: 'BTCUSDT',
        productType: 'USDT-FUTURES',
        marginCoin: 'USDT',
        orderId: data.orderId,
        newClientOid: 'first',
        newSize: '0.02',
        newPrice: '58000',
      });
      expectRefusal(reply, '40786', 'Duplicate clientOid');
    });
    it('modifies by cancel-and-replace: the reply names the new clientOid, the replacement comes after it with a new orderId', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody({ clientOid: 'old' })));
      const reply = expectSuccess(
        await raw.post(MODIFY, {
          symbol: 'BTCUSDT',
          productType: 'USDT-FUTURES',
          orderId: data.orderId,
          newClientOid: 'new',
          newSize: '0.02',
          newPrice: '58000',
        }),
      );
      // Bitget answers with the new clientOid and no order id (the replacement has none yet);
      // marginCoin, listed by the documentation, is not required.
      expect(reply).toEqual({ clientOid: 'new' });
      const replacement = await waitFor('the replacement', () =>
        local.orders().find((order) => order.clientOid === 'new'),
      );
      expect(replacement).toMatchObject({ status: 'live', size: '0.02', price: '58000' });
      expect(replacement.orderId).not.toBe(data.orderId);
      expect(local.orders().find((order) => order.clientOid === 'old')).toMatchObject({ status: 'canceled' });
    });
  });

  describe('position mode (B3)', () => {
    it('40774 for a one-way style order (no tradeSide) in a hedge account', async () => {
      local.setPositionMode('hedge');
      expectRefusal(
        await raw.post(PLACE, placeBody()),
        '40774',
        'The order type for unilateral position must also be the unilateral position type.',
      );
    });
    it('40774 for a hedge style order in a one-way account when configured as recorded traffic shows', async () => {
      await local.close();
      await start({ behaviour: { tradeSideInOneWay: 'reject' } });
      expectRefusal(await raw.post(PLACE, placeBody({ tradeSide: 'open' })), '40774', /unilateral/);
    });
    it('switches position mode with set-position-mode while flat', async () => {
      expect(
        expectSuccess(
          await raw.post(SET_POSITION_MODE, { productType: 'USDT-FUTURES', posMode: 'hedge_mode' }),
        ),
      ).toEqual({
        posMode: 'hedge_mode',
      });
    });
    it('40920 to switch position mode while an order is open', async () => {
      expectSuccess(await raw.post(PLACE, placeBody()));
      expectRefusal(
        await raw.post(SET_POSITION_MODE, { productType: 'USDT-FUTURES', posMode: 'hedge_mode' }),
        '40920',
        /cannot be switched/,
      );
    });
    it('40808 for an order in another margin mode than its position', async () => {
      await openLong('0.01');
      expectRefusal(
        await raw.post(PLACE, placeBody({ marginMode: 'isolated' })),
        '40808',
        'Parameter verification exception margin mode == CROSSED',
      );
    });
  });

  describe('positions and closing', () => {
    it('22002 to close positions when there are none', async () => {
      expectRefusal(
        await raw.post(CLOSE_POSITIONS, { productType: 'USDT-FUTURES' }),
        '22002',
        'No position to close',
      );
    });
    it('22002 for a reduce-only order without a position to reduce', async () => {
      expectRefusal(
        await raw.post(PLACE, placeBody({ side: 'sell', price: '61000', reduceOnly: 'YES' })),
        '22002',
        'No position to close',
      );
    });
    it('40757 for a reduce-only order larger than the position', async () => {
      await openLong('0.01');
      expectRefusal(
        await raw.post(PLACE, placeBody({ side: 'sell', price: '61000', size: '0.02', reduceOnly: 'YES' })),
        '40757',
        /position/,
      );
    });
    it('40757 in hedge mode for a close that does not fit next to the resting closes (seed 003)', async () => {
      local.setPositionMode('hedge');
      expectSuccess(
        await raw.post(
          PLACE,
          placeBody({
            orderType: 'market',
            price: undefined,
            force: undefined,
            tradeSide: 'open',
            size: '0.02',
          }),
        ),
      );
      expectSuccess(
        await raw.post(PLACE, placeBody({ side: 'buy', tradeSide: 'close', price: '61000', size: '0.015' })),
      );
      expectRefusal(
        await raw.post(
          PLACE,
          placeBody({
            side: 'buy',
            tradeSide: 'close',
            orderType: 'market',
            price: undefined,
            force: undefined,
            size: '0.01',
          }),
        ),
        '40757',
        /position/,
      );
    });
    it('one-way: older reduce-only orders are cancelled oldest first, and the reply has no orderId (seed 003)', async () => {
      // Given a long of 0.03 and two resting reduce-only sells of 0.02 and 0.01
      await openLong('0.03');
      const a = expectSuccess(
        await raw.post(
          PLACE,
          placeBody({ side: 'sell', price: '61000', size: '0.02', reduceOnly: 'YES', clientOid: 'ro-a' }),
        ),
      );
      const b = expectSuccess(
        await raw.post(
          PLACE,
          placeBody({ side: 'sell', price: '61100', size: '0.01', reduceOnly: 'YES', clientOid: 'ro-b' }),
        ),
      );
      expect(a.orderId).toBeDefined();
      expect(b.orderId).toBeDefined();
      // When a third of 0.02 comes: 0.02 + 0.02 + 0.01 > 0.03
      const c = expectSuccess(
        await raw.post(
          PLACE,
          placeBody({ side: 'sell', price: '61200', size: '0.02', reduceOnly: 'YES', clientOid: 'ro-c' }),
        ),
      );
      // Then the oldest (a) is cancelled, b stays, and the reply names c by clientOid only
      expect(c).toEqual({ clientOid: 'ro-c' });
      const byClientOid = (clientOid: string) =>
        local.orders().find((order) => order.clientOid === clientOid);
      expect(byClientOid('ro-a')).toMatchObject({ status: 'canceled', cancelReason: 'reduce_only_cancel' });
      expect(byClientOid('ro-b')).toMatchObject({ status: 'live' });
      expect(byClientOid('ro-c')).toMatchObject({ status: 'live' });
    });
    it('one-way: a reduce-only order never opens a position the other way', async () => {
      // Given a long of 0.02, a resting reduce-only sell of 0.02, and the long closed by another order
      await openLong('0.02');
      const ro = expectSuccess(
        await raw.post(PLACE, placeBody({ side: 'sell', price: '61000', size: '0.02', reduceOnly: 'YES' })),
      );
      expectSuccess(
        await raw.post(
          PLACE,
          placeBody({ side: 'sell', orderType: 'market', price: undefined, force: undefined, size: '0.02' }),
        ),
      );
      // When the mark goes through the reduce-only order's price
      local.setMarkPrice('BTCUSDT', '61500');
      // Then it was cancelled by the venue and no short exists
      expect(local.orders().find((order) => order.orderId === ro.orderId)).toMatchObject({
        status: 'canceled',
        cancelReason: 'reduce_only_cancel',
      });
      expect(local.positions()).toEqual([]);
    });
    it('keeps average open price and achieved profits per position', async () => {
      await openLong('0.01');
      local.setMarkPrice('BTCUSDT', '60100');
      await openLong('0.01');
      local.setMarkPrice('BTCUSDT', '61000');
      expectSuccess(
        await raw.post(
          PLACE,
          placeBody({ side: 'sell', orderType: 'market', price: undefined, force: undefined, size: '0.01' }),
        ),
      );
      const [position] = local.positions();
      expect(position).toMatchObject({
        holdSide: 'long',
        total: '0.01',
        openPriceAvg: '60050',
        achievedProfits: '9.499', // sold at the best bid, 60999.9: (60999.9 − 60050) × 0.01
      });
    });
    it('close-positions closes at market and answers the orders it made', async () => {
      await openLong('0.01');
      const data = expectSuccess(
        await raw.post(CLOSE_POSITIONS, { productType: 'USDT-FUTURES', symbol: 'BTCUSDT' }),
      );
      expect(data).toMatchObject({
        successList: [{ orderId: expect.any(String), clientOid: expect.any(String) }],
        failureList: [],
      });
      expect(local.positions()).toEqual([]);
    });
  });

  describe('matching', () => {
    it('cancels a post-only order that would take liquidity', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody({ price: '60100', force: 'post_only' })));
      expect(local.orders().find((order) => order.orderId === data.orderId)).toMatchObject({
        status: 'canceled',
        cancelReason: 'post_only_cancel',
      });
    });
    it('fills an IOC order partly against the book depth and cancels the rest', async () => {
      // 0.004 a level: a buy limited to the best ask (the mark) gets one level's worth
      local.setDepth('BTCUSDT', '0.004');
      const data = expectSuccess(await raw.post(PLACE, placeBody({ price: '60000', force: 'ioc' })));
      expect(local.orders().find((order) => order.orderId === data.orderId)).toMatchObject({
        status: 'canceled',
        baseVolume: '0.004',
        cancelReason: 'ioc_cancel',
      });
    });
    it('cancels a FOK order the book cannot fill entirely, without any fill', async () => {
      local.setDepth('BTCUSDT', '0.004');
      const data = expectSuccess(await raw.post(PLACE, placeBody({ price: '60000', force: 'fok' })));
      expect(local.orders().find((order) => order.orderId === data.orderId)).toMatchObject({
        status: 'canceled',
        baseVolume: '0',
      });
      expect(local.trades()).toEqual([]);
    });
    it('fills a resting order partly when the mark moves through it with little liquidity', async () => {
      const data = expectSuccess(await raw.post(PLACE, placeBody({ price: '59000' })));
      local.setMarkPrice('BTCUSDT', '58900', { liquidity: '0.004' });
      expect(local.orders().find((order) => order.orderId === data.orderId)).toMatchObject({
        status: 'partially_filled',
        baseVolume: '0.004',
        priceAvg: '59000',
      });
      expect(local.trades()).toEqual([
        expect.objectContaining({ price: '59000', baseVolume: '0.004', tradeScope: 'maker' }),
      ]);
    });
  });

  describe('rate limits (B7)', () => {
    it('answers HTTP 429 / code 429 to the eleventh placement within a second', async () => {
      const replies = await Promise.all(
        Array.from({ length: 11 }, (_, i) => raw.post(PLACE, placeBody({ clientOid: `burst-${i}` }))),
      );
      const limited = replies.filter((reply) => reply.status === 429);
      expect(limited).toHaveLength(1);
      expectRefusal(limited[0] as RawReply, '429', 'Too Many Requests', 429);
    });
  });

  it('answers 404 in the envelope for a path it does not serve', async () => {
    expectRefusal(await raw.get('/api/v2/mix/order/nope', {}), '40404', /NOT FOUND/, 404);
  });
});

describe('the local Bitget private WebSocket', () => {
  it('logs in (seconds or milliseconds), acks subscriptions and answers ping with pong', async () => {
    const socket = await rawSocket(local.wsUrl);
    socket.login();
    expect(await socket.next((m) => typeof m === 'object' && m.event === 'login')).toEqual({
      event: 'login',
      code: '0',
      msg: '',
    });
    socket.send({
      op: 'subscribe',
      args: [{ instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' }],
    });
    expect(await socket.next((m) => typeof m === 'object' && m.event === 'subscribe')).toEqual({
      event: 'subscribe',
      arg: { instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' },
    });
    socket.send('ping');
    expect(await socket.next((m) => m === 'pong')).toBe('pong');
    await socket.close();

    const ms = await rawSocket(local.wsUrl);
    ms.login(CREDENTIALS, String(Date.now()));
    expect(await ms.next((m) => typeof m === 'object' && m.event === 'login')).toMatchObject({ code: '0' });
    await ms.close();
  });

  it('pushes orders in Bitget shape: snapshot action, arg, data list, ts', async () => {
    const socket = await rawSocket(local.wsUrl);
    socket.login();
    await socket.next((m) => typeof m === 'object' && m.event === 'login');
    socket.send({
      op: 'subscribe',
      args: [{ instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' }],
    });
    await socket.next((m) => typeof m === 'object' && m.event === 'subscribe');
    expectSuccess(await raw.post(PLACE, placeBody({ clientOid: 'pushed' })));
    const push = (await socket.next((m) => typeof m === 'object' && m.action === 'snapshot')) as Record<
      string,
      unknown
    >;
    expect(push).toMatchObject({
      action: 'snapshot',
      arg: { instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' },
      data: [
        expect.objectContaining({
          clientOid: 'pushed',
          status: 'live',
          instId: 'BTCUSDT',
          reduceOnly: 'no',
          accBaseVolume: '0',
        }),
      ],
      ts: expect.stringMatching(/^\d{13}$/),
    });
    await socket.close();
  });

  it.each([
    ['30011 for an unknown key', { ...CREDENTIALS, apiKey: 'nope' }, '30011'],
    ['30012 for a wrong passphrase', { ...CREDENTIALS, passphrase: 'nope' }, '30012'],
    ['30015 for a wrong signature', { ...CREDENTIALS, secretKey: 'nope' }, '30015'],
  ])('refuses the login: %s', async (_, credentials, code) => {
    const socket = await rawSocket(local.wsUrl);
    socket.login(credentials);
    expect(await socket.next((m) => typeof m === 'object' && m.event === 'error')).toMatchObject({
      event: 'error',
      code,
    });
    await socket.close();
  });

  it('refuses an expired login timestamp (30014) and a private subscription before login (30004)', async () => {
    const socket = await rawSocket(local.wsUrl);
    socket.send({
      op: 'subscribe',
      args: [{ instType: 'USDT-FUTURES', channel: 'orders', instId: 'default' }],
    });
    expect(await socket.next((m) => typeof m === 'object' && m.event === 'error')).toMatchObject({
      code: '30004',
    });
    const old = String(Math.floor(Date.now() / 1000) - 60);
    socket.send({
      op: 'login',
      args: [
        {
          apiKey: CREDENTIALS.apiKey,
          passphrase: CREDENTIALS.passphrase,
          timestamp: old,
          sign: signWsLogin(CREDENTIALS.secretKey, old),
        },
      ],
    });
    expect(await socket.next((m) => typeof m === 'object' && m.code === '30014')).toMatchObject({
      event: 'error',
    });
    await socket.close();
  });

  it('refuses a channel that does not exist (30001)', async () => {
    const socket = await rawSocket(local.wsUrl);
    socket.login();
    await socket.next((m) => typeof m === 'object' && m.event === 'login');
    socket.send({
      op: 'subscribe',
      args: [{ instType: 'USDT-FUTURES', channel: 'nope', instId: 'default' }],
    });
    expect(await socket.next((m) => typeof m === 'object' && m.event === 'error')).toMatchObject({
      code: '30001',
    });
    await socket.close();
  });
});
