import { z } from 'zod';
import type { DailyStatement, StatementQuery } from '../../application/ports/queries.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import type { SqlRunner } from '../db/read-model-db.ts';

/**
 * Query (API): daily cash statements from `cash_movements`, per venue account, currency and day
 * (the day boundary an offset from UTC). Each movement's change is split into its components, and
 * whatever a component does not explain goes to `other`, so every statement adds up exactly:
 * `closing = opening + trading − fees + funding + settlement + transfers + other`.
 */

const rowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  day: z.union([z.date(), z.string()]),
  trading: z.string(),
  fees: z.string(),
  funding: z.string(),
  settlement: z.string(),
  transfers: z.string(),
  cash_change: z.string(),
  closing: z.string(),
  venue_closing: z.string().nullable(),
  movements: z.union([z.string(), z.number()]).transform(Number),
});

const dayText = (day: Date | string) =>
  typeof day === 'string' ? day.slice(0, 10) : day.toISOString().slice(0, 10);

export const dailyStatements = async (
  db: SqlRunner,
  s: string,
  query: StatementQuery,
): Promise<DailyStatement[]> => {
  const params: unknown[] = [`${query.utcOffsetHours} hours`];
  const where: string[] = [];
  for (const [column, value] of [
    ['venue', query.venue],
    ['account', query.account],
    ['currency', query.currency],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (query.from) {
    params.push(query.from);
    where.push(`((at at time zone 'UTC') + $1::interval)::date >= $${params.length}::date`);
  }
  if (query.to) {
    params.push(query.to);
    where.push(`((at at time zone 'UTC') + $1::interval)::date <= $${params.length}::date`);
  }
  const { rows } = await db.query(
    `select venue, account, currency, ((at at time zone 'UTC') + $1::interval)::date::text as day,
       sum(case when kind in ('trade', 'liquidation') then coalesce(pnl, 0) else 0 end)::text as trading,
       sum(coalesce(fee, 0))::text as fees,
       sum(coalesce(funding, 0))::text as funding,
       sum(case when kind in ('settlement', 'delivery') then change - coalesce(funding, 0) else 0 end)::text
         as settlement,
       sum(case when kind in ('deposit', 'withdrawal', 'transfer') then change else 0 end)::text as transfers,
       sum(change)::text as cash_change,
       (array_agg(our_balance order by global_position desc))[1]::text as closing,
       (array_agg(balance_after order by global_position desc))[1]::text as venue_closing,
       count(*) as movements
     from ${s}.cash_movements ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
     group by venue, account, currency, day order by venue, account, currency, day`,
    params,
  );
  return rows.map((raw) => {
    const r = rowSchema.parse(raw);
    const d = (text: string) => parseDecimal(text);
    const explained = d(r.trading)
      .minus(d(r.fees))
      .plus(d(r.funding))
      .plus(d(r.settlement))
      .plus(d(r.transfers));
    const change = d(r.cash_change);
    return {
      venue: r.venue,
      account: r.account,
      currency: r.currency,
      day: dayText(r.day),
      opening: d(r.closing).minus(change).toString(),
      trading: d(r.trading).toString(),
      fees: d(r.fees).toString(),
      funding: d(r.funding).toString(),
      settlement: d(r.settlement).toString(),
      transfers: d(r.transfers).toString(),
      other: change.minus(explained).toString(),
      closing: d(r.closing).toString(),
      venueClosing: r.venue_closing === null ? null : d(r.venue_closing).toString(),
      movements: r.movements,
    };
  });
};
