import type { Decimal } from '../decimal.ts';

/**
 * An order resting at a venue as the OMS recorded it, in plain values (decimals as their text) so
 * that it can be handed to another thread: what a venue's listing of its open orders is compared
 * with, order by order.
 */
export interface RecordedResting {
  readonly status: 'open' | 'partially_filled';
  readonly clientOrderId: string;
  /** None for an order without a limit price. */
  readonly price?: string | undefined;
  readonly amount: string;
  readonly filled: string;
}

/** What a venue's listing says of one of its open orders (a `VenueOrderSnapshot` has these fields). */
export interface ListedOrder {
  readonly status: string;
  readonly clientOrderId: string | undefined;
  readonly price: Decimal | undefined;
  readonly amount: Decimal;
  readonly filledAmount: Decimal;
}

/** The recorded statuses an order can rest in: only those can be listed exactly as recorded. */
export const isRestingStatus = (status: string): status is RecordedResting['status'] =>
  status === 'open' || status === 'partially_filled';

/**
 * Whether the venue lists an order exactly as the OMS recorded it: resting in the same status, with
 * the same amount, price and filled amount, and the same client order id where the venue gives one
 * (Deribit may list an order without its label). Then the listing has nothing to record.
 */
export function listedAsRecorded(recorded: RecordedResting, listed: ListedOrder): boolean {
  if (!isRestingStatus(recorded.status) || listed.status !== recorded.status) return false;
  if (listed.clientOrderId !== undefined && listed.clientOrderId !== recorded.clientOrderId) return false;
  const samePrice =
    recorded.price === undefined ? listed.price === undefined : listed.price?.eq(recorded.price) === true;
  return samePrice && listed.amount.eq(recorded.amount) && listed.filledAmount.eq(recorded.filled);
}
