import { z } from 'zod';
import {
  type ApiQueries,
  InvalidCursorError,
  type OrderListQuery,
  type OrderPage,
  type PositionRow,
  type PositionsQuery,
  type ProjectionHealth,
} from '../../application/ports/queries.ts';
import type { LiveOrderRef, PositionSize, ServiceReadModel } from '../../application/ports/read-models.ts';
import { DecimalSchema } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import type { SqlRunner } from '../db/read-model-db.ts';
import { NEEDING_WORK_SQL, TERMINAL_SQL } from '../read-models/orders.ts';

/**
 * The queries the service and the API run on the read models (the views of the base schema,
 * default `oms_read`; see docs/read-models.md). Rows are checked with zod on the way out of the
 * database; decimals are selected as text and stay exact.
 */

const iso = (d: Date | string | null): string | null =>
  d === null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString();

const orderSummaryRow = z.object({
  order_id: z.string(),
  status: z.string(),
  venue: z.string(),
  account: z.string(),
  instrument: z.string(),
  side: z.string(),
  type: z.string(),
  amount: z.string(),
  filled: z.string(),
  average_price: z.string().nullable(),
  price: z.string().nullable(),
  reduce_only: z.boolean(),
  intent: z.string(),
  client_order_id: z.string(),
  venue_order_id: z.string().nullable(),
  created_at: z.union([z.date(), z.string()]),
  updated_at: z.union([z.date(), z.string()]),
});

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

/** Keyset cursor over (created_at desc, order_id desc). */
const encodeCursor = (createdAt: string, orderId: string) =>
  Buffer.from(JSON.stringify([createdAt, orderId])).toString('base64url');
const CursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);
const decodeCursor = (cursor: string): [string, string] => {
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('the cursor is not one this API returned');
  }
};

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
    async ordersNeedingWork() {
      const { rows } = await db.query<{ order_id: string }>(
        `select order_id::text from ${s}.orders
         where status in ${NEEDING_WORK_SQL}`,
      );
      return rows.map((r) => r.order_id);
    },

    async liveOrders(venue: Venue, account: string): Promise<LiveOrderRef[]> {
      const { rows } = await db.query<{
        order_id: string;
        instrument: string;
        venue_order_ids: string[];
        client_order_id: string;
      }>(
        `select order_id::text, instrument, venue_order_ids, client_order_id from ${s}.orders
         where venue = $1 and account = $2 and status not in ${TERMINAL_SQL}`,
        [venue, account],
      );
      return rows.map((r) => ({
        orderId: r.order_id,
        symbol: r.instrument,
        venueOrderIds: r.venue_order_ids,
        clientOrderId: r.client_order_id,
      }));
    },

    async orderIdByVenueOrderId(venue: Venue, account: string, venueOrderId: string) {
      const { rows } = await db.query<{ order_id: string }>(
        `select order_id::text from ${s}.orders
         where venue = $1 and account = $2 and (venue_order_id = $3 or $3 = any(venue_order_ids)) limit 1`,
        [venue, account, venueOrderId],
      );
      return rows[0]?.order_id;
    },

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

    async listOrders(query: OrderListQuery): Promise<OrderPage> {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: (n: string) => string, value: unknown) => {
        params.push(value);
        where.push(clause(`$${params.length}`));
      };
      if (query.venue) add((p) => `venue = ${p}`, query.venue);
      if (query.account) add((p) => `account = ${p}`, query.account);
      if (query.symbol) add((p) => `instrument = ${p}`, query.symbol);
      if (query.status) add((p) => `status = any(${p}::text[])`, query.status);
      if (query.since) add((p) => `created_at >= ${p}::timestamptz`, query.since);
      if (query.cursor) {
        const [createdAt, orderId] = decodeCursor(query.cursor);
        params.push(createdAt, orderId);
        where.push(`(created_at, order_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
      }
      params.push(query.limit + 1);
      const { rows } = await db.query(
        `select order_id::text, status, venue, account, instrument, side, type, amount::text as amount,
                filled::text as filled, average_price::text as average_price, price::text as price, reduce_only,
                intent, client_order_id, venue_order_id, created_at, updated_at
         from ${s}.orders ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
         order by created_at desc, order_id desc limit $${params.length}`,
        params,
      );
      const parsed = rows.map((r) => orderSummaryRow.parse(r));
      const page = parsed.slice(0, query.limit);
      const last = page.at(-1);
      return {
        orders: page.map((r) => ({
          orderId: r.order_id,
          status: r.status as OrderPage['orders'][number]['status'],
          venue: r.venue,
          account: r.account,
          symbol: r.instrument,
          side: r.side,
          type: r.type,
          amount: r.amount,
          filled: r.filled,
          averagePrice: r.average_price,
          price: r.price,
          reduceOnly: r.reduce_only,
          intent: r.intent,
          clientOrderId: r.client_order_id,
          venueOrderId: r.venue_order_id,
          createdAt: iso(r.created_at),
          updatedAt: iso(r.updated_at),
        })),
        nextCursor:
          parsed.length > query.limit && last
            ? encodeCursor(iso(last.created_at) ?? '', last.order_id)
            : null,
      };
    },

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
