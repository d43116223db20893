import { z } from 'zod';
import type { CashIngestionResult } from '../../application/ledger/cash-ingester.ts';
import {
  type ApiQueries,
  BalanceRowSchema,
  BalancesQuerySchema,
  DailyStatementSchema,
  LedgerPageSchema,
  LedgerQuerySchema,
  PositionRowSchema,
  PositionsAsOfQuerySchema,
  PostingPageSchema,
  PostingsQuerySchema,
  StatementQuerySchema,
} from '../../application/ports/queries.ts';
import { ErrorBodySchema, readingCursor } from './errors.ts';
import type { Route } from './routes.ts';

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

/** What the API serves of the back office's ledger: the venues' cash movements, the postings and the balances. */
export function ledgerRoutes(
  queries: Pick<ApiQueries, 'ledger' | 'postings' | 'balances' | 'dailyStatements' | 'positionsAsOf'>,
  ingestNow: (() => Promise<CashIngestionResult[]>) | undefined,
): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/v1/ledger',
      summary:
        'The venues’ cash movements (funding, settlements, deliveries, transfers, trades), newest first',
      auth: true,
      query: LedgerQuerySchema,
      responses: { 200: { description: 'A page of movements', schema: LedgerPageSchema }, ...errors },
      async handle({ query }) {
        return {
          status: 200,
          body: await readingCursor(() => queries.ledger(LedgerQuerySchema.parse(query))),
        };
      },
    },
    {
      method: 'GET',
      path: '/v1/ledger/postings',
      summary:
        'The double-entry ledger: each entry’s postings (debit positive, credit negative; every entry sums to zero), its cause (a fill, a funding, a settlement, a transfer, ...) and the venue-cash balance after it, newest first',
      auth: true,
      query: PostingsQuerySchema,
      responses: { 200: { description: 'A page of postings', schema: PostingPageSchema }, ...errors },
      async handle({ query }) {
        return {
          status: 200,
          body: await readingCursor(() => queries.postings(PostingsQuerySchema.parse(query))),
        };
      },
    },
    {
      method: 'GET',
      path: '/v1/balances',
      summary:
        'Our cash balance per venue account and currency, beside the venue’s (a difference is a break)',
      auth: true,
      query: BalancesQuerySchema,
      responses: { 200: { description: 'Balances', schema: z.array(BalanceRowSchema) }, ...errors },
      async handle({ query }) {
        return { status: 200, body: await queries.balances(BalancesQuerySchema.parse(query)) };
      },
    },
    {
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
      async handle({ query }) {
        return { status: 200, body: await queries.dailyStatements(StatementQuerySchema.parse(query)) };
      },
    },
    {
      method: 'GET',
      path: '/v1/positions/history',
      summary: 'Every position as it stood at a time (`asOf`): after everything the OMS had recorded by then',
      auth: true,
      query: PositionsAsOfQuerySchema,
      responses: {
        200: { description: 'Positions at that time', schema: z.array(PositionRowSchema) },
        ...errors,
      },
      async handle({ query }) {
        return { status: 200, body: await queries.positionsAsOf(PositionsAsOfQuerySchema.parse(query)) };
      },
    },
  ];
  if (ingestNow === undefined) return routes;
  routes.push({
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
  });
  return routes;
}
