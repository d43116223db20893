import { z } from 'zod';
import { PositiveDecimalSchema } from '../decimal.ts';
import { VenueSchema } from '../instrument.ts';

/**
 * The event of a mark price recorded by the OMS (the venue's mark of an instrument at an instant),
 * in the stream of its venue and instrument (`markStreamId`). Marks value the open positions:
 * unrealized PnL and equity, and the daily statements' opening and closing marks.
 *
 * `at` is the instant the mark stands for: a tick of the recording interval, or a day's close (the
 * configured day boundary). The event's id derives from (venue, instrument, at), so recording the
 * same instant again (a retry, a second process) writes nothing.
 */
export const MARK_PRICE_RECORDED = 'MarkPriceRecorded';

export const MarkOccasionSchema = z.enum(['interval', 'day_close']);
export type MarkOccasion = z.infer<typeof MarkOccasionSchema>;

export const MarkPriceDataSchema = z
  .object({
    venue: VenueSchema,
    symbol: z.string().min(1).max(64),
    mark: PositiveDecimalSchema,
    /** The instant the mark stands for (an interval tick or a day's close), ISO-8601. */
    at: z.iso.datetime(),
    occasion: MarkOccasionSchema,
    /** When the OMS read it from the venue (at or just after `at`), ISO-8601. */
    observedAt: z.iso.datetime(),
  })
  .strict();
export type MarkPriceData = z.output<typeof MarkPriceDataSchema>;

export const MARK_STREAM_PREFIX = 'mark-';

/** The stream of a venue instrument's recorded marks. */
export function markStreamId(venue: string, symbol: string): string {
  return `${MARK_STREAM_PREFIX}${venue}-${symbol}`;
}
