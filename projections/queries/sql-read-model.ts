import { z } from 'zod';
import type { InstrumentStatementQuery, MarksQuery } from '../../application/ports/instrument-queries.ts';
import type {
  ApiQueries,
  BalancesQuery,
  LedgerQuery,
  OrderListQuery,
  PositionsAsOfQuery,
  PositionsQuery,
  PostingsQuery,
  ProjectionHealth,
  ReaderHold,
  StatementQuery,
} from '../../application/ports/queries.ts';
import type { ServiceReadModel } from '../../application/ports/read-models.ts';
import type { FillsQuery, FundingQuery } from '../../application/ports/report-queries.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import type { Venue } from '../../domain/instrument.ts';
import { iso, type SqlRunner } from '../db/read-model-db.ts';
import { cashBalances, ledgerPage } from '../read-models/cash-movements.ts';
import { fillPage } from '../read-models/fill-pages.ts';
import { lastFillTime, ordersOfTrades } from '../read-models/fills.ts';
import { fundingPage } from '../read-models/funding-payments.ts';
import { instrumentStatements } from '../read-models/instrument-statements.ts';
import { ledgerTrades, postingsPage } from '../read-models/ledger-postings.ts';
import { marksIn } from '../read-models/marks.ts';
import { liveOrders, orderIdByVenueOrderId, orderPage, ordersNeedingWork } from '../read-models/orders.ts';
import { positionsAsOf } from '../read-models/position-history.ts';
import { apiPositions, instrumentsToMark, positionSizes } from '../read-models/positions.ts';
import { dailyStatements } from '../read-models/statements.ts';
import { batchedLookup } from './batched-lookup.ts';

/**
 * The queries the service and the API run on the read models (the views of the base schema,
 * default `oms_read`; see docs/read-models.md). Rows are checked with zod on the way out of the
 * database; decimals are selected as text and stay exact.
 */

const projectionRow = z.object({
  name: z.string(),
  status: z.string(),
  position: z.string(),
  error: z.string().nullable(),
  updated_at: z.union([z.date(), z.string()]).nullable(),
});

export interface SqlReadModelOptions {
  db: SqlRunner;
  /** Base schema of the read models (default `oms_read`). */
  schema?: string;
  /** Events recorded after a checkpoint, capped (for the health page's lag). */
  lagAfter?: (checkpoint: string) => Promise<number | null>;
  /** What holds the store's `$all` readers back (stores whose readers wait for older transactions). */
  readerHold?: () => Promise<ReaderHold>;
}

export function createSqlReadModel(options: SqlReadModelOptions): ServiceReadModel & ApiQueries {
  const { db } = options;
  const s = options.schema ?? 'oms_read';
  // A push of many fills asks for each order's trades in the same turn: one query answers them all.
  const tradeOwners = batchedLookup((group, tradeIds) => {
    const [venue, account] = JSON.parse(group) as [Venue, string];
    return ordersOfTrades(db, s, venue, account, tradeIds);
  });

  return {
    ordersNeedingWork: () => ordersNeedingWork(db, s),
    liveOrders: (venue: Venue, account: string) => liveOrders(db, s, venue, account),
    orderIdByVenueOrderId: (venue: Venue, account: string, venueOrderId: string) =>
      orderIdByVenueOrderId(db, s, venue, account, venueOrderId),

    positionSizes: (venue: Venue, account: string) => positionSizes(db, s, venue, account),
    lastFillTime: (venue: Venue, account: string) => lastFillTime(db, s, venue, account),
    ordersOfTrades: async (venue: Venue, account: string, tradeIds: readonly string[]) =>
      tradeIds.length === 0 ? new Map() : tradeOwners(JSON.stringify([venue, account]), tradeIds),
    listOrders: (query: OrderListQuery) => orderPage(db, s, query),

    instrumentsToMark: (since: string) => instrumentsToMark(db, s, since),
    positions: (query: PositionsQuery) => apiPositions(db, s, query),
    ledger: (query: LedgerQuery) => ledgerPage(db, s, query),
    postings: (query: PostingsQuery) => postingsPage(db, s, query),
    ledgerTrades: (venue: Venue, account: string) => ledgerTrades(db, s, venue, account),
    balances: (query: BalancesQuery) => cashBalances(db, s, query),
    fills: (query: FillsQuery) => fillPage(db, s, query),
    funding: (query: FundingQuery) => fundingPage(db, s, query),
    dailyStatements: (query: StatementQuery) => dailyStatements(db, s, query),
    positionsAsOf: (query: PositionsAsOfQuery) => positionsAsOf(db, s, query),
    instrumentStatements: (query: InstrumentStatementQuery) => instrumentStatements(db, s, query),
    marks: (query: MarksQuery) => marksIn(db, s, query),
    async cashBalances(venue: Venue, account: string) {
      const rows = await cashBalances(db, s, { venue, account });
      return rows.map((r) => ({
        currency: r.currency,
        ours: parseDecimal(r.ours),
        theirs: r.theirs === null ? undefined : parseDecimal(r.theirs),
      }));
    },

    async projections(): Promise<ProjectionHealth[]> {
      const { rows } = await db.query(
        `select name, status, position, error, updated_at from ${s}.projections order by name`,
      );
      const held = options.readerHold ? (await options.readerHold()).heldMs : null;
      return Promise.all(
        rows.map(async (raw) => {
          const r = projectionRow.parse(raw);
          return {
            name: r.name,
            status: r.status,
            checkpoint: r.position === '' ? null : r.position,
            lagEvents: options.lagAfter ? await options.lagAfter(r.position) : null,
            heldBackMs: held,
            lastAppliedAt: iso(r.updated_at),
            error: r.error,
          };
        }),
      );
    },
  };
}
