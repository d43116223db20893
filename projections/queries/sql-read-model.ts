import { z } from 'zod';
import type {
  ApiQueries,
  OrderListQuery,
  PositionRow,
  PositionsQuery,
  ProjectionHealth,
} from '../../application/ports/queries.ts';
import type { PositionSize, ServiceReadModel } from '../../application/ports/read-models.ts';
import { DecimalSchema } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import { iso, type SqlRunner } from '../db/read-model-db.ts';
import { liveOrders, orderIdByVenueOrderId, orderPage, ordersNeedingWork } from '../read-models/orders.ts';

/**
 * The queries the service and the API run on the read models (the views of the base schema,
 * default `oms_read`; see docs/read-models.md). Rows are checked with zod on the way out of the
 * database; decimals are selected as text and stay exact.
 */

const positionRow = z.object({
  venue: z.string(),
  account: z.string(),
  instrument: z.string(),
  side: z.enum(['net', 'long', 'short']),
  size: z.string(),
  average_entry: z.string().nullable(),
  realized_pnl: z.string(),
  pnl_currency: z.string(),
  fees: z.union([z.record(z.string(), z.string()), z.string()]),
  last_fill_at: z.union([z.date(), z.string()]).nullable(),
});

const projectionRow = z.object({
  name: z.string(),
  status: z.string(),
  position: z.string(),
  error: z.string().nullable(),
});

export interface SqlReadModelOptions {
  db: SqlRunner;
  /** Base schema of the read models (default `oms_read`). */
  schema?: string;
  /** Events recorded after a checkpoint, capped (for the health page's lag). */
  lagAfter?: (checkpoint: string) => Promise<number | null>;
}

export function createSqlReadModel(options: SqlReadModelOptions): ServiceReadModel & ApiQueries {
  const { db } = options;
  const s = options.schema ?? 'oms_read';

  return {
    ordersNeedingWork: () => ordersNeedingWork(db, s),
    liveOrders: (venue: Venue, account: string) => liveOrders(db, s, venue, account),
    orderIdByVenueOrderId: (venue: Venue, account: string, venueOrderId: string) =>
      orderIdByVenueOrderId(db, s, venue, account, venueOrderId),

    async positionSizes(venue: Venue, account: string): Promise<PositionSize[]> {
      const { rows } = await db.query<{ instrument: string; side: 'net' | 'long' | 'short'; size: string }>(
        `select instrument, side, size::text as size from ${s}.positions where venue = $1 and account = $2`,
        [venue, account],
      );
      return rows.map((r) => ({ symbol: r.instrument, side: r.side, size: DecimalSchema.parse(r.size) }));
    },

    async lastFillTime(venue: Venue, account: string) {
      const { rows } = await db.query<{ last: Date | string | null }>(
        `select max(executed_at) as last from ${s}.fills where venue = $1 and account = $2`,
        [venue, account],
      );
      return iso(rows[0]?.last ?? null) ?? undefined;
    },

    listOrders: (query: OrderListQuery) => orderPage(db, s, query),

    async positions(query: PositionsQuery): Promise<PositionRow[]> {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.venue) where.push(`venue = $${params.push(query.venue)}`);
      if (query.account) where.push(`account = $${params.push(query.account)}`);
      if (query.symbol) where.push(`instrument = $${params.push(query.symbol)}`);
      if (!query.includeFlat) where.push('size <> 0');
      const { rows } = await db.query(
        `select venue, account, instrument, side, size::text as size, average_entry::text as average_entry,
                realized_pnl::text as realized_pnl, pnl_currency, fees, last_fill_at
         from ${s}.positions ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
         order by venue, account, instrument, side`,
        params,
      );
      return rows.map((raw) => {
        const r = positionRow.parse(raw);
        const fees =
          typeof r.fees === 'string' ? z.record(z.string(), z.string()).parse(JSON.parse(r.fees)) : r.fees;
        return {
          venue: r.venue,
          account: r.account,
          symbol: r.instrument,
          side: r.side,
          size: r.size,
          averageEntry: r.average_entry,
          realizedPnl: r.realized_pnl,
          pnlCurrency: r.pnl_currency,
          fees,
          lastFillAt: iso(r.last_fill_at),
        };
      });
    },

    async projections(): Promise<ProjectionHealth[]> {
      const { rows } = await db.query(
        `select name, status, position, error from ${s}.projections order by name`,
      );
      return Promise.all(
        rows.map(async (raw) => {
          const r = projectionRow.parse(raw);
          return {
            name: r.name,
            status: r.status,
            checkpoint: r.position === '' ? null : r.position,
            lagEvents: options.lagAfter ? await options.lagAfter(r.position) : null,
            error: r.error,
          };
        }),
      );
    },
  };
}
