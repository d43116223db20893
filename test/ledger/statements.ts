import { expect } from 'vitest';
import type { InstrumentStatement } from '../../application/ports/instrument-queries.ts';
import type { DailyStatement } from '../../application/ports/queries.ts';
import { type Decimal, exactSum, parseDecimal, sum } from '../../domain/decimal.ts';

/** Every statement adds up to its closing, nothing unexplained, each opening the day before's closing. */
export function expectStatementsAddUp(statements: readonly DailyStatement[]): void {
  let previous: string | undefined;
  for (const s of statements) {
    const explained = sum(
      [s.opening, s.trading, s.funding, s.settlement, s.transfers, s.other].map(parseDecimal),
    ).minus(s.fees);
    expect(explained.toString()).toBe(s.closing);
    expect(s.other).toBe('0');
    if (previous !== undefined) expect(s.opening).toBe(previous);
    previous = s.closing;
  }
}

/**
 * Every per-position day adds up exactly (closing equity − opening equity = trading + funding −
 * fees + settlement + unrealized change), has its marks, and opens where the day before closed.
 */
export function expectInstrumentStatementsAddUp(statements: readonly InstrumentStatement[]): void {
  const previous = new Map<string, InstrumentStatement>();
  for (const s of statements) {
    const where = `${s.venue} ${s.account} ${s.symbol} ${s.side} ${s.day}`;
    expect(s.openingEquity, `${where}: opening equity`).not.toBeNull();
    expect(s.closingEquity, `${where}: closing equity`).not.toBeNull();
    const explained = exactSum(
      [s.trading, s.funding, s.settlement, s.unrealizedChange ?? 'NaN']
        .map(parseDecimal)
        .concat(parseDecimal(s.fees).neg()),
    );
    const change = exactSum([
      parseDecimal(s.closingEquity ?? '0'),
      parseDecimal(s.openingEquity ?? '0').neg(),
    ]);
    expect(change.toString(), where).toBe(explained.toString());
    const key = `${s.venue} ${s.account} ${s.symbol} ${s.side}`;
    const before = previous.get(key);
    if (before !== undefined && nextDay(before.day) === s.day) {
      expect([s.openingSize, s.openingMark, s.openingEquity], where).toEqual([
        before.closingSize,
        before.closingMark,
        before.closingEquity,
      ]);
    }
    previous.set(key, s);
  }
}

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);

/** Sums of a component of the per-position statements per account, currency and day. */
export function sumsByAccountDay(
  statements: readonly InstrumentStatement[],
  component: 'funding' | 'fees' | 'trading' | 'settlement',
): Map<string, string> {
  const sums = new Map<string, Decimal>();
  for (const s of statements) {
    const key = `${s.venue} ${s.account} ${s.currency} ${s.day}`;
    sums.set(key, exactSum([sums.get(key) ?? parseDecimal('0'), parseDecimal(s[component])]));
  }
  return new Map([...sums].map(([k, v]) => [k, v.toString()]));
}
