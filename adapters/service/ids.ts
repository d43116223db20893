import { v5 as uuidv5 } from 'uuid';

/**
 * Deterministic ids. The same input always gives the same id, so a retried command, a report
 * received twice (WebSocket, REST backfill, after a reconnect) or a replay after a crash produce
 * the same event ids, and the event store's idempotent append absorbs them.
 */
const NAMESPACE = '6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f';

export function deterministicId(...parts: readonly string[]): string {
  return uuidv5(parts.join('\u001f'), NAMESPACE);
}

/** The order id a placement's idempotency key stands for: a retried placement lands on the same order. */
export function orderIdForKey(idempotencyKey: string): string {
  return deterministicId('order', idempotencyKey);
}

/** The event id of the `index`-th event a command produced. */
export function eventIdFor(commandId: string, index: number): string {
  return deterministicId('event', commandId, String(index));
}

/** The event id of a venue trade: one per venue, account and trade id, whichever path reported it. */
export function fillEventId(venue: string, account: string, tradeId: string): string {
  return deterministicId('fill', venue, account, tradeId);
}
