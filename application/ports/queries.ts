import { z } from 'zod';
import { DecimalStringSchema } from '../../domain/decimal.ts';
import { VenueSchema } from '../../domain/instrument.ts';
import { CashMovementKindSchema, LedgerAccountSchema } from '../../domain/ledger/ledger.ts';
import { ORDER_STATUSES } from '../../domain/order/transitions.ts';
import type {
  InstrumentStatement,
  InstrumentStatementQuery,
  MarkRow,
  MarksQuery,
} from './instrument-queries.ts';
import type { FillPage, FillsQuery, FundingPage, FundingQuery } from './report-queries.ts';

/** What the API reads from the read models (PostgreSQL or the embedded PGlite). */

export const OrderListQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    symbol: z.string().min(1).max(64).optional(),
    /** Comma-separated statuses, e.g. `open,partially_filled`. */
    status: z
      .string()
      .transform((s) => s.split(',').filter((x) => x.length > 0))
      .pipe(z.array(z.enum(ORDER_STATUSES)).min(1))
      .optional(),
    /** Only orders created at or after this time. */
    since: z.iso.datetime().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** From `nextCursor` of the previous page. */
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type OrderListQuery = z.output<typeof OrderListQuerySchema>;

export const OrderSummarySchema = z.object({
  orderId: z.uuid(),
  status: z.enum(ORDER_STATUSES),
  venue: z.string(),
  account: z.string(),
  symbol: z.string(),
  side: z.string(),
  type: z.string(),
  amount: DecimalStringSchema,
  filled: DecimalStringSchema,
  averagePrice: DecimalStringSchema.nullable(),
  price: DecimalStringSchema.nullable(),
  reduceOnly: z.boolean(),
  intent: z.string(),
  clientOrderId: z.string(),
  venueOrderId: z.string().nullable(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type OrderSummary = z.infer<typeof OrderSummarySchema>;

export const OrderPageSchema = z.object({
  orders: z.array(OrderSummarySchema),
  nextCursor: z.string().nullable(),
});
export type OrderPage = z.infer<typeof OrderPageSchema>;

export const PositionsQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    symbol: z.string().min(1).max(64).optional(),
    /** Include flat positions (size 0) too. */
    includeFlat: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .default(false),
  })
  .strict();
export type PositionsQuery = z.output<typeof PositionsQuerySchema>;

export const PositionRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  symbol: z.string(),
  side: z.enum(['net', 'long', 'short']),
  /** In the instrument's amount unit; net positions are signed. */
  size: DecimalStringSchema,
  /** What the open size cost (inverse instruments: in the settlement currency). */
  entryCost: DecimalStringSchema,
  averageEntry: DecimalStringSchema.nullable(),
  /** Trading and settlement PnL realized (deliveries and expiries included). */
  realizedPnl: DecimalStringSchema,
  /** The part of `realizedPnl` that deliveries and expiries realized. */
  settlementPnl: DecimalStringSchema,
  /** Funding received (positive) or paid: its own component, not in `realizedPnl`. */
  fundingPnl: DecimalStringSchema,
  pnlCurrency: z.string(),
  fees: z.record(z.string(), DecimalStringSchema),
  /** Fills applied to this position. */
  fillsCount: z.number().int().nonnegative(),
  lastFillAt: z.string().nullable(),
  /** The latest mark recorded for the instrument (as of the time asked, for history), if any. */
  mark: DecimalStringSchema.nullable(),
  markAt: z.string().nullable(),
  /** PnL of closing the open position at `mark` (inverse: in the coin; linear: in the quote currency). */
  unrealizedPnl: DecimalStringSchema.nullable(),
});
export type PositionRow = z.infer<typeof PositionRowSchema>;

