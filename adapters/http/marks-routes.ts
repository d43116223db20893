import { z } from 'zod';
import {
  InstrumentStatementQuerySchema,
  InstrumentStatementSchema,
  MarkRowSchema,
  MarksQuerySchema,
} from '../../application/ports/instrument-queries.ts';
import type { ApiQueries } from '../../application/ports/queries.ts';
import { columnsOf } from './csv.ts';
import { ErrorBodySchema } from './errors.ts';
import { type Route, route } from './route.ts';

const errors = {
  400: { description: 'Invalid request (what was wrong, where)', schema: ErrorBodySchema },
  401: { description: 'Missing or wrong bearer token', schema: ErrorBodySchema },
  403: { description: 'The token’s role does not allow this route', schema: ErrorBodySchema },
};

const RecordingResultSchema = z.object({
  venue: z.string(),
  symbol: z.string(),
  at: z.string().optional(),
  mark: z.string().optional(),
  unlisted: z.literal(true).optional(),
  error: z.string().optional(),
});

type RecordNow = () => Promise<z.infer<typeof RecordingResultSchema>[]>;

/** What the API serves of the marks and the per-instrument daily statements. */
export function marksRoutes(
  queries: Pick<ApiQueries, 'instrumentStatements' | 'marks'>,
  recordNow: RecordNow | undefined,
): Route[] {
  const routes: Route[] = [
    route({
      method: 'GET',
      path: '/v1/statements/daily/instruments',
      summary:
        'Daily statements per venue account, instrument (position side) and PnL currency: opening and closing position and mark, trading, fees, funding, settlement, unrealized change and equity (closing equity − opening equity = trading + funding − fees + settlement + unrealized change, exactly)',
      auth: true,
      query: InstrumentStatementQuerySchema,
      responses: {
        200: { description: 'Statements, by position and day', schema: z.array(InstrumentStatementSchema) },
        ...errors,
      },
      csv: {
        filename: 'statements-daily-instruments.csv',
        columns: columnsOf(InstrumentStatementSchema),
        // The filtered days of the filtered positions: one read, one page.
        pages: async function* (query) {
          yield await queries.instrumentStatements(query);
        },
      },
      async handle({ query }) {
        return { status: 200, body: await queries.instrumentStatements(query) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/marks',
      summary: 'The mark prices recorded (at each interval and each day’s close), oldest first',
      auth: true,
      query: MarksQuerySchema,
      responses: { 200: { description: 'Marks', schema: z.array(MarkRowSchema) }, ...errors },
      async handle({ query }) {
        return { status: 200, body: await queries.marks(query) };
      },
    }),
  ];
  if (recordNow === undefined) return routes;
  routes.push(
    route({
      method: 'POST',
      path: '/v1/marks/record',
      summary: 'Record the marks due now (each instrument once per interval tick or day close)',
      auth: true,
      permission: 'operate',
      responses: {
        200: {
          description: 'What each instrument recorded',
          schema: z.object({ results: z.array(RecordingResultSchema) }),
        },
        ...errors,
      },
      async handle() {
        return { status: 200, body: { results: await recordNow() } };
      },
    }),
  );
  return routes;
}
