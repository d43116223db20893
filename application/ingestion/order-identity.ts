import { exists } from '../../domain/order/state.ts';
import { AWAITING_VENUE_STATUSES } from '../../domain/order/transitions.ts';
import { orderIdFromClientOrderId } from '../orders/client-order-id.ts';
import type { OrderHandler } from '../orders/order-handler.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { VenueEntry } from '../venues/venue-registry.ts';
import { externalOrderId } from './external.ts';

/**
 * Which order a venue order is. The venue order id is the identity; a client id (label, clientOid)
 * of ours matches only where our order could have produced that venue order: it holds that venue
 * id, its placement is not acknowledged yet, a request is pending, it is a trigger order that may
 * have fired into a new venue order, or the client id is a replacement's (Bitget modify). Any other venue order is external, even with our label, and so is
 * one with a label of ours that no stream here knows (an empty or older store).
 */
export class OrderIdentity<P> {
  readonly #handler: OrderHandler<P>;
  readonly #readModel: ServiceReadModel;
  /** venue account / venue order id → order id, learnt as reports and replies come. */
  readonly #index = new Map<string, string>();

  constructor(handler: OrderHandler<P>, readModel: ServiceReadModel) {
    this.#handler = handler;
    this.#readModel = readModel;
  }

  remember(entry: VenueEntry, venueOrderId: string, orderId: string): void {
    if (this.#index.size > 100_000) this.#index.clear();
    this.#index.set(`${entry.key}/${venueOrderId}`, orderId);
  }

  /**
   * The order of this venue order, if any stream here is it. `triggerOrderId`: the venue says a
   * trigger order created it when it fired (Deribit `trigger_order_id`, Bitget `executeOrderId`):
   * it is the order that trigger order is.
   */
  async orderIdFor(
    entry: VenueEntry,
    venueOrderId: string,
    clientOrderId: string | undefined,
    triggerOrderId?: string,
  ): Promise<string | undefined> {
    const ours = orderIdFromClientOrderId(clientOrderId);
    if (ours !== undefined && (await this.#couldHaveProduced(ours, venueOrderId, clientOrderId))) return ours;
    const key = `${entry.key}/${venueOrderId}`;
    const known = this.#index.get(key);
    if (known !== undefined) return known;
    if (triggerOrderId !== undefined) {
      const trigger = await this.orderIdFor(entry, triggerOrderId, undefined);
      if (trigger !== undefined) {
        this.#index.set(key, trigger);
        return trigger;
      }
    }
    const { venue, account } = entry.adapter;
    const external = externalOrderId(venue, account, venueOrderId);
    const found =
      (await this.#readModel.orderIdByVenueOrderId(venue, account, venueOrderId)) ??
      ((await this.exists(external)) ? external : undefined);
    if (found !== undefined) this.#index.set(key, found);
    return found;
  }

  async exists(orderId: string): Promise<boolean> {
    return exists((await this.#handler.load(orderId)).state);
  }

  async #couldHaveProduced(orderId: string, venueOrderId: string, clientOrderId: string | undefined) {
    const { state } = await this.#handler.load(orderId);
    if (!exists(state)) return false;
    // A trigger order of ours, untriggered until now, may have fired into a new venue order that
    // carries our client id (Deribit: a new order id, its trigger_order_id naming ours).
    const triggerable = state.status === 'untriggered' || state.previousStatus === 'untriggered';
    return (
      state.venueOrderIds.includes(venueOrderId) ||
      state.venueOrderId === undefined ||
      AWAITING_VENUE_STATUSES.has(state.status) ||
      triggerable ||
      (clientOrderId !== undefined && clientOrderId !== state.order.clientOrderId)
    );
  }
}
