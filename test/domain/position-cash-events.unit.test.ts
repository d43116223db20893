import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../domain/decimal.ts';
import {
  applyDelivery,
  applyFunding,
  applyLiquidation,
  CurrencyMismatch,
  totalPnl,
  withComponents,
} from '../../domain/position/cash-events.ts';
import {
  applyFill,
  emptyPosition,
  type PositionFill,
  type PositionSide,
} from '../../domain/position/position.ts';
import { BITGET_BTCUSDT, BTC_PERPETUAL } from './fixtures.ts';

// Funding, delivery and liquidation in the position math: exact decimals, linear and inverse.

const d = parseDecimal;
const at = '2026-12-04T08:00:00.000Z';
const fill = (
  side: 'buy' | 'sell',
  amount: string,
  price: string,
  fee = '0',
  feeCurrency = 'USDT',
): PositionFill => ({
  side,
  amount: d(amount),
  price: d(price),
  fee: d(fee),
  feeCurrency,
  executedAt: at,
});
const linear = (side: PositionSide = 'net') =>
  withComponents(
    emptyPosition({ venue: 'bitget', account: 'main', symbol: 'BTCUSDT', side }, BITGET_BTCUSDT),
  );
const inverse = () =>
  withComponents(
    emptyPosition({ venue: 'deribit', account: 'main', symbol: 'BTC-27DEC26', side: 'net' }, BTC_PERPETUAL),
  );
const opened = <P extends ReturnType<typeof linear>>(position: P, ...fills: PositionFill[]): P =>
  fills.reduce((p, f) => Object.assign(p, applyFill(p, f).position), { ...position });

describe('funding', () => {
  it('given a long of 0.5 BTCUSDT, when it pays 1.5 USDT of funding, then funding PnL is -1.5 and the position is unchanged', () => {
    const position = opened(linear(), fill('buy', '0.5', '60000'));
    const after = applyFunding(position, { amount: d('-1.5'), currency: 'USDT', at });
    expect(after.fundingPnl.toString()).toBe('-1.5');
    expect([after.size.toString(), after.entryCost.toString(), after.realizedPnl.toString()]).toEqual([
      '0.5',
      '30000',
      '0',
    ]);
  });

  it('given two payments, funding adds up exactly (no float drift: 0.1 + 0.2 is 0.3)', () => {
    const position = opened(linear(), fill('sell', '1', '60000'));
    const after = applyFunding(applyFunding(position, { amount: d('0.1'), currency: 'USDT', at }), {
      amount: d('0.2'),
      currency: 'USDT',
      at,
    });
    expect(after.fundingPnl.toString()).toBe('0.3');
  });

  it('refuses a payment in another currency than the position’s PnL', () => {
    expect(() => applyFunding(inverse(), { amount: d('1'), currency: 'USDT', at })).toThrow(CurrencyMismatch);
  });
});

describe('delivery of a dated future', () => {
  it('given a long of 0.2 BTC bought at 60000 (linear), when delivered at 61000, then it is flat with 200 USDT of settlement PnL', () => {
    const position = opened(linear(), fill('buy', '0.2', '60000'));
    const { position: after, pnl } = applyDelivery(position, { price: d('61000'), at, kind: 'delivery' });
    expect(pnl.toString()).toBe('200');
    expect([after.size.toString(), after.entryCost.toString()]).toEqual(['0', '0']);
    expect([after.realizedPnl.toString(), after.settlementPnl.toString()]).toEqual(['0', '200']);
  });

  it('given a short of 1000 USD (inverse) sold at 50000, when delivered at 40000, then it earns 1000/40000 − 1000/50000 = 0.005 BTC', () => {
    const position = opened(inverse(), fill('sell', '1000', '50000', '0', 'BTC'));
    const { position: after, pnl } = applyDelivery(position, { price: d('40000'), at, kind: 'delivery' });
    expect(pnl.toString()).toBe('0.005');
    expect(after.size.isZero()).toBe(true);
    expect(after.settlementPnl.toString()).toBe('0.005');
  });

  it('given a flat position, delivery changes nothing', () => {
    const { position, pnl } = applyDelivery(linear(), { price: d('1'), at, kind: 'expiry' });
    expect(pnl.isZero()).toBe(true);
    expect(position.size.isZero()).toBe(true);
  });
});

describe('liquidation', () => {
  it('given a long leg of 1 BTC at 60000, when 0.4 is liquidated at 54000 with a 3 USDT fee, then 2400 is lost, as trading and as liquidation PnL', () => {
    const position = opened(linear('long'), fill('buy', '1', '60000'));
    const {
      position: after,
      pnl,
      excess,
    } = applyLiquidation(position, {
      amount: d('0.4'),
      price: d('54000'),
      fee: d('3'),
      at,
    });
    expect(pnl.toString()).toBe('-2400');
    expect([after.size.toString(), after.entryCost.toString()]).toEqual(['0.6', '36000']);
    expect([
      after.realizedPnl.toString(),
      after.liquidationPnl.toString(),
      after.fees.USDT?.toString(),
    ]).toEqual(['-2400', '-2400', '3']);
    expect(excess.isZero()).toBe(true);
  });

  it('never flips a position: more than its size is reported as excess', () => {
    const position = opened(linear(), fill('sell', '0.1', '60000'));
    const { position: after, excess } = applyLiquidation(position, {
      amount: d('0.3'),
      price: d('66000'),
      fee: d('0'),
      at,
    });
    expect(after.size.isZero()).toBe(true);
    expect(excess.toString()).toBe('0.2');
  });
});

describe('total PnL', () => {
  it('is trading + funding + settlement − fees in the PnL currency', () => {
    let position = opened(linear(), fill('buy', '1', '60000', '6'), fill('sell', '0.5', '61000', '3'));
    position = applyFunding(position, { amount: d('-2.5'), currency: 'USDT', at });
    position = applyDelivery(position, { price: d('62000'), at, kind: 'delivery' }).position;
    // 500 trading + 1000 settlement − 2.5 funding − 9 fees
    expect(totalPnl(position).toString()).toBe('1488.5');
  });
});
