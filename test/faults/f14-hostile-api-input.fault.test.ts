import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { faultSeeds } from './support/random.ts';
import { API_TOKEN, type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues } from './support/venues.ts';

/**
 * F14: malformed, oversized and hostile API input.
 *
 * The whole service (both venues) behind its HTTP API gets what no honest client sends: deep
 * nesting, huge strings and bodies, `__proto__`/`constructor` keys, unicode look-alikes and
 * control characters, numbers where decimals are strings (and decimals in every odd spelling),
 * wrong types in every field of every command, bad headers, raw malformed HTTP. Seeded fast-check
 * properties mutate a valid request one field at a time.
 * Pass: always a 4xx with `{code, message, details}` (a non-empty message), never a 5xx nor a
 * crash; nothing appended to the store; no request to either venue; no prototype polluted.
 */
let venues: LocalVenues;
let svc: InProcessService;
let orderId: string;
const log = memoryLogger('warn');

/** Order-changing requests the venues received. */
function venueWrites(): number {
  const deribit = [
    'private/buy',
    'private/sell',
    'private/edit',
    'private/cancel',
    'private/cancel_all',
    'private/close_position',
  ]
    .map((m) => venues.deribit.requestCount(m))
    .reduce((a, b) => a + b, 0);
  const bitget = venues.bitget.requests().filter((r) => r.method === 'POST').length;
  return deribit + bitget;
}

async function eventCount(): Promise<number> {
  let count = 0;
  let after: SqlPosition | undefined;
  for (;;) {
    const page = await svc.store.readAll({ ...(after && { after }), maxCount: 1000 });
    count += page.events.length;
    if (page.isEnd) return count;
    after = page.lastScanned;
  }
}

const validPlace = () => ({
  venue: 'deribit',
  symbol: 'BTC-PERPETUAL',
  side: 'buy',
  type: 'limit',
  amount: '10',
  price: venues.deribit.markPrice('BTC-PERPETUAL').minus(1500).toString(),
});

let baseline: { events: number; venueWrites: number };
const answers: { what: string; status: number }[] = [];

