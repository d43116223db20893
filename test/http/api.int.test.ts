import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../adapters/composition/service.ts';
import type { PgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { createApiClient } from '../../adapters/http/client.ts';
import { routesFor } from '../../adapters/http/routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import type { LocalDeribit } from '../../simulators/deribit/server.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit, testLogger } from '../service/support.ts';

const TOKEN = 'test-token-0123456789';
let svc: ServiceOnLocalDeribit;
let store: PgliteEventStore;
let sim: LocalDeribit;
let running: RunningService<SqlPosition>;
let app: FastifyInstance;
let base: string;

async function eventCount(): Promise<number> {
  let count = 0;
  let after: SqlPosition | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after && { after }), maxCount: 1000 });
    count += page.events.length;
    if (page.isEnd) return count;
    after = page.lastScanned;
  }
}

function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  return fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined && { body: init.body }),
  });
}

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'api' });
  ({ store, sim, running } = svc);
  app = createHttpServer({
    routes: routesFor(running),
    token: TOKEN,
    logger: testLogger,
    version: 'test',
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await svc?.close();
});

const limitBuy = () => ({
  venue: 'deribit',
  symbol: 'BTC-PERPETUAL',
  side: 'buy',
  type: 'limit',
  amount: '100',
  price: sim.markPrice('BTC-PERPETUAL').minus(1500).toString(),
});

