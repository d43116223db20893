import { createHmac } from 'node:crypto';

/**
 * Deribit's HMAC-SHA256 signatures (reference A2), as the adapter signs. The local Deribit checks
 * them with its own reading of the documents (simulators/deribit/signature.ts): the tests pass
 * only when the two readings agree.
 */

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * `public/auth` with `grant_type=client_signature`:
 * hex(HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + data)), no trailing newline.
 */
export function clientSignature(secret: string, timestamp: number, nonce: string, data = ''): string {
  return hmacHex(secret, `${timestamp}\n${nonce}\n${data}`);
}

/**
 * The HTTP `deri-hmac-sha256` signature: the request data is
 * UPPER(method) + "\n" + URI (path and query) + "\n" + body + "\n" (note the trailing newline).
 */
export function httpSignature(
  secret: string,
  timestamp: number,
  nonce: string,
  request: { method: string; uri: string; body: string },
): string {
  const requestData = `${request.method.toUpperCase()}\n${request.uri}\n${request.body}\n`;
  return hmacHex(secret, `${timestamp}\n${nonce}\n${requestData}`);
}

/** The `Authorization` header value of a `deri-hmac-sha256` request. */
export function httpAuthorizationHeader(
  clientId: string,
  secret: string,
  timestamp: number,
  nonce: string,
  request: { method: string; uri: string; body: string },
): string {
  const sig = httpSignature(secret, timestamp, nonce, request);
  return `deri-hmac-sha256 id=${clientId},ts=${timestamp},sig=${sig},nonce=${nonce}`;
}
