import type { Decimal } from '../domain/decimal.ts';
import { ZERO } from '../domain/decimal.ts';
import type { CashMovementData } from '../domain/ledger/contract.ts';
import { applyDelivery, withComponents } from '../domain/position/cash-events.ts';
import type { Position, PositionKey, PositionSide } from '../domain/position/position.ts';
import type { SqlRunner } from './db/read-model-db.ts';
import type { ProjectedCashEvent } from './events.ts';
import { positionKeyText } from './position-fills.ts';
import { movementKey } from './read-models/cash-movements.ts';
import { type PositionChange, writePositionHistory } from './read-models/position-history.ts';
import { type PositionEntry, readPositions, writePositions } from './read-models/positions.ts';

/**
 * Venue cash movements in the positions read model, each applied once (only when its movement was
 * inserted now, after the position's last change):
 * - a **delivery** closes a dated future's position at the delivery price with no trade (domain
 *   `applyDelivery`); its PnL is added to the realized PnL and, apart, to `settlement_pnl`;
 * - **funding** (a Bitget funding bill, the funding part of a Deribit settlement) of an instrument
 *   is added to its position's `funding_pnl` (domain `applyFunding`'s rule: size and entry cost
 *   stay). The venue does not say which hedge leg it paid: it goes to the `net` position, else to
 *   the leg that is open (the long one when both are), else to the long leg.
 */

/** A position closed by a delivery at `price` (domain `applyDelivery`), and the PnL that realized. */
export function delivery(
  position: Position,
  price: Decimal,
  at: string,
): { position: Position; pnl: Decimal } {
  const delivered = applyDelivery(withComponents(position), { price, at, kind: 'delivery' });
  const { fundingPnl: _f, settlementPnl: _s, liquidationPnl: _l, ...closed } = delivered.position;
  return {
    position: { ...closed, realizedPnl: position.realizedPnl.plus(delivered.pnl) },
    pnl: delivered.pnl,
  };
}

/** A position closed by a delivery, its delivery PnL added to its realized PnL. The replay uses it too. */
export function deliveredPosition(position: Position, price: Decimal, at: string): Position {
  return delivery(position, price, at).position;
}

/** The position a delivery closes: Deribit's net position; Bitget's leg (`delivery_long` / `_short`). */
export const deliverySide = (venueType: string): PositionSide =>
  venueType === 'delivery_long' ? 'long' : venueType === 'delivery_short' ? 'short' : 'net';

/** The funding a movement pays (positive) or charges, when it is one for an instrument. */
const fundingOf = (m: CashMovementData): Decimal | undefined => {
  if (m.symbol === undefined) return undefined;
  if (m.kind === 'funding') return m.funding ?? m.change;
  if (m.kind === 'settlement' && m.funding !== undefined && !m.funding.isZero()) return m.funding;
  return undefined;
};

const keyOf = (m: CashMovementData, side: PositionSide): PositionKey => ({
  venue: m.venue,
  account: m.account,
  symbol: m.symbol ?? '',
  side,
});

/** The position a funding payment goes to, of those the account has for the instrument. */
const fundedSide = (entries: (PositionEntry | undefined)[]): PositionEntry | undefined => {
  const [net, long, short] = entries;
  if (net !== undefined) return net;
  if (short !== undefined && !short.position.size.isZero() && (long?.position.size.isZero() ?? true))
    return short;
  return long ?? short;
};

export async function applyCashToPositions(
  tx: SqlRunner,
  schema: string,
  events: readonly ProjectedCashEvent[],
  inserted: ReadonlySet<string>,
  known: (text: string) => PositionEntry | undefined,
): Promise<Map<string, PositionEntry>> {
  const staged = new Map<string, PositionEntry>();
  const moving = events.filter((e) => {
    const m = e.movement;
    if (!inserted.has(movementKey(m.venue, m.account, m.venueEntryId))) return false;
    return (
      (m.kind === 'delivery' && m.symbol !== undefined && m.price !== undefined) || fundingOf(m) !== undefined
    );
  });
  if (moving.length === 0) return staged;
  const candidates = moving.flatMap((e) =>
    e.movement.kind === 'delivery'
      ? [keyOf(e.movement, deliverySide(e.movement.venueType))]
      : (['net', 'long', 'short'] as const).map((side) => keyOf(e.movement, side)),
  );
  const missing = candidates.filter((key) => known(positionKeyText(key)) === undefined);
  const stored = new Map(
    (await readPositions(tx, schema, missing)).map((entry) => [positionKeyText(entry.position.key), entry]),
  );
  const current = (key: PositionKey) => {
    const text = positionKeyText(key);
    return staged.get(text) ?? known(text) ?? stored.get(text);
  };
  const changes: PositionChange[] = [];
  for (const e of moving) {
    const change = cashChange(e, current);
    if (change === undefined) continue;
    staged.set(positionKeyText(change.entry.position.key), change.entry);
    changes.push(change);
  }
  await writePositions(tx, schema, [...staged.values()]);
  await writePositionHistory(tx, schema, changes);
  return staged;
}

/** What a delivery or a funding payment does to the position it concerns (none: applied already, or no position). */
function cashChange(
  e: ProjectedCashEvent,
  current: (key: PositionKey) => PositionEntry | undefined,
): PositionChange | undefined {
  const m = e.movement;
  if (m.kind === 'delivery') {
    const entry = current(keyOf(m, deliverySide(m.venueType)));
    if (entry === undefined || m.price === undefined || entry.position.size.isZero()) return undefined;
    if (e.position <= entry.lastPosition) return undefined; // applied already
    const delivered = delivery(entry.position, m.price, m.at);
    const next = {
      ...entry,
      position: delivered.position,
      settlementPnl: entry.settlementPnl.plus(delivered.pnl),
      lastPosition: e.position,
    };
    return { entry: next, recordedAt: e.recordedAt, cause: 'delivery' };
  }
  const amount = fundingOf(m) ?? ZERO;
  const entry = fundedSide((['net', 'long', 'short'] as const).map((side) => current(keyOf(m, side))));
  if (entry === undefined || entry.position.pnlCurrency !== m.currency) return undefined;
  if (e.position <= entry.lastPosition) return undefined; // applied already
  const next = { ...entry, fundingPnl: entry.fundingPnl.plus(amount), lastPosition: e.position };
  return { entry: next, recordedAt: e.recordedAt, cause: 'funding', at: m.at };
}
