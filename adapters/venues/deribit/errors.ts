import type { z } from 'zod';
import type { VenueLatency } from '../../../domain/metadata.ts';
import { describeIssues } from './schemas.ts';

/**
 * Deribit error codes and what each one proves about a request.
 *
 * - `rejected`: the venue says it did not carry the request out (a bad parameter, not enough
 *   funds, an unknown order...). Only these become definitive refusals.
 * - `unknown`: the request may or may not have been carried out, or the venue asks to retry
 *   later. The order stays in flight until a lookup, a push or reconciliation tells.
 *
 * Codes and names follow the reference's A9 table (ccxt's map, carrying the official names) and
 * Deribit's "RPC Error Codes" list. Anything not in the table is `unknown`: never guess.
 */

export type ErrorOutcome = 'rejected' | 'unknown';

export interface ErrorClass {
  /** Deribit's short message for the code. */
  message: string;
  outcome: ErrorOutcome;
  /** For `unknown`: whether repeating the request later is sensible (after a lookup for orders). */
  retryable: boolean;
  /** Authentication failures: the adapter re-authenticates and repeats the request once. */
  reauthenticate?: true;
}

const rejected = (message: string, extra: Partial<ErrorClass> = {}): ErrorClass => ({
  message,
  outcome: 'rejected',
  retryable: false,
  ...extra,
});
const unknown = (message: string, retryable: boolean): ErrorClass => ({
  message,
  outcome: 'unknown',
  retryable,
});

/** Every code of the reference's A9 table, classified. */
export const DERIBIT_ERRORS: Readonly<Record<number, ErrorClass>> = {
  // Not processed because the session is not (or no longer) authenticated: proof of no effect.
  10000: rejected('authorization_required', { reauthenticate: true }),
  // "Some general failure, no public information available": nothing proves it had no effect.
  10001: unknown('error', false),
  10002: rejected('qty_too_low'),
  10003: rejected('order_overlap'),
  10004: rejected('order_not_found'),
  10005: rejected('price_too_low'),
  10007: rejected('price_too_high'),
  10009: rejected('not_enough_funds'),
  10010: rejected('already_closed'),
  10011: rejected('price_not_allowed'),
  10012: rejected('book_closed'),
  10020: rejected('invalid_or_unsupported_instrument'),
  10021: rejected('invalid_amount'),
  10023: rejected('invalid_price'),
  10025: rejected('invalid_order_id'),
  10026: rejected('price_precision_exceeded'),
  10027: rejected('non_integer_contract_amount'),
  // Credits exhausted: Deribit also drops the session. Treated as unknown, never as a refusal.
  10028: unknown('too_many_requests', true),
  10029: rejected('not_owner_of_order'),
  10030: rejected('must_be_websocket_request'),
  10033: rejected('not_implemented'),
  // A9 names them stop_price_too_high / _too_low; Deribit's current list says trigger_price_*.
  10034: rejected('trigger_price_too_high'),
  10035: rejected('trigger_price_too_low'),
  10040: unknown('retry', true),
  10041: unknown('settlement_in_progress', true),
  10043: rejected('price_wrong_tick'),
  10044: rejected('trigger_price_wrong_tick'),
  10047: unknown('matching_engine_queue_full', true),
  11008: rejected('already_filled'),
  11029: rejected('invalid_arguments'),
  11030: rejected('other_reject'),
  // "Some errors which are not considered as very often": may have had an effect.
  11031: unknown('other_error', false),
  11044: rejected('not_open_order'),
  11050: rejected('bad_request'),
  11051: unknown('system_maintenance', true),
  11052: rejected('subscribe_error_unsubscribed'),
  11054: rejected('post_only_reject'),
  // Beyond A9: edit_by_label when several open orders carry the label.
  13032: rejected('non_unique_order_label'),
  // Beyond A9: `valid_until` passed before the matching engine took the request: never processed.
  13888: rejected('timed_out'),
  13004: rejected('invalid_credentials'),
  13009: rejected('unauthorized', { reauthenticate: true }),
  13021: rejected('forbidden'),
  // JSON-RPC: the request was refused before any processing.
  [-32600]: rejected('invalid request'),
  [-32601]: rejected('Method not found'),
  [-32602]: rejected('Invalid params'),
  [-32700]: rejected('Parse error'),
  [-32000]: rejected('Missing params'),
};

