import { describe, expect, it } from 'vitest';
import {
  cancelReasonOf,
  placeOrderRequest,
  toFill,
  toInstrument,
  toPosition,
  toSnapshot,
} from '../../../adapters/venues/bitget/mapping.ts';
import {
  ContractSchema,
  FillSchema,
  PositionSchema,
  RestOrderSchema,
} from '../../../adapters/venues/bitget/wire.ts';
import { hedgeLeg, positionSideFor } from '../../../domain/position/position.ts';
import { orderParams } from './fixtures/orders.ts';

const defaults = { productType: 'USDT-FUTURES' as const, marginCoin: 'USDT', marginMode: 'crossed' as const };

describe('domain orders -> Bitget place-order', () => {
  describe('one-way mode: Bitget side = economic side, no tradeSide, reduceOnly YES/NO', () => {
    it.each([
      ['buy', false, 'buy', 'NO'],
      ['sell', false, 'sell', 'NO'],
      ['sell', true, 'sell', 'YES'],
      ['buy', true, 'buy', 'YES'],
    ] as const)('%s reduceOnly=%s -> side=%s reduceOnly=%s', (side, reduceOnly, bitgetSide, flag) => {
      const mapped = placeOrderRequest(
        orderParams({ side, reduceOnly, price: '60000', amount: '0.01' }),
        'one_way',
        defaults,
      );
      expect(mapped.ok).toBe(true);
      if (!mapped.ok) return;
      expect(mapped.request).toMatchObject({ side: bitgetSide, reduceOnly: flag });
      expect(mapped.request.tradeSide).toBeUndefined();
    });
  });

  describe('hedge mode: Bitget side names the position leg, tradeSide open/close', () => {
    it.each([
      ['open long', 'buy', 'open', 'buy'],
      ['open short', 'sell', 'open', 'sell'],
      ['close long (an economic sell)', 'sell', 'close', 'buy'],
      ['close short (an economic buy)', 'buy', 'close', 'sell'],
    ] as const)('%s: domain side=%s tradeSide=%s -> Bitget side=%s', (_, side, tradeSide, bitgetSide) => {
      const order = orderParams({ side, tradeSide, positionMode: 'hedge', price: '60000', amount: '0.01' });
      const mapped = placeOrderRequest(order, 'hedge', defaults);
      expect(mapped.ok).toBe(true);
      if (!mapped.ok) return;
      expect(mapped.request).toMatchObject({ side: bitgetSide, tradeSide });
      expect(mapped.request.reduceOnly).toBeUndefined();
      // The leg the domain books the fill on is the leg Bitget's side names.
      expect(positionSideFor('hedge', side, tradeSide)).toBe(bitgetSide === 'buy' ? 'long' : 'short');
      expect(hedgeLeg(side, tradeSide)).toBe(bitgetSide === 'buy' ? 'long' : 'short');
    });
  });

  it('refuses, without sending, an order whose position mode is not the account mode', () => {
    const hedgeOrder = orderParams({
      side: 'sell',
      tradeSide: 'close',
      positionMode: 'hedge',
      price: '60000',
      amount: '0.01',
    });
    expect(placeOrderRequest(hedgeOrder, 'one_way', defaults)).toMatchObject({
      ok: false,
      code: 'POSITION_MODE_MISMATCH',
    });
    const oneWay = orderParams({ side: 'buy', price: '60000', amount: '0.01' });
    expect(placeOrderRequest(oneWay, 'hedge', defaults)).toMatchObject({
      ok: false,
      code: 'POSITION_MODE_MISMATCH',
    });
  });

  it('maps every seed parameter: force, presets, stpMode, marginMode, clientOid', () => {
    const order = orderParams({
      side: 'buy',
      price: '60000',
      amount: '0.01',
      postOnly: true,
      marginMode: 'isolated',
      clientOrderId: 'oms-42',
      takeProfit: { triggerPrice: '65000' },
      stopLoss: { triggerPrice: '55000', executePrice: '54900' },
      selfTradePrevention: 'cancel_taker',
    });
    const mapped = placeOrderRequest(order, 'one_way', defaults);
    expect(mapped).toEqual({
      ok: true,
      request: {
        symbol: 'BTCUSDT',
        productType: 'USDT-FUTURES',
        marginMode: 'isolated',
        marginCoin: 'USDT',
        size: '0.01',
        price: '60000',
        side: 'buy',
        orderType: 'limit',
        force: 'post_only',
        clientOid: 'oms-42',
        reduceOnly: 'NO',
        presetStopSurplusPrice: '65000',
        presetStopLossPrice: '55000',
        presetStopLossExecutePrice: '54900',
        stpMode: 'cancel_taker',
      },
    });
  });

  it('sends ioc/fok as force and market orders without price or force', () => {
    const ioc = placeOrderRequest(
      orderParams({ side: 'buy', price: '60000', amount: '0.01', timeInForce: 'ioc' }),
      'one_way',
      defaults,
    );
    expect(ioc.ok && ioc.request.force).toBe('ioc');
    const market = placeOrderRequest(
      orderParams({ side: 'buy', type: 'market', amount: '0.01' }),
      'one_way',
      defaults,
    );
    expect(market.ok && market.request).toMatchObject({ orderType: 'market' });
    expect(market.ok && market.request.force).toBeUndefined();
    expect(market.ok && market.request.price).toBeUndefined();
  });
});

