import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decimal, parseDecimal, sum, ZERO } from '../../domain/decimal.ts';
import {
  applyFill,
  averageEntry,
  checkReduceOnly,
  emptyPosition,
  hedgeLeg,
  type Position,
  type PositionFill,
  type PositionSide,
} from '../../domain/position/position.ts';
import { unrealizedPnl } from '../../domain/position/valuation.ts';
import { BITGET_BTCUSDT, BTC_PERPETUAL } from './fixtures.ts';

// More runs on demand: FC_NUM_RUNS=10000 npm run test:unit
fc.configureGlobal({ numRuns: Number(process.env.FC_NUM_RUNS ?? 100) });

const d = parseDecimal;
const linear = (side: PositionSide = 'net') =>
  emptyPosition({ venue: 'bitget', account: 'main', symbol: 'BTCUSDT', side }, BITGET_BTCUSDT);
const inverse = () =>
  emptyPosition({ venue: 'deribit', account: 'main', symbol: 'BTC-PERPETUAL', side: 'net' }, BTC_PERPETUAL);
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
  executedAt: '2026-11-21T12:00:00.000Z',
});
const applyAll = (position: Position, fills: PositionFill[]) =>
  fills.reduce((p, f) => applyFill(p, f).position, position);

describe('position math: linear contracts (PnL in the quote currency)', () => {
  it('averages the entry by quantity and realizes PnL on the reducing part only', () => {
    // Given a long built from 1 @ 100 and 3 @ 200
    const long = applyAll(linear(), [fill('buy', '1', '100'), fill('buy', '3', '200')]);
    expect(long.size.toString()).toBe('4');
    expect(averageEntry(long)?.toString()).toBe('175');
    // When half is sold at 300
    const effect = applyFill(long, fill('sell', '2', '300'));
    // Then 2 × (300 − 175) = 250 is realized and the rest keeps its entry
    expect(effect.realized.toString()).toBe('250');
    expect(effect.position.size.toString()).toBe('2');
    expect(averageEntry(effect.position)?.toString()).toBe('175');
    expect(effect.position.realizedPnl.toString()).toBe('250');
  });

  it('realizes a short’s gain when it is bought back lower', () => {
    const short = applyAll(linear(), [fill('sell', '2', '300')]);
    expect(short.size.toString()).toBe('-2');
    const effect = applyFill(short, fill('buy', '2', '250'));
    expect(effect.realized.toString()).toBe('100');
    expect(effect.position.size.isZero()).toBe(true);
    expect(averageEntry(effect.position)).toBeUndefined();
  });

  it('splits a flip into a close and an open, prorating the fee', () => {
    // Given a long of 10 @ 100
    const long = applyAll(linear(), [fill('buy', '10', '100')]);
    // When 15 are sold at 110 with a fee of 1.5
    const effect = applyFill(long, fill('sell', '15', '110', '1.5'));
    // Then 10 close (realizing 100, fee 1) and 5 open short at 110 (fee 0.5)
    expect(
      [effect.closed, effect.realized, effect.closingFee, effect.opened, effect.openingFee].map(String),
    ).toEqual(['10', '100', '1', '5', '0.5']);
    expect(effect.position.size.toString()).toBe('-5');
    expect(averageEntry(effect.position)?.toString()).toBe('110');
    expect(effect.position.fees.USDT?.toString()).toBe('1.5');
  });

  it('realizes a whole position opened in one go exactly', () => {
    fc.assert(
      fc.property(fillArb, fc.integer({ min: 2, max: 200_000 }), (entry, exitTicks) => {
        const open = applyFill(linear(), entry).position;
        const exit = flatten(open, d(String(exitTicks)).div(2).toString());
        const pnl = exit.price
          .minus(entry.price)
          .times(entry.amount)
          .times(entry.side === 'buy' ? 1 : -1);
        expect(applyFill(open, exit).realized.toString()).toBe(pnl.toString());
      }),
    );
  });

  it('realizes exactly 0.2 where floats drift: ten buys of 0.1 @ 70000.1, one sell of 1 @ 70000.3', () => {
    let floatCost = 0;
    for (let i = 0; i < 10; i++) floatCost += 0.1 * 70000.1;
    expect(1 * 70000.3 - floatCost).not.toBe(0.2);
    const long = applyAll(
      linear(),
      Array.from({ length: 10 }, () => fill('buy', '0.1', '70000.1')),
    );
    expect(applyFill(long, fill('sell', '1', '70000.3')).realized.toString()).toBe('0.2');
  });

  it('keeps fees per currency, rebates as negatives', () => {
    const position = applyAll(linear(), [
      fill('buy', '1', '100', '0.06', 'USDT'),
      fill('buy', '1', '100', '-0.02', 'USDT'),
      fill('sell', '1', '110', '0.0000001', 'BTC'),
    ]);
    expect(position.fees.USDT?.toString()).toBe('0.04');
    expect(position.fees.BTC?.toString()).toBe('0.0000001');
  });
});

