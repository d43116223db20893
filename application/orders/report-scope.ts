import type { OrderCommand, OrderEvent } from '../../domain/order/contract.ts';
import { exists, type OrderState } from '../../domain/order/state.ts';
import { deterministicId, eventIdFor, fillEventId } from './ids.ts';
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

export function answeredRequest<P>(loaded: LoadedOrder<P>): AnsweredRequest {
  for (let i = loaded.events.length - 1; i >= 0; i--) {
    const e = loaded.events[i]!;
    if (e.metadata.source === 'client') {
      return {
        revision: e.recorded.revision,
        eventId: e.recorded.id,
        correlationId: e.metadata.correlationId,
      };
    }
  }
  const first = loaded.events[0];
  return { revision: -1n, eventId: first?.recorded.id, correlationId: first?.metadata.correlationId };
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
