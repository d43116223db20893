/**
 * The closed set of errors `decide` returns for a refused client command. Stable codes: the HTTP
 * and CLI edges map them to status and exit codes. (Refused venue reports are not errors: they
 * become `OrderAnomalyDetected` events.)
 */
export const ORDER_ERROR_CODES = [
  'ORDER_NOT_FOUND',
  'ORDER_ALREADY_EXISTS',
  'INVALID_ORDER',
  'ORDER_NOT_AMENDABLE',
  'ORDER_ALREADY_CLOSED',
  'REQUEST_ALREADY_PENDING',
  'NOTHING_TO_CLOSE',
] as const;
export type OrderErrorCode = (typeof ORDER_ERROR_CODES)[number];

export interface OrderError {
  code: OrderErrorCode;
  message: string;
  /** The offending field of the command, when one is to blame (e.g. `price`, `amendment.amount`). */
  field?: string;
}

export function orderError(code: OrderErrorCode, message: string, field?: string): OrderError {
  return field === undefined ? { code, message } : { code, message, field };
}
