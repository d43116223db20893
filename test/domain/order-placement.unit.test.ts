import { describe, expect, it } from 'vitest';
import { exists } from '../../domain/order/state.ts';
import {
  BITGET_BTCUSDT,
  BTC_PERPETUAL,
  command,
  ETH_USDC_PERPETUAL,
  ev,
  given,
  ORDER_ID,
  placeData,
} from './fixtures.ts';

const place = (overrides: Record<string, unknown> = {}) =>
  command({ type: 'PlaceOrder', data: placeData(overrides) });
const bitget = (overrides: Record<string, unknown> = {}) =>
  place({
    instrument: BITGET_BTCUSDT,
    price: '60000.1',
    amount: '0.01',
    marginMode: 'crossed',
    ...overrides,
  });
const close = (data: Record<string, unknown>) =>
  command({
    type: 'ClosePosition',
    data: {
      orderId: ORDER_ID,
      account: 'main',
      instrument: BTC_PERPETUAL,
      clientOrderId: 'close-1',
      type: 'market',
      ...data,
    } as never,
  });

describe('placing an order', () => {
  it('records the request with every parameter, defaults filled in', () => {
    const state = given().when(place()).thenStatus('pending_new');
    expect(exists(state) && state.order).toMatchObject({
      intent: 'order',
      timeInForce: 'gtc',
      reduceOnly: false,
      postOnly: false,
      positionMode: 'one_way',
      clientOrderId: 'oms-1',
    });
  });

  it('converts contracts into the amount unit: 5 BTC-PERPETUAL contracts are 50 USD', () => {
    const state = given()
      .when(place({ amount: undefined, contracts: '5' }))
      .thenStatus('pending_new');
    expect(exists(state) && state.order.amount.toString()).toBe('50');
  });

  it('takes linear amounts in the base coin: 0.005 ETH on ETH_USDC-PERPETUAL', () => {
    given()
      .when(place({ instrument: ETH_USDC_PERPETUAL, amount: '0.005', price: '3000.1' }))
      .thenStatus('pending_new');
  });

  it('takes a Bitget hedge-mode open order with presets and self-trade prevention', () => {
    const state = given()
      .when(
        bitget({
          positionMode: 'hedge',
          tradeSide: 'open',
          takeProfit: { triggerPrice: '65000' },
          stopLoss: { triggerPrice: '58000' },
          selfTradePrevention: 'cancel_taker',
          clientOrderId: 'x'.repeat(50),
        }),
      )
      .thenStatus('pending_new');
    expect(exists(state) && state.order.tradeSide).toBe('open');
  });

  it('takes a Deribit stop-limit with its trigger', () => {
    given()
      .when(place({ type: 'stop_limit', trigger: { price: '59000', reference: 'mark_price' } }))
      .thenStatus('pending_new');
  });

  it('takes post-only with reject-post-only on Deribit', () => {
    given()
      .when(place({ postOnly: true, rejectPostOnly: true }))
      .thenStatus('pending_new');
  });

  it.each([
    ['both amount and contracts', { contracts: '5' }, 'amount'],
    ['neither amount nor contracts', { amount: undefined }, 'amount'],
    ['a price off the 0.5 tick', { price: '60000.3' }, 'price'],
    ['an amount below the 10 USD minimum', { amount: '5' }, 'amount'],
    ['an amount that is not whole contracts', { amount: '15' }, 'amount'],
    ['a limit order without a price', { price: undefined }, 'price'],
    ['a market order with a price', { type: 'market' }, 'price'],
    ['a stop order without a trigger', { type: 'stop_limit' }, 'trigger'],
    ['post-only with immediate-or-cancel', { postOnly: true, timeInForce: 'ioc' }, 'postOnly'],
    ['reject-post-only without post-only', { rejectPostOnly: true }, 'rejectPostOnly'],
    ['an empty client order id', { clientOrderId: '' }, 'clientOrderId'],
    ['hedge mode on Deribit', { positionMode: 'hedge', tradeSide: 'open' }, 'positionMode'],
    ['a trade side in one-way mode', { tradeSide: 'open' }, 'tradeSide'],
    ['take-profit presets on Deribit', { takeProfit: { triggerPrice: '65000' } }, 'takeProfit'],
  ])('refuses %s', (_what, overrides, field) => {
    given().when(place(overrides)).thenError('INVALID_ORDER', field);
  });

  it.each([
    ['a clientOid over 50 characters', { clientOrderId: 'x'.repeat(51) }, 'clientOrderId'],
    ['an order without margin mode', { marginMode: undefined }, 'marginMode'],
    ['good-til-day', { timeInForce: 'good_til_day' }, 'timeInForce'],
    ['hedge mode without a trade side', { positionMode: 'hedge' }, 'tradeSide'],
    [
      'reduce-only in hedge mode',
      { positionMode: 'hedge', tradeSide: 'close', reduceOnly: true },
      'reduceOnly',
    ],
    ['a notional below 5 USDT', { amount: '0.001', price: '1000' }, 'amount'],
    ['an amount off the 0.001 size step', { amount: '0.0105' }, 'amount'],
  ])('refuses on Bitget %s', (_what, overrides, field) => {
    given().when(bitget(overrides)).thenError('INVALID_ORDER', field);
  });

  it('refuses a command whose decimals are floats, at the schema boundary', () => {
    expect(() => command({ type: 'PlaceOrder', data: placeData({ price: 60000 }) })).toThrow(/decimal/);
  });

  it('refuses a Deribit label over 64 characters, at the schema boundary', () => {
    expect(() => place({ clientOrderId: 'x'.repeat(65) })).toThrow(/<=64 characters/);
  });
});