export const ProjectionHealthSchema = z.object({
  name: z.string(),
  status: z.string(),
  checkpoint: z.string().nullable(),
  /**
   * Events recorded but not yet in the read model, as far as readers can see: events behind an open
   * writing transaction are not counted (see `heldBackMs`).
   */
  lagEvents: z.number().int().nullable(),
  /**
   * How long the oldest open transaction that has written anywhere in the database cluster has
   * been holding every `$all` reader back (ms; null where the store has no such notion).
   */
  heldBackMs: z.number().nonnegative().nullable(),
  /** When a batch last reached the read model. */
  lastAppliedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type ProjectionHealth = z.infer<typeof ProjectionHealthSchema>;

/** What holds `$all` readers back on a store whose readers wait for older transactions. */
export interface ReaderHold {
  /** Age of the oldest open transaction that has written (ms): readers cannot pass its xid. */
  readonly heldMs: number;
  readonly writingTransactions: number;
}

/** A page cursor that this API did not return (a client error). */
export class InvalidCursorError extends Error {
  readonly code = 'VALIDATION_FAILED';
}

export const LedgerQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    currency: z.string().min(1).max(16).optional(),
    /** Comma-separated kinds, e.g. `funding,settlement`. */
    kind: z
      .string()
      .transform((s) => s.split(',').filter((x) => x.length > 0))
      .pipe(z.array(CashMovementKindSchema).min(1))
      .optional(),
    /** Venue time, included. */
    from: z.iso.datetime().optional(),
    /** Venue time, excluded. */
    to: z.iso.datetime().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** From `nextCursor` of the previous page. */
    cursor: z.string().max(300).optional(),
  })
  .strict();
export type LedgerQuery = z.output<typeof LedgerQuerySchema>;

export const CashMovementRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  venueEntryId: z.string(),
  venueSeq: DecimalStringSchema.nullable(),
  venueType: z.string(),
  kind: CashMovementKindSchema,
  change: DecimalStringSchema,
  funding: DecimalStringSchema.nullable(),
  fee: DecimalStringSchema.nullable(),
  pnl: DecimalStringSchema.nullable(),
  /** The venue's balance after it, and ours (the sum of the changes recorded up to it). */
  balanceAfter: DecimalStringSchema.nullable(),
  ourBalance: DecimalStringSchema,
  symbol: z.string().nullable(),
  tradeId: z.string().nullable(),
  venueOrderId: z.string().nullable(),
  at: z.string(),
});
export type CashMovementRow = z.infer<typeof CashMovementRowSchema>;

export const LedgerPageSchema = z.object({
  movements: z.array(CashMovementRowSchema),
  nextCursor: z.string().nullable(),
});
export type LedgerPage = z.infer<typeof LedgerPageSchema>;

export const PostingsQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    currency: z.string().min(1).max(16).optional(),
    /** Comma-separated ledger accounts (the chart of accounts), e.g. `cash,fees`. */
    ledgerAccount: z
      .string()
      .transform((s) => s.split(',').filter((x) => x.length > 0))
      .pipe(z.array(LedgerAccountSchema).min(1))
      .optional(),
    /** Venue time, included. */
    from: z.iso.datetime().optional(),
    /** Venue time, excluded. */
    to: z.iso.datetime().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** From `nextCursor` of the previous page. */
    cursor: z.string().max(400).optional(),
  })
  .strict();
export type PostingsQuery = z.output<typeof PostingsQuerySchema>;

/** One posting of the double-entry ledger: an entry's line in one ledger account. */
export const PostingRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  /** `fill:<trade id>` or `cash:<venue entry id>`: the entry's lines share it. */
  entryId: z.string(),
  ledgerAccount: LedgerAccountSchema,
  /** Debit positive, credit negative: an entry's amounts sum to zero. */
  amount: DecimalStringSchema,
  /** `fill`, or the venue movement's kind (funding, settlement, delivery, transfer, ...). */
  cause: z.string(),
  tradeId: z.string().nullable(),
  orderId: z.string().nullable(),
  venueEntryId: z.string().nullable(),
  venueType: z.string().nullable(),
  symbol: z.string().nullable(),
  /** Venue time. */
  at: z.string(),
  /** The venue-cash account's balance after the entry. */
  cashBalance: DecimalStringSchema,
});
export type PostingRow = z.infer<typeof PostingRowSchema>;

export const PostingPageSchema = z.object({
  postings: z.array(PostingRowSchema),
  nextCursor: z.string().nullable(),
});
export type PostingPage = z.infer<typeof PostingPageSchema>;

export const BalancesQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    currency: z.string().min(1).max(16).optional(),
  })
  .strict();
export type BalancesQuery = z.output<typeof BalancesQuerySchema>;

