import { z } from 'zod';
import { OrderViewSchema } from '../../application/orders/order-view.ts';
import { ProjectionHealthSchema } from '../../application/ports/queries.ts';
import { BreakKindSchema } from '../../domain/reconciliation/breaks.ts';
import { ApiRoleSchema } from './roles.ts';

/**
 * Response schemas of the API's own routes (health, kill switch, breaks, session, order stream):
 * zod and domain types only, no server code, so that the web page (adapters/web/page) reads the
 * API through the very schemas the routes declare.
 */

export const KillSwitchSchema = z.object({
  engaged: z.boolean(),
  reason: z.string().optional(),
  by: z.string().optional(),
  cancelled: z.array(z.string()).optional(),
});
const VenueStatusSchema = z.object({
  venue: z.string(),
  account: z.string(),
  connection: z.object({
    status: z.string(),
    since: z.string(),
    reconnects: z.number().int(),
    detail: z.string().optional(),
  }),
  trading: z.boolean(),
  pausedReason: z.string().optional(),
  consecutiveFailures: z.number().int(),
  lastReconciliation: z.object({ at: z.string(), differences: z.number().int() }).optional(),
});
export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  /** Why it is degraded (empty when ok). */
  reasons: z.array(z.string()),
  killSwitch: KillSwitchSchema,
  venues: z.array(VenueStatusSchema),
  projections: z.array(ProjectionHealthSchema),
  parkedOrders: z.number().int(),
  /** Whether the event store takes writes: the last refusal (database down, disk full) until one succeeds. */
  store: z.object({
    writable: z.boolean(),
    lastRefusal: z.object({ at: z.string(), message: z.string() }).optional(),
  }),
  /** Open reconciliation breaks: health is `degraded` while there is any. */
  breaks: z.object({ open: z.number().int() }),
});

export const BreakViewSchema = z.object({
  breakId: z.string(),
  venue: z.string(),
  account: z.string(),
  kind: BreakKindSchema,
  subject: z.string(),
  orderId: z.string().optional(),
  symbol: z.string().optional(),
  /** Our figure and the venue's. */
  ours: z.string(),
  theirs: z.string(),
  message: z.string(),
  foundBy: z.string(),
  status: z.enum(['open', 'resolved']),
  resolution: z
    .object({ resolution: z.enum(['evidence', 'operator']), reason: z.string(), by: z.string() })
    .optional(),
});

/** `GET /v1/session`: who a token is and what its role may do (what the web page offers). */
export const SessionSchema = z.object({
  name: z.string(),
  role: ApiRoleSchema,
  may: z.object({ read: z.boolean(), trade: z.boolean(), operate: z.boolean() }),
});
export type Session = z.infer<typeof SessionSchema>;

/** What a command on an order answers: the order as it stands, and whether this was a replay. */
export const CommandResponseSchema = z.object({ order: OrderViewSchema, replayed: z.boolean() });
