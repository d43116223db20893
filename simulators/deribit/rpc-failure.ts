/**
 * A refusal the local Deribit answers with: Deribit's code, its short message, and `data` when
 * Deribit gives details (`{ reason, param }` for parameter errors).
 */
export class RpcFailure extends Error {
  readonly code: number;
  readonly rpcMessage: string;
  readonly data: unknown;
  constructor(code: number, rpcMessage: string, data?: unknown) {
    super(`${code} ${rpcMessage}`);
    this.name = 'RpcFailure';
    this.code = code;
    this.rpcMessage = rpcMessage;
    this.data = data;
  }
}

/** The refusals the simulator uses, with Deribit's codes and messages. */
export const refuse = {
  authorizationRequired: () => new RpcFailure(10000, 'authorization_required'),
  qtyTooLow: (min: string) =>
    new RpcFailure(10002, 'qty_too_low', { reason: `must be at least ${min}`, param: 'amount' }),
  orderNotFound: () => new RpcFailure(10004, 'order_not_found'),
  notEnoughFunds: () => new RpcFailure(10009, 'not_enough_funds'),
  bookClosed: () => new RpcFailure(10012, 'book_closed'),
  invalidInstrument: () => new RpcFailure(10020, 'invalid_or_unsupported_instrument'),
  nonIntegerContractAmount: (step: string) =>
    new RpcFailure(10027, 'non_integer_contract_amount', {
      reason: `must be a multiple of ${step}`,
      param: 'amount',
    }),
  tooManyRequests: () => new RpcFailure(10028, 'too_many_requests', null),
  notOwnerOfOrder: () => new RpcFailure(10029, 'not_owner_of_order'),
  mustBeWebsocket: () => new RpcFailure(10030, 'must_be_websocket_request'),
  notImplemented: (what: string) => new RpcFailure(10033, 'not_implemented', { reason: what }),
  triggerPriceTooHigh: () => new RpcFailure(10034, 'trigger_price_too_high', { param: 'trigger_price' }),
  triggerPriceTooLow: () => new RpcFailure(10035, 'trigger_price_too_low', { param: 'trigger_price' }),
  priceWrongTick: (tick: string) =>
    new RpcFailure(10043, 'price_wrong_tick', { reason: `must be a multiple of ${tick}`, param: 'price' }),
  otherReject: (reason: string) => new RpcFailure(11030, `other_reject ${reason}`),
  notOpenOrder: () => new RpcFailure(11044, 'not_open_order'),
  postOnlyReject: () => new RpcFailure(11054, 'post_only_reject'),
  invalidCredentials: () => new RpcFailure(13004, 'invalid_credentials'),
  unauthorized: () => new RpcFailure(13009, 'unauthorized'),
  forbidden: (reason: string) => new RpcFailure(13021, 'forbidden', { reason }),
  timedOut: () => new RpcFailure(13888, 'timed_out'),
  nonUniqueLabel: () => new RpcFailure(13032, 'non_unique_order_label'),
  invalidParams: (param: string, reason: string) =>
    new RpcFailure(-32602, 'Invalid params', { reason, param }),
  methodNotFound: () => new RpcFailure(-32601, 'Method not found'),
  parseError: () => new RpcFailure(-32700, 'Parse error'),
  invalidRequest: (reason: string) => new RpcFailure(-32600, reason),
  tooLarge: () => new RpcFailure(-32600, 'request entity too large'),
  expectedException: () =>
    new RpcFailure(11094, 'internal_server_error', { reason: 'expected_result=exception' }),
};
