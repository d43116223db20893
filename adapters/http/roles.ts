import { z } from 'zod';

/**
 * Named API tokens with roles. A read-only (back-office) token reads; a trader also trades; an
 * operator also runs the controls (kill switch, reconciliation, resolving breaks). The token's name
 * is recorded as `by` on every command it sends.
 */
export const ApiRoleSchema = z.enum(['read_only', 'trader', 'operator']);
export type ApiRole = z.infer<typeof ApiRoleSchema>;

/** What a route needs: to read, to trade, or to operate the controls. */
export type Permission = 'read' | 'trade' | 'operate';

const GRANTS: Record<ApiRole, ReadonlySet<Permission>> = {
  read_only: new Set(['read']),
  trader: new Set(['read', 'trade']),
  operator: new Set(['read', 'trade', 'operate']),
};

/** What a role may do (the API enforces it; the web page offers only what it grants). */
export const mayDo = (role: ApiRole, permission: Permission): boolean => GRANTS[role].has(permission);
