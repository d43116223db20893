import type { Decimal } from '../domain/decimal.ts';
import { isCashEvent, isOrderEvent, type ProjectedItem } from './events.ts';
import type { OrderEntry } from './read-models/orders.ts';
import type { PositionEntry } from './read-models/positions.ts';

/**
 * A batch of the order projection is applied in steps: its orders' events (fills move positions),
 * then its cash movements (funding and deliveries move positions too). A cash movement followed in
 * the same batch by order events would so be applied after fills recorded after it: a funding
 * payment then looked applied already (its position in `$all` below the position's last fill) and
 * was lost from the position's funding PnL and from the per-instrument statements. So a batch is
 * cut into segments, each of which has no order event after a cash movement, applied one after the
 * other in the same transaction, each seeing what the ones before it staged. Cash movements are
 * rare (a funding time every few hours), so nearly every batch is one segment.
 */
export function segmentsOf(items: readonly ProjectedItem[]): (readonly ProjectedItem[])[] {
  const cuts: number[] = [];
  let cash = false;
  items.forEach((item, i) => {
    if (cash && isOrderEvent(item)) {
      cuts.push(i);
      cash = false;
    }
    if (isCashEvent(item)) cash = true;
  });
  // Nearly every batch: itself, not a copy.
  if (cuts.length === 0) return [items];
  return [0, ...cuts].map((from, k) => items.slice(from, cuts[k]));
}

/** What the segments applied so far in a batch staged: read before the projection's caches. */
export interface Staged {
  readonly orders: Map<string, OrderEntry>;
  readonly positions: Map<string, PositionEntry>;
  readonly balances: Map<string, Decimal>;
}

export const nothingStaged = (): Staged => ({ orders: new Map(), positions: new Map(), balances: new Map() });

/** `later` staged over `earlier` (a later segment's entry replaces an earlier one's). */
export function stageOver(
  earlier: Staged,
  later: {
    readonly orders: ReadonlyMap<string, OrderEntry>;
    readonly positions: ReadonlyMap<string, PositionEntry>;
    readonly balances: ReadonlyMap<string, Decimal>;
  },
): void {
  for (const [key, entry] of later.orders) earlier.orders.set(key, entry);
  for (const [key, entry] of later.positions) earlier.positions.set(key, entry);
  for (const [key, balance] of later.balances) earlier.balances.set(key, balance);
}
