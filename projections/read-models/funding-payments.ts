import { z } from 'zod';
import type { FundingPage, FundingQuery } from '../../application/ports/report-queries.ts';
import { iso, type SqlRunner } from '../db/read-model-db.ts';
import type { ReadModelView } from '../schema.ts';
import { keysetCursor } from './keyset.ts';
import { type Filter, whereClause } from './where.ts';

/**
 * Read model `funding_payments`: the funding the venues paid or charged, one row per payment. A
 * view over `cash_movements` (funding is a cash movement; a second table would only copy it) and
 * `position_history` (the position at the funding time), so it is rebuilt and verified with them:
 * - Bitget: each funding bill (`contract_settle_fee`, kind `funding`) at its funding time;
 * - Deribit: the funding part (`interest_pl`) of each perpetual's daily settlement entry, at the
 *   settlement time (Deribit accrues funding continuously and pays it there).
 * Neither venue's cash log gives the funding rate, so there is no rate column. `position_size` is
 * the position after its last change at or before the funding time in venue time (hedge legs:
 * long − short), null when the OMS had none.
 */
export const fundingPaymentsView: ReadModelView = {
  name: 'funding_payments',
  create: (s) => `
create view ${s}.funding_payments as
select c.venue, c.account, c.symbol as instrument, c.currency, c.at as funding_at, c.funding as amount,
  (select sum(case l.side when 'short' then -l.size else l.size end)
   from (select distinct on (h.side) h.side, h.size from ${s}.position_history h
         where h.venue = c.venue and h.account = c.account and h.instrument = c.symbol
           and h.changed_at <= c.at
         order by h.side, h.changed_at desc, h.global_position desc) l) as position_size,
  c.venue_entry_id, c.venue_type, c.global_position
from ${s}.cash_movements c
where c.funding is not null and (c.kind = 'funding' or c.funding <> 0);`,
};

const rowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  instrument: z.string().nullable(),
  currency: z.string(),
  funding_at: z.union([z.date(), z.string()]),
  amount: z.string(),
  position_size: z.string().nullable(),
  venue_entry_id: z.string(),
  venue_type: z.string(),
  global_position: z.string(),
});

/** Keyset cursor over (funding_at desc, global_position desc). */
const cursor = keysetCursor(z.string().min(1).max(100));

/** Query (API): a page of funding payments, newest first. */
export const fundingPage = async (db: SqlRunner, s: string, query: FundingQuery): Promise<FundingPage> => {
  const filters: Filter[] = [
    ['venue = $', query.venue],
    ['account = $', query.account],
    ['instrument = $', query.symbol],
    ['currency = $', query.currency],
    ['funding_at >= $::timestamptz', query.from],
    ['funding_at < $::timestamptz', query.to],
  ];
  if (query.cursor) {
    const [at, position] = cursor.decode(query.cursor);
    filters.push(['(funding_at, global_position) < ($::timestamptz, $)', at, position]);
  }
  const { where, params } = whereClause(filters);
  params.push(query.limit + 1);
  const { rows } = await db.query(
    `select venue, account, instrument, currency, funding_at, trim_scale(amount)::text as amount,
       trim_scale(position_size)::text as position_size, venue_entry_id, venue_type, global_position
     from ${s}.funding_payments ${where}
     order by funding_at desc, global_position desc limit $${params.length}`,
    params,
  );
  const parsed = rows.map((r) => rowSchema.parse(r));
  const page = parsed.slice(0, query.limit);
  const last = page.at(-1);
  return {
    payments: page.map((r) => ({
      venue: r.venue,
      account: r.account,
      symbol: r.instrument,
      currency: r.currency,
      fundingAt: iso(r.funding_at) ?? '',
      amount: r.amount,
      positionSize: r.position_size,
      venueEntryId: r.venue_entry_id,
      venueType: r.venue_type,
    })),
    nextCursor:
      parsed.length > query.limit && last
        ? cursor.encode(iso(last.funding_at) ?? '', last.global_position)
        : null,
  };
};
