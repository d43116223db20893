import type { DailyStatement } from '../../../application/ports/queries.ts';
import { Decimal } from '../../../domain/decimal.ts';

/** The PnL components of a statement the page charts (fees are paid: they count negative). */
export const COMPONENTS = ['trading', 'fees', 'funding', 'settlement'] as const;
export type Component = (typeof COMPONENTS)[number];

/** One venue account's PnL in one currency, per day and cumulated, exact (decimal strings). */
export interface PnlDay {
  day: string;
  /** Signed as they count in PnL: fees negative when paid. */
  parts: Record<Component, string>;
  total: string;
  cumulative: string;
}

/** Which statements make one series: PnL in different currencies is never added up. */
export const seriesKey = (s: Pick<DailyStatement, 'venue' | 'account' | 'currency'>): string =>
  `${s.venue}/${s.account}/${s.currency}`;

/**
 * The days of one series, oldest first: each day's trading, fees (as a cost), funding and
 * settlement, their total, and the running total. Decimal arithmetic throughout: the chart is
 * drawn from these strings, and the CSV carries them as they are.
 */
export function pnlDays(statements: readonly DailyStatement[]): PnlDay[] {
  let cumulative = new Decimal(0);
  return [...statements]
    .sort((a, b) => a.day.localeCompare(b.day))
    .map((s) => {
      const parts = {
        trading: new Decimal(s.trading),
        fees: new Decimal(s.fees).neg(),
        funding: new Decimal(s.funding),
        settlement: new Decimal(s.settlement),
      };
      const total = parts.trading.plus(parts.fees).plus(parts.funding).plus(parts.settlement);
      cumulative = cumulative.plus(total);
      return {
        day: s.day,
        parts: {
          trading: parts.trading.toString(),
          fees: parts.fees.toString(),
          funding: parts.funding.toString(),
          settlement: parts.settlement.toString(),
        },
        total: total.toString(),
        cumulative: cumulative.toString(),
      };
    });
}

const CSV_COLUMNS = [
  'venue',
  'account',
  'currency',
  'day',
  'opening',
  'trading',
  'fees',
  'funding',
  'settlement',
  'transfers',
  'other',
  'closing',
  'venueClosing',
  'movements',
  'pnl',
  'cumulativePnl',
] as const;

const csvField = (value: string): string =>
  /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/**
 * The statements as CSV, from the same figures as the chart: every amount the exact decimal
 * string the API gave (`pnl` = trading − fees + funding + settlement of the day, `cumulativePnl`
 * its running total per venue account and currency). Oldest day first within each series.
 */
export function statementsCsv(statements: readonly DailyStatement[]): string {
  const bySeries = new Map<string, DailyStatement[]>();
  for (const s of statements) bySeries.set(seriesKey(s), [...(bySeries.get(seriesKey(s)) ?? []), s]);
  const lines = [CSV_COLUMNS.join(',')];
  for (const [, series] of [...bySeries].sort(([a], [b]) => a.localeCompare(b))) {
    const days = pnlDays(series);
    const byDay = new Map(series.map((s) => [s.day, s]));
    for (const d of days) {
      const s = byDay.get(d.day)!;
      const row: Record<(typeof CSV_COLUMNS)[number], string> = {
        venue: s.venue,
        account: s.account,
        currency: s.currency,
        day: s.day,
        opening: s.opening,
        trading: s.trading,
        fees: s.fees,
        funding: s.funding,
        settlement: s.settlement,
        transfers: s.transfers,
        other: s.other,
        closing: s.closing,
        venueClosing: s.venueClosing ?? '',
        movements: String(s.movements),
        pnl: d.total,
        cumulativePnl: d.cumulative,
      };
      lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
