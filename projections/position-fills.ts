import type { Fill, OrderParams } from '../domain/order/contract.ts';
import { type PositionFill, type PositionKey, positionSideFor } from '../domain/position/position.ts';

/**
 * The one rule, shared by the projection and the as-of replay, for where an order's fill lands:
 * the position of (venue, account, instrument, side) where side is `net` in one-way mode and the
 * `long`/`short` leg in hedge mode (domain `positionSideFor`). A trade counts once per (venue,
 * account, trade id), whatever order it is reported on.
 */
export const positionKeyOf = (order: OrderParams): PositionKey => ({
  venue: order.instrument.venue,
  account: order.account,
  symbol: order.instrument.symbol,
  side: positionSideFor(order.positionMode, order.side, order.tradeSide),
});

export const positionKeyText = (key: PositionKey): string =>
  `${key.venue}\u0000${key.account}\u0000${key.symbol}\u0000${key.side}`;

export const tradeKeyText = (order: OrderParams, fill: Fill): string =>
  `${order.instrument.venue}\u0000${order.account}\u0000${fill.tradeId}`;

export const positionFillOf = (order: OrderParams, fill: Fill): PositionFill => ({
  side: order.side,
  amount: fill.amount,
  price: fill.price,
  fee: fill.fee,
  feeCurrency: fill.feeCurrency,
  executedAt: fill.executedAt,
});