export const BalanceRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  /** The sum of every cash movement recorded: our balance. */
  ours: DecimalStringSchema,
  /** The venue's balance after its latest movement, when it says. */
  theirs: DecimalStringSchema.nullable(),
  /** ours − venue's: anything but zero is a break. */
  difference: DecimalStringSchema.nullable(),
  /**
   * The double-entry ledger's venue-cash balance (`ledger_postings`): trades from our own fills, the
   * rest from the venue's log. Equal to the venue's once its log lists every fill we recorded.
   */
  ledger: DecimalStringSchema.nullable(),
  movements: z.number().int().nonnegative(),
  /** Venue time of the latest movement. */
  asOf: z.string(),
});
export type BalanceRow = z.infer<typeof BalanceRowSchema>;

export const PositionsAsOfQuerySchema = z
  .object({
    /** The positions as they stood at this time: after everything the OMS had recorded by then. */
    asOf: z.iso.datetime({ offset: true }),
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    symbol: z.string().min(1).max(64).optional(),
    includeFlat: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .default(false),
  })
  .strict();
export type PositionsAsOfQuery = z.output<typeof PositionsAsOfQuerySchema>;

export const StatementQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    currency: z.string().min(1).max(16).optional(),
    /** First day (venue time, `YYYY-MM-DD`), included. */
    from: z.iso.date().optional(),
    /** Last day, included. */
    to: z.iso.date().optional(),
    /** Where a day starts, as an offset from UTC in whole hours (-12 … 14); UTC by default. */
    utcOffsetHours: z.coerce.number().int().min(-12).max(14).default(0),
  })
  .strict();
export type StatementQuery = z.output<typeof StatementQuerySchema>;

/**
 * A day's cash statement of a venue account and currency, from the venue's cash movements:
 * `closing = opening + trading − fees + funding + settlement + transfers + other`, exactly.
 */
export const DailyStatementSchema = z.object({
  venue: z.string(),
  account: z.string(),
  currency: z.string(),
  day: z.iso.date(),
  opening: DecimalStringSchema,
  /** Realized trading PnL paid into cash (Bitget closes; Deribit pays it at its settlement). */
  trading: DecimalStringSchema,
  /** Fees paid. */
  fees: DecimalStringSchema,
  funding: DecimalStringSchema,
  /** Settlement and delivery (Deribit: the session PnL paid at 08:00 UTC, less its funding). */
  settlement: DecimalStringSchema,
  /** Deposits, withdrawals and transfers. */
  transfers: DecimalStringSchema,
  /** Everything else the venue moved (corrections, bonuses, ...). */
  other: DecimalStringSchema,
  closing: DecimalStringSchema,
  /** The venue's balance after its last movement of the day. */
  venueClosing: DecimalStringSchema.nullable(),
  movements: z.number().int().nonnegative(),
});
export type DailyStatement = z.infer<typeof DailyStatementSchema>;

export interface ApiQueries {
  /** A statement per position (venue account, instrument, side), PnL currency and day. */
  instrumentStatements(query: InstrumentStatementQuery): Promise<InstrumentStatement[]>;
  /** The marks recorded, oldest first. */
  marks(query: MarksQuery): Promise<MarkRow[]>;
  /** Every position as it stood at a time (position history). */
  positionsAsOf(query: PositionsAsOfQuery): Promise<PositionRow[]>;
  /** A cash statement per venue account, currency and day (days with movements). */
  dailyStatements(query: StatementQuery): Promise<DailyStatement[]>;
  listOrders(query: OrderListQuery): Promise<OrderPage>;
  positions(query: PositionsQuery): Promise<PositionRow[]>;
  /** The venues' cash movements, newest first (keyset pages). */
  ledger(query: LedgerQuery): Promise<LedgerPage>;
  /** The double-entry ledger's postings, newest first (keyset pages). */
  postings(query: PostingsQuery): Promise<PostingPage>;
  /** Our cash balance per venue account and currency, beside the venue's. */
  balances(query: BalancesQuery): Promise<BalanceRow[]>;
  /** The venue trades, newest first (keyset pages), each with the PnL it realized. */
  fills(query: FillsQuery): Promise<FillPage>;
  /** The funding payments the venues paid or charged, newest first (keyset pages). */
  funding(query: FundingQuery): Promise<FundingPage>;
  projections(): Promise<ProjectionHealth[]>;
}
