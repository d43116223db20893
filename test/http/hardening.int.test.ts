import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config/config.ts';
import { type ServiceOnLocalDeribit, serveHttp, startServiceOnLocalDeribit } from '../service/support.ts';

const TOKEN = 'hardening-token-0123456789';
let svc: ServiceOnLocalDeribit;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  // The limits a service gets when nothing is configured
  const { limits } = loadConfig({ OMS_STORE: 'embedded' });
  svc = await startServiceOnLocalDeribit({ clientId: 'hardening', limits });
  // The start-up ledger ingestion and mark recording are over (joined) before events are counted.
  await svc.running.ledger.ingestNow();
  await svc.running.marks.recordNow();
  ({ app, base } = await serveHttp(svc.running, { token: TOKEN }));
});

afterAll(async () => {
  await app?.close();
  await svc?.close();
});

const post = (path: string, body: unknown) =>
  fetch(new URL(path, base), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const eventCount = async () => (await svc.store.readAll({ maxCount: 100_000 })).events.length;

describe('hostile and absurd input is refused at the boundary, naming the field; nothing is recorded', () => {
  it('text the audit trail cannot hold (NUL, a lone surrogate) is a 400 naming the field', async () => {
    const before = await eventCount();
    for (const reason of ['stop\u0000now', 'half \ud800 a pair', 'bell\u0007']) {
      const reply = await post('/v1/kill-switch', { engaged: true, reason });
      expect(reply.status, JSON.stringify(reason)).toBe(400);
      const body = (await reply.json()) as { details: { issues: { path: string }[] } };
      expect(body.details.issues.map((i) => i.path)).toContain('body.reason');
    }
    // A lone surrogate escaped in the JSON text itself
    const escaped = await post('/v1/kill-switch', '{"engaged":true,"reason":"x\\udc00y"}');
    expect(escaped.status).toBe(400);
    expect(svc.running.service.killSwitch.engaged).toBe(false);
    expect(await eventCount()).toBe(before);
  });

  it('an absurd amount is refused by the OMS, not by the venue: too many digits (400) or over the default notional (422)', async () => {
    const before = await eventCount();
    const order = (amount: string) => ({
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'market',
      amount,
    });
    const digits = await post('/v1/orders', order('1'.repeat(5000)));
    expect(digits.status).toBe(400);
    const huge = await post('/v1/orders', order(`1${'0'.repeat(21)}`));
    expect(huge.status).toBe(422);
    expect(await huge.json()).toMatchObject({ code: 'NOTIONAL_ABOVE_LIMIT' });
    expect(await eventCount()).toBe(before);
    expect(svc.sim.orders()).toHaveLength(0);
  });

  it('an amend the venue has not answered yet is a 202 (pending_amend), never a 200', async () => {
    // Given a resting buy, and a venue that answers the edit only after the service's wait (5 s)
    const mark = svc.sim.markPrice('BTC-PERPETUAL');
    const placed = await post('/v1/orders', {
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'limit',
      amount: '10',
      price: mark.minus(3000).toString(),
    });
    expect(placed.status).toBe(201);
    const { order } = (await placed.json()) as { order: { orderId: string } };
    // (its pushes about the edit lost, so that only the late reply tells)
    svc.sim.faults.delayReply(6_000, { method: 'private/edit' });
    svc.sim.faults.dropPushes(5);

    // When it is amended
    const amended = await fetch(new URL(`/v1/orders/${order.orderId}`, base), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ price: mark.minus(3100).toString() }),
    });

    // Then the answer says the venue has not answered yet
    expect(amended.status).toBe(202);
    expect(await amended.json()).toMatchObject({ order: { status: 'pending_amend' } });
    svc.sim.faults.reset();
  }, 20_000);

  it('cancel-all refuses an unknown or mis-cased symbol instead of cancelling nothing', async () => {
    for (const symbol of ['NOPE-PERPETUAL', 'btc-perpetual']) {
      const reply = await post('/v1/orders/cancel-all', { venue: 'deribit', symbol });
      expect(reply.status, symbol).toBe(400);
      expect(await reply.json()).toMatchObject({ code: 'UNKNOWN_INSTRUMENT', details: { field: 'symbol' } });
    }
    expect((await post('/v1/orders/cancel-all', { venue: 'deribit', symbol: 'BTC-PERPETUAL' })).status).toBe(
      200,
    );
  });

  it('malformed HTTP (both Transfer-Encoding and Content-Length) gets the one error body, and the connection closes', async () => {
    const { hostname, port } = new URL(base);
    const reply = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          'POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        );
      });
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply.startsWith('HTTP/1.1 400')).toBe(true);
    const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
    expect(body).toMatchObject({ code: 'MALFORMED_REQUEST', details: expect.any(Object) });
  });
});
