import type { Observable } from 'rxjs';
import { z } from 'zod';

/**
 * The event-store port. It copies EventStoreDB's semantics (the strictest of our three stores) so
 * that every adapter (EventStoreDB, PostgreSQL, embedded PGlite) passes one contract suite
 * (`test/event-store/contract.ts`). Positions are opaque per adapter (`P`): compare them only with
 * that adapter's `positions` codec, never across stores.
 */

export {
  EventStoreError,
  type EventStoreErrorCode,
  InvalidAppendError,
  isEventStoreError,
  StoreLockedError,
  StoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from './event-store-errors.ts';

/** Plain JSON. Decimals travel as strings; the domain decodes them with its own zod schemas. */
export const jsonValueSchema = z.json();
export type JsonValue = z.infer<typeof jsonValueSchema>;

export const eventToAppendSchema = z.object({
  /** Caller-supplied, deterministic where a retry must be recognised (e.g. UUIDv5 of a venue trade). */
  id: z.uuid(),
  type: z.string().min(1).max(255),
  data: jsonValueSchema,
  metadata: jsonValueSchema,
});
export type EventToAppend = z.infer<typeof eventToAppendSchema>;

/** 0-based: a stream's revision is that of its last event; a stream without events is `no_stream`. */
export const expectedRevisionSchema = z.union([
  z.literal('any'),
  z.literal('no_stream'),
  z.literal('stream_exists'),
  z.bigint().nonnegative(),
]);
export type ExpectedRevision = z.infer<typeof expectedRevisionSchema>;
/** What a stream is at: its last event's revision, or `no_stream`. */
export type CurrentRevision = 'no_stream' | bigint;

export const streamIdSchema = z.string().min(1).max(1000);

export interface RecordedEvent<P> {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonValue;
  /** Set by the store when the event was written (millisecond precision on every adapter). */
  readonly created: Date;
  readonly position: P;
}

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

export interface AppendResult<P> {
  /** The stream's revision after the append: pass it as the next append's expected revision. */
  readonly nextExpectedRevision: bigint;
  /** Position of the last event of the append (for read-your-writes: wait until a reader passes it). */
  readonly position: P;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive. Defaults to `start` forwards and `end` backwards. */
  readonly fromRevision?: bigint | 'start' | 'end';
  /** Defaults to no limit. */
  readonly maxCount?: number;
}

/**
 * Both lists are optional. Within a list any entry may match; when both lists are given an event
 * must match both. Event types match exactly; stream prefixes match the start of the stream id.
 */
export const eventFilterSchema = z.object({
  streamPrefixes: z.array(z.string().min(1)).optional(),
  eventTypes: z.array(z.string().min(1)).optional(),
});
export type EventFilter = z.infer<typeof eventFilterSchema>;

export interface ReadAllOptions<P> {
  /** Exclusive; defaults to the start of `$all`. */
  readonly after?: P;
  /**
   * How many positions to scan. Every returned event lies in the scanned window, so with a filter
   * fewer (even zero) events may come back: page on with `after: lastScanned` until `isEnd`.
   */
  readonly maxCount: number;
  readonly filter?: EventFilter;
}

export interface ReadAllResult<P> {
  readonly events: readonly RecordedEvent<P>[];
  /**
   * Every event at or before this position that matches the filter has been returned (now or in an
   * earlier page). It advances over filtered-out windows, so a filtered reader can checkpoint it.
   */
  readonly lastScanned: P;
  /** Nothing more was visible after `lastScanned` when the page was read. */
  readonly isEnd: boolean;
}

export interface SubscribeOptions<P> {
  /** Exclusive: the first message is about what follows this position. Defaults to the start. */
  readonly after?: P;
  readonly filter?: EventFilter;
  /**
   * Once woken by an append, how long a polling store's subscription waits before it reads (the
   * store's own setting when absent): appends committing meanwhile are read together. A
   * subscriber that needs no haste (a safety net) trades delivery time for fewer reads. Stores
   * that push (EventStoreDB) have nothing to wait for.
   */
  readonly coalesceMs?: number;
}

/**
 * - `event`: the next matching event, in `$all` order; never one at or before `after`.
 * - `caughtUp`: sent once, when the subscription first reaches what was written when it started
 *   (the position is the last one scanned); live events follow.
 * - `checkpoint`: nothing matched up to `position`: store it and resume from it (exclusive).
 */
export type SubscriptionMessage<P> =
  | { readonly kind: 'event'; readonly event: RecordedEvent<P> }
  | { readonly kind: 'caughtUp'; readonly position: P }
  | { readonly kind: 'checkpoint'; readonly position: P };

/** Per adapter: positions order, and serialize to text that sorts in the same order. */
export interface PositionCodec<P> {
  /** Before every event: `after: start` reads from the first event. */
  readonly start: P;
  compare(a: P, b: P): number;
  serialize(position: P): string;
  /** Throws on text that `serialize` did not produce. */
  parse(text: string): P;
}

export interface EventStore<P> {
  readonly positions: PositionCodec<P>;

  /**
   * Appends the events atomically after checking `expectedRevision`. Idempotent by EventStoreDB's
   * rules: if every event id is already written at the revisions the append would have taken (for
   * `any`: contiguously anywhere in the stream), the append succeeds, writes nothing and returns the
   * earlier result; if only some are, or the revision does not match, WrongExpectedVersionError.
   */
  append(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult<P>>;

  /** A stream without events: StreamNotFoundError (as EventStoreDB), never an empty list. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent<P>[]>;

  /** One page of `$all` in position order (forwards only). */
  readAll(options: ReadAllOptions<P>): Promise<ReadAllResult<P>>;

  /**
   * Catches up from `after`, signals `caughtUp`, then delivers live events. Transient errors
   * (StoreUnavailableError) make it resubscribe by itself, with backoff, after the last message it
   * delivered, so nothing is skipped or delivered twice; other errors end the Observable.
   * Cold: each subscriber gets its own subscription; unsubscribing releases its resources.
   */
  subscribeToAll(options?: SubscribeOptions<P>): Observable<SubscriptionMessage<P>>;

  /** Releases connections; open subscriptions complete. */
  close(): Promise<void>;
}
