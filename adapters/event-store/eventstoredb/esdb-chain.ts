import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { JsonValue } from '../../../application/ports/event-store.ts';

/**
 * The audit chain on EventStoreDB. The server assigns revisions and offers no hook inside an
 * append, so the adapter computes each event's hash before it writes, from the hash of the event
 * before it in its stream (which the expected revision pins: another writer makes the append fail,
 * not fork the chain), and keeps it in the event's metadata under `$chain`.
 *
 * The hash: SHA-256 over the previous event's hash (none for the first, or when the previous event
 * was recorded before the chain existed) and the event's stream, revision, id, type, data and
 * metadata, the JSON values in their canonical text (RFC 8785), so that it does not depend on how
 * the bytes were laid out.
 */

const CHAIN = '$chain';
const META = '$meta';

export interface ChainedContent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  /** The caller's metadata (without the chain). */
  readonly metadata: JsonValue;
}

/** The event's hash (hex) from the previous one's (hex, or undefined). */
export const chainHash = (previous: string | undefined, event: ChainedContent): string =>
  createHash('sha256')
    .update(previous === undefined ? Buffer.alloc(0) : Buffer.from(previous, 'hex'))
    .update(
      [
        event.streamId,
        event.revision.toString(),
        event.id.toLowerCase(),
        event.type,
        canonicalize(event.data) ?? 'null',
        canonicalize(event.metadata) ?? 'null',
      ].join('\n'),
      'utf8',
    )
    .digest('hex');

const isPlainObject = (value: JsonValue): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The metadata as stored: the caller's object with `$chain` added, so that its fields stay at the
 * top for EventStoreDB's own tools (e.g. `$correlationId`); any other value, or an object that
 * uses one of our two keys itself, wrapped as `{ $meta, $chain }`.
 */
export const sealMetadata = (metadata: JsonValue, hash: string): JsonValue =>
  isPlainObject(metadata) && !(CHAIN in metadata) && !(META in metadata)
    ? { ...metadata, [CHAIN]: hash }
    : { [META]: metadata, [CHAIN]: hash };

/** The caller's metadata and the chain's hash (undefined: recorded before the chain, or stripped). */
export const unsealMetadata = (
  stored: JsonValue | undefined,
): { metadata: JsonValue; hash: string | undefined } => {
  if (stored === undefined) return { metadata: null, hash: undefined };
  if (!isPlainObject(stored) || typeof stored[CHAIN] !== 'string')
    return { metadata: stored, hash: undefined };
  const { [CHAIN]: hash, ...rest } = stored;
  if (META in rest && Object.keys(rest).length === 1)
    return { metadata: rest[META] ?? null, hash: hash as string };
  return { metadata: rest, hash: hash as string };
};

/** A stream's last chained event as far as one reader or writer knows it. */
export interface Tip {
  revision: bigint;
  hash: string | undefined;
}

/** Stream tips, bounded: the least recently set is pushed out past `capacity`. */
export class TipWindow {
  readonly #tips = new Map<string, Tip>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(streamId: string): Tip | undefined {
    return this.#tips.get(streamId);
  }

  /** Sets the stream's tip; returns the one pushed out, if any. */
  set(streamId: string, tip: Tip): [string, Tip] | undefined {
    this.#tips.delete(streamId);
    this.#tips.set(streamId, tip);
    if (this.#tips.size <= this.#capacity) return undefined;
    const oldest = this.#tips.entries().next().value;
    if (oldest) this.#tips.delete(oldest[0]);
    return oldest;
  }

  entries(): IterableIterator<[string, Tip]> {
    return this.#tips.entries();
  }
}

/**
 * The last chained event of recently written streams, so that an append at an expected revision
 * this process wrote needs no read.
 */
export class ChainTips extends TipWindow {
  constructor(capacity = 10_000) {
    super(capacity);
  }

  /** The hash of the stream's event at `revision`, when it is the tip this process knows. */
  at(streamId: string, revision: bigint): { hash: string | undefined } | undefined {
    const tip = this.get(streamId);
    return tip?.revision === revision ? { hash: tip.hash } : undefined;
  }
}
