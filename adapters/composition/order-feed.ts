import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { OrderView } from '../../application/orders/order-view.ts';
import type { ServiceResult } from '../../application/orders/service-result.ts';
import type { EventStore } from '../../application/ports/event-store.ts';
import { ORDER_STREAM_PREFIX } from '../../domain/order/contract.ts';
import type { OrderChanges } from '../http/web-routes.ts';

export interface OrderFeedDeps<P> {
  store: EventStore<P>;
  /** Where to start following the store (exclusive): the read models' checkpoint, near its end. */
  after: P | undefined;
  /** The order as it stands after its last event (built from its own events, always current). */
  getOrder(orderId: string): Promise<ServiceResult<OrderView>>;
  logger: Logger;
}

/**
 * Every change of an order, as the order now stands, for the web page's live blotter (the API's
 * `GET /v1/orders/stream`). One subscription to the store's order streams for the whole process;
 * an order changed by a burst of events is read once per burst (a change seen while it is being
 * read makes it read again after), so a listener always ends on the order's latest state.
 */
export function createOrderFeed<P>(deps: OrderFeedDeps<P>): OrderChanges & { close(): void } {
  const listeners = new Set<(order: OrderView) => void>();
  /** Orders being read now, and whether they changed again meanwhile. */
  const reading = new Map<string, boolean>();

  const publish = async (orderId: string): Promise<void> => {
    do {
      reading.set(orderId, false);
      const result = await deps.getOrder(orderId);
      if (result.ok) for (const listener of listeners) listener(result.value);
    } while (reading.get(orderId) === true);
    reading.delete(orderId);
  };

  const changed = (orderId: string) => {
    if (listeners.size === 0) return;
    if (reading.has(orderId)) {
      reading.set(orderId, true);
      return;
    }
    publish(orderId).catch((error: unknown) => {
      reading.delete(orderId);
      deps.logger.warn({ err: error, orderId }, 'order feed: reading a changed order failed');
    });
  };

  const subscription: Subscription = deps.store
    .subscribeToAll({
      ...(deps.after !== undefined && { after: deps.after }),
      filter: { streamPrefixes: [ORDER_STREAM_PREFIX] },
    })
    .subscribe({
      next: (message) => {
        if (message.kind === 'event') changed(message.event.streamId.slice(ORDER_STREAM_PREFIX.length));
      },
      error: (error: unknown) =>
        deps.logger.error({ err: error }, 'order feed: the store subscription ended'),
    });

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      subscription.unsubscribe();
      listeners.clear();
    },
  };
}
