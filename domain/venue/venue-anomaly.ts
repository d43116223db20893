import { z } from 'zod';

/**
 * Something a venue sent that the OMS could not read (an order, fill, position or instrument whose
 * shape it does not know). Kept with its text for an operator, never dropped, never a reason to
 * pause the venue. Stream `venue-anomalies-<venue>-<account>`; `orderId` names our order when the
 * text names one of them (by client id or venue order id).
 */
export const VenueInputUnreadableSchema = z
  .object({
    type: z.literal('VenueInputUnreadable'),
    data: z
      .object({
        venue: z.string().min(1),
        account: z.string().min(1),
        what: z.string().min(1),
        /** Push channel or request method. */
        source: z.string(),
        raw: z.string(),
        error: z.string().max(2000),
        orderId: z.string().optional(),
        receivedAt: z.string(),
      })
      .strict(),
  })
  .strict();
export type VenueInputUnreadable = z.output<typeof VenueInputUnreadableSchema>;

export function venueAnomalyStream(venue: string, account: string): string {
  return `venue-anomalies-${venue}-${account}`;
}
