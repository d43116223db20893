/**
 * Every Bitget error code the adapter knows, in one table, with what it proves.
 *
 * - `refused`: the venue did not carry the request out (auth, clock, parameters, balance, mode,
 *   size, unknown order...). For a placement that is definitive proof the order does not exist.
 * - `duplicate`: the clientOid is already taken (40786 and its siblings): the order EXISTS and is
 *   looked up and adopted, never marked rejected.
 * - `not_found`: a lookup found nothing (40109 on order detail).
 * - `retryable`: the request may or may not have been carried out, or the venue was busy (429,
 *   system errors): an unknown outcome, safe to retry with the same clientOid.
 * - `ws`: private WebSocket errors (login, subscribe), never seen on REST.
 * - `unknown`: a code that is not in the table: an unknown outcome, never guessed to be a refusal,
 *   and not blindly retried either (look the order up first).
 */
export type BitgetCodeKind = 'refused' | 'duplicate' | 'not_found' | 'retryable' | 'ws' | 'unknown';

/** Why a code is what it is, for logs and the operator. */
export type BitgetCodeTopic =
  | 'auth'
  | 'clock'
  | 'permission'
  | 'parameter'
  | 'order'
  | 'balance'
  | 'position'
  | 'mode'
  | 'size'
  | 'rate_limit'
  | 'system'
  | 'websocket';

export interface BitgetCodeInfo {
  kind: BitgetCodeKind;
  topic: BitgetCodeTopic;
  meaning: string;
}

const row = (kind: BitgetCodeKind, topic: BitgetCodeTopic, meaning: string): BitgetCodeInfo => ({
  kind,
  topic,
  meaning,
});

/** The reference's B6 table, plus the few neighbouring codes the simulator and the adapter meet. */
export const BITGET_CODES: Readonly<Record<string, BitgetCodeInfo>> = {
  // Authentication (B2): the request was refused before it was looked at.
  '40001': row('refused', 'auth', 'ACCESS-KEY is empty'),
  '40002': row('refused', 'auth', 'ACCESS-SIGN is empty'),
  '40003': row('refused', 'auth', 'signature is empty'),
  '40006': row('refused', 'auth', 'invalid ACCESS-KEY'),
  '40009': row('refused', 'auth', 'signature error'),
  '40011': row('refused', 'auth', 'ACCESS-PASSPHRASE is empty'),
  '40012': row('refused', 'auth', 'API key or passphrase is incorrect'),
  '40037': row('refused', 'auth', 'API key does not exist'),
  '40018': row('refused', 'auth', 'IP not allowed'),
  // Clock: the request was refused because of its timestamp (local clock skew). Not retried in a loop.
  '40004': row('refused', 'clock', 'request timestamp expired'),
  '40008': row('refused', 'clock', 'request timestamp expired'),
  '40005': row('refused', 'clock', 'invalid ACCESS-TIMESTAMP'),
  '40079': row('refused', 'clock', 'receiveWindow above 60 s'),
  '40014': row('refused', 'permission', 'incorrect permissions for this API key'),
  // Parameters.
  '40017': row('refused', 'parameter', 'parameter verification failed'),
  '40034': row('refused', 'parameter', 'unknown parameter'),
  '40019': row('refused', 'parameter', 'missing parameter'),
  '40808': row('refused', 'parameter', 'parameter exception (scale, margin mode...)'),
  '41103': row('refused', 'parameter', 'price scale error'),
  '40925': row('refused', 'parameter', 'newSize and newPrice must be given together'),
  '40305': row('refused', 'parameter', 'clientOid too long or invalid (at most 50 characters)'),
  '40306': row('refused', 'parameter', 'batch limit exceeded'),
  '22003': row('refused', 'parameter', 'modifying size or price needs a newClientOid'),
  '40102': row('refused', 'parameter', 'contract does not exist'),
  // Orders.
  '40786': row('duplicate', 'order', 'duplicate clientOid: the order exists'),
  '43118': row('duplicate', 'order', 'clientOrderId duplicate (batch / close failure lists)'),
  '40708': row('duplicate', 'order', 'duplicate clientOid (legacy code)'),
  '40109': row('not_found', 'order', 'order data not found'),
  '40768': row('refused', 'order', 'order does not exist'),
  '43001': row('refused', 'order', 'order does not exist'),
  '43025': row('refused', 'order', 'plan order does not exist'),
  '22001': row('refused', 'order', 'no order to cancel'),
  // Balance.
  '40762': row('refused', 'balance', 'order size greater than the maximum openable'),
  '40711': row('refused', 'balance', 'insufficient balance'),
  '40712': row('refused', 'balance', 'insufficient margin'),
  '43012': row('refused', 'balance', 'insufficient balance'),
  // Positions and position mode.
  '22002': row('refused', 'position', 'no position to close'),
  '40757': row('refused', 'position', 'not enough position to close'),
  '40774': row('refused', 'mode', 'order shape does not match the account position mode'),
  '40920': row('refused', 'mode', 'position mode cannot change while positions or orders exist'),
  // Size and notional.
  '43006': row('refused', 'size', 'below the minimum order size'),
  '45110': row('refused', 'size', 'below the minimum order notional'),
  '45111': row('refused', 'size', 'below the minimum order quantity'),
  // Rate limits and venue trouble: the outcome is unknown; retry with the same clientOid.
  '429': row('retryable', 'rate_limit', 'too many requests'),
  '40010': row('retryable', 'system', 'request timed out at the venue'),
  '40015': row('retryable', 'system', 'system is abnormal, try again later'),
  '40200': row('retryable', 'system', 'server upgrade, try again later'),
  '40604': row('retryable', 'system', 'server is busy, try again later'),
  '40725': row('retryable', 'system', 'service returned an error'),
  '43059': row('retryable', 'system', 'request failed, try again'),
  '45001': row('retryable', 'system', 'unknown venue error'),
  // Private WebSocket (B5).
  '30001': row('ws', 'websocket', 'channel does not exist'),
  '30002': row('ws', 'websocket', 'illegal request'),
  '30003': row('ws', 'websocket', 'invalid op'),
  '30004': row('ws', 'websocket', 'user needs to log in'),
  '30005': row('ws', 'websocket', 'login failed'),
  '30006': row('ws', 'websocket', 'request too many'),
  '30007': row('ws', 'websocket', 'request over limit, connection closed'),
  '30011': row('ws', 'websocket', 'invalid ACCESS-KEY'),
  '30012': row('ws', 'websocket', 'invalid ACCESS-PASSPHRASE'),
  '30013': row('ws', 'websocket', 'invalid ACCESS-TIMESTAMP'),
  '30014': row('ws', 'websocket', 'request timestamp expired'),
  '30015': row('ws', 'websocket', 'invalid signature'),
  '30016': row('ws', 'websocket', 'parameter error'),
};

export const SUCCESS_CODE = '00000';

/** What a code proves; an unknown code is an unknown outcome, never a guessed refusal. */
export function classifyBitgetCode(code: string): BitgetCodeInfo {
  return (
    BITGET_CODES[code] ?? {
      kind: 'unknown',
      topic: 'system',
      meaning: `code ${code} is not in the adapter's table: outcome unknown`,
    }
  );
}

export function isKnownBitgetCode(code: string): boolean {
  return Object.hasOwn(BITGET_CODES, code);
}
