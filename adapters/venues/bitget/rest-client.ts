import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { assertNever } from '../../../domain/assert-never.ts';
import { parseVenueJson } from '../venue-json.ts';
import { type BitgetCodeInfo, classifyBitgetCode, SUCCESS_CODE } from './codes.ts';
import type { BitgetEndpointGroup, RateLimiter } from './rate-limiter.ts';
import { RateLimiterDisposedError } from './rate-limiter.ts';
import { type Credentials, canonicalQuery, type HttpMethod, signedHeaders } from './signing.ts';
import { EnvelopeSchema } from './wire.ts';
import { describeIssues } from './wire-scalars.ts';

/**
 * Signed REST calls to Bitget v2. Every call is rate limited on the client side, has a deadline,
 * and ends in one of: success (the envelope's `data`, parsed with its schema), a venue error code
 * (any `code != "00000"`, whatever the HTTP status), or a failure that leaves the outcome unknown
 * (timeout, transport, non-JSON 5xx, a reply that does not parse). Headers are never logged.
 */

export type RestFailure =
  | { kind: 'venue'; code: string; msg: string; httpStatus: number; info: BitgetCodeInfo; sent: true }
  | { kind: 'timeout'; message: string; sent: true }
  | { kind: 'transport'; message: string; sent: boolean }
  | { kind: 'http'; httpStatus: number; message: string; sent: true }
  | { kind: 'protocol'; message: string; sent: true }
  /** The client limiter would have made the request wait too long: it was NOT sent. */
  | { kind: 'throttled'; message: string; sent: false }
  | { kind: 'closed'; message: string; sent: false };

export interface RestSuccess<T> {
  ok: true;
  data: T;
  /** The venue's `requestTime` (ms since the epoch, as text), when it sent one. */
  requestTime: string | undefined;
  rttMs: number;
}
export type RestOutcome<T> = RestSuccess<T> | { ok: false; failure: RestFailure; rttMs: number };

export interface RestCall<S extends z.ZodType> {
  method: HttpMethod;
  path: string;
  group: BitgetEndpointGroup;
  query?: Readonly<Record<string, string | undefined>>;
  body?: unknown;
  /** Schema of the envelope's `data`. */
  data: S;
  /** Public endpoints are not signed. */
  signed?: boolean;
}

export interface RestClientOptions {
  restUrl: string;
  credentials: Credentials;
  demo: boolean;
  requestTimeoutMs: number;
  maxRateLimitWaitMs: number;
  limiter: RateLimiter;
  logger: Logger;
  /** ms since the epoch for ACCESS-TIMESTAMP (the adapter's clock plus any measured offset). */
  timestamp: () => number;
}

export interface RestClient {
  call<S extends z.ZodType>(call: RestCall<S>): Promise<RestOutcome<z.output<S>>>;
  close(): void;
}

interface RawReply {
  status: number;
  text: string;
}

class RequestTimeoutError extends Error {}

