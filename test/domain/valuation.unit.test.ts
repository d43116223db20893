import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../domain/decimal.ts';
import {
  applyFill,
  emptyPosition,
  type Position,
  type PositionSide,
} from '../../domain/position/position.ts';
import {
  addsUp,
  equityOf,
  type PositionFigures,
  positionDay,
  unrealizedPnl,
} from '../../domain/position/valuation.ts';
import { BITGET_BTCUSDT, BTC_PERPETUAL } from './fixtures.ts';

// Unrealized PnL at a mark (inverse and linear, exact) and the daily statement's identity:
// closing equity − opening equity = trading + funding − fees + settlement + unrealized change.

const d = parseDecimal;
const at = '2026-12-04T08:00:00.000Z';

const linear = (side: PositionSide = 'net') =>
  emptyPosition({ venue: 'bitget', account: 'main', symbol: 'BTCUSDT', side }, BITGET_BTCUSDT);
const inverse = () =>
  emptyPosition({ venue: 'deribit', account: 'main', symbol: 'BTC-PERPETUAL', side: 'net' }, BTC_PERPETUAL);
const trade = (position: Position, side: 'buy' | 'sell', amount: string, price: string, fee = '0') =>
  applyFill(position, {
    side,
    amount: d(amount),
    price: d(price),
    fee: d(fee),
    feeCurrency: position.pnlCurrency,
    executedAt: at,
  }).position;

const figures = (position: Position, extra: Partial<PositionFigures> = {}): PositionFigures => ({
  key: position.key,
  settlement: position.settlement,
  size: position.size,
  entryCost: position.entryCost,
  realizedPnl: position.realizedPnl,
  settlementPnl: d('0'),
  fundingPnl: d('0'),
  fees: position.fees[position.pnlCurrency] ?? d('0'),
  ...extra,
});

describe('unrealized PnL of a linear position (Bitget USDT-M)', () => {
  it('given a long of 0.5 BTCUSDT at 60000, when the mark is 61000.5, then it is 500.25 USDT', () => {
    const long = trade(linear(), 'buy', '0.5', '60000');
    expect(unrealizedPnl(long, d('61000.5')).toString()).toBe('500.25');
  });

  it('given a short of 0.3 at 60000 and 0.2 at 60500, when the mark is 59000, then it is +600 USDT', () => {
    const short = trade(trade(linear(), 'sell', '0.3', '60000'), 'sell', '0.2', '60500');
    // 0.3·1000 + 0.2·1500
    expect(unrealizedPnl(short, d('59000')).toString()).toBe('600');
  });

  it('given a hedge-mode short leg (size positive), when the mark rises, then the leg loses', () => {
    const leg = trade(linear('short'), 'sell', '0.1', '60000');
    expect(unrealizedPnl(leg, d('60100')).toString()).toBe('-10');
  });

  it('given a flat position, when valued at any mark, then it is zero', () => {
    expect(unrealizedPnl(linear(), d('12345')).toString()).toBe('0');
  });
});

describe('unrealized PnL of an inverse position (Deribit BTC-PERPETUAL)', () => {
  it('given a long of 1000 USD at 50000, when the mark is 40000, then it is 1000·(1/50000 − 1/40000) = -0.005 BTC', () => {
    const long = trade(inverse(), 'buy', '1000', '50000');
    expect(unrealizedPnl(long, d('40000')).toString()).toBe('-0.005');
  });

  it('given a short of 2000 USD at 40000, when the mark is 50000, then it is -2000·(1/40000 − 1/50000) = -0.01 BTC', () => {
    const short = trade(inverse(), 'sell', '2000', '40000');
    expect(unrealizedPnl(short, d('50000')).toString()).toBe('-0.01');
  });

  it('given a long, when valued at the mark and then closed at that price, then unrealized equals the PnL the close realizes', () => {
    const long = trade(trade(inverse(), 'buy', '700', '61234.5'), 'buy', '300', '59876');
    const mark = d('60321.5');
    const closed = trade(long, 'sell', '1000', '60321.5');
    expect(unrealizedPnl(long, mark).toString()).toBe(closed.realizedPnl.toString());
  });
});

describe('the daily statement identity', () => {
  it('given a linear day with a partial close, funding and fees, when its components are taken, then they add up to the equity change exactly', () => {
    const opening = trade(linear(), 'buy', '0.5', '60000', '3');
    const closing = trade(opening, 'sell', '0.2', '61000', '1.22');
    const day = positionDay(
      { position: figures(opening, { fundingPnl: d('-0.5') }), mark: d('60500') },
      { position: figures(closing, { fundingPnl: d('-1.25') }), mark: d('60800.1') },
    );
    expect(day.trading.toString()).toBe('200');
    expect(day.fees.toString()).toBe('1.22');
    expect(day.funding.toString()).toBe('-0.75');
    expect(day.settlement.toString()).toBe('0');
    expect(day.openingUnrealized?.toString()).toBe('250');
    // 0.3 · (60800.1 − 60000)
    expect(day.closingUnrealized?.toString()).toBe('240.03');
    expect(day.unrealizedChange?.toString()).toBe('-9.97');
    expect(addsUp(day)).toBe(true);
    expect(day.closingEquity?.minus(day.openingEquity ?? 0).toString()).toBe('188.06');
  });

  it('given an inverse day whose figures span 40 digits, when its components are taken, then the identity holds to the last digit', () => {
    const opening = trade(inverse(), 'buy', '1000', '61234.7');
    const closing = trade(trade(opening, 'sell', '300', '60999.9', '0.0000015'), 'buy', '70', '59111.3');
    const day = positionDay(
      { position: figures(opening, { fundingPnl: d('0.00000123') }), mark: d('61111.1') },
      { position: figures(closing, { fundingPnl: d('-0.0000042') }), mark: d('58888.8') },
    );
    expect(addsUp(day)).toBe(true);
  });

  it('given a delivery that closes the position, when the day is taken, then its PnL is settlement, not trading', () => {
    const opening = trade(linear(), 'buy', '0.1', '60000');
    const delivered = { ...opening, size: d('0'), entryCost: d('0'), realizedPnl: d('50') };
    const day = positionDay(
      { position: figures(opening), mark: d('60400') },
      { position: figures(delivered, { settlementPnl: d('50') }), mark: d('60500') },
    );
    expect([day.trading.toString(), day.settlement.toString()]).toEqual(['0', '50']);
    expect(day.unrealizedChange?.toString()).toBe('-40');
    expect(addsUp(day)).toBe(true);
  });

  it('given an open position without a mark, when valued, then equity and the identity are unknown (never a guess)', () => {
    const open = figures(trade(linear(), 'buy', '0.1', '60000'));
    expect(equityOf(open, undefined)).toBeUndefined();
    expect(
      addsUp(positionDay({ position: open, mark: undefined }, { position: open, mark: d('1') })),
    ).toBeUndefined();
  });
});
