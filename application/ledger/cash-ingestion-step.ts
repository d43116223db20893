import type { CashMovementData } from '../../domain/ledger/contract.ts';

/**
 * The ledger ingestion of one venue account and currency as a pure step function: where it
 * stands (a cursor in venue time), the next window to read, and, given what the venue listed in
 * it, what to record and where it stands next. The scheduler (`cash-ingester.ts`) does the I/O.
 *
 * The cursor is the venue time up to which everything has been read, and the ids of the entries
 * recorded at exactly that millisecond (an entry there may have been recorded already; one after
 * it cannot have been). It comes back from the stream's newest events after a restart, so a
 * restart or an outage reads again from the newest movement recorded: no gap, and nothing twice.
 */

export interface CashCursor {
  readonly fromMs: number;
  readonly seenAtFrom: readonly string[];
}

export interface CashIngestionSettings {
  /** Venue time not read yet: entries may still be written this close to now. */
  readonly lagMs: number;
  /** The longest window one request covers (the venue's own limit, or less). */
  readonly maxWindowMs: number;
  /** How far back a first ingestion starts. */
  readonly initialLookbackMs: number;
}

export interface CashWindowToRead {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The cursor after the newest recorded movements (given oldest first), or the first one's start. */
export function cursorAfter(
  recorded: readonly Pick<CashMovementData, 'venueEntryId' | 'at'>[],
  nowMs: number,
  settings: CashIngestionSettings,
): CashCursor {
  const newest = recorded.at(-1);
  if (newest === undefined) return { fromMs: nowMs - settings.initialLookbackMs, seenAtFrom: [] };
  const fromMs = Date.parse(newest.at);
  const seenAtFrom = recorded.filter((m) => Date.parse(m.at) === fromMs).map((m) => m.venueEntryId);
  return { fromMs, seenAtFrom };
}

/** The next window to read, or none when the cursor is within `lagMs` of now. */
export function nextWindow(
  cursor: CashCursor,
  nowMs: number,
  settings: CashIngestionSettings,
): CashWindowToRead | undefined {
  const until = nowMs - settings.lagMs;
  if (until <= cursor.fromMs) return undefined;
  return { fromMs: cursor.fromMs, toMs: Math.min(until, cursor.fromMs + settings.maxWindowMs) };
}

/**
 * What a window read gives: the movements to record (new ones, oldest first, each once) and the
 * cursor at the window's end.
 */
export function afterWindow(
  cursor: CashCursor,
  window: CashWindowToRead,
  listed: readonly CashMovementData[],
): { record: CashMovementData[]; cursor: CashCursor } {
  const seen = new Set(cursor.seenAtFrom);
  const record: CashMovementData[] = [];
  for (const movement of [...listed].sort(byVenueOrder)) {
    const at = Date.parse(movement.at);
    if (at < cursor.fromMs || at > window.toMs || seen.has(movement.venueEntryId)) continue;
    seen.add(movement.venueEntryId);
    record.push(movement);
  }
  const atEnd = [...(window.toMs === cursor.fromMs ? cursor.seenAtFrom : [])];
  for (const movement of record)
    if (Date.parse(movement.at) === window.toMs) atEnd.push(movement.venueEntryId);
  return { record, cursor: { fromMs: window.toMs, seenAtFrom: atEnd } };
}

/** Oldest first; at one instant, by the venue's sequence, then by id. */
function byVenueOrder(a: CashMovementData, b: CashMovementData): number {
  return (
    Date.parse(a.at) - Date.parse(b.at) ||
    compareNumericText(a.venueSeq ?? '', b.venueSeq ?? '') ||
    compareNumericText(a.venueEntryId, b.venueEntryId)
  );
}

function compareNumericText(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}