/** Sends a request and checks the answer is a clear 4xx. */
async function expectClear4xx(
  what: string,
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: { code: string; message: string; details: unknown } }> {
  const response = await svc.raw(method, path, init);
  const text = await response.text();
  answers.push({ what, status: response.status });
  expect(response.status, `${what}: ${response.status} ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(response.status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  const body = JSON.parse(text) as { code: string; message: string; details: unknown };
  expect(typeof body.code, what).toBe('string');
  expect(body.message.length, what).toBeGreaterThan(0);
  expect(typeof body.details, what).toBe('object');
  return { status: response.status, body };
}

beforeAll(async () => {
  venues = await startLocalVenues();
  svc = await startInProcessService(venues, { logger: log.logger });
  await svc.trading();
  // The venues' cash logs are read at start-up: that run is over before the baseline is counted.
  await svc.running.ledger.ingestNow();
  const placed = await svc.api.place(validPlace(), 'f14-resting');
  orderId = placed.order.orderId;
  expect(placed.order.status).toBe('open');
  await svc.running.readModelCaughtUp();
  baseline = { events: await eventCount(), venueWrites: venueWrites() };
});

afterAll(async () => {
  await svc?.stop();
  await venues?.close();
});

const MUTATING: { method: string; path: () => string; name: string }[] = [
  { method: 'POST', path: () => '/v1/orders', name: 'place' },
  { method: 'PATCH', path: () => `/v1/orders/${orderId}`, name: 'amend' },
  { method: 'POST', path: () => '/v1/positions/close', name: 'close' },
  { method: 'POST', path: () => '/v1/orders/cancel-all', name: 'cancel-all' },
  { method: 'POST', path: () => '/v1/kill-switch', name: 'kill-switch' },
];

describe('F14: malformed, oversized and hostile API input', () => {
  it('deep nesting, in the body and in a field', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    for (const route of MUTATING) {
      await expectClear4xx(`${route.name} deep array`, route.method, route.path(), { body: deep(7_000) });
      await expectClear4xx(`${route.name} deep object`, route.method, route.path(), {
        body: deepObject(2_500),
      });
    }
    const place = JSON.stringify(validPlace()).replace(/"amount":"10"/, `"amount":${deep(5_000)}`);
    await expectClear4xx('place with a deeply nested amount', 'POST', '/v1/orders', { body: place });
  });

  it('huge strings, bodies, headers, paths and query strings', async () => {
    const big = 'x'.repeat(15_000);
    const tooBig = { ...validPlace(), symbol: 'y'.repeat(20_000) };
    for (const route of MUTATING) {
      const { status } = await expectClear4xx(`${route.name} over 16 KiB`, route.method, route.path(), {
        body: JSON.stringify(tooBig),
      });
      expect(status).toBe(413);
    }
    await expectClear4xx('place with a 15 kB symbol', 'POST', '/v1/orders', {
      body: JSON.stringify({ ...validPlace(), symbol: big }),
    });
    await expectClear4xx('a 5000-digit amount', 'POST', '/v1/orders', {
      body: JSON.stringify({ ...validPlace(), amount: '9'.repeat(5_000) }),
    });
    await expectClear4xx('a 3000-decimal amount', 'POST', '/v1/orders', {
      body: JSON.stringify({ ...validPlace(), amount: `10.${'0'.repeat(2_999)}1` }),
    });
    await expectClear4xx('a 5 kB idempotency key', 'POST', '/v1/orders', {
      body: JSON.stringify(validPlace()),
      headers: { 'idempotency-key': 'k'.repeat(5_000) },
    });
    await expectClear4xx('a 5 kB correlation id', 'POST', '/v1/orders', {
      body: JSON.stringify(validPlace()),
      headers: { 'x-correlation-id': 'c'.repeat(5_000) },
    });
    await expectClear4xx('a 5 kB order id', 'GET', `/v1/orders/${'a'.repeat(5_000)}`);
    await expectClear4xx('a 5 kB query', 'GET', `/v1/orders?venue=${'d'.repeat(5_000)}`);
    await expectClear4xx('a 5 kB instrument symbol', 'GET', `/v1/instruments/deribit/${'B'.repeat(5_000)}`);
  });

  it('__proto__, constructor and prototype keys, at the top and nested', async () => {
    const poisons = [
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      `{"venue":"deribit","symbol":"BTC-PERPETUAL","side":"buy","type":"market","amount":"10","__proto__":{"reduceOnly":true}}`,
      `{"venue":"deribit","symbol":"BTC-PERPETUAL","side":"buy","type":"market","amount":"10","constructor":{"prototype":{"x":1}}}`,
      `{"venue":"deribit","symbol":"BTC-PERPETUAL","side":"buy","type":"limit","amount":"10","price":"1","trigger":{"__proto__":{"price":"1"}}}`,
      '{"price":"1","__proto__":{"amount":"10"}}',
      '{"engaged":true,"reason":"x","prototype":{}}',
    ];
    for (const route of MUTATING) {
      for (const body of poisons)
        await expectClear4xx(`${route.name} ${body.slice(0, 60)}`, route.method, route.path(), { body });
    }
    await expectClear4xx('__proto__ query', 'GET', '/v1/orders?__proto__[polluted]=yes');
    await expectClear4xx('constructor query', 'GET', '/v1/positions?constructor=1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('reduceOnly');
  });

  it('unicode: look-alikes, control characters, lone surrogates, other digits', async () => {
    const strings = [
      'dеribit', // Cyrillic е
      'BTC‐PERPETUAL', // a hyphen that is not '-'
      'BTC-PERPETUAL\u0000',
      'BTC-PERPETUAL\u202e',
      '\ud800',
      '🚀',
      '１０', // full-width digits
      '١٠', // Arabic-Indic digits
      '10\u00a0',
      '',
    ];
    for (const s of strings) {
      for (const field of ['venue', 'symbol', 'side', 'type', 'amount', 'price']) {
        await expectClear4xx(`place ${field}=${JSON.stringify(s)}`, 'POST', '/v1/orders', {
          body: JSON.stringify({ ...validPlace(), [field]: s }),
        });
      }
      await expectClear4xx(`amend price=${JSON.stringify(s)}`, 'PATCH', `/v1/orders/${orderId}`, {
        body: JSON.stringify({ price: s }),
      });
    }
    // A raw lone surrogate / invalid UTF-8 on the wire
    await expectClear4xx('invalid UTF-8 bytes', 'POST', '/v1/orders', {
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]).toString('latin1'),
    });
    await expectClear4xx('unicode order id', 'GET', `/v1/orders/${encodeURIComponent('ордер')}`);
  });

  it('numbers where decimals are strings, and decimals in every odd spelling', async () => {
    const spellings: unknown[] = [
      10,
      10.5,
      1e3,
      -10,
      0,
      Number.MAX_SAFE_INTEGER,
      '1e3',
      '0x10',
      'Infinity',
      '-Infinity',
      'NaN',
      '-10',
      '0',
      '0.0',
      '10.',
      '.5',
      '1_000',
      ' 10',
      '10 ',
      '+10',
      '1,000',
      '1e-7',
      '00010x',
      null,
      true,
    ];
    for (const value of spellings) {
      for (const field of ['amount', 'price', 'contracts']) {
        await expectClear4xx(`place ${field}=${JSON.stringify(value)}`, 'POST', '/v1/orders', {
          body: JSON.stringify({ ...validPlace(), [field]: value }),
        });
      }
      await expectClear4xx(`amend amount=${JSON.stringify(value)}`, 'PATCH', `/v1/orders/${orderId}`, {
        body: JSON.stringify({ amount: value }),
      });
    }
    // Numbers beyond what JSON.parse keeps exactly
    await expectClear4xx('a 400-digit JSON number', 'POST', '/v1/orders', {
      body: JSON.stringify(validPlace()).replace(/"amount":"10"/, `"amount":${'9'.repeat(400)}`),
    });
    await expectClear4xx('1e999', 'POST', '/v1/orders', {
      body: JSON.stringify(validPlace()).replace(/"amount":"10"/, '"amount":1e999'),
    });
  });

  it('wrong types in every field of every command name the field', async () => {
    const wrong: unknown[] = [null, true, 1, 1.5, [], {}, ['x'], { value: 'x' }];
    const bodies: { name: string; method: string; path: () => string; body: Record<string, unknown> }[] = [
      {
        name: 'place',
        method: 'POST',
        path: () => '/v1/orders',
        body: { ...validPlace(), reduceOnly: false, postOnly: false, timeInForce: 'gtc' },
      },
      {
        name: 'amend',
        method: 'PATCH',
        path: () => `/v1/orders/${orderId}`,
        body: { price: '50000', amount: '10' },
      },
      {
        name: 'close',
        method: 'POST',
        path: () => '/v1/positions/close',
        body: { venue: 'deribit', symbol: 'BTC-PERPETUAL', type: 'market' },
      },
      {
        name: 'cancel-all',
        method: 'POST',
        path: () => '/v1/orders/cancel-all',
        body: { venue: 'deribit', symbol: 'BTC-PERPETUAL' },
      },
      {
        name: 'kill-switch',
        method: 'POST',
        path: () => '/v1/kill-switch',
        body: { engaged: false, reason: 'r' },
      },
    ];
    for (const { name, method, path, body } of bodies) {
      for (const field of Object.keys(body)) {
        for (const value of wrong) {
          // A boolean field given a boolean is not wrong.
          if (typeof body[field] === typeof value && !Array.isArray(value) && value !== null) continue;
          const { body: error } = await expectClear4xx(
            `${name} ${field}=${JSON.stringify(value)}`,
            method,
            path(),
            { body: JSON.stringify({ ...body, [field]: value }) },
          );
          expect(JSON.stringify(error.details), `${name} ${field}`).toContain(field);
        }
      }
    }
    for (const body of ['null', '[]', '"x"', '1', 'true', '', '{', '{"a":1,}', "{'a':1}", 'NaN']) {
      for (const route of MUTATING)
        await expectClear4xx(`${route.name} body ${body}`, route.method, route.path(), { body });
    }
  });

  it('bad headers: content type, authorization, idempotency key, correlation id', async () => {
    const body = JSON.stringify(validPlace());
    for (const type of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-7',
      '',
    ]) {
      await expectClear4xx(`content-type ${type}`, 'POST', '/v1/orders', {
        body,
        headers: { 'content-type': type },
      });
    }
    for (const auth of [
      '',
      'Bearer',
      `Bearer ${API_TOKEN}x`,
      `bearer ${API_TOKEN}`,
      `Basic ${Buffer.from(`a:${API_TOKEN}`).toString('base64')}`,
      `Bearer ${API_TOKEN.slice(0, -1)}`,
      `Bearer  ${API_TOKEN}`,
      'Bearer é',
    ]) {
      const { status } = await expectClear4xx(`authorization ${JSON.stringify(auth)}`, 'POST', '/v1/orders', {
        body,
        headers: { authorization: auth },
      });
      expect(status).toBe(401);
    }
    for (const key of ['', ' ', 'a b', 'x'.repeat(201)]) {
      await expectClear4xx(`idempotency key ${JSON.stringify(key)}`, 'POST', '/v1/orders', {
        body,
        headers: { 'idempotency-key': key },
      });
    }
    await expectClear4xx('idempotency key on a route that takes none', 'POST', '/v1/kill-switch', {
      body: JSON.stringify({ engaged: true, reason: 'no' }),
      headers: { 'idempotency-key': 'k-1' },
    });
    for (const id of ['a b', '<script>', '../../etc']) {
      await expectClear4xx(`correlation id ${id}`, 'POST', '/v1/orders', {
        body,
        headers: { 'x-correlation-id': id },
      });
    }
  });

  it('bad paths, methods and query strings', async () => {
    for (const path of [
      '/v1/orders/not-a-uuid',
      `/v1/orders/${orderId}x`,
      '/v1/orders/..%2F..%2Fetc%2Fpasswd',
      '/v1/orders/%00',
      '/v1/instruments/kraken/BTC',
      '/v1/%ff',
    ]) {
      await expectClear4xx(`GET ${path}`, 'GET', path);
    }
    await expectClear4xx('PUT an order', 'PUT', `/v1/orders/${orderId}`, { body: '{}' });
    await expectClear4xx('DELETE with a body', 'DELETE', `/v1/orders/${orderId}`, { body: '{"all":true}' });
    for (const query of [
      'limit=-1',
      'limit=1e9',
      'limit=abc',
      'cursor=%00%ff',
      'venue=kraken',
      'status=whatever',
      'venue=deribit&venue=bitget',
      'nope=1',
    ]) {
      await expectClear4xx(`GET /v1/orders?${query}`, 'GET', `/v1/orders?${query}`);
    }
  });

  it('text the audit trail cannot hold, a token in the URL, absurd amounts, unknown symbols: refused, naming what', async () => {
    for (const reason of ['stop\u0000now', 'half \ud800 pair', 'bell\u0007']) {
      const { body } = await expectClear4xx(
        `kill-switch reason=${JSON.stringify(reason)}`,
        'POST',
        '/v1/kill-switch',
        {
          body: JSON.stringify({ engaged: true, reason }),
        },
      );
      expect(JSON.stringify(body.details)).toContain('body.reason');
    }
    await expectClear4xx('a lone surrogate escaped in the JSON text', 'POST', '/v1/kill-switch', {
      body: '{"engaged":true,"reason":"x\\udc00y"}',
    });
    const inUrl = await expectClear4xx(
      'the token in the query string',
      'GET',
      `/v1/orders?token=${API_TOKEN}`,
      {
        headers: { authorization: '' },
      },
    );
    expect(inUrl.status).toBe(401);
    for (const amount of ['1'.repeat(5000), `1${'0'.repeat(21)}`]) {
      await expectClear4xx(`place amount of ${amount.length} digits`, 'POST', '/v1/orders', {
        body: JSON.stringify({ ...validPlace(), type: 'market', price: undefined, amount }),
      });
    }
    for (const symbol of ['btc-perpetual', 'NOPE-PERPETUAL']) {
      const { body } = await expectClear4xx(`cancel-all symbol=${symbol}`, 'POST', '/v1/orders/cancel-all', {
        body: JSON.stringify({ venue: 'deribit', symbol }),
      });
      expect(body.code).toBe('UNKNOWN_INSTRUMENT');
    }
  });

  it('malformed HTTP on the wire never reaches the service', async () => {
    const { port } = new URL(svc.url);
    const send = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
        let reply = '';
        socket.on('data', (chunk) => {
          reply += chunk.toString();
        });
        socket.on('close', () => resolve(reply));
        socket.on('error', () => resolve(reply));
      });
    const body = JSON.stringify(validPlace());
    const head = `POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_TOKEN}\r\nContent-Type: application/json\r\n`;
    const cases = [
      `${head}Content-Length: 5\r\n\r\n${body}`,
      `${head}Content-Length: -1\r\n\r\n${body}`,
      `${head}Content-Length: 10\r\nContent-Length: 20\r\n\r\n${body}`,
      `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
      `${head}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      'GARBAGE\r\n\r\n',
    ];
    for (const text of cases) {
      const reply = await send(text);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 400);
      expect(status, `${text.slice(0, 80)} → ${reply.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      // The one error body, even for what the HTTP parser refuses
      const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
      if (reply !== '')
        expect(JSON.parse(body), reply.slice(0, 200)).toMatchObject({ code: expect.any(String) });
    }
  });

  it.each(faultSeeds(2, 1400))(
    'seeded: one field of a valid command mutated, or a hostile key added (seed %i)',
    async (seed) => {
      const hostileValue = fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.double(),
        fc.integer(),
        fc.array(fc.jsonValue(), { maxLength: 3 }),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/^\d+(\.\d+)?$/.test(s)),
      );
      const hostileKey = fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
      );
      const placeFields = ['venue', 'symbol', 'side', 'type', 'amount', 'price'] as const;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.record({
              kind: fc.constant('mutate' as const),
              field: fc.constantFrom(...placeFields),
              value: hostileValue,
            }),
            fc.record({ kind: fc.constant('add' as const), key: hostileKey, value: fc.jsonValue() }),
          ),
          fc.constantFrom('/v1/orders', '/v1/positions/close', 'amend'),
          async (change, target) => {
            const base: Record<string, unknown> =
              target === 'amend'
                ? { price: '50000' }
                : target === '/v1/positions/close'
                  ? { venue: 'deribit', symbol: 'BTC-PERPETUAL', type: 'limit', price: '50000' }
                  : validPlace();
            let text: string;
            if (change.kind === 'mutate') {
              const field = target === 'amend' ? 'price' : change.field;
              text = JSON.stringify({ ...base, [field]: change.value });
            } else {
              const known = new Set([
                'venue',
                'symbol',
                'side',
                'type',
                'amount',
                'price',
                'contracts',
                'account',
                'trigger',
                'timeInForce',
                'reduceOnly',
                'postOnly',
                'rejectPostOnly',
                'positionMode',
                'tradeSide',
                'marginMode',
                'takeProfit',
                'stopLoss',
                'selfTradePrevention',
              ]);
              if (known.has(change.key)) return;
              // Written by hand so that `__proto__` is a key of the JSON text, not a prototype.
              text = `${JSON.stringify(base).slice(0, -1)},${JSON.stringify(change.key)}:${JSON.stringify(change.value)}}`;
            }
            const path = target === 'amend' ? `/v1/orders/${orderId}` : target;
            await expectClear4xx(
              `${target} ${text.slice(0, 200)}`,
              target === 'amend' ? 'PATCH' : 'POST',
              path,
              { body: text },
            );
          },
        ),
        { numRuns: 150, seed },
      );
    },
  );

  it('wrote nothing, sent nothing to a venue, and still serves', async () => {
    await svc.running.readModelCaughtUp();
    expect(await eventCount()).toBe(baseline.events);
    expect(venueWrites()).toBe(baseline.venueWrites);
    expect((await svc.api.health()).status).toBe('ok');
    expect((await svc.api.order(orderId)).status).toBe('open');
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(log.lines.filter((l) => /"level":50|request failed/.test(l))).toEqual([]);
  });
});
