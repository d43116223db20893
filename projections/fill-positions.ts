import { type Decimal, ZERO } from '../domain/decimal.ts';
import type { FillSource } from '../domain/ledger/entries.ts';
import { applyFill, emptyPosition, type PositionKey } from '../domain/position/position.ts';
import { isUniqueViolation, type SqlRunner } from './db/read-model-db.ts';
import { positionFillOf, positionKeyOf, positionKeyText, tradeKeyText } from './position-fills.ts';
import {
  copyFills,
  existingTrades,
  type FillCandidate,
  type FillToWrite,
  writeFills,
} from './read-models/fills.ts';
import { type PositionChange, writePositionHistory } from './read-models/position-history.ts';
import { type PositionEntry, readPositions, writePositions } from './read-models/positions.ts';

/**
 * The order projection's fills step (`order-projection.ts`, step 3): a batch's new fills, each trade
 * once, the positions they move and those positions' history, and what each fill posts to the ledger.
 */

/** A position as known before this step (what earlier segments of the batch staged, else the cache); undefined: read it. */
export type KnownPosition = (text: string) => PositionEntry | undefined;

/** A fill as the ledger posts it. */
const fillSource = (f: FillCandidate, realized: Decimal, pnlCurrency: string): FillSource => ({
  cause: 'fill',
  venue: f.order.instrument.venue,
  account: f.order.account,
  tradeId: f.fill.tradeId,
  orderId: f.orderId,
  symbol: f.order.instrument.symbol,
  realized,
  pnlCurrency,
  fee: f.fill.fee,
  feeCurrency: f.fill.feeCurrency,
  at: f.fill.executedAt,
  position: f.position,
});

/**
 * The positions the batch's new fills move, each fill applied once (by its position in `$all`),
 * and what each did (domain `applyFill`): computed before anything is written, so each fill row
 * goes in with the PnL it realized and the size it left.
 */
async function movePositions(
  tx: SqlRunner,
  schema: string,
  moving: readonly FillCandidate[],
  known: KnownPosition,
) {
  const unknownKeys = new Map<string, PositionKey>();
  for (const f of moving) {
    const key = positionKeyOf(f.order);
    const text = positionKeyText(key);
    if (known(text) === undefined) unknownKeys.set(text, key);
  }
  const stored = new Map<string, PositionEntry>();
  if (unknownKeys.size > 0) {
    for (const entry of await readPositions(tx, schema, [...unknownKeys.values()])) {
      stored.set(positionKeyText(entry.position.key), entry);
    }
  }
  const stagedPositions = new Map<string, PositionEntry>();
  const changes: PositionChange[] = [];
  const fills: FillToWrite[] = [];
  // What each fill applied now posts to the ledger: its fee and the PnL it realized.
  const posted: FillSource[] = [];
  for (const f of moving) {
    const key = positionKeyOf(f.order);
    const text = positionKeyText(key);
    const current = stagedPositions.get(text) ?? known(text) ?? stored.get(text);
    if (current !== undefined && f.position <= current.lastPosition) {
      fills.push({ ...f, effect: undefined }); // applied already
      continue;
    }
    const position = current?.position ?? emptyPosition(key, f.order.instrument);
    const moved = applyFill(position, positionFillOf(f.order, f.fill));
    posted.push(fillSource(f, moved.realized, position.pnlCurrency));
    const entry: PositionEntry = {
      position: moved.position,
      settlementPnl: current?.settlementPnl ?? ZERO,
      fundingPnl: current?.fundingPnl ?? ZERO,
      fills: (current?.fills ?? 0) + 1,
      lastPosition: f.position,
    };
    stagedPositions.set(text, entry);
    changes.push({ entry, recordedAt: f.recordedAt, cause: 'fill', tradeId: f.fill.tradeId });
    fills.push({
      ...f,
      effect: {
        realized: moved.realized,
        pnlCurrency: moved.position.pnlCurrency,
        sizeAfter: moved.position.size,
      },
    });
  }
  return { stagedPositions, changes, fills, posted };
}

/**
 * The new fills, each trade once, and the positions they move. A large batch first presumes every
 * trade new and writes them by COPY; a trade already there (reported on two orders, or the batch
 * applied again) fails it, to a savepoint. Otherwise (and then) the trades already there are read
 * and left out, and the rest inserted.
 */
export async function writeFillsAndPositions(
  tx: SqlRunner,
  schema: string,
  candidates: readonly FillCandidate[],
  copy: boolean,
  known: KnownPosition,
): Promise<{ positions: Map<string, PositionEntry>; posted: FillSource[] }> {
  let moved: Awaited<ReturnType<typeof movePositions>> | undefined;
  let copied = false;
  if (copy && candidates.length > 0) {
    const presumed = await movePositions(tx, schema, candidates, known);
    await tx.exec('savepoint fills_write');
    try {
      await copyFills(tx, schema, presumed.fills);
      await tx.exec('release savepoint fills_write');
      moved = presumed;
      copied = true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await tx.exec('rollback to savepoint fills_write');
    }
  }
  if (moved === undefined) {
    const existing = await existingTrades(tx, schema, candidates);
    const fresh = candidates.filter((f) => !existing.has(tradeKeyText(f.order, f.fill)));
    moved = await movePositions(tx, schema, fresh, known);
    await writeFills(tx, schema, moved.fills);
  }
  await writePositions(tx, schema, [...moved.stagedPositions.values()]);
  await writePositionHistory(tx, schema, moved.changes, copied);
  return { positions: moved.stagedPositions, posted: moved.posted };
}
