import { describe, expect, it } from 'vitest';
import { decideKillSwitch, evolveKillSwitch, killSwitchInitial } from '../../domain/control/kill-switch.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { OrderParamsSchema } from '../../domain/order/contract.ts';
import { applyFill, emptyPosition } from '../../domain/position/position.ts';
import { checkPreTrade, type PreTradeContext, PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import { BITGET_BTCUSDT, BTC_PERPETUAL, orderParams } from './fixtures.ts';

const order = (overrides: Record<string, unknown> = {}) => OrderParamsSchema.parse(orderParams(overrides));
const limits = PreTradeLimitsSchema.parse({
  allowlist: ['deribit:BTC-PERPETUAL'],
  maxAmount: { 'deribit:BTC-PERPETUAL': '1000' },
  maxNotional: '500',
  priceBand: '0.05',
});
const calm: PreTradeContext = {
  killSwitchEngaged: false,
  markPrice: parseDecimal('60000'),
  position: undefined,
};
const long = applyFill(
  emptyPosition({ venue: 'deribit', account: 'main', symbol: 'BTC-PERPETUAL', side: 'net' }, BTC_PERPETUAL),
  {
    side: 'buy',
    amount: parseDecimal('200'),
    price: parseDecimal('60000'),
    fee: parseDecimal('0'),
    feeCurrency: 'BTC',
    executedAt: '2026-11-21T12:00:00.000Z',
  },
).position;

describe('pre-trade checks', () => {
  it('let a sane order through', () => {
    expect(checkPreTrade(order(), limits, calm)).toBeUndefined();
  });

  it.each([
    [
      'an instrument off the allowlist',
      { instrument: { ...BTC_PERPETUAL, symbol: 'ETH-PERPETUAL' } },
      'INSTRUMENT_NOT_ALLOWED',
    ],
    ['an amount above the instrument limit', { amount: '1010' }, 'AMOUNT_ABOVE_LIMIT'],
    ['a notional above the limit (inverse: the USD amount)', { amount: '510' }, 'NOTIONAL_ABOVE_LIMIT'],
    ['a buy 6% above the mark', { price: '63600' }, 'PRICE_OUTSIDE_BAND'],
    ['a sell 6% below the mark', { side: 'sell', price: '56400' }, 'PRICE_OUTSIDE_BAND'],
    [
      'a reduce-only order with no position to reduce',
      { reduceOnly: true, side: 'sell' },
      'REDUCE_ONLY_WOULD_INCREASE',
    ],
  ])('stop %s', (_what, overrides, code) => {
    expect(checkPreTrade(order(overrides), limits, calm)?.code).toBe(code);
  });

  it('stop a reduce-only order that would increase or flip the position', () => {
    const withLong = { ...calm, position: long };
    expect(checkPreTrade(order({ reduceOnly: true, side: 'buy' }), limits, withLong)?.code).toBe(
      'REDUCE_ONLY_WOULD_INCREASE',
    );
    expect(
      checkPreTrade(order({ reduceOnly: true, side: 'sell', amount: '300' }), limits, withLong)?.code,
    ).toBe('REDUCE_ONLY_WOULD_INCREASE');
    expect(
      checkPreTrade(order({ reduceOnly: true, side: 'sell', amount: '200' }), limits, withLong),
    ).toBeUndefined();
  });

  it('refuse to guess when the price band needs a mark price it does not have', () => {
    expect(checkPreTrade(order(), limits, { ...calm, markPrice: undefined })?.code).toBe(
      'MARK_PRICE_UNAVAILABLE',
    );
  });

  it('with the kill switch engaged, stop new exposure but let reducing orders through', () => {
    const engaged = { ...calm, killSwitchEngaged: true, position: long };
    expect(checkPreTrade(order(), limits, engaged)?.code).toBe('KILL_SWITCH_ENGAGED');
    expect(checkPreTrade(order({ reduceOnly: true, side: 'sell' }), limits, engaged)).toBeUndefined();
  });
});

describe('the instrument’s own limits, by default (no desk limit set)', () => {
  const defaults = PreTradeLimitsSchema.parse({});
  const bitget = {
    ...BITGET_BTCUSDT,
    maxAmount: parseDecimal('1200'),
    maxMarketAmount: parseDecimal('220'),
  };
  const bitgetOrder = (overrides: Record<string, unknown>) =>
    order({ instrument: bitget, amount: '1', price: '60000', ...overrides });
  const venuePrices = { maxBuyPrice: parseDecimal('63000'), minSellPrice: parseDecimal('57000') };

  it.each([
    ['a limit order above the largest the venue takes', { amount: '1201' }, 'AMOUNT_ABOVE_LIMIT'],
    [
      'a market order above the largest market order',
      { type: 'market', price: undefined, amount: '221' },
      'AMOUNT_ABOVE_LIMIT',
    ],
    ['a buy above the venue’s highest buy price', { price: '63000.1' }, 'PRICE_OUTSIDE_BAND'],
    ['a sell below the venue’s lowest sell price', { side: 'sell', price: '56999.9' }, 'PRICE_OUTSIDE_BAND'],
  ])('Given defaults, when %s is checked, then it is refused', (_what, overrides, code) => {
    const refused = checkPreTrade(bitgetOrder(overrides), defaults, { ...calm, venuePrices });
    expect(refused?.code).toBe(code);
    expect(refused?.message).toContain('bitget:BTCUSDT');
  });

  it.each([
    ['a limit order of the largest size', { amount: '1200', price: '1' }],
    ['a market order of the largest market size', { type: 'market', price: undefined, amount: '220' }],
    ['a buy at the highest buy price', { price: '63000' }],
    ['a buy far below the mark (passive)', { price: '1000' }],
    ['a sell far above the mark (passive)', { side: 'sell', price: '90000' }],
  ])('Given defaults, when %s is checked, then it passes', (_what, overrides) => {
    const order = bitgetOrder(overrides);
    expect(
      checkPreTrade(order, PreTradeLimitsSchema.parse({ maxNotional: '1000000000000' }), {
        ...calm,
        venuePrices,
      }),
    ).toBeUndefined();
  });

  it('Given no answer from the venue about its prices, the venue’s price limits are left to it', () => {
    expect(checkPreTrade(bitgetOrder({ price: '90000' }), defaults, calm)).toBeUndefined();
  });

  it('Given the default notional limit (10,000,000), an order of 10^21 is refused', () => {
    const absurd = order({ amount: '1000000000000000000000' });
    expect(checkPreTrade(absurd, defaults, calm)?.code).toBe('NOTIONAL_ABOVE_LIMIT');
  });
});

describe('the kill switch', () => {
  it('is engaged, recorded once, and released', () => {
    const engage = { type: 'EngageKillSwitch' as const, data: { reason: 'runaway algo', by: 'ops' } };
    const [engaged] = decideKillSwitch(engage, killSwitchInitial);
    expect(engaged).toEqual({ type: 'KillSwitchEngaged', data: { reason: 'runaway algo', by: 'ops' } });
    const state = evolveKillSwitch(killSwitchInitial, engaged!);
    expect(state.engaged).toBe(true);
    expect(decideKillSwitch(engage, state)).toEqual([]);
    const [released] = decideKillSwitch(
      { type: 'ReleaseKillSwitch', data: { reason: 'fixed', by: 'ops' } },
      state,
    );
    expect(evolveKillSwitch(state, released!).engaged).toBe(false);
  });
});
