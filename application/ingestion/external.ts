import type { Logger } from 'pino';
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderParams } from '../../domain/order/contract.ts';
import { orderIdFromClientOrderId } from '../orders/client-order-id.ts';
import { deterministicId } from '../orders/ids.ts';
import type { OrderCommandBody } from '../orders/report-commands.ts';
import type { VenueFill, VenueOrderSnapshot } from '../ports/venue.ts';
import type { BreakRecorder } from '../reconciliation/breaks.ts';
import type { VenueEntry } from '../venues/venue-registry.ts';
import { recordClientIdReuse } from './ingestion-breaks.ts';
import type { OrderIdentity } from './order-identity.ts';

/** The order id of an order found at the venue that this OMS never placed. */
export function externalOrderId(venue: string, account: string, venueOrderId: string): string {
  return deterministicId('external', venue, account, venueOrderId);
}

/** The terms of an external order, from what the venue shows of it. */
export function externalOrderParams(
  orderId: string,
  account: string,
  instrument: Instrument,
  snapshot: VenueOrderSnapshot,
): Omit<OrderParams, 'intent'> {
  return {
    orderId,
    account,
    instrument,
    // The domain takes printable ASCII client ids; a venue label may hold anything.
    clientOrderId: (snapshot.clientOrderId ?? '').replace(/[^\x21-\x7e]/g, '_').slice(0, 64),
    side: snapshot.side,
    type: snapshot.type,
    timeInForce: 'gtc',
    ...(snapshot.price !== undefined && { price: snapshot.price }),
    amount: snapshot.amount,
    reduceOnly: snapshot.reduceOnly,
    postOnly: snapshot.postOnly,
    rejectPostOnly: false,
    positionMode: snapshot.positionMode,
    ...(snapshot.tradeSide !== undefined && { tradeSide: snapshot.tradeSide }),
  };
}

/** What a lone fill tells of its order, when the venue can no longer show the order itself. */
export function snapshotFromFill(fill: VenueFill): VenueOrderSnapshot {
  return {
    venue: fill.venue,
    account: fill.account,
    symbol: fill.symbol,
    venueOrderId: fill.venueOrderId,
    clientOrderId: fill.clientOrderId,
    side: fill.side,
    type: 'limit',
    status: 'open',
    amount: fill.amount,
    filledAmount: fill.amount,
    price: fill.price,
    averagePrice: fill.price,
    reduceOnly: false,
    postOnly: false,
    positionMode: fill.positionMode,
    tradeSide: fill.tradeSide,
    cancelReason: undefined,
    venueReason: undefined,
    replaced: false,
    createdAt: fill.executedAt,
    updatedAt: fill.executedAt,
    raw: { derivedFrom: 'fill', tradeId: fill.tradeId },
  };
}

export interface ExternalDeps<P> {
  logger: Logger;
  identity: OrderIdentity<P>;
  breaks: BreakRecorder<P> | undefined;
  instrument: (symbol: string) => Promise<Instrument>;
  /** Records commands (with the report's origin); resolves to the events appended. */
  record: (bodies: OrderCommandBody[]) => Promise<number>;
}

/**
 * Records an order this OMS never placed, from what the venue shows of it; its id when recorded.
 * A venue order with one of our client ids that we did not place is also an anomaly on our order
 * (which stays as the venue has it) and a break.
 */
export async function recordExternalOrder<P>(
  deps: ExternalDeps<P>,
  entry: VenueEntry,
  snapshot: VenueOrderSnapshot,
): Promise<string | undefined> {
  const { venue, account } = entry.adapter;
  const orderId = externalOrderId(venue, account, snapshot.venueOrderId);
  const instrument = await deps.instrument(snapshot.symbol).catch(() => undefined);
  if (!instrument) {
    deps.logger.error(
      { venue: entry.key, symbol: snapshot.symbol },
      'external order on an unknown instrument',
    );
    return undefined;
  }
  const order = externalOrderParams(orderId, account, instrument, snapshot);
  deps.logger.warn(
    { venue: entry.key, venueOrderId: snapshot.venueOrderId, orderId },
    'external order recorded',
  );
  const created = await deps.record([
    { type: 'RecordExternalOrder', data: { order, venueOrderId: snapshot.venueOrderId } },
  ]);
  deps.identity.remember(entry, snapshot.venueOrderId, orderId);
  const ours = orderIdFromClientOrderId(snapshot.clientOrderId);
  if (created > 0 && ours !== undefined && (await deps.identity.exists(ours))) {
    await recordClientIdReuse(deps.record, deps.breaks, entry, ours, snapshot, orderId);
  }
  return orderId;
}
