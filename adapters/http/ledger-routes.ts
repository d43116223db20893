import { z } from 'zod';
import type { CashIngestionResult } from '../../application/ledger/cash-ingester.ts';
import {
  type ApiQueries,
  BalanceRowSchema,
  BalancesQuerySchema,
  CashMovementRowSchema,
  DailyStatementSchema,
  LedgerPageSchema,
  LedgerQuerySchema,
  PositionRowSchema,
  PositionsAsOfQuerySchema,
  PostingPageSchema,
  PostingRowSchema,
  PostingsQuerySchema,
  type StatementQuery,
  StatementQuerySchema,
} from '../../application/ports/queries.ts';
import {
  FillPageSchema,
  FillRowSchema,
  FillsQuerySchema,
  FundingPageSchema,
  FundingQuerySchema,
  FundingRowSchema,
} from '../../application/ports/report-queries.ts';
import { VenueSchema } from '../../domain/instrument.ts';
import { columnsOf, keysetPages } from './csv.ts';
import { ErrorBodySchema, readingCursor } from './errors.ts';
import { type Route, route } from './route.ts';

const errors = {
  400: { description: 'Invalid request (what was wrong, where)', schema: ErrorBodySchema },
  401: { description: 'Missing or wrong bearer token', schema: ErrorBodySchema },
  403: { description: 'The token’s role does not allow this route', schema: ErrorBodySchema },
};

const IngestionResultSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  recorded: z.number().int(),
  error: z.string().optional(),
});

type ReportQueries = Pick<
  ApiQueries,
  'ledger' | 'postings' | 'balances' | 'dailyStatements' | 'positionsAsOf' | 'fills' | 'funding'
>;

/**
 * The daily statements as CSV, one account and currency at a time (the accounts and currencies with
 * movements, in the JSON's order): each read holds one account's days, never the whole range.
 */
async function* statementPages(queries: ReportQueries, query: StatementQuery) {
  const accounts = await queries.balances({
    venue: query.venue,
    account: query.account,
    currency: query.currency,
  });
  for (const { venue, account, currency } of accounts) {
    yield await queries.dailyStatements({ ...query, venue: VenueSchema.parse(venue), account, currency });
  }
}

/**
 * What the API serves of the back office: the venues' cash movements, the double-entry ledger's
 * postings, the balances, the daily
 * statements, positions as of a time, the fills with their PnL and the funding payments; each also
 * as CSV (`Accept: text/csv`, see csv.ts).
 */
export function ledgerRoutes(
  queries: ReportQueries,
  ingestNow: (() => Promise<CashIngestionResult[]>) | undefined,
): Route[] {
  const routes: Route[] = [
    route({
      method: 'GET',
      path: '/v1/fills',
      summary:
        'The venue trades, newest first, each with the trading PnL it realized and the position size it left',
      auth: true,
      query: FillsQuerySchema,
      responses: { 200: { description: 'A page of fills', schema: FillPageSchema }, ...errors },
      csv: {
        filename: 'fills.csv',
        columns: columnsOf(FillRowSchema),
        pages: (query) => keysetPages(queries.fills, (p) => p.fills, query),
      },
      async handle({ query }) {
        return { status: 200, body: await readingCursor(() => queries.fills(query)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/funding',
      summary: 'The funding the venues paid or charged, newest first, with the position at the funding time',
      auth: true,
      query: FundingQuerySchema,
      responses: { 200: { description: 'A page of funding payments', schema: FundingPageSchema }, ...errors },
      csv: {
        filename: 'funding.csv',
        columns: columnsOf(FundingRowSchema),
        pages: (query) => keysetPages(queries.funding, (p) => p.payments, query),
      },
      async handle({ query }) {
        return { status: 200, body: await readingCursor(() => queries.funding(query)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/ledger',
      summary:
        'The venues’ cash movements (funding, settlements, deliveries, transfers, trades), newest first',
      auth: true,
      query: LedgerQuerySchema,
      responses: { 200: { description: 'A page of movements', schema: LedgerPageSchema }, ...errors },
      csv: {
        filename: 'ledger.csv',
        columns: columnsOf(CashMovementRowSchema),
        pages: (query) => keysetPages(queries.ledger, (p) => p.movements, query),
      },
      async handle({ query }) {
        return { status: 200, body: await readingCursor(() => queries.ledger(query)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/ledger/postings',
      summary:
        'The double-entry ledger: each entry’s postings (debit positive, credit negative; every entry sums to zero), its cause (a fill, a funding, a settlement, a transfer, ...) and the venue-cash balance after it, newest first',
      auth: true,
      query: PostingsQuerySchema,
      responses: { 200: { description: 'A page of postings', schema: PostingPageSchema }, ...errors },
      csv: {
        filename: 'postings.csv',
        columns: columnsOf(PostingRowSchema),
        pages: (query) => keysetPages(queries.postings, (p) => p.postings, query),
      },
      async handle({ query }) {
        return { status: 200, body: await readingCursor(() => queries.postings(query)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/balances',
      summary:
        'Our cash balance per venue account and currency, beside the venue’s (a difference is a break)',
      auth: true,
      query: BalancesQuerySchema,
      responses: { 200: { description: 'Balances', schema: z.array(BalanceRowSchema) }, ...errors },
      csv: {
        filename: 'balances.csv',
        columns: columnsOf(BalanceRowSchema),
        // One row per account and currency: one page.
        pages: async function* (query) {
          yield await queries.balances(query);
        },
      },
      async handle({ query }) {
        return { status: 200, body: await queries.balances(query) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/statements/daily',
      summary:
        'Daily cash statements per venue account and currency: opening, trading, fees, funding, settlement, transfers, other, closing (they add up exactly)',
      auth: true,
      query: StatementQuerySchema,
      responses: {
        200: { description: 'Statements, by day', schema: z.array(DailyStatementSchema) },
        ...errors,
      },
      csv: {
        filename: 'statements-daily.csv',
        columns: columnsOf(DailyStatementSchema),
        pages: (query) => statementPages(queries, query),
      },
      async handle({ query }) {
        return { status: 200, body: await queries.dailyStatements(query) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/positions/history',
      summary: 'Every position as it stood at a time (`asOf`): after everything the OMS had recorded by then',
      auth: true,
      query: PositionsAsOfQuerySchema,
      responses: {
        200: { description: 'Positions at that time', schema: z.array(PositionRowSchema) },
        ...errors,
      },
      csv: {
        filename: 'positions-history.csv',
        columns: columnsOf(PositionRowSchema),
        // One row per position: one page.
        pages: async function* (query) {
          yield await queries.positionsAsOf(query);
        },
      },
      async handle({ query }) {
        return { status: 200, body: await queries.positionsAsOf(query) };
      },
    }),
  ];
  if (ingestNow === undefined) return routes;
  routes.push(
    route({
      method: 'POST',
      path: '/v1/ledger/ingest',
      summary: 'Read the venues’ cash logs now and record what is new (each movement once)',
      auth: true,
      permission: 'operate',
      responses: {
        200: {
          description: 'What each account and currency recorded',
          schema: z.object({ results: z.array(IngestionResultSchema) }),
        },
        ...errors,
      },
      async handle() {
        return { status: 200, body: { results: await ingestNow() } };
      },
    }),
  );
  return routes;
}
