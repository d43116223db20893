import type { VenueRefusal } from '../../application/ports/venue.ts';

/**
 * A request that never left the adapter: the venue cannot have acted on it, so it may simply be sent
 * later. `throttled`: our own rate limiter held it back (back-pressure, not a venue failure).
 */
export function notSentRefusal(message: string, throttled: boolean): VenueRefusal {
  return {
    outcome: 'rejected',
    venueCode: throttled ? 'throttled' : 'not_sent',
    message,
    notSent: true,
    ...(throttled && { throttled }),
  };
}
