import { describe, expect, it } from 'vitest';
import {
  afterWindow,
  type CashIngestionSettings,
  cursorAfter,
  nextWindow,
} from '../../application/ledger/cash-ingestion-step.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import type { CashMovementData } from '../../domain/ledger/contract.ts';

// The ledger ingestion of one account and currency, as a step function: where it stands, what to
// read next, what to record. Given/when/then over venue times in milliseconds.

const settings: CashIngestionSettings = { lagMs: 1_000, maxWindowMs: 10_000, initialLookbackMs: 50_000 };
const t0 = Date.parse('2026-12-04T00:00:00.000Z');
const movement = (id: string, ms: number): CashMovementData => ({
  venue: 'bitget',
  account: 'main',
  currency: 'USDT',
  venueEntryId: id,
  venueType: 'contract_main_settle_fee',
  kind: 'funding',
  change: parseDecimal('-1'),
  at: new Date(ms).toISOString(),
  raw: { billId: id },
});

describe('where an ingestion starts', () => {
  it('given an empty stream, it starts the initial lookback before now', () => {
    expect(cursorAfter([], t0, settings)).toEqual({ fromMs: t0 - 50_000, seenAtFrom: [] });
  });

  it('given recorded movements, it starts at the newest one, remembering every id recorded at that millisecond', () => {
    const recorded = [movement('1', t0 - 5), movement('2', t0), movement('3', t0)];
    expect(cursorAfter(recorded, t0 + 99_000, settings)).toEqual({ fromMs: t0, seenAtFrom: ['2', '3'] });
  });
});

describe('the windows it reads', () => {
  it('reads at most the longest window, and stops lagMs short of now', () => {
    const cursor = { fromMs: t0, seenAtFrom: [] };
    expect(nextWindow(cursor, t0 + 60_000, settings)).toEqual({ fromMs: t0, toMs: t0 + 10_000 });
    expect(nextWindow(cursor, t0 + 5_000, settings)).toEqual({ fromMs: t0, toMs: t0 + 4_000 });
    expect(nextWindow(cursor, t0 + 1_000, settings)).toBeUndefined();
  });
});

describe('what a window gives', () => {
  it('records the movements it has not recorded, oldest first, each once, and moves to the window’s end', () => {
    // Given the cursor at t0 where movement 2 is already recorded
    const cursor = { fromMs: t0, seenAtFrom: ['2'] };
    // When the venue lists 2 again (the window starts at t0), 4 and 3 out of order, and 4 twice
    const listed = [movement('4', t0 + 9), movement('2', t0), movement('3', t0 + 3), movement('4', t0 + 9)];
    const step = afterWindow(cursor, { fromMs: t0, toMs: t0 + 9 }, listed);
    // Then 3 and 4 are recorded, in order, and the cursor remembers 4 (at the window's end)
    expect(step.record.map((m) => m.venueEntryId)).toEqual(['3', '4']);
    expect(step.cursor).toEqual({ fromMs: t0 + 9, seenAtFrom: ['4'] });
  });

  it('records nothing outside the window (the venue may list a little more than asked)', () => {
    const step = afterWindow({ fromMs: t0, seenAtFrom: [] }, { fromMs: t0, toMs: t0 + 10 }, [
      movement('0', t0 - 1),
      movement('9', t0 + 11),
    ]);
    expect(step.record).toEqual([]);
    expect(step.cursor).toEqual({ fromMs: t0 + 10, seenAtFrom: [] });
  });

  it('at one instant orders by the venue’s sequence, numerically', () => {
    const listed = [
      { ...movement('b', t0 + 1), venueSeq: '10' },
      { ...movement('a', t0 + 1), venueSeq: '9' },
    ];
    const step = afterWindow({ fromMs: t0, seenAtFrom: [] }, { fromMs: t0, toMs: t0 + 5 }, listed);
    expect(step.record.map((m) => m.venueEntryId)).toEqual(['a', 'b']);
  });

  it('after a restart, reading again from the newest recorded movement records nothing twice', () => {
    const recorded = [movement('1', t0), movement('2', t0 + 7)];
    const cursor = cursorAfter(recorded, t0 + 20_000, settings);
    const window = nextWindow(cursor, t0 + 20_000, settings);
    if (window === undefined) throw new Error('no window');
    const step = afterWindow(cursor, window, [movement('2', t0 + 7), movement('5', t0 + 8)]);
    expect(step.record.map((m) => m.venueEntryId)).toEqual(['5']);
  });
});
