import { GrowingSet } from '../../domain/growing-set.ts';
import type { OrderCommand, OrderEvent } from '../../domain/order/contract.ts';
import { exists, type OrderState } from '../../domain/order/state.ts';
import { deterministicId, eventIdFor, fillEventId, payloadDigest } from './ids.ts';
import type { LoadedOrder } from './order-handler.ts';

/**
 * What a venue report answers, and the ids its events get: the request it answers (its correlation
 * id and its event as their cause), command ids scoped to that request, an event id per trade for
 * fills.
 */

/** The request a venue report answers: the order's latest client request, else its first event. */
export interface AnsweredRequest {
  /** The request's revision (-1 before any client request). */
  revision: bigint;
  /** The request event's id: the causation id of the report's events. */
  eventId: string | undefined;
  /** The request's correlation id, which the report's events carry. */
  correlationId: string | undefined;
}

type LoadedEvent<P> = LoadedOrder<P>['events'][number];

/** What deciding a report needs from an order's events, kept by its list of events. */
interface EventsIndex {
  answered: AnsweredRequest;
  /** The events' ids: an event whose id is among them is recorded already. */
  ids: GrowingSet<string>;
}

/**
 * Built once when an order's stream is read, then carried to the list each append makes
 * (`extendedBy`), so that deciding an order's n-th report does not go through the n events before
 * it (an order filled in thousands of pieces cost O(n²) in all).
 */
const indexes = new WeakMap<readonly unknown[], EventsIndex>();

function latestRequest<P>(events: readonly LoadedEvent<P>[], from: number): AnsweredRequest | undefined {
  for (let i = events.length - 1; i >= from; i--) {
    const e = events[i]!;
    if (e.metadata.source === 'client') {
      return {
        revision: e.recorded.revision,
        eventId: e.recorded.id,
        correlationId: e.metadata.correlationId,
      };
    }
  }
  return undefined;
}

function firstEventOf<P>(events: readonly LoadedEvent<P>[]): AnsweredRequest {
  const first = events[0];
  return { revision: -1n, eventId: first?.recorded.id, correlationId: first?.metadata.correlationId };
}

function eventsIndexOf<P>(loaded: LoadedOrder<P>): EventsIndex {
  let index = indexes.get(loaded.events);
  if (index === undefined) {
    index = {
      answered: latestRequest(loaded.events, 0) ?? firstEventOf(loaded.events),
      ids: GrowingSet.of(loaded.events.map((e) => e.recorded.id)),
    };
    indexes.set(loaded.events, index);
  }
  return index;
}

/** The request the order's next report answers (a copy: deciding fills in what is missing). */
export function answeredRequest<P>(loaded: LoadedOrder<P>): AnsweredRequest {
  return { ...eventsIndexOf(loaded).answered };
}

/** The ids of the order's recorded events. */
export function recordedIdsOf<P>(loaded: LoadedOrder<P>): GrowingSet<string> {
  return eventsIndexOf(loaded).ids;
}

/** `events` is `loaded.events` and then appended events, whose ids with the earlier ones are `ids`. */
export function extendedBy<P>(
  loaded: LoadedOrder<P>,
  events: readonly LoadedEvent<P>[],
  ids: GrowingSet<string>,
): void {
  const before = eventsIndexOf(loaded);
  const answered =
    latestRequest(events, loaded.events.length) ??
    (loaded.events.length === 0 ? firstEventOf(events) : before.answered);
  indexes.set(events, { answered, ids });
}

/**
 * A report's command id comes from the report itself (the same report recorded twice, over the
 * WebSocket and after a reconnect, gets the same event ids and is recorded once), scoped to the
 * request it answers: the same answer to a later request (an amend back to an earlier price, a
 * second refusal with the same message, a second timeout) is a new fact, not a repeat. Unscoped,
 * it was dropped as already recorded and the order stayed pending (seen in F1).
 */
export function scopedToRequest(command: OrderCommand, request: bigint): OrderCommand {
  if (command.metadata.source === 'client') return command;
  const commandId = deterministicId('answering', command.metadata.commandId, request.toString());
  return { ...command, metadata: { ...command.metadata, commandId } } as OrderCommand;
}

/** Fills get an id per venue trade; everything else an id per command and position in its output. */
export function eventIdOf(commandId: string, event: OrderEvent, index: number, after: OrderState): string {
  if (event.type === 'OrderFilled' && exists(after)) {
    return fillEventId(after.order.instrument.venue, after.order.account, event.data.fill.tradeId);
  }
  return eventIdFor(commandId, index);
}

/**
 * A report carries the correlation id of the request it answers, and that request's event as its
 * cause (unless the report names its own: a reconciliation run); a keyed command its payload's digest.
 */
export function metadataOf(command: OrderCommand, answered: AnsweredRequest) {
  const key = command.metadata.idempotencyKey;
  const report = command.metadata.source !== 'client';
  return {
    ...command.metadata,
    ...(report && answered.correlationId !== undefined && { correlationId: answered.correlationId }),
    ...(report &&
      command.metadata.causationId === undefined &&
      answered.eventId !== undefined && { causationId: answered.eventId }),
    ...(key !== undefined &&
      command.metadata.payloadDigest === undefined && { payloadDigest: payloadDigest(command) }),
  };
}
