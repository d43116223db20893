import type { z } from 'zod';
import { type Session, SessionSchema } from '../../http/api-schemas.ts';
import { ErrorBodySchema } from '../../http/errors.ts';

/**
 * The page's one way to the API: same origin, `Authorization: Bearer <token>` on every request,
 * every answer parsed with the schema the route declares.
 *
 * Where the token lives: in memory and in this tab's sessionStorage (so a reload keeps the user
 * signed in; closing the tab forgets it). It never goes into a URL, a cookie or a log. A cookie
 * session was considered and left out: the API authenticates by the Bearer header only, and a
 * cookie would bring CSRF into play for every POST; the strict CSP (scripts from this origin only)
 * is what keeps an injected script from reading sessionStorage.
 */

const TOKEN_KEY = 'oms.apiToken';

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const authorization = (): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/** Checks a token with the API (`GET /v1/session`); keeps it only when the API accepts it. */
export async function signIn(candidate: string): Promise<Session> {
  token = candidate.trim();
  try {
    const session = await api(SessionSchema, '/v1/session');
    sessionStorage.setItem(TOKEN_KEY, token);
    return session;
  } catch (error) {
    token = undefined;
    throw error;
  }
}

export function signOut(): void {
  token = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
}

export const hasToken = (): boolean => token !== undefined;

/** A query string from the fields that are set (never a credential: the API refuses those). */
export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Calls the API and parses its answer; a refusal is an ApiError with the API's code and message. */
export async function api<S extends z.ZodType>(
  schema: S,
  path: string,
  request: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown; idempotencyKey?: string } = {},
): Promise<z.output<S>> {
  const response = await fetch(path, {
    method: request.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...authorization(),
      ...(request.body !== undefined && { 'content-type': 'application/json' }),
      ...(request.idempotencyKey !== undefined && { 'idempotency-key': request.idempotencyKey }),
    },
    ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
    cache: 'no-store',
    credentials: 'omit',
  });
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = ErrorBodySchema.safeParse(json);
    throw error.success
      ? new ApiError(response.status, error.data.code, error.data.message)
      : new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
  }
  return schema.parse(json);
}

/** What a failure says to the user: the API's own message, with its code. */
export const describeError = (error: unknown): string =>
  error instanceof ApiError
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
