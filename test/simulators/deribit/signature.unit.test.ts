import { describe, expect, it } from 'vitest';
import {
  readHmacAuthorization,
  verifiesClientSignature,
  verifiesHttpSignature,
} from '../../../simulators/deribit/signature.ts';

/**
 * The local Deribit's own check of signed requests, against the vectors of the documents
 * (exchange-protocols.md A2), not against the client adapter's signing.
 */

describe('the local Deribit checks a client_signature grant', () => {
  const fields = { timestamp: 1554883365000, nonce: 'fdbmmz79', data: '' };
  const documented = 'e20c9cd5639d41f8bbc88f4d699c4baf94a4f0ee320e9a116b72743c449eb994';

  it("accepts the documentation's test vector, in lower or upper case hex", () => {
    // Given secret ABCD, timestamp 1554883365000, nonce fdbmmz79 and empty data
    // Then the documented signature is accepted, whatever the case of its hex digits
    expect(verifiesClientSignature('ABCD', fields, documented)).toBe(true);
    expect(verifiesClientSignature('ABCD', fields, documented.toUpperCase())).toBe(true);
  });

  it('refuses it under another secret, nonce, timestamp or data', () => {
    expect(verifiesClientSignature('ABCE', fields, documented)).toBe(false);
    expect(verifiesClientSignature('ABCD', { ...fields, nonce: 'fdbmmz78' }, documented)).toBe(false);
    expect(verifiesClientSignature('ABCD', { ...fields, timestamp: 1554883365001 }, documented)).toBe(false);
    expect(verifiesClientSignature('ABCD', { ...fields, data: 'x' }, documented)).toBe(false);
  });

  it("refuses the docs' shell pitfall (a newline after the data) and text that is not a SHA-256 in hex", () => {
    // Given the data signed with an extra newline, as the documentation's shell snippet does
    const withNewline = { ...fields, data: '\n' };
    // Then the documented signature does not match it
    expect(verifiesClientSignature('ABCD', withNewline, documented)).toBe(false);
    // And a truncated or non-hex signature is refused without comparing
    expect(verifiesClientSignature('ABCD', fields, documented.slice(0, 63))).toBe(false);
    expect(verifiesClientSignature('ABCD', fields, `${documented.slice(0, 63)}g`)).toBe(false);
  });
});

describe('the local Deribit checks a deri-hmac-sha256 HTTP authorization', () => {
  const request = {
    method: 'get',
    uri: '/api/v2/private/get_position?instrument_name=BTC-PERPETUAL',
    body: '',
  };
  const fields = { timestamp: 1700000000000, nonce: 'abc123' };
  const vector = '9e945ce684749e1bafcb8b1f89f103d83f8ca4dc2b9790993cb4f77062c3984c';

  it('accepts the reference vector: upper-cased method, URI with its query, body and a final newline', () => {
    expect(verifiesHttpSignature('ABCD', fields, request, vector)).toBe(true);
  });

  it('refuses it for another URI, body or method', () => {
    expect(
      verifiesHttpSignature('ABCD', fields, { ...request, uri: '/api/v2/private/get_position' }, vector),
    ).toBe(false);
    expect(verifiesHttpSignature('ABCD', fields, { ...request, body: '{}' }, vector)).toBe(false);
    expect(verifiesHttpSignature('ABCD', fields, { ...request, method: 'POST' }, vector)).toBe(false);
  });

  it('reads the header fields by name, in either documented order', () => {
    // Given the formal order (id, ts, sig, nonce) and the curl example's (id, ts, nonce, sig)
    const formal = `id=client,ts=1700000000000,sig=${vector},nonce=abc123`;
    const curl = `id=client, ts=1700000000000, nonce=abc123, sig=${vector}`;
    // Then both give the same fields
    const expected = { clientId: 'client', timestamp: 1700000000000, nonce: 'abc123', signature: vector };
    expect(readHmacAuthorization(formal)).toEqual(expected);
    expect(readHmacAuthorization(curl)).toEqual(expected);
  });

  it('gives nothing for a header missing a field or with a timestamp that is not whole milliseconds', () => {
    expect(readHmacAuthorization(`id=client,ts=1700000000000,sig=${vector}`)).toBeUndefined();
    expect(readHmacAuthorization(`id=client,ts=17e11,sig=${vector},nonce=n`)).toBeUndefined();
    expect(readHmacAuthorization('')).toBeUndefined();
  });
});
