import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSignature, httpAuthorizationHeader } from '../../../adapters/venues/deribit/signing.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { CLIENT, httpCall, RawClient, startSim, waitFor } from '../../venues/deribit/support.ts';

/**
 * The local Deribit refuses what Deribit refuses, with Deribit's code and message, over the raw
 * protocol (no adapter in between).
 */

const OTHER = { clientId: 'other-client', clientSecret: 'other-secret' };

describe('the local Deribit refuses what Deribit refuses', () => {
  let sim: LocalDeribit;
  let client: RawClient;

  beforeAll(async () => {
    sim = await startSim({ credentials: [CLIENT, OTHER] });
    client = await RawClient.open(sim.wsUrl);
    await client.auth();
  });

  afterAll(async () => {
    client.close();
    await sim.close();
  });

  const buy = (params: Record<string, unknown>) =>
    client.call('private/buy', { instrument_name: 'BTC-PERPETUAL', type: 'limit', ...params });

  it('10000 authorization_required: a private call on a connection that has not authenticated', async () => {
    const anonymous = await RawClient.open(sim.wsUrl);
    const reply = await anonymous.call('private/buy', {
      instrument_name: 'BTC-PERPETUAL',
      amount: 10,
      price: 50000,
    });
    anonymous.close();
    expect(reply.error).toEqual({ code: 10000, message: 'authorization_required' });
  });

  it('13004 invalid_credentials: a wrong client secret', async () => {
    const other = await RawClient.open(sim.wsUrl);
    const reply = await other.call('public/auth', {
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: 'wrong',
    });
    other.close();
    expect(reply.error).toEqual({ code: 13004, message: 'invalid_credentials' });
  });

  it('13009 unauthorized: a bad client signature, and a nonce used twice', async () => {
    const other = await RawClient.open(sim.wsUrl);
    const timestamp = Date.now();
    const bad = await other.call('public/auth', {
      grant_type: 'client_signature',
      client_id: CLIENT.clientId,
      timestamp,
      nonce: 'n1',
      data: '',
      signature: clientSignature('not-the-secret', timestamp, 'n1'),
    });
    expect(bad.error).toEqual({ code: 13009, message: 'unauthorized' });
    const signed = {
      grant_type: 'client_signature',
      client_id: CLIENT.clientId,
      timestamp,
      nonce: 'n2',
      data: '',
      signature: clientSignature(CLIENT.clientSecret, timestamp, 'n2'),
    };
    expect((await other.call('public/auth', signed)).result).toMatchObject({ token_type: 'bearer' });
    expect((await other.call('public/auth', signed)).error).toEqual({ code: 13009, message: 'unauthorized' });
    other.close();
  });

  it('13009 unauthorized: a signature older than the 60 s window', async () => {
    const other = await RawClient.open(sim.wsUrl);
    const timestamp = Date.now() - 61_000;
    const reply = await other.call('public/auth', {
      grant_type: 'client_signature',
      client_id: CLIENT.clientId,
      timestamp,
      nonce: 'old',
      signature: clientSignature(CLIENT.clientSecret, timestamp, 'old'),
    });
    other.close();
    expect(reply.error?.code).toBe(13009);
  });

  it('13009 unauthorized: a connection-scoped token used on another connection', async () => {
    // Given a token obtained on one connection (no session scope asked for)
    const first = await RawClient.open(sim.wsUrl);
    const auth = (await first.auth()).result as { access_token: string; scope: string };
    expect(auth.scope).toMatch(/^connection /);
    // When another connection passes it along, Then it is refused
    const second = await RawClient.open(sim.wsUrl);
    const reply = await second.call('private/get_positions', { access_token: auth.access_token });
    expect(reply.error).toEqual({ code: 13009, message: 'unauthorized' });
    // And a session-scoped token works anywhere
    const session = (
      await first.call('public/auth', {
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        scope: 'session:desk1',
      })
    ).result as { access_token: string; scope: string };
    expect(session.scope).toMatch(/^session:desk1 /);
    expect(
      (await second.call('private/get_positions', { access_token: session.access_token })).result,
    ).toEqual([]);
    first.close();
    second.close();
  });

  it('13009 unauthorized: an expired token, until the session authenticates again', async () => {
    // Given a venue of its own (every token there expires)
    const expiring = await startSim();
    const other = await RawClient.open(expiring.wsUrl);
    const auth = (await other.auth()).result as { refresh_token: string };
    expiring.expireTokens();
    expect((await other.call('private/get_positions', {})).error).toEqual({
      code: 13009,
      message: 'unauthorized',
    });
    const refreshed = await other.call('public/auth', {
      grant_type: 'refresh_token',
      refresh_token: auth.refresh_token,
    });
    expect(refreshed.result).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    expect((await other.call('private/get_positions', {})).result).toEqual([]);
    other.close();
    await expiring.close();
  });

  it('10002 qty_too_low: below the minimum of 10 USD', async () => {
    expect((await buy({ amount: 5, price: 50000 })).error).toMatchObject({
      code: 10002,
      message: 'qty_too_low',
    });
  });

  it('10027 non_integer_contract_amount: not a whole number of 10 USD contracts', async () => {
    expect((await buy({ amount: 15, price: 50000 })).error).toMatchObject({
      code: 10027,
      message: 'non_integer_contract_amount',
    });
  });

  it('10043 price_wrong_tick: off the 0.5 tick', async () => {
    expect((await buy({ amount: 10, price: 50000.3 })).error).toMatchObject({
      code: 10043,
      message: 'price_wrong_tick',
    });
  });

  it('10009 not_enough_funds: more margin than the account has', async () => {
    expect((await buy({ amount: 100_000_000, price: 50000 })).error).toEqual({
      code: 10009,
      message: 'not_enough_funds',
    });
  });

  it('10020 invalid_or_unsupported_instrument: an instrument that is not listed', async () => {
    const reply = await client.call('private/buy', {
      instrument_name: 'DOGE-PERPETUAL',
      amount: 10,
      price: 1,
    });
    expect(reply.error).toEqual({ code: 10020, message: 'invalid_or_unsupported_instrument' });
  });

  it('10004 order_not_found: an unknown order id', async () => {
    expect((await client.call('private/cancel', { order_id: 'BTC-42' })).error).toEqual({
      code: 10004,
      message: 'order_not_found',
    });
    expect((await client.call('private/get_order_state', { order_id: 'BTC-42' })).error?.code).toBe(10004);
  });

  it("10029 not_owner_of_order: another account's order", async () => {
    const placed = (await buy({ amount: 10, price: 50000, label: 'mine' })).result as {
      order: { order_id: string };
    };
    const other = await RawClient.open(sim.wsUrl);
    await other.call('public/auth', {
      grant_type: 'client_credentials',
      client_id: OTHER.clientId,
      client_secret: OTHER.clientSecret,
    });
    const reply = await other.call('private/cancel', { order_id: placed.order.order_id });
    other.close();
    expect(reply.error).toEqual({ code: 10029, message: 'not_owner_of_order' });
  });

  it('11044 not_open_order: cancelling or editing an order that is no longer open', async () => {
    const placed = (await buy({ amount: 10, price: 50000 })).result as { order: { order_id: string } };
    await client.call('private/cancel', { order_id: placed.order.order_id });
    expect((await client.call('private/cancel', { order_id: placed.order.order_id })).error).toEqual({
      code: 11044,
      message: 'not_open_order',
    });
    expect(
      (await client.call('private/edit', { order_id: placed.order.order_id, amount: 20, price: 50000 })).error
        ?.code,
    ).toBe(11044);
  });

  it('11054 post_only_reject: a post-only order that would take, with reject_post_only', async () => {
    const { ask } = sim.quotes('BTC-PERPETUAL');
    const reply = await buy({ amount: 10, price: ask.toNumber(), post_only: true, reject_post_only: true });
    expect(reply.error).toEqual({ code: 11054, message: 'post_only_reject' });
  });

  it('-32602 Invalid params, naming the parameter: a missing instrument, a bad type', async () => {
    expect((await client.call('private/buy', { amount: 10 })).error).toEqual({
      code: -32602,
      message: 'Invalid params',
      data: { reason: 'missing required parameter', param: 'instrument_name' },
    });
    const bad = await buy({ amount: 10, price: 50000, type: 'iceberg' });
    expect(bad.error).toMatchObject({ code: -32602, message: 'Invalid params', data: { param: 'type' } });
    expect((await buy({ amount: 'ten', price: 50000 })).error).toMatchObject({
      code: -32602,
      data: { param: 'amount' },
    });
    expect((await buy({ amount: 10 })).error).toMatchObject({ code: -32602, data: { param: 'price' } });
  });

  it('-32601 Method not found, -32700 Parse error, -32600 for a request without an id', async () => {
    expect((await client.call('private/do_magic')).error).toEqual({
      code: -32601,
      message: 'Method not found',
    });
    const before = client.messages.length;
    client.sendText('{not json');
    const parseError = await waitFor(
      () => client.messages.slice(before).find((m) => m.error?.code === -32700),
      'a parse error',
    );
    expect(parseError.error?.message).toBe('Parse error');
    client.sendText(JSON.stringify({ jsonrpc: '2.0', method: 'public/test', params: {} }));
    await waitFor(
      () => client.messages.slice(before).find((m) => m.error?.code === -32600),
      'an invalid request',
    );
  });

  it('-32600 request entity too large: a frame over 32 kB', async () => {
    const before = client.messages.length;
    client.sendText(
      JSON.stringify({ jsonrpc: '2.0', id: 999, method: 'public/test', params: { pad: 'x'.repeat(40_000) } }),
    );
    const reply = await waitFor(
      () => client.messages.slice(before).find((m) => m.error?.code === -32600),
      'the refusal',
    );
    expect(reply.error?.message).toBe('request entity too large');
  });

  it('13888 timed_out: an order whose valid_until has passed', async () => {
    expect((await buy({ amount: 10, price: 50000, valid_until: Date.now() - 1 })).error).toEqual({
      code: 13888,
      message: 'timed_out',
    });
  });

  it('11030 other_reject: a reduce-only order or a close_position without a position', async () => {
    expect((await buy({ amount: 10, price: 50000, reduce_only: true })).error).toMatchObject({ code: 11030 });
    expect(
      (await client.call('private/close_position', { instrument_name: 'ETH-PERPETUAL', type: 'market' }))
        .error,
    ).toMatchObject({
      code: 11030,
    });
  });

  it('10035 trigger_price_too_low: a stop buy whose trigger is under the mark would fire at once', async () => {
    const reply = await buy({
      amount: 10,
      price: 50000,
      type: 'stop_limit',
      trigger_price: 49000,
      trigger: 'mark_price',
    });
    expect(reply.error).toMatchObject({ code: 10035, message: 'trigger_price_too_low' });
  });

  it('10033 not_implemented: trailing stops are not simulated (said, not silently accepted)', async () => {
    const reply = await buy({
      amount: 10,
      type: 'trailing_stop',
      trigger_offset: 100,
      trigger: 'mark_price',
    });
    expect(reply.error).toMatchObject({ code: 10033, message: 'not_implemented' });
  });

  it('-32602 for a heartbeat interval under the minimum', async () => {
    const strict = await startSim({ minHeartbeatIntervalSec: 10 });
    const other = await RawClient.open(strict.wsUrl);
    const reply = await other.call('public/set_heartbeat', { interval: 5 });
    other.close();
    await strict.close();
    expect(reply.error).toMatchObject({ code: -32602, data: { param: 'interval' } });
  });
});

