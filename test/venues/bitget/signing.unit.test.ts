import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  restPrehash,
  signedHeaders,
  signRest,
  signWsLogin,
  wsLoginPrehash,
} from '../../../adapters/venues/bitget/signing.ts';

// The reference's self-computed vectors (exchange-protocols.md B2), secret `test-secret`.
const SECRET = 'test-secret';

describe('Bitget request signing', () => {
  it('signs a REST POST over timestamp + METHOD + path + the exact body (vector 1)', () => {
    const body =
      '{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT","size":"0.01","price":"60000","side":"buy","orderType":"limit","force":"gtc","clientOid":"oms-1"}';
    const input = {
      timestamp: '1700000000000',
      method: 'POST' as const,
      path: '/api/v2/mix/order/place-order',
      query: '',
      body,
    };
    expect(restPrehash(input)).toBe(`1700000000000POST/api/v2/mix/order/place-order${body}`);
    expect(signRest(SECRET, input)).toBe('1qVgIWeqAcPTVfADhR13YRHQQxUmosur0frIGtb6VpM=');
  });

  it('signs a REST GET over the path, "?" and the query string as sent (vector 2)', () => {
    // Given the query parameters in any order, the adapter sends (and signs) them sorted.
    const query = canonicalQuery({ symbol: 'BTCUSDT', productType: 'USDT-FUTURES', orderId: '123' });
    expect(query).toBe('orderId=123&productType=USDT-FUTURES&symbol=BTCUSDT');
    const input = {
      timestamp: '1700000000000',
      method: 'GET' as const,
      path: '/api/v2/mix/order/detail',
      query,
      body: '',
    };
    expect(restPrehash(input)).toBe(
      '1700000000000GET/api/v2/mix/order/detail?orderId=123&productType=USDT-FUTURES&symbol=BTCUSDT',
    );
    expect(signRest(SECRET, input)).toBe('WyUguLRlBcJ/gc5PEEbFo03MmOpuLBqnUvBQZndl8D8=');
  });

  it('signs the WebSocket login over seconds + GET + /user/verify (vector 3)', () => {
    expect(wsLoginPrehash('1700000000')).toBe('1700000000GET/user/verify');
    expect(signWsLogin(SECRET, '1700000000')).toBe('QKXMEacdjBcrVZaxWVJypn62KNrQGzBErbiQtYn6KO8=');
  });

  it('leaves undefined query values out and percent-encodes the rest', () => {
    expect(canonicalQuery({ symbol: 'BTCUSDT', idLessThan: undefined, clientOid: 'a b&c' })).toBe(
      'clientOid=a%20b%26c&symbol=BTCUSDT',
    );
  });

  it('sends the four ACCESS headers, and paptrading only in demo mode', () => {
    const credentials = { apiKey: 'key', secretKey: SECRET, passphrase: 'phrase' };
    const input = {
      timestamp: '1700000000000',
      method: 'GET' as const,
      path: '/api/v2/mix/order/detail',
      query: '',
      body: '',
    };
    const live = signedHeaders(credentials, input, { demo: false });
    expect(live).toMatchObject({
      'ACCESS-KEY': 'key',
      'ACCESS-TIMESTAMP': '1700000000000',
      'ACCESS-PASSPHRASE': 'phrase',
      'Content-Type': 'application/json',
    });
    expect(live['ACCESS-SIGN']).toBe(signRest(SECRET, input));
    expect(live.paptrading).toBeUndefined();
    expect(signedHeaders(credentials, input, { demo: true }).paptrading).toBe('1');
  });
});