const UNLISTED: ErrorClass = unknown('unlisted error code', false);

/** How an error code from Deribit is to be read. Unlisted codes are `unknown`. */
export function classifyDeribitError(code: number): ErrorClass {
  return DERIBIT_ERRORS[code] ?? UNLISTED;
}

// ------------------------------------------------------------------------------------------------
// The adapter's own errors: a small closed set with stable codes.
// ------------------------------------------------------------------------------------------------

export type DeribitErrorCode =
  /** The venue answered with a JSON-RPC error. */
  | 'DERIBIT_RPC_ERROR'
  /** No reply within the request timeout. */
  | 'DERIBIT_TIMEOUT'
  /** The connection closed (or was not open) before the reply came. */
  | 'DERIBIT_DISCONNECTED'
  /** A message that does not match its schema (a missing field, a bad number...). */
  | 'DERIBIT_PROTOCOL_ERROR'
  /** An HTTP failure without a JSON-RPC body (5xx from a proxy, connection refused). */
  | 'DERIBIT_HTTP_ERROR'
  /** The client-side credit limiter could not fit the request within its timeout: not sent. */
  | 'DERIBIT_RATE_LIMITED'
  /** The adapter was closed. */
  | 'DERIBIT_CLOSED';

export class DeribitError extends Error {
  readonly code: DeribitErrorCode;
  /** Whether the request may have reached the venue (false only when nothing was sent). */
  readonly sent: boolean;
  constructor(code: DeribitErrorCode, message: string, sent: boolean) {
    super(message);
    this.name = 'DeribitError';
    this.code = code;
    this.sent = sent;
  }
}

export class DeribitRpcError extends DeribitError {
  readonly classification: ErrorClass;
  readonly method: string;
  readonly venueCode: number;
  readonly venueMessage: string;
  readonly data: unknown;
  /** usIn / usOut / usDiff of the error reply. */
  readonly latency: VenueLatency | undefined;
  /** The venue's message with the parameter and reason it gave, e.g. `price_wrong_tick (param price: ...)`. */
  readonly detail: string;
  constructor(
    method: string,
    venueCode: number,
    venueMessage: string,
    data: unknown,
    latency?: VenueLatency,
  ) {
    super('DERIBIT_RPC_ERROR', `${method}: ${venueCode} ${venueMessage}${reasonOf(data)}`, true);
    this.name = 'DeribitRpcError';
    this.method = method;
    this.venueCode = venueCode;
    this.venueMessage = venueMessage;
    this.data = data;
    this.latency = latency;
    this.detail = `${venueMessage}${reasonOf(data)}`;
    this.classification = classifyDeribitError(venueCode);
  }
}

/** `data: { reason, param }` of parameter errors, as text (never the whole data blob). */
function reasonOf(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const { reason, param } = data as { reason?: unknown; param?: unknown };
  const parts = [
    typeof param === 'string' ? `param ${param}` : undefined,
    typeof reason === 'string' ? reason : undefined,
  ];
  const text = parts.filter((part) => part !== undefined).join(': ');
  return text === '' ? '' : ` (${text})`;
}

/** The adapter is closed: nothing was sent. */
export const closedError = (method?: string): DeribitError =>
  new DeribitError('DERIBIT_CLOSED', `${method ? `${method}: ` : ''}the adapter is closed`, false);

/** Parses a reply's `result`; a reply that does not match is DERIBIT_PROTOCOL_ERROR naming the field. */
export function parseReply<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new DeribitError(
    'DERIBIT_PROTOCOL_ERROR',
    `${what}: unreadable reply: ${describeIssues(parsed.error, value)}`,
    true,
  );
}
