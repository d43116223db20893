import { z } from 'zod';
import { assertNever } from '../assert-never.ts';

/**
 * Reconciliation breaks: what the OMS could not explain when it compared its books with a venue's.
 * One aggregate per venue account (stream `breaks-<venue>-<account>`), so every break, its figures
 * on both sides, and who or what resolved it and why, are in the audit trail. A break is closed only
 * by new evidence from the venue (a later run no longer sees the difference) or by an operator.
 */
export const breaksStreamId = (venue: string, account: string): string => `breaks-${venue}-${account}`;

export const BreakKindSchema = z.enum([
  /** An order the OMS holds live that the venue says it does not know. */
  'order_unknown_at_venue',
  /** Our position differs from the venue's after every fill the venue lists was recorded. */
  'position_mismatch',
  /** A trade id the venue reported on one order that is already recorded for another. */
  'trade_id_collision',
  /** A venue order this OMS did not place carries the client id of one of our orders. */
  'client_id_reused',
  /** Our cash balance (the sum of the venue's cash movements recorded) differs from the venue's. */
  'cash_balance_mismatch',
  /** A trade whose cash in our ledger (posted from our fill) differs from the venue log's entries of it. */
  'ledger_entry_mismatch',
  /** A trade in the venue's transaction log that our ledger has no fill of. */
  'venue_trade_not_in_ledger',
  /** One of our fills that the venue's transaction log does not list, though it covers the fill's time. */
  'fill_missing_from_venue_log',
]);
export type BreakKind = z.infer<typeof BreakKindSchema>;

/** The kinds a reconciliation run checks every time: a run that no longer sees one closes it. */
export const RECHECKED_KINDS: ReadonlySet<BreakKind> = new Set([
  'order_unknown_at_venue',
  'position_mismatch',
  'cash_balance_mismatch',
  'ledger_entry_mismatch',
  'venue_trade_not_in_ledger',
  'fill_missing_from_venue_log',
]);

const BreakFactsSchema = z
  .object({
    breakId: z.string().min(1).max(200),
    kind: BreakKindSchema,
    /** What the break is about: an order id, `symbol/side`, a trade id. */
    subject: z.string().min(1).max(300),
    orderId: z.string().max(64).optional(),
    symbol: z.string().max(100).optional(),
    /** Our figure and the venue's, as text (decimals exact). */
    ours: z.string().max(500),
    theirs: z.string().max(500),
    message: z.string().max(2000),
    /** The reconciliation run (or report) that found it. */
    foundBy: z.string().max(200),
  })
  .strict();
export type BreakFacts = z.output<typeof BreakFactsSchema>;

const ResolutionSchema = z
  .object({
    breakId: z.string().min(1).max(200),
    /** `evidence`: the venue now agrees; `operator`: a person decided, with a reason. */
    resolution: z.enum(['evidence', 'operator']),
    reason: z.string().min(1).max(1000),
    by: z.string().max(200),
  })
  .strict();

export const BreakCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('OpenBreak'), data: BreakFactsSchema }).strict(),
  z.object({ type: z.literal('ResolveBreak'), data: ResolutionSchema }).strict(),
]);
export type BreakCommand = z.output<typeof BreakCommandSchema>;

export const BreakEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('BreakFound'), data: BreakFactsSchema }).strict(),
  z.object({ type: z.literal('BreakResolved'), data: ResolutionSchema }).strict(),
]);
export type BreakEvent = z.output<typeof BreakEventSchema>;

export interface Break extends BreakFacts {
  status: 'open' | 'resolved';
  resolution: z.output<typeof ResolutionSchema> | undefined;
}

/** The breaks of one venue account, by id (a resolved break stays, for the record). */
export type BreakBook = ReadonlyMap<string, Break>;

export const emptyBreakBook: BreakBook = new Map();

/**
 * Opening a break that is open with the same figures records nothing (a run that sees it again);
 * with other figures, it is found again with them. Resolving is for open breaks only.
 */
export function decideBreak(command: BreakCommand, book: BreakBook): BreakEvent[] {
  switch (command.type) {
    case 'OpenBreak': {
      const current = book.get(command.data.breakId);
      const same =
        current?.status === 'open' &&
        current.ours === command.data.ours &&
        current.theirs === command.data.theirs;
      return same ? [] : [{ type: 'BreakFound', data: command.data }];
    }
    case 'ResolveBreak':
      return book.get(command.data.breakId)?.status === 'open'
        ? [{ type: 'BreakResolved', data: command.data }]
        : [];
    default:
      return assertNever(command, 'break command');
  }
}

export function evolveBreaks(book: BreakBook, event: BreakEvent): BreakBook {
  const next = new Map(book);
  switch (event.type) {
    case 'BreakFound':
      next.set(event.data.breakId, { ...event.data, status: 'open', resolution: undefined });
      return next;
    case 'BreakResolved': {
      const current = book.get(event.data.breakId);
      if (current) next.set(event.data.breakId, { ...current, status: 'resolved', resolution: event.data });
      return next;
    }
    default:
      return assertNever(event, 'break event');
  }
}

/** The open breaks a run of the re-checked kinds no longer sees: resolved by that evidence. */
export function notSeenAgain(book: BreakBook, seen: ReadonlySet<string>): Break[] {
  return [...book.values()].filter(
    (b) => b.status === 'open' && RECHECKED_KINDS.has(b.kind) && !seen.has(b.breakId),
  );
}
