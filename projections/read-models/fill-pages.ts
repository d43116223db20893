import { z } from 'zod';
import type { FillPage, FillsQuery } from '../../application/ports/report-queries.ts';
import { iso, type SqlRunner } from '../db/read-model-db.ts';
import { keysetCursor } from './keyset.ts';
import { type Filter, whereClause } from './where.ts';

/**
 * Query (API) over read model `fills` (see fills.ts): the venue trades, newest first (venue time,
 * then their position in `$all`), in keyset pages, each with the PnL it realized and the size it
 * left. Numbers as the domain writes them (`trim_scale`).
 */

const rowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  instrument: z.string(),
  trade_id: z.string(),
  order_id: z.string(),
  venue_order_id: z.string().nullable(),
  side: z.enum(['buy', 'sell']),
  position_side: z.enum(['net', 'long', 'short']),
  price: z.string(),
  amount: z.string(),
  fee: z.string(),
  fee_currency: z.string(),
  liquidity: z.string(),
  realized_pnl: z.string().nullable(),
  pnl_currency: z.string().nullable(),
  position_size_after: z.string().nullable(),
  executed_at: z.union([z.date(), z.string()]),
  recorded_at: z.union([z.date(), z.string()]),
  global_position: z.string(),
});

/** Keyset cursor over (executed_at desc, global_position desc). */
const cursor = keysetCursor(z.string().min(1).max(100));

const COLUMNS = `venue, account, instrument, trade_id, order_id::text as order_id, venue_order_id, side,
  position_side, trim_scale(price)::text as price, trim_scale(amount)::text as amount,
  trim_scale(fee)::text as fee, fee_currency, liquidity, trim_scale(realized_pnl)::text as realized_pnl,
  pnl_currency, trim_scale(position_size_after)::text as position_size_after, executed_at, recorded_at,
  global_position`;

export const fillPage = async (db: SqlRunner, s: string, query: FillsQuery): Promise<FillPage> => {
  const filters: Filter[] = [
    ['venue = $', query.venue],
    ['account = $', query.account],
    ['instrument = $', query.symbol],
    ['order_id = $::uuid', query.orderId],
    ['executed_at >= $::timestamptz', query.from],
    ['executed_at < $::timestamptz', query.to],
  ];
  if (query.cursor) {
    const [at, position] = cursor.decode(query.cursor);
    filters.push(['(executed_at, global_position) < ($::timestamptz, $)', at, position]);
  }
  const { where, params } = whereClause(filters);
  params.push(query.limit + 1);
  const { rows } = await db.query(
    `select ${COLUMNS} from ${s}.fills ${where}
     order by executed_at desc, global_position desc limit $${params.length}`,
    params,
  );
  const parsed = rows.map((r) => rowSchema.parse(r));
  const page = parsed.slice(0, query.limit);
  const last = page.at(-1);
  return {
    fills: page.map((r) => ({
      venue: r.venue,
      account: r.account,
      symbol: r.instrument,
      tradeId: r.trade_id,
      orderId: r.order_id,
      venueOrderId: r.venue_order_id,
      side: r.side,
      positionSide: r.position_side,
      price: r.price,
      amount: r.amount,
      fee: r.fee,
      feeCurrency: r.fee_currency,
      liquidity: r.liquidity,
      realizedPnl: r.realized_pnl,
      pnlCurrency: r.pnl_currency,
      positionSizeAfter: r.position_size_after,
      executedAt: iso(r.executed_at) ?? '',
      recordedAt: iso(r.recorded_at) ?? '',
    })),
    nextCursor:
      parsed.length > query.limit && last
        ? cursor.encode(iso(last.executed_at) ?? '', last.global_position)
        : null,
  };
};
