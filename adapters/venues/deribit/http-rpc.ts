import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { parseVenueJsonOffThread } from '../json-parse-thread.ts';
import { DeribitError, DeribitRpcError } from './errors.ts';
import { describeIssues, RpcResponseSchema } from './schemas.ts';
import { httpAuthorizationHeader } from './signing.ts';
import { stringifyWire } from './wire-json.ts';
import { latencyOf, type RpcReply } from './ws-rpc.ts';

/**
 * JSON-RPC over HTTP: `POST /api/v2/<method>` with the JSON-RPC object as the body. The outcome
 * is read from the body's `result` / `error`, never from the HTTP status (reference Part D).
 */

export type HttpAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  /** `deri-hmac-sha256`: every request signed with the client secret. */
  | { kind: 'signature'; clientId: string; clientSecret: string; now: () => number };

let nextId = 1;

export async function httpRequest(options: {
  baseUrl: string;
  method: string;
  params: Record<string, unknown>;
  timeoutMs: number;
  auth: HttpAuth;
  logger: Logger;
}): Promise<RpcReply> {
  const { method, timeoutMs } = options;
  const uri = `/api/v2/${method}`;
  const body = stringifyWire({ jsonrpc: '2.0', id: nextId++, method, params: options.params });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const { auth } = options;
  if (auth.kind === 'bearer') headers.authorization = `Bearer ${auth.token}`;
  if (auth.kind === 'signature') {
    const nonce = randomBytes(8).toString('hex');
    headers.authorization = httpAuthorizationHeader(auth.clientId, auth.clientSecret, auth.now(), nonce, {
      method: 'POST',
      uri,
      body,
    });
  }
  let response: Response;
  try {
    response = await fetch(`${options.baseUrl}${uri}`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if ((error as Error).name === 'TimeoutError') {
      throw new DeribitError('DERIBIT_TIMEOUT', `${method}: no HTTP reply within ${timeoutMs} ms`, true);
    }
    // Refused: nothing reached the venue. Anything else may have.
    const sent = cause?.code !== 'ECONNREFUSED';
    throw new DeribitError(
      'DERIBIT_HTTP_ERROR',
      `${method}: HTTP request failed: ${cause?.code ?? (error as Error).message}`,
      sent,
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new DeribitError(
      'DERIBIT_TIMEOUT',
      `${method}: HTTP body not received: ${(error as Error).message}`,
      true,
    );
  }
  let message: unknown;
  try {
    // A long list (thousands of open orders) is parsed off the event loop.
    message = await parseVenueJsonOffThread(text);
  } catch {
    throw new DeribitError(
      'DERIBIT_HTTP_ERROR',
      `${method}: HTTP ${response.status} without a JSON-RPC body`,
      true,
    );
  }
  const reply = RpcResponseSchema.safeParse(message);
  if (!reply.success) {
    throw new DeribitError(
      'DERIBIT_PROTOCOL_ERROR',
      `${method}: unreadable HTTP reply (status ${response.status}): ${describeIssues(reply.error, message)}`,
      true,
    );
  }
  if (reply.data.error !== undefined) {
    const { code, message: venueMessage, data } = reply.data.error;
    throw new DeribitRpcError(method, code, venueMessage, data, latencyOf(reply.data));
  }
  options.logger.debug({ method, status: response.status }, 'deribit: HTTP reply');
  return { result: reply.data.result, latency: latencyOf(reply.data) };
}
