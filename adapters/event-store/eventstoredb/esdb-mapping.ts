import {
  type AppendExpectedRevision,
  type CurrentRevision as EsdbCurrentRevision,
  eventTypeFilter,
  type Filter,
  type Position,
  type ResolvedEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import { z } from 'zod';
import {
  type CurrentRevision,
  type EventFilter,
  type ExpectedRevision,
  type JsonValue,
  jsonValueSchema,
  type PositionCodec,
  type RecordedEvent,
} from '../../../application/ports/event-store.ts';
import {
  InvalidAppendError,
  StoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../../application/ports/event-store-errors.ts';
import { unsealMetadata } from './esdb-chain.ts';
import type { ChainLink } from './esdb-chained-append.ts';

/**
 * Pure translation between the port and `@eventstore/db-client` 6.x: revisions, positions,
 * filters, recorded events and errors. No I/O, so it is unit-tested without a server.
 */

/** EventStoreDB's `$all` position: commit and prepare positions in its transaction log. */
export interface EsdbPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const pattern = /^(\d{20})-(\d{20})$/;

export const esdbPositions: PositionCodec<EsdbPosition> = {
  start: { commit: 0n, prepare: 0n },
  compare: (a, b) =>
    a.commit !== b.commit
      ? a.commit < b.commit
        ? -1
        : 1
      : a.prepare === b.prepare
        ? 0
        : a.prepare < b.prepare
          ? -1
          : 1,
  serialize: (p) => `${p.commit.toString().padStart(20, '0')}-${p.prepare.toString().padStart(20, '0')}`,
  parse: (text) => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`not an EventStoreDB position: ${JSON.stringify(text)}`);
    return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
  },
};

/** The largest position a server can hold: its log positions are signed 64-bit numbers. */
const maxLogPosition = 2n ** 63n - 1n;

/**
 * Whether a checkpoint the server sent is a position to resume from: one the server itself could
 * read from (prepare not after commit, both within its signed 64-bit log). Servers up to 24.10.4
 * send (2^64-1, 2^64-1) to a filtered subscription from the start that matches nothing (KDB-710):
 * resuming from there would skip every later event (or be refused). Page-start checkpoints
 * `(N, 0)` are no event's position but a valid one: resuming after them loses and repeats nothing.
 */
export const isResumablePosition = (p: EsdbPosition): boolean =>
  p.prepare >= 0n && p.prepare <= p.commit && p.commit <= maxLogPosition;

export const toEsdbPosition = (p: EsdbPosition): Position => ({ commit: p.commit, prepare: p.prepare });
export const fromEsdbPosition = (p: Position): EsdbPosition => ({ commit: p.commit, prepare: p.prepare });

/** The port's sentinels are the client's constants ('any', 'no_stream', 'stream_exists'). */
export const toEsdbExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => expected;

export const fromEsdbCurrentRevision = (current: EsdbCurrentRevision): CurrentRevision =>
  current === 'no_stream' ? 'no_stream' : BigInt(current);

const fromEsdbExpected = (expected: unknown, fallback: ExpectedRevision): ExpectedRevision =>
  expected === 'any' || expected === 'no_stream' || expected === 'stream_exists'
    ? expected
    : typeof expected === 'bigint'
      ? expected
      : fallback;

/**
 * Event metadata as the UTF-8 bytes of its JSON text. The client's `jsonEvent` leaves out metadata
 * that is falsy (`false`, `0`, `""`), which then reads back as `null`; bytes always go through, and
 * the client parses them back as JSON on every read path.
 */
export const toEsdbMetadata = (metadata: JsonValue): Uint8Array =>
  // A plain Uint8Array: the client tells bytes from JSON by `constructor === Uint8Array` (not Buffer).
  new Uint8Array(Buffer.from(JSON.stringify(metadata), 'utf8'));

