import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../adapters/http/client.ts';
import { type ServiceOnLocalDeribit, serveHttp, startServiceOnLocalDeribit } from '../service/support.ts';
import { until } from '../support/until.ts';

const TOKENS = [
  { name: 'alice', role: 'trader', token: 'alice-token-0123456789' },
  { name: 'backoffice', role: 'read_only', token: 'backoffice-token-0123456789' },
  { name: 'ops-bob', role: 'operator', token: 'ops-bob-token-0123456789' },
] as const;
const [TRADER, READ_ONLY, OPERATOR] = TOKENS;

let svc: ServiceOnLocalDeribit;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'roles' });
  // The start-up ledger ingestion and mark recording are over (joined) before events are counted.
  await svc.running.ledger.ingestNow();
  await svc.running.marks.recordNow();
  ({ app, base } = await serveHttp(svc.running, { tokens: TOKENS }));
});

afterAll(async () => {
  await app?.close();
  await svc?.close();
});

const call = (method: string, path: string, token: string | undefined, body?: string, headers = {}) =>
  fetch(new URL(path, base), {
    method,
    headers: {
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body }),
  });

const eventCount = async () => {
  const page = await svc.store.readAll({ maxCount: 100_000 });
  return page.events.length;
};

const ORDER = '00000000-0000-4000-8000-000000000001';
const WRITES: [string, string][] = [
  ['POST', '/v1/orders'],
  ['PATCH', `/v1/orders/${ORDER}`],
  ['DELETE', `/v1/orders/${ORDER}`],
  ['POST', '/v1/orders/cancel-all'],
  ['POST', '/v1/positions/close'],
  ['POST', '/v1/kill-switch'],
  ['POST', '/v1/reconcile'],
  ['POST', '/v1/breaks/some-break/resolve'],
  ['POST', `/v1/orders/${ORDER}/resolve`],
  ['POST', '/v1/marks/record'],
];
const CONTROLS = WRITES.slice(5);

describe('API tokens with roles', () => {
  it('a read-only token reads, and is refused on every route that trades or operates; nothing is recorded', async () => {
    const before = await eventCount();
    for (const [method, path] of WRITES) {
      const reply = await call(method, path, READ_ONLY.token, method === 'DELETE' ? undefined : '{}');
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(await reply.json()).toMatchObject({ code: 'FORBIDDEN', details: { role: 'read_only' } });
    }
    expect(await eventCount()).toBe(before);
    for (const path of ['/v1/orders', '/v1/positions', '/v1/health', '/v1/breaks', '/v1/openapi.json']) {
      expect((await call('GET', path, READ_ONLY.token)).status, path).toBe(200);
    }
  });

  it('a trader trades but does not run the controls (kill switch, reconciliation, breaks)', async () => {
    for (const [method, path] of CONTROLS) {
      expect((await call(method, path, TRADER.token, '{}')).status, `${method} ${path}`).toBe(403);
    }
    const operator = await call('POST', '/v1/reconcile', OPERATOR.token, '{}');
    expect(operator.status).toBe(200);
  });

  it('authentication comes before anything is read, and a token is never taken from the URL', async () => {
    const unauthenticated: [string, string, string | undefined, Record<string, string>][] = [
      ['POST', '/v1/orders', '{not json', {}],
      ['POST', '/v1/orders', 'x'.repeat(64 * 1024), {}],
      ['POST', '/v1/orders', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['GET', '/v1/no-such-route', undefined, {}],
      ['GET', '/v1/openapi.json', undefined, {}],
      ['GET', '/v1/health', undefined, {}],
    ];
    for (const [method, path, body, headers] of unauthenticated) {
      const reply = await call(method, path, undefined, body, headers);
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(await reply.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    const inUrl = await call('GET', `/v1/orders?token=${TRADER.token}`, undefined);
    expect(inUrl.status).toBe(401);
    expect(((await inUrl.json()) as { message: string }).message).toContain('never accepted in the URL');
  });

  it('every event of an order says who asked and why: a fill walks back to the client request', async () => {
    // Given a trader's market order through the API, with a correlation id of the client's
    const client = createApiClient({ baseUrl: base, token: TRADER.token });
    const reply = await call(
      'POST',
      '/v1/orders',
      TRADER.token,
      JSON.stringify({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'market',
        amount: '10',
      }),
      { 'idempotency-key': 'roles-chain-1', 'x-correlation-id': 'desk-ticket-42' },
    );
    expect(reply.status).toBe(201);
    const { order } = (await reply.json()) as { order: { orderId: string } };

    // When its history is read
    const history = await until('the fill in the history', async () => {
      const events = await client.history(order.orderId);
      return events.some((e) => e.type === 'OrderFilled') ? events : undefined;
    });

    // Then the fill's cause is the request event, whose cause is the client's request (its command)
    const byId = new Map(history.map((e) => [e.eventId, e]));
    const fill = history.find((e) => e.type === 'OrderFilled')!;
    const request = byId.get(fill.causationId);
    expect(request?.type).toBe('OrderRequested');
    expect(request?.causationId).toBe(request?.commandId);
    expect(request?.by).toBe('alice');
    expect(request?.source).toBe('client');
    // And everything that followed from the request carries its correlation id
    expect(new Set(history.map((e) => e.correlationId))).toEqual(new Set(['desk-ticket-42']));
    // And the venue's answer carries the venue's time and its latency figures
    const accepted = history.find((e) => e.type === 'OrderAccepted');
    expect(accepted?.venueTime).not.toBeNull();
    expect(accepted?.venueLatency).toMatchObject({ usIn: expect.any(Number), usOut: expect.any(Number) });
    expect(accepted?.causationId).toBe(request?.eventId);
  });
});
