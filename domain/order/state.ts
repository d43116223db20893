import type { Decimal } from '../decimal.ts';
import type { GrowingSet } from '../growing-set.ts';
import type { Amendment, OrderParams, SubmissionRequest } from './contract.ts';
import type { OrderStatus } from './transitions.ts';

/** No event yet: the order does not exist. */
export interface NoOrder {
  status: 'initial';
}

/** The state of an order, folded from its events by `evolve`. */
export interface Order {
  status: OrderStatus;
  /** The order as it stands now: price and amount follow accepted amends. */
  order: OrderParams;
  /** The venue's current order id (Bitget replaces it on modify), once known. */
  venueOrderId: string | undefined;
  /** Every venue order id the order has had, oldest first. */
  venueOrderIds: readonly string[];
  /** Every client order id (label / clientOid) the order has had, oldest first. */
  clientOrderIds: readonly string[];
  filled: Decimal;
  /** Σ fill amount × fill price: the average fill price is filledNotional / filled. */
  filledNotional: Decimal;
  /** Fees per currency; negative amounts are rebates. */
  fees: Readonly<Record<string, Decimal>>;
  /** Trade ids already counted: a fill is applied once, however often it is reported. */
  tradeIds: GrowingSet<string>;
  /** While `pending_amend` / `pending_cancel`: the status to return to if the venue refuses. */
  previousStatus: OrderStatus | undefined;
  /** While `pending_amend`: what was asked. */
  pendingAmendment: Amendment | undefined;
  /** A request whose outcome is unknown (timeout, disconnect) and not yet resolved. */
  unresolved: SubmissionRequest | undefined;
  /** How many venue reports the order could not take (see `OrderAnomalyDetected`). */
  anomalies: number;
}

export type OrderState = NoOrder | Order;

export const initialState: OrderState = { status: 'initial' };

export function exists(state: OrderState): state is Order {
  return state.status !== 'initial';
}

/** Amount still to fill. */
export function remaining(order: Order): Decimal {
  return order.order.amount.minus(order.filled);
}

/** Average fill price (quantity-weighted), or undefined before the first fill. */
export function averageFillPrice(order: Order): Decimal | undefined {
  return order.filled.isZero() ? undefined : order.filledNotional.div(order.filled);
}
