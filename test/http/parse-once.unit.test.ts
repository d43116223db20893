import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { route } from '../../adapters/http/route.ts';
import { createHttpServer } from '../../adapters/http/server.ts';

// A request's body, query and path parameters are parsed once, by the server, with the route's
// schemas: the handler (and a report's CSV pages) get what they parse to, typed from them.

const TOKEN = 'parse-once-token-0123456789';
let parses = 0;
const counted = <T>(value: T): T => {
  parses += 1;
  return value;
};
const QuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).default(10) })
  .strict()
  .transform(counted);
const BodySchema = z
  .object({ note: z.string().min(1) })
  .strict()
  .transform(counted);
const ParamsSchema = z.object({ id: z.coerce.number().int() }).strict().transform(counted);
const seen: unknown[] = [];

const app = createHttpServer({
  routes: [
    route({
      method: 'POST',
      path: '/v1/things/:id',
      summary: 'A thing',
      auth: true,
      params: ParamsSchema,
      query: QuerySchema,
      body: BodySchema,
      responses: {},
      csv: {
        filename: 'things.csv',
        columns: ['id', 'limit'],
        pages: async function* (query) {
          yield [{ id: 1, limit: query.limit }];
        },
      },
      async handle({ params, query, body }) {
        seen.push({ params, query, body });
        return { status: 200, body: { id: params.id + 1, limit: query.limit * 2, note: body.note } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/nothing',
      summary: 'No input',
      auth: true,
      responses: {},
      async handle(input) {
        seen.push(input);
        return { status: 200, body: {} };
      },
    }),
  ],
  token: TOKEN,
  logger: pino({ level: 'silent' }),
  version: 'test',
});
const authorization = `Bearer ${TOKEN}`;

afterAll(() => app.close());

describe('a route’s input', () => {
  it('is parsed once, and the handler gets what the schemas parse it to', async () => {
    parses = 0;
    seen.length = 0;
    // When a thing is posted with its id in the path and a limit in the query (both strings on the wire)
    const reply = await app.inject({
      method: 'POST',
      url: '/v1/things/41?limit=3',
      headers: { authorization },
      payload: { note: 'n' },
    });
    // Then the handler got numbers, and each of path, query and body was parsed once
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ id: 42, limit: 6, note: 'n' });
    expect(seen).toEqual([{ params: { id: 41 }, query: { limit: 3 }, body: { note: 'n' } }]);
    expect(parses).toBe(3);
  });

  it('is parsed once for a CSV report too, whose pages get the parsed query', async () => {
    parses = 0;
    const reply = await app.inject({
      method: 'POST',
      url: '/v1/things/1',
      headers: { authorization, accept: 'text/csv' },
      payload: { note: 'n' },
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toBe('id,limit\r\n1,10\r\n');
    expect(parses).toBe(3);
  });

  it('that does not parse is a 400 naming where, and the handler is not called', async () => {
    seen.length = 0;
    const reply = await app.inject({
      method: 'POST',
      url: '/v1/things/x?limit=0',
      headers: { authorization },
      payload: { note: 'n' },
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [expect.objectContaining({ path: 'query.limit' })] },
    });
    expect(seen).toEqual([]);
  });

  it('is undefined where the route declares no schema', async () => {
    seen.length = 0;
    const reply = await app.inject({ method: 'GET', url: '/v1/nothing', headers: { authorization } });
    expect(reply.statusCode).toBe(200);
    expect(seen).toEqual([expect.objectContaining({ body: undefined, query: undefined, params: undefined })]);
  });
});
