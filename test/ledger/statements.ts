import { expect } from 'vitest';
import type { DailyStatement } from '../../application/ports/queries.ts';
import { parseDecimal, sum } from '../../domain/decimal.ts';

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