describe('the HTTP API', () => {
  it('places an order and answers with it, decimals as strings', async () => {
    const client = createApiClient({ baseUrl: base, token: TOKEN });
    const reply = await client.place(limitBuy(), 'api-1');
    expect(reply.status).toBe(201);
    expect(reply.order).toMatchObject({ status: 'open', amount: '100', filled: '0', venue: 'deribit' });
    const history = await client.history(reply.order.orderId);
    expect(history.map((h) => h.type)).toEqual(['OrderRequested', 'OrderAccepted']);
    expect(history[0]).toMatchObject({ source: 'client', idempotencyKey: 'api-1' });
    expect(history[1]).toMatchObject({ source: 'venue' });
  });

  it('answers a retry with the same key with the first result (200), and refuses another payload (409)', async () => {
    const client = createApiClient({ baseUrl: base, token: TOKEN });
    const first = await client.place(limitBuy(), 'api-2');
    const again = await client.place({ ...limitBuy(), price: first.order.price }, 'api-2');
    expect(again).toMatchObject({ status: 200, replayed: true, order: { orderId: first.order.orderId } });
    const other = await raw('POST', '/v1/orders', {
      body: JSON.stringify({ ...limitBuy(), amount: '200' }),
      headers: { 'idempotency-key': 'api-2' },
    });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('lists orders and serves health, positions and the OpenAPI document', async () => {
    const client = createApiClient({ baseUrl: base, token: TOKEN });
    await running.readModelCaughtUp();
    const page = await client.orders({ venue: 'deribit', limit: '1' });
    expect(page.orders).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const next = await client.orders({ venue: 'deribit', limit: '1', cursor: page.nextCursor ?? '' });
    expect(next.orders[0]?.orderId).not.toBe(page.orders[0]?.orderId);
    const health = await client.health();
    expect(health.venues[0]).toMatchObject({ venue: 'deribit', trading: true });
    expect(await client.positions()).toEqual([]);
    // The OpenAPI document is behind the token too (authentication comes before anything else)
    expect((await fetch(new URL('/v1/openapi.json', base))).status).toBe(401);
    const openapi = (await (await raw('GET', '/v1/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/orders',
        '/v1/orders/{orderId}',
        '/v1/positions',
        '/v1/ledger',
        '/v1/ledger/postings',
        '/v1/balances',
        '/v1/statements/daily',
        '/v1/positions/history',
        '/v1/fills',
        '/v1/funding',
        '/v1/statements/daily/instruments',
        '/v1/marks',
        '/v1/marks/record',
      ]),
    );
  });

  it('answers 400 naming query.cursor for a cursor it never returned, on every keyset list', async () => {
    const foreignTie = Buffer.from(JSON.stringify(['2026-12-01T00:00:00.000Z', 'not-ours'])).toString(
      'base64url',
    );
    for (const path of [
      '/v1/orders?cursor=not-ours',
      '/v1/ledger?cursor=not-ours',
      '/v1/ledger/postings?cursor=not-ours',
      `/v1/ledger/postings?cursor=${foreignTie}`,
    ]) {
      const reply = await raw('GET', path);
      expect(reply.status).toBe(400);
      expect(await reply.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { issues: [{ path: 'query.cursor' }] },
      });
    }
  });

  const hostile: [string, () => { body: string; headers?: Record<string, string> }, number, string][] = [
    [
      'no token',
      () => ({ body: JSON.stringify(limitBuy()), headers: { authorization: '' } }),
      401,
      'UNAUTHORIZED',
    ],
    [
      'a wrong token',
      () => ({ body: JSON.stringify(limitBuy()), headers: { authorization: 'Bearer nope' } }),
      401,
      'UNAUTHORIZED',
    ],
    [
      'an unknown field',
      () => ({ body: JSON.stringify({ ...limitBuy(), extra: 1 }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a float amount',
      () => ({ body: JSON.stringify({ ...limitBuy(), amount: 100 }) }),
      400,
      'VALIDATION_FAILED',
    ],
    ['invalid JSON', () => ({ body: '{"venue": ' }), 400, 'INVALID_JSON'],
    [
      'a body over 16 KiB',
      () => ({ body: JSON.stringify({ ...limitBuy(), symbol: 'x'.repeat(20_000) }) }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'text instead of JSON',
      () => ({ body: 'hello', headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ];
  it.each(hostile)(
    'refuses %s with a clear error and writes nothing',
    async (_what, request, status, code) => {
      const before = await eventCount();
      const response = await raw('POST', '/v1/orders', request());
      expect(response.status).toBe(status);
      const error = (await response.json()) as { code: string; message: string; details: unknown };
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(5);
      expect(await eventCount()).toBe(before);
    },
  );

  it('names the field at fault', async () => {
    const response = await raw('POST', '/v1/orders', {
      body: JSON.stringify({ ...limitBuy(), price: '60000.3' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_ORDER', details: { field: 'price' } });
    const unknownField = await raw('POST', '/v1/orders', {
      body: JSON.stringify({ ...limitBuy(), colour: 'red' }),
    });
    expect(await unknownField.json()).toMatchObject({ details: { issues: [{ path: 'body' }] } });
  });

  it('refuses a cancel-all without an explicit body: cancelling everything takes {} at least', async () => {
    const before = await eventCount();
    for (const body of [undefined, 'null', '[]', '"all"']) {
      const response = await raw('POST', '/v1/orders/cancel-all', body === undefined ? {} : { body });
      expect([400, 415], `${String(body)} → ${response.status}`).toContain(response.status);
    }
    expect(await eventCount()).toBe(before);
  });

  it('answers 404 for an unknown order or route, 400 for a malformed id', async () => {
    expect((await raw('GET', '/v1/orders/0b6f8a52-9c1e-4a59-8f44-3f1b2a8c9d10')).status).toBe(404);
    expect((await raw('GET', '/v1/orders/not-a-uuid')).status).toBe(400);
    const missing = await raw('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });

  it('never answers 5xx nor writes anything, whatever hostile JSON a client sends (F14)', async () => {
    const before = await eventCount();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            venue: fc.string(),
            symbol: fc.string(),
            side: fc.string(),
            type: fc.string(),
            amount: fc.jsonValue(),
          }),
          fc.record(
            {
              venue: fc.constant('deribit'),
              symbol: fc.constant('BTC-PERPETUAL'),
              side: fc.constantFrom('buy', 'sell'),
              type: fc.constant('limit'),
              amount: fc.string(),
              price: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        // (cancel-all and the kill switch take `{}` and `{engaged, reason}`: a fuzzer would find those.)
        fc.constantFrom('/v1/orders', '/v1/positions/close'),
        async (body, path) => {
          const response = await raw('POST', path, { body: JSON.stringify(body) });
          expect(response.status, `${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          const error = (await response.json()) as { code?: string };
          expect(typeof error.code).toBe('string');
        },
      ),
      { numRuns: 150 },
    );
    expect(await eventCount()).toBe(before);
  });
});
