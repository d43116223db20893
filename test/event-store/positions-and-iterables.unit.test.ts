import { from, Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { toAsyncIterable } from '../../adapters/event-store/async-iterable.ts';
import { sqlPositions } from '../../adapters/event-store/sql/sql-position.ts';

describe('PostgreSQL / PGlite positions', () => {
  const positions = [
    { tx: 900n, gp: 3n },
    { tx: 752n, gp: 10n },
    { tx: 752n, gp: 2n },
    { tx: 18446744073709551615n, gp: 1n },
  ];

  it('order by transaction first, then global position (a late commit sorts after earlier ones)', () => {
    const sorted = [...positions].sort(sqlPositions.compare);
    expect(sorted).toEqual([positions[2], positions[1], positions[0], positions[3]]);
  });

  it('serialize to fixed-width text that sorts the same way and parses back', () => {
    const texts = positions.map(sqlPositions.serialize);
    expect(texts[2]).toBe('00000000000000000752-00000000000000000002');
    expect([...texts].sort().map(sqlPositions.parse)).toEqual([...positions].sort(sqlPositions.compare));
  });

  it('start comes before every position; unknown text is refused', () => {
    expect(sqlPositions.compare(sqlPositions.start, { tx: 1n, gp: 1n })).toBeLessThan(0);
    expect(() => sqlPositions.parse('752/2')).toThrow(/not a PostgreSQL event-store position/);
  });
});

describe('consuming an Observable with for await', () => {
  it('yields every value in order, then ends with the Observable', async () => {
    const seen: number[] = [];
    for await (const n of toAsyncIterable(from([1, 2, 3]))) seen.push(n);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('throws the Observable error after the values before it', async () => {
    const failing = new Observable<number>((s) => {
      s.next(1);
      s.error(new Error('store down'));
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of toAsyncIterable(failing)) seen.push(n);
      })(),
    ).rejects.toThrow('store down');
    expect(seen).toEqual([1]);
  });

  it('unsubscribes when the loop breaks', async () => {
    let unsubscribed = false;
    const endless = new Observable<number>((s) => {
      s.next(1);
      s.next(2);
      return () => {
        unsubscribed = true;
      };
    });
    for await (const n of toAsyncIterable(endless)) if (n === 2) break;
    expect(unsubscribed).toBe(true);
  });
});
