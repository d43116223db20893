import type { Logger } from 'pino';
import { z } from 'zod';
import type { UnreadableItem, VenueAdapter } from '../../../application/ports/venue.ts';
import { DERIBIT_DEFAULT_RATE_LIMITS, RateLimitsSchema } from './rate-limits.ts';

/** What the Deribit adapter is configured with (validated when the adapter is created). */
export const DeribitAdapterOptionsSchema = z
  .object({
    /** Our name for the venue account (reports carry it). */
    account: z.string().min(1),
    wsUrl: z.string().url(),
    httpUrl: z.string().url(),
    credentials: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }).strict(),
    auth: z.enum(['client_credentials', 'client_signature']).default('client_credentials'),
    /** Every request's deadline (also the WebSocket handshake's). */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** `public/set_heartbeat` interval; Deribit's minimum is 10 s. */
    heartbeatIntervalSec: z.number().positive().default(10),
    /** A socket silent this long is dead (default: two heartbeat intervals plus a second). */
    deadAfterMs: z.number().int().positive().optional(),
    rateLimits: RateLimitsSchema.default(DERIBIT_DEFAULT_RATE_LIMITS),
    /**
     * Credits kept in hand, as refill time: the venue charges a request when it arrives, so
     * uneven network delays leave its count behind ours by up to this much refill.
     */
    rateLimitMarginMs: z.number().int().min(0).default(500),
    /** The reconnect backoff (the project's one backoff, `application/support/backoff.ts`). */
    reconnect: z
      .object({
        initialDelayMs: z.number().int().positive().default(250),
        maxDelayMs: z.number().int().positive().default(10_000),
        /** The one backoff doubles the delay: 2 is the only factor (kept for older configurations). */
        factor: z.literal(2).optional(),
      })
      .strict()
      .default({ initialDelayMs: 250, maxDelayMs: 10_000 }),
    /** How long `connect()` keeps trying before it gives up. */
    connectTimeoutMs: z.number().int().positive().default(30_000),
    /** Requests go over the WebSocket when it is up (HTTP otherwise), or always over HTTP. */
    requestTransport: z.enum(['ws', 'http']).default('ws'),
    /**
     * A list of open orders this long or longer is compared with the OMS's records in a worker
     * thread before it is read (`open-orders-screen.ts`).
     */
    openOrdersScreenFrom: z.number().int().positive().default(1_000),
    /** Refresh the token when this share of its lifetime has passed. */
    tokenRefreshAt: z.number().gt(0).lt(1).default(0.8),
  })
  .strict();
export type DeribitAdapterConfig = z.output<typeof DeribitAdapterOptionsSchema>;

export interface DeribitAdapterOptions extends z.input<typeof DeribitAdapterOptionsSchema> {
  logger: Logger;
  /** The adapter's clock in ms (signature timestamps, receivedAt, liveness). Default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
}

export interface DeribitAdapter extends VenueAdapter {
  readonly venue: 'deribit';
  /** Pushes that did not match their schema (each is logged, naming the field). */
  readonly protocolErrors: number;
}

/** What the parts of the adapter share. */
export interface DeribitContext {
  readonly config: DeribitAdapterConfig;
  readonly account: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** Hands objects the adapter could not read over to `reports$` (`read-each.ts`). */
  readonly unreadable: (items: readonly UnreadableItem[]) => void;
}
