import type { OrderCommand } from '../../domain/order/contract.ts';
import type { Order } from '../../domain/order/state.ts';
import { PENDING_STATUSES } from '../../domain/order/transitions.ts';
import type { Fill } from '../../domain/order/values.ts';
import type {
  AmendResult,
  CancelResult,
  PlaceResult,
  VenueFill,
  VenueOrderSnapshot,
} from '../ports/venue.ts';

/**
 * Turns what a venue said (a reply, a pushed order update, a fill) into domain commands for one
 * order. Venue-agnostic. The commands are liberal: `decide` drops duplicates and records what the
 * order cannot take as anomalies, so replaying a report is always safe.
 */

type WithoutMetadata<C> = C extends unknown ? Omit<C, 'metadata'> : never;
/** A command before its metadata (ids, times, source) is attached by the caller. */
export type OrderCommandBody = WithoutMetadata<OrderCommand>;

/** A venue trade as the domain records it. */
export function fillOf(fill: VenueFill): Fill {
  const { tradeId, venueOrderId, price, amount, fee, feeCurrency, liquidity, executedAt } = fill;
  return { tradeId, venueOrderId, price, amount, fee, feeCurrency, liquidity, executedAt };
}

export function fillCommand(orderId: string, fill: VenueFill): OrderCommandBody {
  return { type: 'RecordFill', data: { orderId, fill: fillOf(fill) } };
}

export function placeResultCommands(order: Order, result: PlaceResult): OrderCommandBody[] {
  const orderId = order.order.orderId;
  switch (result.outcome) {
    case 'rejected':
      return [
        {
          type: 'RecordOrderRejected',
          data: { orderId, venueCode: result.venueCode, message: result.message },
        },
      ];
    case 'unknown':
      return [{ type: 'RecordOutcomeUnknown', data: { orderId, request: 'place', reason: result.reason } }];
    case 'accepted': {
      const snapshot = result.order;
      const commands: OrderCommandBody[] = [
        {
          type: 'RecordOrderAccepted',
          data: {
            orderId,
            venueOrderId: result.venueOrderId,
            ...(snapshot && !snapshot.amount.eq(order.order.amount) && { amount: snapshot.amount }),
            ...(snapshot?.price &&
              order.order.price &&
              !snapshot.price.eq(order.order.price) && { price: snapshot.price }),
          },
        },
        ...result.fills.map((fill) => fillCommand(orderId, fill)),
      ];
      if (snapshot) commands.push(...closingCommands(orderId, snapshot));
      return commands;
    }
  }
}

export function amendResultCommands(order: Order, result: AmendResult): OrderCommandBody[] {
  const orderId = order.order.orderId;
  switch (result.outcome) {
    case 'rejected':
      return [
        {
          type: 'RecordAmendRejected',
          data: { orderId, venueCode: result.venueCode, message: result.message },
        },
      ];
    case 'unknown':
      return [{ type: 'RecordOutcomeUnknown', data: { orderId, request: 'amend', reason: result.reason } }];
    case 'accepted': {
      const asked = order.pendingAmendment;
      const snapshot = result.order;
      const price = snapshot?.price ?? asked?.price;
      const amount = snapshot?.amount ?? asked?.amount;
      const clientOrderId = result.clientOrderId ?? asked?.newClientOrderId;
      return [
        {
          type: 'RecordAmendAccepted',
          data: {
            orderId,
            ...(price !== undefined && { price }),
            ...(amount !== undefined && { amount }),
            ...(asked?.triggerPrice !== undefined && { triggerPrice: asked.triggerPrice }),
            ...(result.venueOrderId !== undefined && { venueOrderId: result.venueOrderId }),
            ...(clientOrderId !== undefined && { clientOrderId }),
          },
        },
        ...result.fills.map((fill) => fillCommand(orderId, fill)),
        ...(snapshot ? closingCommands(orderId, snapshot) : []),
      ];
    }
  }
}

export function cancelResultCommands(order: Order, result: CancelResult): OrderCommandBody[] {
  const orderId = order.order.orderId;
  switch (result.outcome) {
    case 'rejected':
      return [
        {
          type: 'RecordCancelRejected',
          data: { orderId, venueCode: result.venueCode, message: result.message },
        },
      ];
    case 'unknown':
      return [{ type: 'RecordOutcomeUnknown', data: { orderId, request: 'cancel', reason: result.reason } }];
    case 'accepted':
      return [
        {
          type: 'RecordOrderCancelled',
          data: {
            orderId,
            reason: result.order?.cancelReason ?? 'user_request',
            ...(result.order?.venueReason !== undefined && { venueReason: result.order.venueReason }),
          },
        },
      ];
  }
}

/**
 * The commands a pushed (or looked-up) order update implies. Fills are not derived from it: they
 * come as trades with their ids; `fillsMissing` tells when the venue has counted fills we have not.
 */
