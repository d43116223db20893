import type {
  AmendResult,
  CancelResult,
  PlaceOptions,
  PlaceResult,
  VenueAdapter,
  VenueOrderRef,
} from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { Amendment, OrderParams } from '../../../domain/order/contract.ts';
import { readSingle } from '../read-each.ts';
import { parseReply } from './errors.ts';
import { currencyOf, orderEntryParams, orderReplyOf, orderSnapshot } from './mapping.ts';
import type { DeribitContext } from './options.ts';
import { failureOutcome } from './outcomes.ts';
import { CountSchema, WireOrderSchema } from './schemas.ts';
import type { RpcReply } from './ws-rpc.ts';

/**
 * Deribit's order commands: `private/buy|sell`, `close_position`, `edit` (or `edit_by_label`),
 * `cancel` (or `cancel_by_label`), `cancel_all_by_instrument`. Each ends in one of three outcomes:
 * accepted, rejected (proved to have had no effect) or unknown (see `outcomes.ts`).
 */
export type DeribitOrders = Pick<VenueAdapter, 'place' | 'closePosition' | 'amend' | 'cancel' | 'cancelAll'>;

type Request = (method: string, params: Record<string, unknown>) => Promise<RpcReply>;

export function createDeribitOrders(
  { account, logger, unreadable }: DeribitContext,
  request: Request,
): DeribitOrders {
  /** A reply that cannot be read is still an unknown outcome; its text goes to `reports$`. */
  const kept = <T>(method: string, result: unknown, read: () => T): T =>
    readSingle(read, result, { venue: 'deribit', account, what: 'order', source: method }, unreadable);
  /** A call that places or changes an order; the reply is `{ order, trades }`. */
  async function orderCall(method: string, params: Record<string, unknown>): Promise<PlaceResult> {
    try {
      const reply = await request(method, params);
      const { venueOrderId, order, fills } = kept(method, reply.result, () =>
        orderReplyOf(account, method, reply.result),
      );
      return {
        outcome: 'accepted',
        venueOrderId,
        order,
        fills,
        ...(reply.latency && { latency: reply.latency }),
      };
    } catch (error) {
      return failureOutcome(logger, method, error);
    }
  }

  function place(order: OrderParams, options: PlaceOptions = {}): Promise<PlaceResult> {
    const method = order.side === 'buy' ? 'private/buy' : 'private/sell';
    return orderCall(method, {
      ...orderEntryParams(order),
      ...(options.validUntilMs !== undefined && { valid_until: options.validUntilMs }),
    });
  }

  /**
   * `private/close_position`. Deribit takes neither a label nor `valid_until` here: the order is
   * known by the id in the reply (or its pushes), and `options.validUntilMs` cannot be honoured.
   */
  function closePosition(order: OrderParams, _options: PlaceOptions = {}): Promise<PlaceResult> {
    return orderCall('private/close_position', {
      instrument_name: order.instrument.symbol,
      type: order.type === 'limit' ? 'limit' : 'market',
      ...(order.type === 'limit' && order.price !== undefined && { price: order.price }),
    });
  }

  async function amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult> {
    const price = amendment.price ?? current.price;
    const terms = {
      amount: amendment.amount ?? current.amount,
      ...(price !== undefined && { price }),
      post_only: current.postOnly,
      ...(current.postOnly && { reject_post_only: current.rejectPostOnly }),
      reduce_only: current.reduceOnly,
      ...(amendment.triggerPrice !== undefined && { trigger_price: amendment.triggerPrice }),
    };
    // Without the venue id (the ack never came), Deribit edits by label when exactly one open order has it.
    const [method, params] =
      ref.venueOrderId !== undefined
        ? ['private/edit', { order_id: ref.venueOrderId, ...terms }]
        : [
            'private/edit_by_label',
            { label: ref.clientOrderId, instrument_name: ref.instrument.symbol, ...terms },
          ];
    const result = await orderCall(method, params);
    // Deribit edits keep the label.
    return result.outcome === 'accepted' ? { ...result, clientOrderId: undefined } : result;
  }

  async function cancel(ref: VenueOrderRef): Promise<CancelResult> {
    const byLabel = ref.venueOrderId === undefined;
    const method = byLabel ? 'private/cancel_by_label' : 'private/cancel';
    try {
      if (byLabel) {
        const reply = await request(method, {
          label: ref.clientOrderId,
          currency: currencyOf(ref.instrument),
        });
        if (parseReply(CountSchema, reply.result, method) === 0) {
          // No open order carries the label: not placed yet, or already closed. Look it up.
          return { outcome: 'unknown', reason: 'no open order carries this label', retryable: true };
        }
        return { outcome: 'accepted', order: undefined, ...(reply.latency && { latency: reply.latency }) };
      }
      const reply = await request(method, { order_id: ref.venueOrderId });
      const order = kept(method, reply.result, () =>
        orderSnapshot(account, parseReply(WireOrderSchema, reply.result, method), reply.result),
      );
      return {
        outcome: 'accepted',
        order,
        ...(reply.latency && { latency: reply.latency }),
      };
    } catch (error) {
      return failureOutcome(logger, method, error);
    }
  }

  async function cancelAll(instrument: Instrument): Promise<number> {
    const method = 'private/cancel_all_by_instrument';
    const reply = await request(method, { instrument_name: instrument.symbol, type: 'all' });
    return parseReply(CountSchema, reply.result, method);
  }

  return { place, closePosition, amend, cancel, cancelAll };
}
