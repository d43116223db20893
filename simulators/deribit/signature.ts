import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How the local Deribit checks a signed request (digest A2, the OpenAPI file's `public/auth`):
 * the signature is the hex HMAC-SHA256, keyed by the client secret, of
 * `Timestamp + "\n" + Nonce + "\n" + Data`.
 *
 * - `public/auth` with `grant_type=client_signature`: Data is the request's `data` (possibly
 *   empty), with no newline after it.
 * - the HTTP `Authorization: deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..` header: Data is
 *   `UPPER(method) + "\n" + URI + "\n" + body + "\n"`, the URI being the path with its query
 *   string; note the newline after the body.
 */

export interface SignedFields {
  timestamp: number;
  nonce: string;
}

export interface SignedHttpRequest {
  method: string;
  /** Path and query string, as requested. */
  uri: string;
  /** The body's text ('' for a GET). */
  body: string;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Whether `signature` is the HMAC of `Timestamp\nNonce\nData` under `secret`, compared in constant time. */
function signs(secret: string, fields: SignedFields, data: string, signature: string): boolean {
  if (!HEX_SHA256.test(signature)) return false;
  const expected = createHmac('sha256', secret)
    .update(`${fields.timestamp}\n${fields.nonce}\n${data}`)
    .digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/** `public/auth`, `client_signature` grant. */
export function verifiesClientSignature(
  secret: string,
  fields: SignedFields & { data: string },
  signature: string,
): boolean {
  return signs(secret, fields, fields.data, signature);
}

/** The `deri-hmac-sha256` HTTP authorization. */
export function verifiesHttpSignature(
  secret: string,
  fields: SignedFields,
  request: SignedHttpRequest,
  signature: string,
): boolean {
  const requestData = `${request.method.toUpperCase()}\n${request.uri}\n${request.body}\n`;
  return signs(secret, fields, requestData, signature);
}

export interface HmacAuthorization extends SignedFields {
  clientId: string;
  signature: string;
}

/**
 * The fields of a `deri-hmac-sha256` header value (after the scheme): `k=v` pairs separated by
 * commas, read by name because the documents' examples list them in different orders.
 * Undefined when one is missing or `ts` is not a whole number of milliseconds.
 */
export function readHmacAuthorization(value: string): HmacAuthorization | undefined {
  const pairs = new Map<string, string>();
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) pairs.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  const [clientId, ts, signature, nonce] = ['id', 'ts', 'sig', 'nonce'].map((key) => pairs.get(key));
  if (!clientId || !ts || !signature || !nonce || !/^\d+$/.test(ts)) return undefined;
  return { clientId, timestamp: Number(ts), signature, nonce };
}
