import { createHash } from 'node:crypto';
import type { OrderCommand } from '../../domain/order/contract.ts';

/**
 * Deterministic ids. The same input always gives the same id, so a retried command, a report
 * received twice (WebSocket, REST backfill, after a reconnect) or a replay after a crash produce
 * the same event ids, and the event store's idempotent append absorbs them.
 */
const NAMESPACE = '6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f';
const NAMESPACE_BYTES = Buffer.from(NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * A UUID v5 (RFC 9562: SHA-1 of the namespace and the name, version and variant bits set) of the
 * parts, hashed with node:crypto directly: the uuid package's v5 spends most of its time turning
 * the name into bytes, and the service derives ids for every report it records.
 */
export function deterministicId(...parts: readonly string[]): string {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(parts.join('\u001f'), 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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

/** Digest of a command's payload, stored with its events: the same key with another payload is refused. */
export function payloadDigest(command: Pick<OrderCommand, 'type' | 'data'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ type: command.type, data: command.data }))
    .digest('base64url');
}