describe('position math: inverse contracts (amount in USD, PnL in the coin)', () => {
  it('averages the entry harmonically and realizes amount × (1/entry − 1/exit)', () => {
    // Given 100 USD bought @ 50000 and 100 USD @ 40000: 0.002 + 0.0025 BTC of entry value
    const long = applyAll(inverse(), [fill('buy', '100', '50000'), fill('buy', '100', '40000')]);
    expect(long.size.toString()).toBe('200');
    expect(averageEntry(long)?.toDecimalPlaces(8).toString()).toBe('44444.44444444');
    // When all 200 USD are sold @ 50000 (0.004 BTC)
    const effect = applyFill(long, fill('sell', '200', '50000'));
    // Then 0.0045 − 0.004 = 0.0005 BTC is realized
    expect(effect.realized.toString()).toBe('0.0005');
  });

  it('loses coin on a short when the price rises', () => {
    const short = applyAll(inverse(), [fill('sell', '1000', '50000')]);
    const effect = applyFill(short, fill('buy', '1000', '62500'));
    // 1000 × (1/62500 − 1/50000) = 0.016 − 0.02 = −0.004 BTC
    expect(effect.realized.toString()).toBe('-0.004');
  });
});

describe('position math: hedge mode legs', () => {
  it('opens the long leg with buys and closes it with sells, never flipping it', () => {
    const long = applyAll(linear('long'), [fill('buy', '2', '100')]);
    const closing = applyFill(long, fill('sell', '3', '120'));
    expect(closing.closed.toString()).toBe('2');
    expect(closing.realized.toString()).toBe('40');
    expect(closing.excess.toString()).toBe('1');
    expect(closing.position.size.isZero()).toBe(true);
  });

  it('opens the short leg with sells', () => {
    const short = applyAll(linear('short'), [fill('sell', '2', '100')]);
    expect(short.size.toString()).toBe('2');
    expect(applyFill(short, fill('buy', '1', '90')).realized.toString()).toBe('10');
  });

  it('names the leg from the economic side and the trade side', () => {
    expect([
      hedgeLeg('buy', 'open'),
      hedgeLeg('sell', 'close'),
      hedgeLeg('sell', 'open'),
      hedgeLeg('buy', 'close'),
    ]).toEqual(['long', 'long', 'short', 'short']);
  });
});

describe('reduce-only never opens, increases or flips a position', () => {
  const long = applyAll(linear(), [fill('buy', '2', '100')]);
  it.each([
    ['on a flat position', undefined, 'sell', '1', 'WOULD_OPEN'],
    ['in the direction of the position', long, 'buy', '1', 'WOULD_INCREASE'],
    ['beyond the position', long, 'sell', '3', 'WOULD_FLIP'],
  ] as const)('refuses a reduce-only order %s', (_what, position, side, amount, code) => {
    expect(checkReduceOnly(position, side, d(amount))?.code).toBe(code);
  });
  it('accepts reducing up to the whole position', () => {
    expect(checkReduceOnly(long, 'sell', d('2'))).toBeUndefined();
  });
  it('checks hedge legs by leg', () => {
    const leg = applyAll(linear('short'), [fill('sell', '2', '100')]);
    expect(checkReduceOnly(leg, 'buy', d('2'))).toBeUndefined();
    expect(checkReduceOnly(leg, 'sell', d('1'))?.code).toBe('WOULD_INCREASE');
  });
});

// ------------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------------

/** Fills on a 0.001 size grid and a 0.5 price grid, with fees that may be rebates. */
const fillArb = fc
  .record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    lots: fc.integer({ min: 1, max: 5000 }),
    ticks: fc.integer({ min: 2, max: 200_000 }),
    feeMicros: fc.integer({ min: -500, max: 5000 }),
  })
  .map(({ side, lots, ticks, feeMicros }) =>
    fill(
      side,
      d(String(lots)).div(1000).toString(),
      d(String(ticks)).div(2).toString(),
      d(String(feeMicros)).div(1e6).toString(),
    ),
  );

const signed = (f: PositionFill) => (f.side === 'buy' ? f.amount : f.amount.neg());
/** The fill that takes a net position back to flat. */
const flatten = (position: Position, price: string): PositionFill =>
  fill(position.size.isPositive() ? 'sell' : 'buy', position.size.abs().toString(), price);