describe('closing a position', () => {
  it('sells the whole long as a reduce-only order', () => {
    const state = given()
      .when(close({ position: { side: 'long', size: '120' } }))
      .thenStatus('pending_new');
    expect(exists(state) && state.order).toMatchObject({
      side: 'sell',
      reduceOnly: true,
      intent: 'close_position',
    });
    expect(exists(state) && state.order.amount.toString()).toBe('120');
  });

  it('buys back a short at a limit price', () => {
    const state = given()
      .when(close({ type: 'limit', price: '59000', position: { side: 'short', size: '50' } }))
      .thenStatus('pending_new');
    expect(exists(state) && state.order.side).toBe('buy');
  });

  it('closes a Bitget hedge-mode long leg with tradeSide close, not reduce-only', () => {
    const state = given()
      .when(
        close({
          instrument: BITGET_BTCUSDT,
          positionMode: 'hedge',
          marginMode: 'crossed',
          position: { side: 'long', size: '0.02' },
        }),
      )
      .thenStatus('pending_new');
    expect(exists(state) && state.order).toMatchObject({
      side: 'sell',
      tradeSide: 'close',
      reduceOnly: false,
    });
  });

  it('refuses to close a flat position', () => {
    given()
      .when(close({ position: { side: 'long', size: '0' } }))
      .thenError('NOTHING_TO_CLOSE');
  });

  it('refuses to reuse an existing order id', () => {
    given(ev.requested())
      .when(close({ position: { side: 'long', size: '100' } }))
      .thenError('ORDER_ALREADY_EXISTS');
  });
});

describe('amending on each venue', () => {
  const bitgetOpen = [
    ev.requested({ instrument: BITGET_BTCUSDT, price: '60000.1', amount: '0.01', marginMode: 'crossed' }),
    ev.accepted('b-1'),
  ];

  it('Bitget: the replacement needs a new client order id', () => {
    given(...bitgetOpen)
      .when(command({ type: 'AmendOrder', data: { orderId: ORDER_ID, amendment: { price: '60100' } } }))
      .thenError('INVALID_ORDER', 'amendment.newClientOrderId');
  });

  it('Bitget: the new client order id must be new', () => {
    given(...bitgetOpen)
      .when(
        command({
          type: 'AmendOrder',
          data: { orderId: ORDER_ID, amendment: { price: '60100', newClientOrderId: 'oms-1' } },
        }),
      )
      .thenError('INVALID_ORDER', 'amendment.newClientOrderId');
  });

  it('Bitget: the replacement takes the new venue order id and client order id', () => {
    const state = given(...bitgetOpen, ev.amendRequested({ price: '60100', newClientOrderId: 'oms-1-r1' }))
      .when(
        command({
          type: 'RecordAmendAccepted',
          data: { orderId: ORDER_ID, price: '60100', venueOrderId: 'b-2', clientOrderId: 'oms-1-r1' },
        }),
      )
      .thenStatus('open');
    expect(
      exists(state) && [
        state.venueOrderId,
        state.venueOrderIds,
        state.order.clientOrderId,
        state.clientOrderIds,
      ],
    ).toEqual(['b-2', ['b-1', 'b-2'], 'oms-1-r1', ['oms-1', 'oms-1-r1']]);
  });

  it('Bitget: only unfilled orders can be modified', () => {
    given(...bitgetOpen, ev.filled('t1', '0.004', '60000.1'))
      .when(
        command({
          type: 'AmendOrder',
          data: { orderId: ORDER_ID, amendment: { price: '60100', newClientOrderId: 'r1' } },
        }),
      )
      .thenError('INVALID_ORDER', 'amendment');
  });

  it('Deribit: an edit keeps the label', () => {
    given(ev.requested(), ev.accepted())
      .when(
        command({
          type: 'AmendOrder',
          data: { orderId: ORDER_ID, amendment: { price: '60100', newClientOrderId: 'x' } },
        }),
      )
      .thenError('INVALID_ORDER', 'amendment.newClientOrderId');
  });
});
