import { describe, expect, it } from 'vitest';
import {
  AuthParams,
  EditParams,
  InstrumentsParams,
  OrderEntryParams,
  TradesByInstrumentParams,
} from '../../../simulators/deribit/params.ts';

/**
 * The local Deribit's own reading of the request parameters (the OpenAPI file and the digest):
 * values arrive as JSON number text or query-string text and are read exactly.
 */

describe('order entry parameters', () => {
  it('reads amounts and prices exactly, and takes the documented defaults (post_only absent is false)', () => {
    // Given a buy as a JSON-RPC request carries it (numbers as their text)
    const entry = OrderEntryParams.parse({
      instrument_name: 'BTC-PERPETUAL',
      amount: '10',
      price: '60000.5',
    });
    // Then the decimals are exact and the defaults are Deribit's (post_only per the recorded orders)
    expect(entry.amount?.toString()).toBe('10');
    expect(entry.price?.toString()).toBe('60000.5');
    expect(entry).toMatchObject({
      type: 'limit',
      time_in_force: 'good_til_cancelled',
      post_only: false,
      reject_post_only: false,
      reduce_only: false,
    });
  });

  it('ignores parameters Deribit does not document, as Deribit does', () => {
    const entry = OrderEntryParams.parse({
      instrument_name: 'BTC-PERPETUAL',
      amount: '10',
      client_order_id: 'x',
      access_token: 'token',
    });
    expect(entry).not.toHaveProperty('client_order_id');
    expect(entry).not.toHaveProperty('access_token');
  });

  it('reads booleans from JSON or from a query string, exponents in numbers, and refuses a word', () => {
    const query = OrderEntryParams.parse({
      instrument_name: 'ETH_USDC-PERPETUAL',
      amount: '1e-3',
      post_only: 'true',
      reduce_only: true,
    });
    expect(query.amount?.toString()).toBe('0.001');
    expect(query.post_only && query.reduce_only).toBe(true);
    const bad = OrderEntryParams.safeParse({ instrument_name: 'BTC-PERPETUAL', amount: 'ten' });
    expect(bad.success || bad.error.issues[0]?.path).toEqual(['amount']);
  });

  it('checks documented parameters it does not simulate, and the 64-character label', () => {
    const name = { instrument_name: 'BTC-PERPETUAL' };
    expect(OrderEntryParams.safeParse({ ...name, trigger: 'mark_price', advanced: 'usd' }).success).toBe(
      true,
    );
    expect(OrderEntryParams.safeParse({ ...name, trigger: 'best_price' }).success).toBe(false);
    expect(OrderEntryParams.safeParse({ ...name, type: 'iceberg' }).success).toBe(false);
    expect(OrderEntryParams.safeParse({ ...name, label: 'x'.repeat(64) }).success).toBe(true);
    expect(OrderEntryParams.safeParse({ ...name, label: 'x'.repeat(65) }).success).toBe(false);
  });
});

describe('edits', () => {
  it('leave out what was not sent: a flag keeps the order value, no new-order default applies', () => {
    const edit = EditParams.parse({ order_id: 'BTC-1', price: '59000' });
    expect(edit.post_only).toBeUndefined();
    expect(edit.reduce_only).toBeUndefined();
    expect(edit.price?.toString()).toBe('59000');
  });
});

describe('queries', () => {
  it('get_instruments without a currency lists every currency (any), as Deribit and ccxt do', () => {
    expect(InstrumentsParams.parse({})).toEqual({ currency: 'any', expired: false });
    expect(InstrumentsParams.safeParse({ currency: 'DOGE' }).success).toBe(false);
  });

  it('bounds a page of trades to 1..1000, 10 by default, the recent store unless historical', () => {
    const name = { instrument_name: 'BTC-PERPETUAL' };
    expect(TradesByInstrumentParams.parse(name)).toMatchObject({ count: 10, historical: false });
    expect(TradesByInstrumentParams.parse({ ...name, count: '1000', historical: 'true' })).toMatchObject({
      count: 1000,
      historical: true,
    });
    expect(TradesByInstrumentParams.safeParse({ ...name, count: '0' }).success).toBe(false);
    expect(TradesByInstrumentParams.safeParse({ ...name, count: '1001' }).success).toBe(false);
  });
});

describe('public/auth', () => {
  it('requires each grant type its own fields', () => {
    expect(AuthParams.safeParse({ grant_type: 'client_credentials', client_id: 'a' }).success).toBe(false);
    expect(AuthParams.safeParse({ grant_type: 'refresh_token' }).success).toBe(false);
    expect(AuthParams.safeParse({ grant_type: 'password', client_id: 'a' }).success).toBe(false);
  });

  it('takes a client_signature without a nonce (optional in the OpenAPI file) and reads the timestamp', () => {
    const grant = AuthParams.parse({
      grant_type: 'client_signature',
      client_id: 'a',
      timestamp: '1554883365000',
      signature: 'f'.repeat(64),
    });
    expect(grant).toMatchObject({ grant_type: 'client_signature', timestamp: 1554883365000 });
    expect(grant.grant_type === 'client_signature' && grant.nonce).toBeUndefined();
  });
});
