import type { Decimal } from '../domain/decimal.ts';
import { applyDelivery, withComponents } from '../domain/position/cash-events.ts';
import type { Position, PositionKey, PositionSide } from '../domain/position/position.ts';
import type { SqlRunner } from './db/read-model-db.ts';
import type { ProjectedCashEvent } from './events.ts';
import { positionKeyText } from './position-fills.ts';
import { movementKey } from './read-models/cash-movements.ts';
import { type PositionChange, writePositionHistory } from './read-models/position-history.ts';
import { type PositionEntry, readPositions, writePositions } from './read-models/positions.ts';

/**
 * Deliveries in the positions read model: a dated future's position closes at the delivery price
 * with no trade (domain `applyDelivery`) when the venue's cash log says it was delivered. Each
 * delivery is applied once (only when its movement was inserted now, after the position's last
 * change). Its PnL is added to the position's realized PnL (the table has no column of its own for
 * it; the daily statements show it as settlement).
 */

/**
 * A position closed by a delivery at `price` (domain `applyDelivery`), its delivery PnL added to its
 * realized PnL (the read models keep no column of their own for it). The replay uses it too.
 */
export function deliveredPosition(position: Position, price: Decimal, at: string): Position {
  const delivered = applyDelivery(withComponents(position), { price, at, kind: 'delivery' });
  const { fundingPnl: _f, settlementPnl: _s, liquidationPnl: _l, ...closed } = delivered.position;
  return { ...closed, realizedPnl: position.realizedPnl.plus(delivered.pnl) };
}

/** The position a delivery closes: Deribit's net position; Bitget's leg (`delivery_long` / `_short`). */
export const deliverySide = (venueType: string): PositionSide =>
  venueType === 'delivery_long' ? 'long' : venueType === 'delivery_short' ? 'short' : 'net';

export async function deliverPositions(
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedCashEvent[],
  inserted: ReadonlySet<string>,
  known: (text: string) => PositionEntry | undefined,
): Promise<Map<string, PositionEntry>> {
  const staged = new Map<string, PositionEntry>();
  const changes: PositionChange[] = [];
  const deliveries = events.filter((e) => {
    const m = e.movement;
    return (
      m.kind === 'delivery' &&
      m.symbol !== undefined &&
      m.price !== undefined &&
      inserted.has(movementKey(m.venue, m.account, m.venueEntryId))
    );
  });
  if (deliveries.length === 0) return staged;
  const keys = deliveries.map(
    (e): PositionKey => ({
      venue: e.movement.venue,
      account: e.movement.account,
      symbol: e.movement.symbol ?? '',
      side: deliverySide(e.movement.venueType),
    }),
  );
  const missing = keys.filter((key) => known(positionKeyText(key)) === undefined);
  const stored = new Map(
    (await readPositions(tx, schema, missing)).map((entry) => [positionKeyText(entry.position.key), entry]),
  );
  deliveries.forEach((e, i) => {
    const text = positionKeyText(keys[i] as PositionKey);
    const current = staged.get(text) ?? known(text) ?? stored.get(text);
    const price = e.movement.price;
    if (current === undefined || price === undefined || current.position.size.isZero()) return;
    if (e.position <= current.lastPosition) return; // applied already
    const entry: PositionEntry = {
      position: deliveredPosition(current.position, price, e.movement.at),
      fills: current.fills,
      lastPosition: e.position,
    };
    staged.set(text, entry);
    changes.push({ entry, recordedAt: e.recordedAt, cause: 'delivery' });
  });
  await writePositions(tx, schema, [...staged.values()]);
  await writePositionHistory(tx, schema, changes);
  return staged;
}