/** System streams (`$...`) and system events (`$...` types) are EventStoreDB's own: never ours. */
export const isSystem = (streamId: string, type: string): boolean =>
  streamId.startsWith('$') || type.startsWith('$');

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exact event-type match as a server regex (EventStoreDB's type "prefixes" would match prefixes). */
export const eventTypesRegex = (types: readonly string[]): string =>
  `^(?:${types.map(escapeRegex).join('|')})$`;

export const matchesFilter = (filter: EventFilter | undefined, streamId: string, type: string): boolean => {
  if (isSystem(streamId, type)) return false;
  const prefixes = filter?.streamPrefixes ?? [];
  const types = filter?.eventTypes ?? [];
  return (
    (prefixes.length === 0 || prefixes.some((p) => streamId.startsWith(p))) &&
    (types.length === 0 || types.includes(type))
  );
};

/**
 * The server-side filter of a subscription. EventStoreDB filters on streams or on types, not both:
 * with both lists it filters streams on the server and types here (`matchesFilter`). Without a
 * filter it still excludes system events, so that checkpoints (checkpointReached) keep coming.
 */
export const toEsdbSubscriptionFilter = (
  filter: EventFilter | undefined,
  checkpointReached: (position: EsdbPosition) => void,
): Filter => {
  const onCheckpoint = (_: unknown, position: Position) => checkpointReached(fromEsdbPosition(position));
  const prefixes = filter?.streamPrefixes ?? [];
  const types = filter?.eventTypes ?? [];
  if (prefixes.length > 0)
    return streamNameFilter({ prefixes: [...prefixes], checkpointReached: onCheckpoint });
  if (types.length > 0)
    return eventTypeFilter({ regex: eventTypesRegex(types), checkpointReached: onCheckpoint });
  return eventTypeFilter({ regex: '^[^$]', checkpointReached: onCheckpoint });
};

const jsonEventSchema = z.object({
  streamId: z.string(),
  id: z.string(),
  revision: z.bigint(),
  type: z.string(),
  created: z.date(),
  isJson: z.literal(true, { error: 'not a JSON event: the OMS writes JSON events only' }),
  data: jsonValueSchema,
  metadata: jsonValueSchema.optional(),
});

/** A position for every resolved event: its own, else its commit position (servers before 22.6). */
export const positionOf = (resolved: ResolvedEvent): EsdbPosition | undefined => {
  const position = resolved.event?.position ?? resolved.link?.position;
  if (position) return fromEsdbPosition(position);
  return resolved.commitPosition !== undefined
    ? { commit: resolved.commitPosition, prepare: resolved.commitPosition }
    : undefined;
};

/** A stored event read once: the caller's content, and the audit hash kept with it in the metadata. */
export const toChainedEvent = (resolved: ResolvedEvent) => {
  const event = jsonEventSchema.parse(resolved.event);
  const { metadata, hash } = unsealMetadata(event.metadata);
  const { streamId, revision, id, type, data, created } = event;
  return { streamId, revision, id, type, data, metadata, created, hash };
};

export const toRecordedEvent = (resolved: ResolvedEvent): RecordedEvent<EsdbPosition> => {
  const { hash: _, ...event } = toChainedEvent(resolved);
  const position = positionOf(resolved);
  if (!position) throw new Error(`event ${event.id} of ${event.streamId} came without a position`);
  return { ...event, position };
};

/** The chain's view of a stored event (system events and events without a position: none). */
export const toChainLink = (resolved: ResolvedEvent): ChainLink | undefined => {
  const position = positionOf(resolved);
  if (!resolved.event || !position) return undefined;
  const { revision, id, hash } = toChainedEvent(resolved);
  return { revision, id, hash, position };
};

/**
 * How a server that is starting up or overloaded refuses a BatchAppend: a status with no code and
 * empty details, which the client turns into an `unknown` error "Could not recognize <message>"
 * (KurrentDB `Streams.BatchAppend.cs`, NotHandled NotReady / TooBusy). The message is all that
 * tells it apart, so this one case matches text. (On the Append RPC the same refusal is an
 * UNAVAILABLE status, transient by its code.)
 */
const notReadyOrBusy = /\bServer Is (?:Not Ready|Busy)\b/;

/** Error kinds of the client (its ErrorType enum values) after which a retry may succeed. */
const transientKinds = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'cancelled']);

/** gRPC status codes: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE. */
const transientGrpcStatuses = new Set([1, 4, 8, 10, 14]);

/**
 * Translates what the client threw into the port's errors, by the client's `type` tag (stable
 * across its error classes), and by message text only for the server's not-ready and busy
 * refusals, which carry nothing else. Unknown errors pass through unchanged.
 */
export const translateEsdbError = (
  error: unknown,
  context: { streamId?: string; expected?: ExpectedRevision } = {},
): unknown => {
  if (typeof error !== 'object' || error === null) return error;
  const kind = (error as { type?: unknown }).type;
  if (kind === 'wrong-expected-version') {
    const e = error as {
      streamName?: string;
      expectedVersion?: unknown;
      actualVersion?: EsdbCurrentRevision;
    };
    return new WrongExpectedVersionError(
      context.streamId ?? e.streamName ?? '',
      fromEsdbExpected(e.expectedVersion, context.expected ?? 'any'),
      e.actualVersion === undefined ? 'no_stream' : fromEsdbCurrentRevision(e.actualVersion),
    );
  }
  if (kind === 'stream-not-found') {
    const name = (error as { streamName?: unknown }).streamName;
    return new StreamNotFoundError(context.streamId ?? (typeof name === 'string' ? name : ''));
  }
  if (kind === 'maximum-append-size-exceeded') {
    // The server's MaxAppendSize (1 MiB by default): the same append will never fit, retrying is futile.
    const max = (error as { maxAppendSize?: unknown }).maxAppendSize;
    return new InvalidAppendError(
      `EventStoreDB refused the append to ${context.streamId ?? 'the stream'}: larger than its maximum append size` +
        (typeof max === 'number' ? ` (${max} bytes)` : ''),
      { cause: error },
    );
  }
  if (kind === 'unknown' && notReadyOrBusy.test((error as Error).message ?? '')) {
    return new StoreUnavailableError(`EventStoreDB not ready or busy: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof kind === 'string' && transientKinds.has(kind)) {
    return new StoreUnavailableError(`EventStoreDB unavailable (${kind}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  // A bare gRPC status (the client passes some through, e.g. a refused connection).
  const status = (error as { code?: unknown }).code;
  if (kind === undefined && typeof status === 'number' && transientGrpcStatuses.has(status)) {
    return new StoreUnavailableError(`EventStoreDB unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
};
