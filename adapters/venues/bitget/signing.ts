import { createHmac } from 'node:crypto';

/**
 * Bitget v2 request signing (HMAC-SHA256 keys; RSA keys are out of scope).
 *
 * REST prehash: timestamp + METHOD + requestPath (+ "?" + queryString) + body, where the body is
 * the exact JSON text sent (empty for GET) and the query string exactly what goes on the wire.
 * WebSocket login prehash: timestamp (seconds) + "GET" + "/user/verify".
 * The signature is base64(HMAC-SHA256(secretKey, prehash)).
 */

export type HttpMethod = 'GET' | 'POST';

export interface RestPrehashInput {
  timestamp: string;
  method: HttpMethod;
  path: string;
  /** The query string as sent, without the leading "?"; empty when none. */
  query: string;
  /** The body text as sent; empty for GET. */
  body: string;
}

export function restPrehash({ timestamp, method, path, query, body }: RestPrehashInput): string {
  return `${timestamp}${method.toUpperCase()}${path}${query === '' ? '' : `?${query}`}${body}`;
}

export function hmacBase64(secretKey: string, prehash: string): string {
  return createHmac('sha256', secretKey).update(prehash, 'utf8').digest('base64');
}

export function signRest(secretKey: string, input: RestPrehashInput): string {
  return hmacBase64(secretKey, restPrehash(input));
}

export const WS_LOGIN_PATH = '/user/verify';

export function wsLoginPrehash(timestamp: string): string {
  return `${timestamp}GET${WS_LOGIN_PATH}`;
}

export function signWsLogin(secretKey: string, timestamp: string): string {
  return hmacBase64(secretKey, wsLoginPrehash(timestamp));
}

/**
 * The query string the adapter sends and signs: keys sorted ascending (as ccxt does), undefined
 * values left out, values percent-encoded. The simulator verifies against the raw string it got.
 */
export function canonicalQuery(params: Readonly<Record<string, string | undefined>>): string {
  return Object.keys(params)
    .filter((key) => params[key] !== undefined)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key] ?? '')}`)
    .join('&');
}

export interface Credentials {
  apiKey: string;
  secretKey: string;
  passphrase: string;
}

/** The headers of a signed private REST call. Never log them: they carry the key and passphrase. */
export function signedHeaders(
  credentials: Credentials,
  input: RestPrehashInput,
  options: { demo: boolean; locale?: string },
): Record<string, string> {
  return {
    'ACCESS-KEY': credentials.apiKey,
    'ACCESS-SIGN': signRest(credentials.secretKey, input),
    'ACCESS-TIMESTAMP': input.timestamp,
    'ACCESS-PASSPHRASE': credentials.passphrase,
    'Content-Type': 'application/json',
    locale: options.locale ?? 'en-US',
    ...(options.demo && { paptrading: '1' }),
  };
}
