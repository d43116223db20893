import type { ProjectionHealth } from '../../application/ports/queries.ts';
import { HealthSchema } from './api-schemas.ts';
import { ErrorBodySchema } from './errors.ts';
import { type Route, route } from './route.ts';
import type { RouteDeps } from './routes.ts';

export { HealthSchema, KillSwitchSchema } from './api-schemas.ts';

/** A writing transaction open longer than this holds the read models back: health is degraded. */
export const READER_HOLD_DEGRADED_MS = 5_000;

/** Events waiting this long for the read models (nothing applied meanwhile): health is degraded. */
export const READ_MODEL_STALL_DEGRADED_MS = 10_000;

/** Why a projection is not keeping up: held back by a transaction, or events waiting with nothing applied. */
function projectionReasons(p: ProjectionHealth, now: number): string[] {
  const reasons: string[] = [];
  if (p.error !== null) reasons.push(`projection ${p.name} failed: ${p.error}`);
  if (p.heldBackMs !== null && p.heldBackMs > READER_HOLD_DEGRADED_MS) {
    reasons.push(
      `projection ${p.name} is held back ${Math.round(p.heldBackMs)} ms by an open writing transaction in the database cluster`,
    );
  }
  const stalledMs = p.lastAppliedAt === null ? 0 : now - Date.parse(p.lastAppliedAt);
  if ((p.lagEvents ?? 0) > 0 && stalledMs > READ_MODEL_STALL_DEGRADED_MS) {
    reasons.push(
      `projection ${p.name}: ${p.lagEvents} event(s) waiting, nothing applied for ${Math.round(stalledMs / 1000)} s`,
    );
  }
  return reasons;
}

/** Why the service is not fully healthy: venues not trading, read models failed or behind, open breaks. */
function degradedReasons(
  venues: readonly { venue: string; account: string; trading: boolean; pausedReason?: string | undefined }[],
  projections: readonly ProjectionHealth[],
  openBreaks: number,
  now: number,
): string[] {
  const reasons: string[] = [];
  for (const v of venues) {
    if (!v.trading) reasons.push(`${v.venue}/${v.account} is not trading (${v.pausedReason ?? 'paused'})`);
  }
  for (const p of projections) {
    reasons.push(...projectionReasons(p, now));
  }
  if (openBreaks > 0) reasons.push(`${openBreaks} open reconciliation break(s): GET /v1/breaks`);
  return reasons;
}

/** `GET /v1/health`: venues, read models, kill switch, breaks; `degraded` with the reasons. */
export function healthRoute<P>({
  service,
  queries,
  registry,
  reconciliation,
  storeWriteRefused,
  parkedOrders,
}: RouteDeps<P>): Route {
  return route({
    method: 'GET',
    path: '/v1/health',
    summary: 'Venue connectivity and trading status, projection lag, kill switch',
    auth: true,
    responses: {
      200: { description: 'Health', schema: HealthSchema },
      401: { description: 'Missing or wrong bearer token', schema: ErrorBodySchema },
    },
    async handle() {
      const venues = registry.statuses();
      const projections = await queries.projections();
      const openBreaks = (await reconciliation.breaks('open')).length;
      const refused = storeWriteRefused();
      const reasons = [
        ...(refused
          ? [`the event store refused a write at ${refused.at} (${refused.message}): new orders fail`]
          : []),
        ...degradedReasons(venues, projections, openBreaks, Date.now()),
      ];
      const healthy = reasons.length === 0;
      return {
        status: 200,
        body: {
          status: healthy ? 'ok' : 'degraded',
          reasons,
          killSwitch: service.killSwitch,
          venues,
          projections,
          parkedOrders: parkedOrders(),
          breaks: { open: openBreaks },
          store: { writable: refused === undefined, ...(refused && { lastRefusal: refused }) },
        },
      };
    },
  });
}
