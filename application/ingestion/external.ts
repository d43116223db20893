import type { Instrument } from '../../domain/instrument.ts';
import type { OrderParams } from '../../domain/order/contract.ts';
import { deterministicId } from '../orders/ids.ts';
import type { VenueFill, VenueOrderSnapshot } from '../ports/venue.ts';

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
