import type { Venue } from '../../domain/instrument.ts';
import type { Source } from '../../domain/metadata.ts';
import type { PositionMode } from '../../domain/order/contract.ts';
import { ORDER_ERROR_CODES } from '../../domain/order/errors.ts';
import { PRE_TRADE_CODES } from '../../domain/risk/pre-trade.ts';
import type { OrderView } from './order-view.ts';

/** What the order service answers: a value, or one of its errors. */

/**
 * The order service's closed set of errors, by stable code (the HTTP edge maps each to a status):
 * the domain's refusals and pre-trade limits, and the service's own.
 */
export const SERVICE_ERROR_CODES = [
  ...ORDER_ERROR_CODES,
  ...PRE_TRADE_CODES,
  'IDEMPOTENCY_KEY_REUSED',
  'VENUE_NOT_CONFIGURED',
  'VENUE_PAUSED',
  'VENUE_BUSY',
  'VENUE_UNAVAILABLE',
  'UNKNOWN_INSTRUMENT',
] as const;
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

export interface ServiceError {
  code: ServiceErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ServiceResult<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

export interface CommandResult {
  order: OrderView;
  /** True when an earlier request with the same idempotency key is answered again. */
  replayed: boolean;
}

/** Who is asking, and the key that makes a retry safe. */
export interface RequestContext {
  idempotencyKey?: string;
  correlationId?: string;
  source?: Extract<Source, 'client' | 'system'>;
  /** Who asked (the API token's name), recorded as `by`. */
  by?: string;
  /** What caused this request, when not a client (the kill-switch event behind its cancels). */
  causationId?: string;
  /** How long to wait for the venue's answer before returning what is known (ms). */
  waitMs?: number;
}

export interface VenueAccountSettings {
  venue: Venue;
  account: string;
  positionMode: PositionMode;
  /** Bitget margin mode used when a request gives none. */
  marginMode?: 'isolated' | 'crossed';
}

export const ok = <T>(value: T): ServiceResult<T> => ({ ok: true, value });
export const fail = <T>(
  code: ServiceErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ServiceResult<T> => ({
  ok: false,
  error: { code, message, ...(details && { details }) },
});