describe('the local Deribit over HTTP', () => {
  let sim: LocalDeribit;

  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('10000 authorization_required without an Authorization header', async () => {
    const { status, body } = await httpCall(sim, 'private/get_positions');
    expect(body.error).toEqual({ code: 10000, message: 'authorization_required' });
    expect(status).toBe(401);
  });

  it('accepts Basic credentials and a deri-hmac-sha256 signature, refuses a wrong signature with 13009', async () => {
    const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;
    expect((await httpCall(sim, 'private/get_positions', {}, { authorization: basic })).body.result).toEqual(
      [],
    );

    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'private/get_positions', params: {} });
    const uri = '/api/v2/private/get_positions';
    const signed = httpAuthorizationHeader(CLIENT.clientId, CLIENT.clientSecret, Date.now(), 'abc', {
      method: 'POST',
      uri,
      body,
    });
    const ok = await fetch(`${sim.httpUrl}${uri}`, {
      method: 'POST',
      headers: { authorization: signed },
      body,
    });
    expect(((await ok.json()) as { result: unknown }).result).toEqual([]);

    const tampered = await fetch(`${sim.httpUrl}${uri}`, {
      method: 'POST',
      headers: { authorization: signed.replace('nonce=abc', 'nonce=abd') },
      body,
    });
    expect(((await tampered.json()) as { error: unknown }).error).toEqual({
      code: 13009,
      message: 'unauthorized',
    });
  });

  it('takes GET requests with query parameters and answers with the usual envelope', async () => {
    const response = await fetch(`${sim.httpUrl}/api/v2/public/get_instruments?currency=BTC&kind=future`);
    const body = (await response.json()) as {
      result: { instrument_name: string }[];
      usIn: number;
      usDiff: number;
      testnet: boolean;
    };
    expect(body.result.map((i) => i.instrument_name)).toEqual(['BTC-PERPETUAL', 'BTC-26MAR27']);
    expect(body.testnet).toBe(true);
    expect(body.usDiff).toBeGreaterThanOrEqual(0);
  });

  it('10030 must_be_websocket_request: subscriptions and heartbeats over HTTP', async () => {
    const { body } = await httpCall(sim, 'public/set_heartbeat', { interval: 10 });
    expect(body.error).toEqual({ code: 10030, message: 'must_be_websocket_request' });
  });

  it('13009 for a connection-scoped WebSocket token used as an HTTP Bearer', async () => {
    const ws = await RawClient.open(sim.wsUrl);
    const { access_token } = (await ws.auth()).result as { access_token: string };
    ws.close();
    const { body } = await httpCall(
      sim,
      'private/get_positions',
      {},
      { authorization: `Bearer ${access_token}` },
    );
    expect(body.error).toEqual({ code: 13009, message: 'unauthorized' });
  });
});

describe('10028 too_many_requests: the credit model, enforced', () => {
  it('answers 10028 to the request that exceeds the pool, then closes the session', async () => {
    // Given a venue whose matching engine takes a burst of 3
    const sim = await startSim({
      rateLimits: {
        matchingEngine: { maxCredits: 3000, refillPerSec: 100, cost: 1000 },
        nonMatching: { maxCredits: 50_000, refillPerSec: 10_000, cost: 500 },
        methodCosts: {},
      },
    });
    const client = await RawClient.open(sim.wsUrl);
    await client.auth();
    // When a client sends 4 cancels at once
    const replies = await Promise.all(
      [1, 2, 3, 4].map((n) => client.call('private/cancel', { order_id: `BTC-${n}` })),
    );
    // Then 3 are processed, the 4th is refused with 10028 and the session is dropped
    expect(replies.map((r) => r.error?.code)).toEqual([10004, 10004, 10004, 10028]);
    expect(replies[3]?.error).toEqual({ code: 10028, message: 'too_many_requests', data: null });
    expect(await client.closed).toBe(1000);
    await sim.close();
  });
});
