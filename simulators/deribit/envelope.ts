import type { RpcFailure } from './rpc-failure.ts';

/** A JSON-RPC reply of the local Deribit, as Deribit writes it. */
export type Envelope = Record<string, unknown>;

/** What a request came to: its result, or Deribit's refusal. */
export type Outcome = { result: unknown } | { error: RpcFailure };

/** Deribit's envelope: `jsonrpc`, `id`, the result or the error, `usIn`, `usOut`, `usDiff`, `testnet`. */
export function rpcEnvelope(
  id: unknown,
  usIn: number,
  usOut: number,
  testnet: boolean,
  body: Outcome,
): Envelope {
  const payload =
    'error' in body
      ? {
          error: {
            code: body.error.code,
            message: body.error.rpcMessage,
            ...(body.error.data !== undefined && { data: body.error.data }),
          },
        }
      : { result: body.result };
  return {
    jsonrpc: '2.0',
    ...(id !== undefined && { id }),
    ...payload,
    usIn,
    usOut,
    usDiff: usOut - usIn,
    testnet,
  };
}

/** A result missing a field the client relies on (the mangle fault): the order's state, or everything. */
export function mangled(outcome: Outcome): Outcome {
  if (!('result' in outcome)) return outcome;
  const result = outcome.result;
  if (typeof result === 'object' && result !== null && 'order' in result) {
    const { order_state: _dropped, ...order } = (result as { order: Record<string, unknown> }).order;
    return { result: { ...result, order } };
  }
  return { result: {} };
}
