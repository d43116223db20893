import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { CLIENT, RawClient, startSim } from '../../venues/deribit/support.ts';

/**
 * The local Deribit tolerates what the documents say Deribit tolerates, over its real sockets:
 * signatures computed here from the documented formula (not by the client adapter), parameters
 * Deribit does not know.
 */

/** hex(HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + data)), digest A2. */
const sign = (timestamp: number, nonce: string, data: string) =>
  createHmac('sha256', CLIENT.clientSecret).update(`${timestamp}\n${nonce}\n${data}`).digest('hex');

let sim: LocalDeribit;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});

describe('a client_signature grant without a nonce (optional in the OpenAPI file)', () => {
  it('is accepted once, signed over an empty nonce; the same signed request again is refused', async () => {
    // Given a grant signed with data and no nonce
    const client = await RawClient.open(sim.wsUrl);
    const timestamp = Date.now();
    const grant = {
      grant_type: 'client_signature',
      client_id: CLIENT.clientId,
      timestamp,
      data: 'desk-7',
      signature: sign(timestamp, '', 'desk-7'),
    };
    // When it is sent, Then a token comes back
    expect((await client.call('public/auth', grant)).result).toMatchObject({ token_type: 'bearer' });
    // And replayed, it is refused as Deribit refuses a reused signature
    expect((await client.call('public/auth', grant)).error).toEqual({ code: 13009, message: 'unauthorized' });
    client.close();
  });
});

describe('parameters Deribit does not document', () => {
  it('are ignored: an order over HTTP GET with an unknown parameter rests like any other', async () => {
    // Given a token
    const auth = await fetch(
      `${sim.httpUrl}/api/v2/public/auth?grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}`,
    );
    const { access_token } = ((await auth.json()) as { result: { access_token: string } }).result;
    // When a buy carries a parameter the documents do not list
    const bid = sim.quotes('BTC-PERPETUAL').bid.minus(1000).toString();
    const query = new URLSearchParams({
      instrument_name: 'BTC-PERPETUAL',
      amount: '10',
      price: bid,
      label: 'unknown-param',
      client_order_id: 'ignored',
    });
    const reply = await fetch(`${sim.httpUrl}/api/v2/private/buy?${query}`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    // Then the order is placed and rests, the unknown parameter ignored
    const body = (await reply.json()) as { result?: { order: Record<string, unknown> }; error?: unknown };
    expect(body.error).toBeUndefined();
    expect(body.result?.order).toMatchObject({ order_state: 'open', label: 'unknown-param', amount: 10 });
    expect(body.result?.order).not.toHaveProperty('client_order_id');
  });
});

describe('price protection (the ticker’s max_price and min_price)', () => {
  it('lies 1.5% either side of the mark for a future, and clamps a buy above it and a sell below it', async () => {
    // Given the ticker's limits
    const client = await RawClient.open(sim.wsUrl);
    await client.call('public/auth', {
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    const ticker = (await client.call('public/ticker', { instrument_name: 'BTC-PERPETUAL' })).result as {
      mark_price: number;
      max_price: number;
      min_price: number;
    };
    expect(ticker.max_price / ticker.mark_price).toBeCloseTo(1.015, 3);
    expect(ticker.min_price / ticker.mark_price).toBeCloseTo(0.985, 3);

    // When a buy is sent 10% above the mark, and a sell 10% below it (IOC: what does not fill goes)
    const far = (factor: number) => Math.round((ticker.mark_price * factor) / 0.5) * 0.5;
    const buy = await client.call('private/buy', {
      instrument_name: 'BTC-PERPETUAL',
      amount: 10,
      type: 'limit',
      price: far(1.1),
      time_in_force: 'immediate_or_cancel',
    });
    const sell = await client.call('private/sell', {
      instrument_name: 'BTC-PERPETUAL',
      amount: 10,
      type: 'limit',
      price: far(0.9),
      time_in_force: 'immediate_or_cancel',
    });

    // Then each is carried out at the limit, not at the price asked
    expect((buy.result as { order: { price: number } }).order.price).toBe(ticker.max_price);
    expect((sell.result as { order: { price: number } }).order.price).toBe(ticker.min_price);
    client.close();
  });
});
