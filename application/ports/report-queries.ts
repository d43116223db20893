import { z } from 'zod';
import { DecimalStringSchema } from '../../domain/decimal.ts';
import { VenueSchema } from '../../domain/instrument.ts';

/** The back office's lists of fills and funding payments (keyset pages, newest first). */

const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** From `nextCursor` of the previous page. */
  cursor: z.string().max(300).optional(),
};

export const FillsQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    symbol: z.string().min(1).max(64).optional(),
    orderId: z.uuid().optional(),
    /** Venue time of the trade, included. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Venue time of the trade, excluded. */
    to: z.iso.datetime({ offset: true }).optional(),
    ...page,
  })
  .strict();
export type FillsQuery = z.output<typeof FillsQuerySchema>;

export const FillRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  symbol: z.string(),
  tradeId: z.string(),
  orderId: z.uuid(),
  venueOrderId: z.string().nullable(),
  side: z.enum(['buy', 'sell']),
  /** The position the fill moved: `net` (one-way mode) or the `long` / `short` leg (hedge mode). */
  positionSide: z.enum(['net', 'long', 'short']),
  price: DecimalStringSchema,
  amount: DecimalStringSchema,
  fee: DecimalStringSchema,
  feeCurrency: z.string(),
  liquidity: z.string(),
  /** Trading PnL the fill realized on its position (the reducing part only), in `pnlCurrency`. */
  realizedPnl: DecimalStringSchema.nullable(),
  /** The position's PnL currency (inverse instruments: the coin; linear: the quote currency). */
  pnlCurrency: z.string().nullable(),
  /** The position's size after the fill (net positions signed). */
  positionSizeAfter: DecimalStringSchema.nullable(),
  /** Venue time of the trade. */
  executedAt: z.string(),
  /** When the OMS recorded it. */
  recordedAt: z.string(),
});
export type FillRow = z.infer<typeof FillRowSchema>;

export const FillPageSchema = z.object({
  fills: z.array(FillRowSchema),
  nextCursor: z.string().nullable(),
});
export type FillPage = z.infer<typeof FillPageSchema>;

export const FundingQuerySchema = z
  .object({
    venue: VenueSchema.optional(),
    account: z.string().min(1).max(64).optional(),
    symbol: z.string().min(1).max(64).optional(),
    currency: z.string().min(1).max(16).optional(),
    /** Funding time (venue time), included. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Funding time, excluded. */
    to: z.iso.datetime({ offset: true }).optional(),
    ...page,
  })
  .strict();
export type FundingQuery = z.output<typeof FundingQuerySchema>;

export const FundingRowSchema = z.object({
  venue: z.string(),
  account: z.string(),
  /** The instrument the venue paid or charged it on (null when the venue does not say). */
  symbol: z.string().nullable(),
  currency: z.string(),
  /** When the venue paid or charged it (Bitget: the funding time; Deribit: its daily settlement). */
  fundingAt: z.string(),
  /** Positive: received; negative: paid. */
  amount: DecimalStringSchema,
  /**
   * The position then, as the OMS knew it: the size after the last change at or before the
   * funding time in venue time (hedge legs: long − short); null when it had none.
   */
  positionSize: DecimalStringSchema.nullable(),
  venueEntryId: z.string(),
  venueType: z.string(),
});
export type FundingRow = z.infer<typeof FundingRowSchema>;

export const FundingPageSchema = z.object({
  payments: z.array(FundingRowSchema),
  nextCursor: z.string().nullable(),
});
export type FundingPage = z.infer<typeof FundingPageSchema>;
