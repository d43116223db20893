import { z } from 'zod';
import { DecimalSchema } from '../decimal.ts';
import { VenueSchema } from '../instrument.ts';
import { CashMovementKindSchema } from './ledger.ts';

/**
 * The event of a venue cash movement (Deribit transaction log entry, Bitget bill), as recorded in
 * the stream of its venue account and currency (`cashStreamId`). One event per movement: its id is
 * derived from the venue's own entry id, so ingesting a movement again writes nothing.
 */
export const CASH_MOVEMENT_RECORDED = 'VenueCashMovementRecorded';

export const CashMovementDataSchema = z
  .object({
    venue: VenueSchema,
    account: z.string().min(1).max(64),
    currency: z.string().min(1).max(16),
    /** The venue's id of the entry (Deribit log `id`, Bitget `billId`). */
    venueEntryId: z.string().min(1).max(128),
    /** Its order at the venue when the venue gives one (Deribit `user_seq`). */
    venueSeq: z.string().max(40).optional(),
    /** The venue's own word for it (Deribit `type`, Bitget `businessType`). */
    venueType: z.string().min(1).max(64),
    kind: CashMovementKindSchema,
    /** The change of the cash balance (Deribit `change`, Bitget `amount` + `fee`). */
    change: DecimalSchema,
    /** The funding part (Deribit `interest_pl` of a settlement; a Bitget funding bill's amount). */
    funding: DecimalSchema.optional(),
    /** The fee part, positive when paid. */
    fee: DecimalSchema.optional(),
    /** The realized PnL part when the venue gives it (a Bitget close's `amount`). */
    pnl: DecimalSchema.optional(),
    /** The venue's cash balance after it. */
    balanceAfter: DecimalSchema.optional(),
    /** The settlement or delivery price (a delivery closes the position at it). */
    price: DecimalSchema.optional(),
    symbol: z.string().max(64).optional(),
    tradeId: z.string().max(128).optional(),
    venueOrderId: z.string().max(128).optional(),
    /** Venue time, ISO-8601. */
    at: z.iso.datetime(),
    /** The entry as the venue sent it. */
    raw: z.json(),
  })
  .strict();
export type CashMovementData = z.output<typeof CashMovementDataSchema>;
export type CashMovementDataInput = z.input<typeof CashMovementDataSchema>;

export const CASH_STREAM_PREFIX = 'cash-';

/** The stream of a venue account's cash movements in one currency. */
export function cashStreamId(venue: string, account: string, currency: string): string {
  return `${CASH_STREAM_PREFIX}${venue}-${account}-${currency}`;
}
