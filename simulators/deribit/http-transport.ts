import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { TokenStore } from './auth.ts';
import type { CreditLimiter } from './credits.ts';
import type { Envelope, Outcome } from './envelope.ts';
import type { FaultPlan, ReplyFault } from './faults.ts';
import { readWireRequest, writeReply } from './json-rpc.ts';
import type { CallContext } from './methods.ts';
import { type RpcFailure, refuse } from './rpc-failure.ts';

export interface HttpTransportDeps {
  maxMessageBytes: number;
  /** Credits of requests made without authentication. */
  anonymousLimiter: CreditLimiter;
  micros: () => number;
  envelope: (id: unknown, usIn: number, body: Outcome) => Envelope;
  execute: (method: string, params: Record<string, unknown>, context: CallContext) => Outcome;
  mangled: (outcome: Outcome) => Outcome;
  failureOf: (fault: Extract<ReplyFault, { kind: 'error' }>) => RpcFailure;
  tokens: TokenStore;
  plan: FaultPlan;
  timers: Set<NodeJS.Timeout>;
}

/**
 * The local Deribit over HTTP: `GET /api/v2/<method>?<params>` or `POST /api/v2/<method>` with a
 * JSON-RPC body; private methods authenticated by the `Authorization` header (bearer token or
 * `deri-hmac-sha256`) or an `access_token` parameter. Errors carry Deribit's HTTP statuses.
 */
export function httpHandler(deps: HttpTransportDeps) {
  const readBody = (req: IncomingMessage): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= deps.maxMessageBytes) chunks.push(chunk);
      });
      req.on('end', () =>
        resolve(size > deps.maxMessageBytes ? undefined : Buffer.concat(chunks).toString('utf8')),
      );
      req.on('error', reject);
    });

  const httpStatusOf = (failure: RpcFailure): number => {
    if (failure.code === 10028) return 429;
    if (failure.code === 10000 || failure.code === 13009 || failure.code === 13004) return 401;
    return 400;
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const usIn = deps.micros();
    const respond = (status: number, body: Envelope) =>
      writeReply(body, (text) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const prefix = '/api/v2/';
    if (!url.pathname.startsWith(prefix)) {
      respond(404, deps.envelope(undefined, usIn, { error: refuse.methodNotFound() }));
      return;
    }
    const method = url.pathname.slice(prefix.length);
    const body = await readBody(req);
    if (body === undefined) {
      respond(400, deps.envelope(undefined, usIn, { error: refuse.tooLarge() }));
      return;
    }
    const read = requestOf(req.method, url, body);
    if ('status' in read) {
      respond(read.status, deps.envelope(undefined, usIn, { error: read.error }));
      return;
    }
    const { id, params } = read;
    const uri = `${url.pathname}${url.search}`;
    let httpAccount: number | undefined;
    const authenticate = () => {
      if (httpAccount === undefined) {
        const token = params.access_token;
        httpAccount =
          typeof token === 'string'
            ? deps.tokens.accountForToken(token, undefined)
            : deps.tokens.accountForHttp(req.headers.authorization, {
                method: req.method ?? 'GET',
                uri,
                body,
              });
      }
      return httpAccount;
    };
    const fault = deps.plan.take(method);
    if (fault?.kind === 'error') {
      const failure = deps.failureOf(fault);
      respond(httpStatusOf(failure), deps.envelope(id, usIn, { error: failure }));
      return;
    }
    const outcome = deps.execute(method, params, {
      transport: 'http',
      connection: undefined,
      accountId: () => {
        if (!method.startsWith('private/')) return undefined;
        try {
          return authenticate();
        } catch {
          return undefined;
        }
      },
      anonymousLimiter: deps.anonymousLimiter,
      onRateLimited: () => {},
      httpAccount: authenticate,
    });
    if (fault?.kind === 'drop' || fault?.kind === 'close') {
      req.socket.destroy();
      return;
    }
    const answer = fault?.kind === 'mangle' ? deps.mangled(outcome) : outcome;
    const send = () =>
      respond('error' in answer ? httpStatusOf(answer.error) : 200, deps.envelope(id, usIn, answer));
    if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        deps.timers.delete(timer);
        send();
      }, fault.ms);
      deps.timers.add(timer);
      return;
    }
    send();
  };
  return handleHttp;
}

/** The id and params of an HTTP request: from the query string (GET) or the JSON-RPC body (POST). */
function requestOf(
  method: string | undefined,
  url: URL,
  body: string,
): { id: unknown; params: Record<string, unknown> } | { status: number; error: RpcFailure } {
  if (method === 'GET') {
    const params: Record<string, unknown> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      params[key] = values.length > 1 ? values : values[0];
    }
    return { id: undefined, params };
  }
  if (method !== 'POST') return { status: 405, error: refuse.invalidRequest('use GET or POST') };
  let parsed: unknown;
  try {
    parsed = body === '' ? {} : readWireRequest(body);
  } catch {
    return { status: 400, error: refuse.parseError() };
  }
  const shape = z
    .looseObject({ id: z.unknown().optional(), params: z.record(z.string(), z.unknown()).optional() })
    .safeParse(parsed);
  if (!shape.success) return { status: 400, error: refuse.invalidRequest('expected a JSON-RPC object') };
  return { id: shape.data.id, params: shape.data.params ?? {} };
}
