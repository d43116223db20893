import type { OrderCommandBody } from '../orders/report-commands.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { VenueFill, VenueOrderSnapshot } from '../ports/venue.ts';
import type { BreakRecorder } from '../reconciliation/breaks.ts';
import type { VenueEntry } from '../venues/venue-registry.ts';

/** A fill whose trade id another order of the account already holds. */
export interface TradeConflict {
  readonly fill: VenueFill;
  /** The order that holds the trade. */
  readonly recordedOn: string;
}

/**
 * The fills of `orderId` whose trade id is already recorded for another order of the account (a
 * trade is identified by venue, account and trade id). Such a fill is never recorded twice, and
 * never left out silently: it is an anomaly on the order and a reconciliation break.
 */
export async function tradeConflicts(
  readModel: ServiceReadModel,
  entry: VenueEntry,
  orderId: string,
  fills: readonly VenueFill[],
): Promise<TradeConflict[]> {
  const { venue, account } = entry.adapter;
  const owners = await readModel.ordersOfTrades(
    venue,
    account,
    fills.map((f) => f.tradeId),
  );
  const conflicts: TradeConflict[] = [];
  for (const fill of fills) {
    const owner = owners.get(fill.tradeId);
    if (owner !== undefined && owner !== orderId) conflicts.push({ fill, recordedOn: owner });
  }
  return conflicts;
}

/** Each conflict as a break of the account, with both sides' figures. */
export async function recordConflictBreaks<P>(
  breaks: BreakRecorder<P> | undefined,
  entry: VenueEntry,
  orderId: string,
  conflicts: readonly TradeConflict[],
): Promise<void> {
  if (!breaks || conflicts.length === 0) return;
  const { venue, account } = entry.adapter;
  await breaks.found(
    { venue, account },
    conflicts.map(({ fill, recordedOn }) => ({
      kind: 'trade_id_collision' as const,
      subject: fill.tradeId,
      orderId,
      symbol: fill.symbol,
      ours: `trade ${fill.tradeId} recorded on order ${recordedOn}`,
      theirs: `trade ${fill.tradeId} (${fill.amount} at ${fill.price}) reported on venue order ${fill.venueOrderId} (order ${orderId})`,
      message: `trade id ${fill.tradeId} is reported on order ${orderId} but already recorded on order ${recordedOn}`,
      foundBy: `trade ${fill.tradeId}`,
    })),
  );
}

/**
 * A venue order that carries the client id of our order `ours` but that we did not place (recorded
 * as the external order `externalId`): an anomaly on ours, and a break of the account.
 */
export async function recordClientIdReuse<P>(
  record: (bodies: OrderCommandBody[]) => Promise<number>,
  breaks: BreakRecorder<P> | undefined,
  entry: VenueEntry,
  ours: string,
  snapshot: VenueOrderSnapshot,
  externalId: string,
): Promise<void> {
  const clientOrderId = snapshot.clientOrderId ?? '';
  const { venueOrderId } = snapshot;
  await record([
    {
      type: 'RecordClientIdReuse',
      data: { orderId: ours, venueOrderId, clientOrderId, externalOrderId: externalId },
    },
  ]);
  const { venue, account } = entry.adapter;
  await breaks?.found({ venue, account }, [
    {
      kind: 'client_id_reused',
      subject: venueOrderId,
      orderId: ours,
      symbol: snapshot.symbol,
      ours: `client id ${clientOrderId} is order ${ours}`,
      theirs: `venue order ${venueOrderId} (${snapshot.side} ${snapshot.amount}) carries it; recorded as external order ${externalId}`,
      message: `a venue order this OMS did not place carries the client id of order ${ours}`,
      foundBy: `venue order ${venueOrderId}`,
    },
  ]);
}
