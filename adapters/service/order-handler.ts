import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { OrderCommand, OrderEvent } from '../../domain/order/contract.ts';
import { orderStreamId } from '../../domain/order/contract.ts';
import { decide, evolve } from '../../domain/order/decider.ts';
import type { OrderError } from '../../domain/order/errors.ts';
import {
  type DecodedOrderEvent,
  decodeOrderEvent,
  encodeOrderEvent,
} from '../../domain/order/event-codec.ts';
import { exists, initialState, type OrderState } from '../../domain/order/state.ts';
import type { CurrentRevision, EventStore, RecordedEvent } from '../event-store/port.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../event-store/port.ts';
import { eventIdFor, fillEventId } from './ids.ts';
import { KeyedSerialQueue } from './keyed-serial-queue.ts';

/** An order read back from its stream. */
export interface LoadedOrder<P> {
  state: OrderState;
  revision: CurrentRevision;
  events: (DecodedOrderEvent & { recorded: RecordedEvent<P> })[];
}

export type HandleResult<P> =
  | {
      ok: true;
      /** `applied`: events were appended; `unchanged`: nothing to record (a duplicate report);
       * `replayed`: this idempotency key was handled before, and this is its first result. */
      kind: 'applied' | 'unchanged' | 'replayed';
      state: OrderState;
      events: OrderEvent[];
      /** Position of the last event appended (or replayed): wait for read models to pass it. */
      position: P | undefined;
    }
  | { ok: false; kind: 'refused'; error: OrderError }
  | { ok: false; kind: 'idempotency_conflict'; error: { code: 'IDEMPOTENCY_KEY_REUSED'; message: string } };

export interface OrderHandler<P> {
  /** read → fold → decide → append with the expected revision; retried on a concurrent append. */
  handle(command: OrderCommand): Promise<HandleResult<P>>;
  load(orderId: string): Promise<LoadedOrder<P>>;
}

export interface OrderHandlerOptions<P> {
  store: EventStore<P>;
  logger: Logger;
  /** Attempts on a concurrent append to the same order before giving up. */
  maxAttempts?: number;
}

/** Digest of a command's payload, stored with its events: the same key with another payload is refused. */
export function payloadDigest(command: Pick<OrderCommand, 'type' | 'data'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ type: command.type, data: command.data }))
    .digest('base64url');
}

export function orderIdOf(command: OrderCommand): string {
  return command.type === 'RecordExternalOrder' ? command.data.order.orderId : command.data.orderId;
}

export function createOrderHandler<P>({
  store,
  logger,
  maxAttempts = 8,
}: OrderHandlerOptions<P>): OrderHandler<P> {
  // One command at a time per order in this process; optimistic concurrency covers other processes.
  const queue = new KeyedSerialQueue();

  async function load(orderId: string): Promise<LoadedOrder<P>> {
    let recorded: RecordedEvent<P>[];
    try {
      recorded = await store.readStream(orderStreamId(orderId));
    } catch (error) {
      if (error instanceof StreamNotFoundError)
        return { state: initialState, revision: 'no_stream', events: [] };
      throw error;
    }
    let state: OrderState = initialState;
    const events = recorded.map((r) => {
      const decoded = decodeOrderEvent({ type: r.type, data: r.data, metadata: r.metadata });
      state = evolve(state, decoded.event);
      return { ...decoded, recorded: r };
    });
    const last = recorded.at(-1);
    return { state, revision: last ? last.revision : 'no_stream', events };
  }

  async function attempt(command: OrderCommand): Promise<HandleResult<P> | 'retry'> {
    const orderId = orderIdOf(command);
    const loaded = await load(orderId);
    const key = command.metadata.idempotencyKey;
    if (key !== undefined) {
      const earlier = loaded.events.filter((e) => e.metadata.idempotencyKey === key);
      if (earlier.length > 0) {
        const digest = command.metadata.payloadDigest ?? payloadDigest(command);
        if (earlier.some((e) => e.metadata.payloadDigest !== digest)) {
          return {
            ok: false,
            kind: 'idempotency_conflict',
            error: {
              code: 'IDEMPOTENCY_KEY_REUSED',
              message: `idempotency key ${key} was used before for another request`,
            },
          };
        }
        return {
          ok: true,
          kind: 'replayed',
          state: loaded.state,
          events: earlier.map((e) => e.event),
          position: earlier.at(-1)?.recorded.position,
        };
      }
    }

    const decision = decide(command, loaded.state);
    if (!decision.ok) return { ok: false, kind: 'refused', error: decision.error };
    if (decision.events.length === 0) {
      return { ok: true, kind: 'unchanged', state: loaded.state, events: [], position: undefined };
    }

    // Everything that happens to an order carries the correlation id of the request that made it.
    const first = loaded.events[0];
    const metadata = {
      ...command.metadata,
      ...(command.metadata.source !== 'client' && first && { correlationId: first.metadata.correlationId }),
      ...(key !== undefined &&
        command.metadata.payloadDigest === undefined && { payloadDigest: payloadDigest(command) }),
    };
    let state = loaded.state;
    const toAppend = decision.events.map((event, index) => {
      state = evolve(state, event);
      return {
        id: eventIdOf(command.metadata.commandId, event, index, state),
        ...encodeOrderEvent(event, metadata),
      };
    });
    try {
      const result = await store.append(orderStreamId(orderId), toAppend, {
        expectedRevision: loaded.revision,
      });
      return { ok: true, kind: 'applied', state, events: decision.events, position: result.position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return 'retry';
      throw error;
    }
  }

  async function handle(command: OrderCommand): Promise<HandleResult<P>> {
    return queue.run(orderIdOf(command), async () => {
      for (let n = 1; n <= maxAttempts; n++) {
        const result = await attempt(command);
        if (result !== 'retry') return result;
        logger.debug({ orderId: orderIdOf(command), attempt: n }, 'concurrent append to the order; retrying');
      }
      throw new Error(`order ${orderIdOf(command)}: ${maxAttempts} concurrent appends in a row, giving up`);
    });
  }

  return { handle, load };
}

/** Fills get an id per venue trade; everything else an id per command and position in its output. */
function eventIdOf(commandId: string, event: OrderEvent, index: number, after: OrderState): string {
  if (event.type === 'OrderFilled' && exists(after)) {
    return fillEventId(after.order.instrument.venue, after.order.account, event.data.fill.tradeId);
  }
  return eventIdFor(commandId, index);
}
