import { describe, expect, it } from 'vitest';
import { segmentsOf } from '../../projections/batch-segments.ts';
import type { ProjectedItem } from '../../projections/events.ts';

// Stand-ins with only what tells the kinds apart (`family`; an order event has none).
const order = (n: number) => ({ n }) as unknown as ProjectedItem;
const cash = (n: number) => ({ n, family: 'cash' }) as unknown as ProjectedItem;
const mark = (n: number) => ({ n, family: 'mark' }) as unknown as ProjectedItem;
const numbers = (segments: readonly (readonly ProjectedItem[])[]) =>
  segments.map((s) => s.map((i) => (i as unknown as { n: number }).n));

describe('segmentsOf: a batch cut so that no order event follows a cash movement within a segment', () => {
  it('leaves a batch of order events alone, or one whose cash movements all come last', () => {
    expect(numbers(segmentsOf([order(1), order(2), mark(3)]))).toEqual([[1, 2, 3]]);
    expect(numbers(segmentsOf([order(1), cash(2), cash(3), mark(4)]))).toEqual([[1, 2, 3, 4]]);
    expect(numbers(segmentsOf([]))).toEqual([[]]);
  });

  it('cuts before each order event that follows a cash movement, keeping $all order', () => {
    // Given fills, a funding payment, more fills, a deposit, a fill
    const batch = [order(1), cash(2), order(3), order(4), cash(5), mark(6), order(7)];
    // Then three segments, each with its cash movements after its order events
    expect(numbers(segmentsOf(batch))).toEqual([[1, 2], [3, 4, 5, 6], [7]]);
  });
});