export function snapshotCommands(order: Order, snapshot: VenueOrderSnapshot): OrderCommandBody[] {
  const orderId = order.order.orderId;
  if (isSuperseded(order, snapshot)) return [];
  const commands: OrderCommandBody[] = [];
  const known = order.venueOrderIds.includes(snapshot.venueOrderId);
  const base = PENDING_STATUSES.has(order.status) ? order.previousStatus : order.status;
  const triggered =
    base === 'untriggered' && snapshot.status !== 'untriggered' && snapshot.status !== 'rejected';

  if (!known && order.venueOrderId !== undefined) {
    if (triggered) {
      // A stop order that fires can continue under a new venue order id.
      commands.push({ type: 'RecordOrderTriggered', data: { orderId, venueOrderId: snapshot.venueOrderId } });
    } else if (
      snapshot.clientOrderId !== undefined &&
      isCurrentOrNextClientId(order, snapshot.clientOrderId)
    ) {
      // Bitget modify is cancel-and-replace: the replacement, under the new clientOid, has a new id.
      commands.push({
        type: 'RecordAmendAccepted',
        data: {
          orderId,
          venueOrderId: snapshot.venueOrderId,
          clientOrderId: snapshot.clientOrderId,
          ...terms(snapshot),
        },
      });
    } else {
      // Another id for this order: `decide` records it as an inconsistent report.
      commands.push({ type: 'RecordOrderAccepted', data: { orderId, venueOrderId: snapshot.venueOrderId } });
    }
  } else {
    if (snapshot.status !== 'rejected') {
      commands.push({
        type: 'RecordOrderAccepted',
        data: {
          orderId,
          venueOrderId: snapshot.venueOrderId,
          // close_position: the venue sizes the order itself.
          ...(!known && !snapshot.amount.eq(order.order.amount) && { amount: snapshot.amount }),
        },
      });
    }
    // Deribit edit keeps the order id; the update with the new terms answers a pending amend.
    const asked = order.pendingAmendment;
    if (order.status === 'pending_amend' && asked && snapshot.replaced && matchesAmendment(snapshot, asked)) {
      commands.push({ type: 'RecordAmendAccepted', data: { orderId, ...terms(snapshot) } });
    }
    if (triggered) commands.push({ type: 'RecordOrderTriggered', data: { orderId } });
  }

  if (snapshot.status === 'rejected') {
    commands.push({
      type: 'RecordOrderRejected',
      data: { orderId, message: snapshot.venueReason ?? 'rejected by the venue' },
    });
  }
  commands.push(...closingCommands(orderId, snapshot, order));
  return commands;
}

/** True when the venue has counted more filled amount than the fills we recorded: fetch its trades. */
export function fillsMissing(order: Order, snapshot: VenueOrderSnapshot): boolean {
  return !isSuperseded(order, snapshot) && snapshot.filledAmount.gt(order.filled);
}

function closingCommands(orderId: string, snapshot: VenueOrderSnapshot, order?: Order): OrderCommandBody[] {
  if (snapshot.status === 'cancelled') {
    // Bitget modify cancels the old order before the replacement shows up: that cancel is the amend's.
    if (
      order?.pendingAmendment?.newClientOrderId !== undefined &&
      snapshot.clientOrderId !== order.pendingAmendment.newClientOrderId
    ) {
      return [];
    }
    return [
      {
        type: 'RecordOrderCancelled',
        data: {
          orderId,
          reason: snapshot.cancelReason ?? 'venue_other',
          ...(snapshot.venueReason !== undefined && { venueReason: snapshot.venueReason }),
        },
      },
    ];
  }
  if (snapshot.status === 'expired') return [{ type: 'RecordOrderExpired', data: { orderId } }];
  return [];
}

/** An update about an order id or client id this order has since replaced (Bitget modify). */
function isSuperseded(order: Order, snapshot: VenueOrderSnapshot): boolean {
  const oldVenueId =
    snapshot.venueOrderId !== order.venueOrderId && order.venueOrderIds.includes(snapshot.venueOrderId);
  const oldClientId =
    snapshot.clientOrderId !== undefined &&
    snapshot.clientOrderId !== order.order.clientOrderId &&
    order.clientOrderIds.includes(snapshot.clientOrderId);
  return oldVenueId || oldClientId;
}

function isCurrentOrNextClientId(order: Order, clientOrderId: string): boolean {
  return (
    clientOrderId === order.order.clientOrderId || clientOrderId === order.pendingAmendment?.newClientOrderId
  );
}

function terms(snapshot: VenueOrderSnapshot) {
  return { amount: snapshot.amount, ...(snapshot.price !== undefined && { price: snapshot.price }) };
}

function matchesAmendment(
  snapshot: VenueOrderSnapshot,
  amendment: NonNullable<Order['pendingAmendment']>,
): boolean {
  return (
    (amendment.price === undefined || (snapshot.price?.eq(amendment.price) ?? false)) &&
    (amendment.amount === undefined || snapshot.amount.eq(amendment.amount))
  );
}
