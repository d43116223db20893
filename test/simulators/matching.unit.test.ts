import { describe, expect, it } from 'vitest';
import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import { crossedAt, type Resting, SyntheticBook } from '../../simulators/matching/synthetic-book.ts';

/** The matching kernel both local venues share: a synthetic book around a moving mark. */

const d = (value: string) => parseDecimal(value);
const text = (fills: readonly { price: Decimal; size: Decimal }[]) =>
  fills.map(({ price, size }) => [price.toString(), size.toString()]);

function bookAt(mark: string, settings: { askTicks: number; bidTicks: number; levelDepth?: string }) {
  let current = d(mark);
  const book = new SyntheticBook(() => current, d('0.5'), {
    levelDepth: d(settings.levelDepth ?? '10'),
    levels: 5,
    askTicks: settings.askTicks,
    bidTicks: settings.bidTicks,
  });
  return { book, move: (to: string) => (current = d(to)) };
}

describe('the synthetic book around the mark', () => {
  it('quotes levels one tick apart, the best ones the configured ticks away, on the tick grid', () => {
    // Given a mark off the grid and one tick of spread each side
    const { book } = bookAt('100.2', { askTicks: 1, bidTicks: 1 });
    // Then asks round up and bids round down onto the 0.5 grid
    const { asks, bids } = book.levels(3);
    expect(text(asks)).toEqual([
      ['101', '10'],
      ['101.5', '10'],
      ['102', '10'],
    ]);
    expect(text(bids)).toEqual([
      ['99.5', '10'],
      ['99', '10'],
      ['98.5', '10'],
    ]);
    expect(book.farthest('buy').toString()).toBe('103');
  });

  it('fills a taker larger than the top level across levels, no further than its limit', () => {
    // Given 10 at each level, asks from the mark up (Bitget's shape)
    const { book } = bookAt('100', { askTicks: 0, bidTicks: 1 });
    // When a buyer wants 25 with a limit of 100.5
    const fills = book.plan('buy', d('25'), d('100.5'));
    // Then it gets 10 at 100 and 10 at 100.5 and nothing beyond its limit
    expect(text(fills)).toEqual([
      ['100', '10'],
      ['100.5', '10'],
    ]);
    expect(book.takeable('buy', d('100.5')).toString()).toBe('20');
  });

  it('keeps what a taker took until the mark moves or the book is set again', () => {
    const { book, move } = bookAt('100', { askTicks: 0, bidTicks: 1 });
    // Given 15 taken from the asks
    for (const fill of book.plan('buy', d('15'))) book.consume(fill.price, fill.size);
    // Then the top level is gone and the next has 5 left
    expect(text(book.levels(2).asks)).toEqual([
      ['100.5', '5'],
      ['101', '10'],
    ]);
    // When the mark moves, the book is whole again around it
    move('100.5');
    book.reset();
    expect(text(book.levels(1).asks)).toEqual([['100.5', '10']]);
    // When the depth is set, the book is whole again under it
    book.consume(d('100.5'), d('3'));
    book.configure({ levelDepth: d('4') });
    expect(text(book.levels(1).asks)).toEqual([['100.5', '4']]);
  });

  it('never quotes a bid at or under zero', () => {
    const { book } = bookAt('0.5', { askTicks: 1, bidTicks: 1 });
    expect(book.levelPrice('sell', 3).toString()).toBe('0.5');
  });
});

describe('price-time priority among resting orders', () => {
  const order = (id: string, side: 'buy' | 'sell', price: string, arrival: number) => ({
    id,
    side,
    price: d(price),
    arrival,
  });
  const rank = (o: ReturnType<typeof order>): Resting => o;

  it('takes crossed buys best price first, then oldest, and leaves those the market does not reach', () => {
    // Given resting buys at 101 (two, the second older), 102 and 99, and a sell at 103
    const resting = [
      order('a', 'buy', '101', 3),
      order('b', 'buy', '102', 4),
      order('c', 'buy', '101', 1),
      order('d', 'buy', '99', 2),
      order('e', 'sell', '103', 5),
    ];
    // When the ask falls to 100 (the bid to 99.5)
    const { buys, sells } = crossedAt(resting, rank, { bid: d('99.5'), ask: d('100') });
    // Then the buys at or above 100 trade, 102 first, then 101 oldest first; the 99 bid and the sell do not
    expect(buys.map((o) => o.id)).toEqual(['b', 'c', 'a']);
    expect(sells).toEqual([]);
  });

  it('takes crossed sells lowest price first', () => {
    const resting = [
      order('x', 'sell', '105', 1),
      order('y', 'sell', '104', 2),
      order('z', 'sell', '104', 3),
    ];
    const { sells } = crossedAt(resting, rank, { bid: d('106'), ask: d('106.5') });
    expect(sells.map((o) => o.id)).toEqual(['y', 'z', 'x']);
  });
});