export function createRestClient(options: RestClientOptions): RestClient {
  const base = new URL(options.restUrl);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 32 })
    : new http.Agent({ keepAlive: true, maxSockets: 32 });
  const inFlight = new Set<http.ClientRequest>();
  let closed = false;

  function send(method: HttpMethod, pathAndQuery: string, headers: Record<string, string>, body: string) {
    return new Promise<RawReply>((resolve, reject) => {
      const url = new URL(pathAndQuery, base);
      const request = (secure ? https : http).request(url, {
        method,
        agent,
        headers: { ...headers, ...(body !== '' && { 'Content-Length': String(Buffer.byteLength(body)) }) },
      });
      inFlight.add(request);
      const timer = setTimeout(() => {
        request.destroy(new RequestTimeoutError(`no reply within ${options.requestTimeoutMs} ms`));
      }, options.requestTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        inFlight.delete(request);
      };
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          done();
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', (error) => {
          done();
          reject(error);
        });
        response.on('aborted', () => {
          done();
          reject(new Error('reply aborted'));
        });
      });
      request.on('error', (error) => {
        done();
        reject(error);
      });
      request.end(body === '' ? undefined : body);
    });
  }

  async function call<S extends z.ZodType>(spec: RestCall<S>): Promise<RestOutcome<z.output<S>>> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    const fail = (failure: RestFailure): RestOutcome<z.output<S>> => {
      const log = failure.kind === 'venue' ? options.logger.info : options.logger.warn;
      log.call(
        options.logger,
        {
          path: spec.path,
          failure: failure.kind,
          ...(failure.kind === 'venue' && { code: failure.code, httpStatus: failure.httpStatus }),
          detail: failure.kind === 'venue' ? failure.msg : failure.message,
          rttMs: elapsed(),
        },
        'bitget request failed',
      );
      return { ok: false, failure, rttMs: elapsed() };
    };

    const refused = await admit(spec.group);
    if (refused !== undefined) return fail(refused);
    const reply = await exchange(spec);
    if ('kind' in reply) return fail(reply);
    const read = readReply(spec, reply);
    if (!read.ok) return fail(read.failure);
    const rttMs = elapsed();
    options.logger.debug({ path: spec.path, rttMs, requestTime: read.requestTime }, 'bitget request');
    return { ok: true, data: read.data, requestTime: read.requestTime, rttMs };
  }

  /** Whether the request may go: not when the adapter is closed or the client rate limit says wait too long. */
  async function admit(group: RestCall<z.ZodType>['group']): Promise<RestFailure | undefined> {
    if (closed) return { kind: 'closed', message: 'the Bitget adapter is closed', sent: false };
    try {
      if (await options.limiter.acquire(group, options.maxRateLimitWaitMs)) return undefined;
      return {
        kind: 'throttled',
        message: `client rate limit for ${group}: the request would wait more than ${options.maxRateLimitWaitMs} ms; not sent`,
        sent: false,
      };
    } catch (error) {
      if (error instanceof RateLimiterDisposedError)
        return { kind: 'closed', message: error.message, sent: false };
      throw error;
    }
  }

  /** Signs and sends the request: its raw reply, or how the transport failed (and whether it was sent). */
  async function exchange(spec: RestCall<z.ZodType>): Promise<RawReply | RestFailure> {
    const query = spec.query ? canonicalQuery(spec.query) : '';
    const body = spec.method === 'POST' ? JSON.stringify(spec.body ?? {}) : '';
    const pathAndQuery = query === '' ? spec.path : `${spec.path}?${query}`;
    const headers =
      spec.signed === false
        ? { 'Content-Type': 'application/json', locale: 'en-US' }
        : signedHeaders(
            options.credentials,
            { timestamp: String(options.timestamp()), method: spec.method, path: spec.path, query, body },
            { demo: options.demo },
          );
    try {
      return await send(spec.method, pathAndQuery, headers, body);
    } catch (error) {
      if (error instanceof RequestTimeoutError)
        return { kind: 'timeout', message: error.message, sent: true };
      const message = error instanceof Error ? error.message : String(error);
      // Connection refused happens before any byte of the request left: the request was not sent.
      const code = (error as NodeJS.ErrnoException).code;
      const notSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
      return { kind: 'transport', message: `${code ?? 'error'}: ${message}`, sent: !notSent };
    }
  }

  return {
    call,
    close() {
      closed = true;
      for (const request of inFlight) request.destroy(new Error('the Bitget adapter is closed'));
      inFlight.clear();
      agent.destroy();
    },
  };
}

type ReadReply<T> =
  | { ok: true; data: T; requestTime: string | undefined }
  | { ok: false; failure: RestFailure };

/** Reads a reply: JSON, Bitget's envelope, its code, then the call's data schema. */
function readReply<S extends z.ZodType>(spec: RestCall<S>, reply: RawReply): ReadReply<z.output<S>> {
  const failed = (failure: RestFailure): ReadReply<z.output<S>> => ({ ok: false, failure });
  let json: unknown;
  try {
    json = parseVenueJson(reply.text);
  } catch {
    if (reply.status >= 500 || reply.status === 429) {
      const message = `HTTP ${reply.status} without a JSON body`;
      return failed({ kind: 'http', httpStatus: reply.status, message, sent: true });
    }
    return failed({ kind: 'protocol', message: `HTTP ${reply.status}: the reply is not JSON`, sent: true });
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    if (reply.status >= 500) {
      const message = `HTTP ${reply.status} without an envelope`;
      return failed({ kind: 'http', httpStatus: reply.status, message, sent: true });
    }
    const message = describeIssues(envelope.error, `${spec.path} envelope`);
    return failed({ kind: 'protocol', message, sent: true });
  }
  const { code, msg, requestTime, data } = envelope.data;
  if (code !== SUCCESS_CODE) {
    const info = classifyBitgetCode(code);
    return failed({ kind: 'venue', code, msg: msg ?? '', httpStatus: reply.status, info, sent: true });
  }
  const parsed = spec.data.safeParse(data);
  if (!parsed.success) {
    return failed({
      kind: 'protocol',
      message: describeIssues(parsed.error, `${spec.path} data`),
      sent: true,
    });
  }
  return { ok: true, data: parsed.data, requestTime };
}

/** Human text for a failure, for `reason` fields and error messages. Never carries secrets. */
export function describeFailure(failure: RestFailure): string {
  switch (failure.kind) {
    case 'venue':
      return `Bitget ${failure.code} ${failure.msg} (${failure.info.meaning}; HTTP ${failure.httpStatus})`;
    case 'timeout':
      return `timeout: ${failure.message}`;
    case 'transport':
      return `transport failure: ${failure.message}`;
    case 'http':
      return `HTTP ${failure.httpStatus}: ${failure.message}`;
    case 'protocol':
      return `protocol error: ${failure.message}`;
    case 'throttled':
      return failure.message;
    case 'closed':
      return failure.message;
    default:
      return assertNever(failure, 'REST failure');
  }
}
