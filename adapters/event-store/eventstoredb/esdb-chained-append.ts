import type {
  AppendResult,
  EventToAppend,
  ExpectedRevision,
  JsonValue,
} from '../../../application/ports/event-store.ts';
import { type ChainTips, chainHash, sealMetadata } from './esdb-chain.ts';
import type { EsdbPosition } from './esdb-mapping.ts';

/** What the chain needs of a stored event. */
export interface ChainLink {
  readonly revision: bigint;
  readonly id: string;
  /** Undefined for an event recorded before the chain existed. */
  readonly hash: string | undefined;
  readonly position: EsdbPosition;
}

/** A stream read for the chain: [] when the stream does not exist. */
export type ReadLinks = (
  streamId: string,
  read: { from: bigint | 'end'; direction: 'forwards' | 'backwards'; maxCount: number },
) => Promise<ChainLink[]>;

export type ChainPlan =
  | {
      readonly kind: 'write';
      /** The caller's expectation, or for `any` / `stream_exists` the revision the chain was built on. */
      readonly expected: ExpectedRevision;
      readonly events: readonly (EventToAppend & { metadata: JsonValue })[];
      readonly last: { readonly revision: bigint; readonly hash: string };
    }
  /** An `any` retry of events already at the stream's end: EventStoreDB would say written. */
  | { readonly kind: 'written'; readonly result: AppendResult<EsdbPosition> };

/** How far back an `any` append looks for its own events (EventStoreDB's own check uses a cache). */
const RETRY_WINDOW = 100;

/**
 * The append as it will be written: each event sealed with its hash, chained from the event the
 * append follows. With an exact expected revision that event is known (from this process's tips,
 * else one read); with `any` or `stream_exists` the stream's last event is read and the append is
 * pinned to it, so that a concurrent writer makes it fail (the caller retries) instead of forking.
 */
export async function planChainedAppend(
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
  tips: ChainTips,
  read: ReadLinks,
): Promise<ChainPlan> {
  let base: bigint;
  let previous: string | undefined;
  let pinned: ExpectedRevision = expected;
  if (expected === 'no_stream') {
    base = -1n;
  } else if (typeof expected === 'bigint') {
    base = expected;
    const known = tips.at(streamId, expected);
    previous = known
      ? known.hash
      : (await read(streamId, { from: expected, direction: 'forwards', maxCount: 1 })).find(
          (link) => link.revision === expected,
        )?.hash;
  } else {
    const recent = await read(streamId, {
      from: 'end',
      direction: 'backwards',
      maxCount: Math.max(RETRY_WINDOW, events.length),
    });
    const written = alreadyWritten(recent, events);
    if (written) return { kind: 'written', result: written };
    const tip = recent[0];
    base = tip?.revision ?? -1n;
    previous = tip?.hash;
    // No stream: `any` becomes no_stream; `stream_exists` stays and the server refuses it.
    if (tip) pinned = tip.revision;
    else if (expected === 'any') pinned = 'no_stream';
  }
  let revision = base;
  const sealed = events.map((event) => {
    revision += 1n;
    previous = chainHash(previous, { streamId, revision, ...event });
    return { ...event, metadata: sealMetadata(event.metadata, previous) };
  });
  return { kind: 'write', expected: pinned, events: sealed, last: { revision, hash: previous! } };
}

/** The append's events, in order, among the stream's `recent` (newest first): a retry of a write that landed. */
function alreadyWritten(
  recent: readonly ChainLink[],
  events: readonly EventToAppend[],
): AppendResult<EsdbPosition> | undefined {
  const first = events[0];
  if (first === undefined || recent.length < events.length) return undefined;
  const at = recent.findIndex((link) => link.id === first.id.toLowerCase());
  if (at < events.length - 1) return undefined;
  const matches = events.every((event, i) => recent[at - i]?.id === event.id.toLowerCase());
  if (!matches) return undefined;
  const last = recent[at - (events.length - 1)]!;
  return { nextExpectedRevision: last.revision, position: last.position };
}
