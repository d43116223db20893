/**
 * The refusals of the local Bitget: Bitget's code, its message, and the HTTP status the reference
 * gives (400 for business errors, 429 for rate limits). Messages are Bitget's own words where
 * recorded traffic shows them (ccxt fixtures and issue reports); the others are marked "sim".
 */
export class BitgetFailure extends Error {
  readonly code: string;
  readonly httpStatus: number;
  constructor(code: string, message: string, httpStatus = 400) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

const fail = (code: string, message: string, httpStatus?: number) =>
  new BitgetFailure(code, message, httpStatus);

export const refuse = {
  // Authentication (messages as in ccxt's Bitget exception table).
  keyEmpty: () => fail('40001', 'ACCESS_KEY cannot be empty'),
  signEmpty: () => fail('40002', 'ACCESS_SIGN cannot be empty'),
  passphraseEmpty: () => fail('40011', 'ACCESS_PASSPHRASE cannot be empty'),
  invalidTimestamp: () => fail('40005', 'Invalid ACCESS_TIMESTAMP'),
  timestampExpired: () => fail('40008', 'Request timestamp expired'),
  keyDoesNotExist: () => fail('40037', 'Apikey does not exist'),
  wrongPassphrase: () => fail('40012', 'apikey/password is incorrect'),
  badSignature: () => fail('40009', 'sign signature error'),
  // Parameters. 40019 as recorded ("Parameter X cannot be empty"); 40034 and 40017 texts: sim.
  missing: (name: string) => fail('40019', `Parameter ${name} cannot be empty`),
  unknownParameter: (name: string) => fail('40034', `Parameter ${name} does not exist`),
  invalid: (name: string, detail: string) =>
    fail('40017', `Parameter verification failed, ${name} ${detail}`),
  sizeScale: (value: string, scale: number) =>
    fail(
      '40808',
      `Parameter verification exception size checkBDScale error value=${value} checkScale=${scale}`,
    ),
  priceScale: () => fail('41103', 'param price scale error error'),
  /** A limit price beyond the contract's price limit ratios around the mark (`delegatePrice`: the order price). */
  priceOutsideLimit: () => fail('40808', 'Parameter verification exception delegatePrice'),
  marginModeMismatch: (mode: string) =>
    fail(
      '40808',
      `Parameter verification exception margin mode == ${mode === 'isolated' ? 'FIXED' : 'CROSSED'}`,
    ),
  symbolNotFound: () => fail('40102', 'Contract configuration does not exist, please check the parameters'),
  clientOidInvalid: () =>
    fail('40305', 'client_oid length is not greater than 50, and cannot be Martian characters'),
  sizeAndPriceTogether: () => fail('40925', 'newSize and newPrice must be passed together'), // sim
  newClientOidRequired: () => fail('22003', 'newClientOid is required when modifying the price or size'), // sim
  // Orders.
  duplicateClientOid: () => fail('40786', 'Duplicate clientOid'),
  orderNotFound: () =>
    fail('40109', 'The data of the order cannot be found, please confirm the order number'),
  cancelNotFound: () => fail('40768', 'Order does not exist'),
  noOrderToCancel: () => fail('22001', 'No order to cancel'),
  modifyNotFound: () => fail('43001', 'The order does not exist'), // sim text
  notModifiable: () =>
    fail('40017', 'Parameter verification failed, only unfilled limit orders can be modified'), // sim
  // Plan (trigger) orders.
  planNotFound: () => fail('43025', 'Plan order does not exist'),
  trailingNotSimulated: () =>
    fail(
      '40017',
      'Parameter verification failed, planType track_plan (trailing stop) is not simulated by the local venue',
    ), // sim: the local venue's own limitation
  // Mode, balance, size, positions.
  unilateralMismatch: () =>
    fail('40774', 'The order type for unilateral position must also be the unilateral position type.'),
  insufficientBalance: () => fail('43012', 'Insufficient balance'),
  belowMinNotional: (min: string) => fail('45110', `less than the minimum amount ${min} USDT`),
  belowMinSize: (min: string) => fail('43006', `The order quantity is less than the minimum ${min}`), // sim text
  noPositionToClose: () => fail('22002', 'No position to close'),
  insufficientPosition: () => fail('40757', 'Not enough position is available.'), // sim text
  positionModeLocked: () => fail('40920', 'Position or order exists, the position mode cannot be switched'), // sim text
  // Transport-level.
  rateLimited: () => fail('429', 'Too Many Requests', 429),
  notFound: () => fail('40404', 'Request URL NOT FOUND', 404), // sim
} as const;
