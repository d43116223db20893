import { describe, expect, it } from 'vitest';
import {
  clientSignature,
  httpAuthorizationHeader,
  httpSignature,
} from '../../../adapters/venues/deribit/signing.ts';

describe('client_signature for public/auth', () => {
  it("reproduces the documentation's test vector (no trailing newline after the data)", () => {
    // Given secret ABCD, timestamp 1554883365000, nonce fdbmmz79 and empty data
    // Then the signature is the documented one
    expect(clientSignature('ABCD', 1554883365000, 'fdbmmz79', '')).toBe(
      'e20c9cd5639d41f8bbc88f4d699c4baf94a4f0ee320e9a116b72743c449eb994',
    );
  });
});

describe('deri-hmac-sha256 for HTTP', () => {
  const request = {
    method: 'get',
    uri: '/api/v2/private/get_position?instrument_name=BTC-PERPETUAL',
    body: '',
  };

  it('signs method, URI and body with a trailing newline (the reference vector)', () => {
    expect(httpSignature('ABCD', 1700000000000, 'abc123', request)).toBe(
      '9e945ce684749e1bafcb8b1f89f103d83f8ca4dc2b9790993cb4f77062c3984c',
    );
  });

  it('writes the Authorization header with id, ts, sig and nonce', () => {
    expect(httpAuthorizationHeader('client', 'ABCD', 1700000000000, 'abc123', request)).toBe(
      'deri-hmac-sha256 id=client,ts=1700000000000,sig=9e945ce684749e1bafcb8b1f89f103d83f8ca4dc2b9790993cb4f77062c3984c,nonce=abc123',
    );
  });
});