describe('Bitget orders, fills and positions -> the economic side', () => {
  const base = {
    symbol: 'BTCUSDT',
    orderId: '7',
    clientOid: 'c',
    size: '0.01',
    price: '60000',
    state: 'live',
    orderType: 'limit',
  };
  const ctx = { account: 'main', accountMode: 'one_way' as const, receivedAt: '2026-01-01T00:00:00.000Z' };

  it('a hedge close of a long (Bitget buy/close) is an economic sell on the long leg', () => {
    const order = toSnapshot(
      RestOrderSchema.parse({
        ...base,
        side: 'buy',
        tradeSide: 'close',
        posMode: 'hedge_mode',
        reduceOnly: 'YES',
      }),
      ctx,
    );
    expect(order).toMatchObject({
      side: 'sell',
      positionMode: 'hedge',
      tradeSide: 'close',
      reduceOnly: false,
    });
    expect(positionSideFor(order.positionMode, order.side, order.tradeSide)).toBe('long');
  });

  it('a hedge close of a short (Bitget sell/close) is an economic buy on the short leg', () => {
    const order = toSnapshot(
      RestOrderSchema.parse({ ...base, side: 'sell', tradeSide: 'close', posMode: 'hedge_mode' }),
      ctx,
    );
    expect(order).toMatchObject({ side: 'buy', tradeSide: 'close' });
    expect(positionSideFor(order.positionMode, order.side, order.tradeSide)).toBe('short');
  });

  it('a one-way sell (tradeSide sell_single) stays a sell with no tradeSide', () => {
    const order = toSnapshot(
      RestOrderSchema.parse({
        ...base,
        side: 'sell',
        tradeSide: 'sell_single',
        posMode: 'one_way_mode',
        reduceOnly: 'YES',
      }),
      ctx,
    );
    expect(order).toMatchObject({
      side: 'sell',
      positionMode: 'one_way',
      tradeSide: undefined,
      reduceOnly: true,
      status: 'open',
    });
  });

  it('maps fills the same way and turns Bitget fees (negative = paid) into positive fees paid', () => {
    const fill = toFill(
      FillSchema.parse({
        tradeId: '9',
        orderId: '7',
        symbol: 'BTCUSDT',
        side: 'buy',
        tradeSide: 'close',
        posMode: 'hedge_mode',
        price: '61000',
        baseVolume: '0.01',
        profit: '10',
        tradeScope: 'maker',
        feeDetail: [{ feeCoin: 'USDT', deduction: 'no', totalDeductionFee: '0', totalFee: '-0.122' }],
        cTime: '1700000000000',
      }),
      { account: 'main', accountMode: 'one_way', settlementCurrency: 'USDT', clientOidOf: () => 'c' },
    );
    expect(fill).toMatchObject({
      side: 'sell',
      tradeSide: 'close',
      positionMode: 'hedge',
      clientOrderId: 'c',
      liquidity: 'maker',
    });
    expect(fill.fee.toString()).toBe('0.122');
    expect(fill.executedAt).toBe('2023-11-14T22:13:20.000Z');
  });

  it('nets one-way positions (short = negative size) and keeps hedge legs apart', () => {
    const short = PositionSchema.parse({
      symbol: 'BTCUSDT',
      holdSide: 'short',
      total: '0.02',
      openPriceAvg: '60000',
      achievedProfits: '1.5',
      posMode: 'one_way_mode',
    });
    expect(toPosition(short, { account: 'main', accountMode: 'one_way' })).toMatchObject({ side: 'net' });
    expect(toPosition(short, { account: 'main', accountMode: 'one_way' }).size.toString()).toBe('-0.02');
    const leg = PositionSchema.parse({
      instId: 'BTCUSDT',
      holdSide: 'short',
      total: '0.02',
      openPriceAvg: '60000',
      posMode: 'hedge_mode',
    });
    const mapped = toPosition(leg, { account: 'main', accountMode: 'one_way' });
    expect(mapped.side).toBe('short');
    expect(mapped.size.toString()).toBe('0.02');
  });

  it('reads Bitget cancel reasons in the domain words', () => {
    expect(cancelReasonOf('post_only_cancel')).toBe('post_only_reject');
    expect(cancelReasonOf('reduce_only_cancel')).toBe('reduce_only_adjustment');
    expect(cancelReasonOf('ioc_cancel')).toBe('unfilled_remainder');
    expect(cancelReasonOf('normal_cancel')).toBe('user_request');
    expect(cancelReasonOf('something_else')).toBe('venue_other');
  });
});

describe('contracts -> instruments', () => {
  it('takes tick = priceEndStep × 10^-pricePlace, step = sizeMultiplier, minimums from the contract', () => {
    const contract = ContractSchema.parse({
      symbol: 'ETHUSDT',
      baseCoin: 'ETH',
      quoteCoin: 'USDT',
      minTradeNum: '0.01',
      sizeMultiplier: '0.01',
      pricePlace: '2',
      volumePlace: '2',
      priceEndStep: '5',
      minTradeUSDT: '5',
      symbolType: 'perpetual',
      supportMarginCoins: ['USDT'],
    });
    const instrument = toInstrument(contract, 'USDT-FUTURES');
    expect(instrument).toMatchObject({
      venue: 'bitget',
      symbol: 'ETHUSDT',
      kind: 'perpetual',
      settlement: 'linear',
      amountUnit: 'base',
      bitgetProductType: 'USDT-FUTURES',
      settlementCurrency: 'USDT',
    });
    expect(instrument.tickSize.toString()).toBe('0.05');
    expect(instrument.amountStep.toString()).toBe('0.01');
    expect(instrument.minAmount.toString()).toBe('0.01');
    expect(instrument.minNotional?.toString()).toBe('5');
  });
});
