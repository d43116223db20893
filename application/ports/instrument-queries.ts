import { z } from 'zod';
import { DecimalStringSchema } from '../../domain/decimal.ts';
import { VenueSchema } from '../../domain/instrument.ts';
import { MarkOccasionSchema } from '../../domain/marks/contract.ts';

/** What the API reads of the marks and of the per-instrument daily statements (see `queries.ts`). */

export const MarksQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    symbol: z.string().min(1).max(64).optional(),
    /** The mark's instant, included. */
    from: z.iso.datetime().optional(),
    /** The mark's instant, excluded. */
    to: z.iso.datetime().optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  })
  .strict();
export type MarksQuery = z.output<typeof MarksQuerySchema>;

export const MarkRowSchema = z.object({
  venue: z.string(),
  symbol: z.string(),
  /** The instant the mark stands for: an interval tick or a day's close. */
  at: z.string(),
  mark: DecimalStringSchema,
  occasion: MarkOccasionSchema,
  /** When the OMS read it from the venue. */
  observedAt: z.string(),
});
export type MarkRow = z.infer<typeof MarkRowSchema>;

export const InstrumentStatementQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    symbol: z.string().min(1).max(64).optional(),
    /** The PnL currency. */
    currency: z.string().min(1).max(16).optional(),
    /** First day (`YYYY-MM-DD`), included. */
    from: z.iso.date().optional(),
    /** Last day, included. */
    to: z.iso.date().optional(),
    /** Where a day starts, as an offset from UTC in whole hours (-12 … 14); UTC by default. */
    utcOffsetHours: z.coerce.number().int().min(-12).max(14).default(0),
  })
  .strict();
export type InstrumentStatementQuery = z.output<typeof InstrumentStatementQuerySchema>;

/**
 * A day of one position (venue account, instrument, side) in its PnL currency. It adds up exactly:
 * `closingEquity − openingEquity = trading + funding − fees + settlement + unrealizedChange`, where
 * a position's equity is `realized (trading and settlement) + funding − fees + unrealized PnL at
 * the mark`. Unrealized figures and equities are null when an open position has no mark yet.
 */
export const InstrumentStatementSchema = z.object({
  venue: z.string(),
  account: z.string(),
  symbol: z.string(),
  side: z.enum(['net', 'long', 'short']),
  currency: z.string(),
  day: z.iso.date(),
  openingSize: DecimalStringSchema,
  closingSize: DecimalStringSchema,
  /** The latest mark at or before the day's start / end (null: none recorded yet). */
  openingMark: DecimalStringSchema.nullable(),
  closingMark: DecimalStringSchema.nullable(),
  /** Realized trading PnL (fills, liquidations). */
  trading: DecimalStringSchema,
  /** Fees paid in the PnL currency. */
  fees: DecimalStringSchema,
  funding: DecimalStringSchema,
  /** Delivery and expiry PnL. */
  settlement: DecimalStringSchema,
  openingUnrealized: DecimalStringSchema.nullable(),
  closingUnrealized: DecimalStringSchema.nullable(),
  unrealizedChange: DecimalStringSchema.nullable(),
  openingEquity: DecimalStringSchema.nullable(),
  closingEquity: DecimalStringSchema.nullable(),
  /** Position changes (fills, funding, deliveries) in the day. */
  changes: z.number().int().nonnegative(),
});
export type InstrumentStatement = z.infer<typeof InstrumentStatementSchema>;
