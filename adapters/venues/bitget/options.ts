import type { Logger } from 'pino';
import { z } from 'zod';
import type { VenueAdapter, VenueOrderSnapshot, VenuePosition } from '../../../application/ports/venue.ts';
import type { BitgetProductType, Instrument } from '../../../domain/instrument.ts';
import type { PositionMode } from '../../../domain/order/contract.ts';
import type { BitgetEndpointGroup } from './rate-limiter.ts';
import type { Credentials } from './signing.ts';

/** The private WebSocket's timing. */
export interface BitgetWsOptions {
  pingIntervalMs: number;
  /** The socket is declared dead when nothing (not even `pong`) arrived for ping interval + this. */
  pongTimeoutMs: number;
  /** Deadline of the socket's opening, and of the login and subscribe acks. */
  handshakeTimeoutMs: number;
  /** The reconnect backoff (the project's one backoff, `application/support/backoff.ts`). */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** `connect()` gives up after this long without a first connection. */
  connectTimeoutMs: number;
}

export interface BitgetAdapterOptions {
  /** The OMS's name for this Bitget account (sub-account). */
  account: string;
  /** e.g. https://api.bitget.com, or the local Bitget's `restUrl`. */
  restUrl: string;
  /** e.g. wss://ws.bitget.com/v2/ws/private, or the local Bitget's `wsUrl`. */
  wsUrl: string;
  credentials: Credentials;
  /** Demo trading: sends `paptrading: 1` on private calls (use the demo WS host as wsUrl). */
  demo?: boolean;
  productType?: BitgetProductType;
  marginCoin?: string;
  /** Margin mode for orders that do not say (the domain requires one for Bitget orders). */
  defaultMarginMode?: 'isolated' | 'crossed';
  logger: Logger;
  /** Deadline of every REST request. */
  requestTimeoutMs?: number;
  /** Requests per second per endpoint group; Bitget's limits by default. */
  rateLimits?: Partial<Record<BitgetEndpointGroup, number>>;
  rateLimitWindowMs?: number;
  rateLimitMarginMs?: number;
  /** A request that would wait longer than this for the client limiter is not sent (unknown, retryable). */
  maxRateLimitWaitMs?: number;
  /** The account's position mode; queried from the venue (account endpoint) when not given. */
  positionMode?: PositionMode;
  /** Symbol used for the account query that tells the position mode. */
  positionModeProbeSymbol?: string;
  /** Measure the offset to the venue clock (`/api/v2/public/time`) at connect and after 40008. */
  syncClock?: boolean;
  ws?: Partial<BitgetWsOptions>;
  /** Clock (ms since the epoch) and randomness (backoff jitter), injectable for tests. */
  now?: () => number;
  random?: () => number;
}

export interface BitgetAdapter extends VenueAdapter {
  readonly venue: 'bitget';
  /** The account's position mode as last learned (configured or queried). */
  positionMode(): PositionMode | undefined;
  /** Queries the account's position mode again. */
  refreshPositionMode(): Promise<PositionMode>;
  /** `set-position-mode`; Bitget refuses it while positions or orders exist. */
  setPositionMode(mode: PositionMode): Promise<PositionMode>;
  /** `close-positions`: flash-closes at market (the venue picks the clientOids; prefer `closePosition`). */
  closePositionsAtMarket(
    instrument?: Instrument,
    holdSide?: 'long' | 'short',
  ): Promise<{ closed: { orderId: string | undefined; clientOid: string | undefined }[]; failed: number }>;
  /** The positions of one instrument (`single-position`): a net position, or up to two hedge legs. */
  positionsOf(instrument: Instrument): Promise<VenuePosition[]>;
  /** Finished orders (`orders-history`), newest first. */
  orderHistory(instrument?: Instrument): Promise<VenueOrderSnapshot[]>;
  /** Venue time minus local time, in ms, as last measured. */
  clockOffsetMs(): number;
}

export const DEFAULT_WS: BitgetWsOptions = {
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  connectTimeoutMs: 30_000,
};

/** Options the service reads from configuration (zod, so credentials come in validated). */
export const BitgetCredentialsSchema = z
  .object({ apiKey: z.string().min(1), secretKey: z.string().min(1), passphrase: z.string().min(1) })
  .strict();
