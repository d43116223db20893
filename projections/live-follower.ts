import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { EventStore, RecordedEvent, SubscriptionMessage } from '../application/ports/event-store.ts';
import { CASH_STREAM_PREFIX } from '../domain/ledger/contract.ts';
import { MARK_STREAM_PREFIX } from '../domain/marks/contract.ts';
import { ORDER_STREAM_PREFIX } from '../domain/order/contract.ts';

export interface FollowAllOptions<P> {
  store: EventStore<P>;
  /** Exclusive; undefined: from the start. */
  after: P | undefined;
  batchSize: number;
  /** Messages queued before the follower gives up (the runner goes back to paging). */
  maxLiveBacklog: number;
  /** Applies a batch of events and moves the checkpoint to `to`. */
  apply(batch: RecordedEvent<P>[], to: P): Promise<void>;
  log: Logger;
  signal: AbortSignal;
  /** How long the subscription waits, once woken, before it reads (`SubscribeOptions.coalesceMs`). */
  coalesceMs?: number;
}

/** Takes up to `size` events off the queue, and the position the batch ends at (checkpoints included). */
const takeBatch = <P>(queue: SubscriptionMessage<P>[], size: number) => {
  const batch: RecordedEvent<P>[] = [];
  let to: P | undefined;
  while (queue.length > 0 && batch.length < size) {
    const message = queue.shift()!;
    if (message.kind === 'event') {
      batch.push(message.event);
      to = message.event.position;
    } else {
      to = message.position;
    }
  }
  return { batch, to };
};

/**
 * Follows `$all` live (rxjs subscription) and applies what arrives in natural batches: whatever
 * queued while the previous batch was written, up to `batchSize`. `done` resolves when stopped,
 * when the subscription completes, or when the queue grows past `maxLiveBacklog`; rejects when
 * applying or the subscription fails (after the batch in progress ends).
 */
export const followAll = <P>(o: FollowAllOptions<P>): { done: Promise<void>; stop: () => void } => {
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const queue: SubscriptionMessage<P>[] = [];
    let draining = false;
    let finished = false;
    let subscription: Subscription | undefined;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      subscription?.unsubscribe();
      if (error === undefined) resolve();
      else reject(error);
    };
    const drain = async () => {
      if (draining) return;
      draining = true;
      try {
        while (queue.length > 0 && !finished) {
          if (queue.length > o.maxLiveBacklog) {
            o.log.info({ queued: queue.length }, 'live queue too long: back to paging');
            finish();
            return;
          }
          const { batch, to } = takeBatch(queue, o.batchSize);
          if (to !== undefined) await o.apply(batch, to);
        }
      } catch (error) {
        finish(error);
      } finally {
        draining = false;
      }
      if (o.signal.aborted) finish();
    };
    stop = () => finish();
    subscription = o.store
      .subscribeToAll({
        ...(o.after !== undefined && { after: o.after }),
        filter: { streamPrefixes: [ORDER_STREAM_PREFIX, CASH_STREAM_PREFIX, MARK_STREAM_PREFIX] },
        ...(o.coalesceMs !== undefined && { coalesceMs: o.coalesceMs }),
      })
      .subscribe({
        next: (message) => {
          queue.push(message);
          void drain();
        },
        error: (error: unknown) => {
          // Let the batch in progress end before reporting.
          const wait = () => (draining ? setTimeout(wait, 5) : finish(error));
          wait();
        },
        complete: () => finish(),
      });
    // A subscription that ended while it was being opened is let go now.
    if (finished) subscription.unsubscribe();
    if (o.signal.aborted) finish();
  });
  return { done, stop };
};