describe('position properties', () => {
  it('the position is the sum of its fills', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 40 }), (fills) => {
        const position = applyAll(linear(), fills);
        expect(position.size.eq(sum(fills.map(signed)))).toBe(true);
        expect((position.fees.USDT ?? ZERO).eq(sum(fills.map((f) => f.fee)))).toBe(true);
      }),
    );
  });

  it('linear: a round trip back to flat realizes Σ sells q·p − Σ buys q·p', () => {
    fc.assert(
      fc.property(
        fc.array(fillArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 200_000 }),
        (fills, exitTicks) => {
          let position = applyAll(linear(), fills);
          const all = [...fills];
          if (!position.size.isZero()) {
            const last = flatten(position, d(String(exitTicks)).div(2).toString());
            all.push(last);
            position = applyFill(position, last).position;
          }
          const value = (side: 'buy' | 'sell') =>
            sum(all.filter((f) => f.side === side).map((f) => f.amount.times(f.price)));
          expect(position.size.isZero()).toBe(true);
          // Exact but for the 40th significant digit of a partial close's share of the entry cost.
          expect(
            position.realizedPnl
              .minus(value('sell').minus(value('buy')))
              .abs()
              .lt('1e-25'),
          ).toBe(true);
        },
      ),
    );
  });

  it('inverse: a round trip back to flat realizes Σ buys q/p − Σ sells q/p in the coin', () => {
    const usdFill = fillArb.map((f) => ({ ...f, amount: f.amount.times(10000).toDecimalPlaces(0).plus(10) }));
    fc.assert(
      fc.property(
        fc.array(usdFill, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 200_000 }),
        (fills, exitTicks) => {
          let position = applyAll(inverse(), fills);
          const all = [...fills];
          if (!position.size.isZero()) {
            const last = flatten(position, d(String(exitTicks)).div(2).toString());
            all.push(last);
            position = applyFill(position, last).position;
          }
          const coins = (side: 'buy' | 'sell'): Decimal =>
            sum(all.filter((f) => f.side === side).map((f) => f.amount.div(f.price)));
          const closedForm = coins('buy').minus(coins('sell'));
          // Exact up to the 40-significant-digit division of 1/price: far below a satoshi.
          expect(position.realizedPnl.minus(closedForm).abs().lt('1e-25')).toBe(true);
        },
      ),
    );
  });

  it('hedge legs: each leg is the sum of its opening fills minus its closing fills', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 40 }), (fills) => {
        let leg = linear('long');
        let expected = ZERO;
        for (const f of fills) {
          const effect = applyFill(leg, f);
          expected =
            f.side === 'buy' ? expected.plus(f.amount) : expected.minus(f.amount.minus(effect.excess));
          leg = effect.position;
          expect(leg.size.gte(0)).toBe(true);
        }
        expect(leg.size.eq(expected)).toBe(true);
      }),
    );
  });
});

describe('unrealized PnL: what closing the open size at the mark would realize', () => {
  it('Given a linear long, a linear short and an inverse long, Then each is exact from its entry cost', () => {
    // linear long 0.01 bought at 60000 (cost 600), mark 61000: +10
    expect(
      unrealizedPnl(
        {
          key: { side: 'net' },
          settlement: 'linear',
          size: parseDecimal('0.01'),
          entryCost: parseDecimal('600'),
        },
        parseDecimal('61000'),
      ).toString(),
    ).toBe('10');
    // linear short leg 2 at 100 (cost 200), mark 90: +20
    expect(
      unrealizedPnl(
        {
          key: { side: 'short' },
          settlement: 'linear',
          size: parseDecimal('2'),
          entryCost: parseDecimal('200'),
        },
        parseDecimal('90'),
      ).toString(),
    ).toBe('20');
    // net short -2 at 100, mark 110: -20
    expect(
      unrealizedPnl(
        {
          key: { side: 'net' },
          settlement: 'linear',
          size: parseDecimal('-2'),
          entryCost: parseDecimal('200'),
        },
        parseDecimal('110'),
      ).toString(),
    ).toBe('-20');
    // inverse long 100 USD at 50000 (cost 0.002 BTC), mark 40000 (worth 0.0025 BTC): -0.0005 BTC
    expect(
      unrealizedPnl(
        {
          key: { side: 'net' },
          settlement: 'inverse',
          size: parseDecimal('100'),
          entryCost: parseDecimal('0.002'),
        },
        parseDecimal('40000'),
      ).toString(),
    ).toBe('-0.0005');
  });
});
