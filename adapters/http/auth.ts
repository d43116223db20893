import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError } from './errors.ts';
import { ApiRoleSchema, mayDo, type Permission } from './roles.ts';

export { type ApiRole, ApiRoleSchema, mayDo, type Permission } from './roles.ts';

export const ApiTokenSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\w.@-]+$/, 'a token name is letters, digits, _ . @ -'),
    role: ApiRoleSchema,
    token: z
      .string()
      .min(16, 'an API token must be at least 16 characters')
      .max(256)
      .regex(/^[\w.~+/=-]+$/, 'an API token is letters, digits and - _ . ~ + / ='),
  })
  .strict();
export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** Query parameters that look like a credential: never accepted, never logged. */
const CREDENTIAL_PARAMS = /(^|[?&])(token|access_token|api_key|apikey|key|auth|authorization|bearer)=/i;

/** The URL without its query string (what is logged). */
export const pathOnly = (url: string): string => url.split('?')[0] ?? url;

/**
 * Who sent the request: the token in `Authorization: Bearer <token>`, compared in constant time
 * with each configured token. Never from the URL.
 */
export function authenticate(request: FastifyRequest, tokens: readonly ApiToken[]): ApiToken {
  if (CREDENTIAL_PARAMS.test(request.url.slice(pathOnly(request.url).length))) {
    throw new HttpError(
      'UNAUTHORIZED',
      'a token is never accepted in the URL (it would be logged along the way): send Authorization: Bearer <token>',
    );
  }
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  let found: ApiToken | undefined;
  for (const t of tokens) {
    const expected = Buffer.from(t.token);
    // Every token is compared (no early exit), each in constant time.
    if (given.length === expected.length && timingSafeEqual(given, expected)) found ??= t;
  }
  if (!found) {
    throw new HttpError(
      'UNAUTHORIZED',
      'send Authorization: Bearer <token> (the token is printed when the service starts)',
    );
  }
  return found;
}

/** Refuses a route the token's role does not grant, naming what it needs. */
export function authorize(token: ApiToken, permission: Permission, route: string): void {
  if (!mayDo(token.role, permission)) {
    throw new HttpError(
      'FORBIDDEN',
      `${route} needs a token that may ${permission}; ${token.name} is ${token.role}`,
      {
        role: token.role,
        needs: permission,
      },
    );
  }
}
