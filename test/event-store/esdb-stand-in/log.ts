import { randomUUID } from 'node:crypto';

/**
 * The stand-in's transaction log, in memory: EventStoreDB's append rules (expected revisions,
 * idempotence) and its `$all` positions, with no gRPC in sight. `writer.ts` and the services put it on the wire.
 *
 * Positions are byte offsets in a log that only grows, as in EventStoreDB. Two layouts:
 * - `commit-record`: an append writes one prepare record per event, then a commit record.
 *   Every event of the append has the commit record's position as `commit` and its own prepare
 *   record's position as `prepare` (so commit > prepare, shared commit within an append, distinct
 *   prepares): the layout of EventStoreDB's explicit transactions. It keeps the two numbers apart,
 *   so a mapping that drops, swaps or confuses them fails.
 * - `self-committed` (default): each prepare commits itself and `commit == prepare` for every
 *   event, which is what a current server reports for events appended over gRPC.
 */

export type PositionLayout = 'commit-record' | 'self-committed';

export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const comparePositions = (a: LogPosition, b: LogPosition): number =>
  a.commit !== b.commit
    ? a.commit < b.commit
      ? -1
      : 1
    : a.prepare === b.prepare
      ? 0
      : a.prepare < b.prepare
        ? -1
        : 1;

export interface ProposedEvent {
  /** Lowercase UUID text. */
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamId: string;
  readonly revision: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB sends `created`. */
  readonly created: bigint;
  readonly position: LogPosition;
}

/** As on the wire: `any`, `no_stream`, `stream_exists` or an exact 0-based revision. */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | bigint;

export type AppendOutcome =
  | {
      readonly kind: 'written';
      readonly events: readonly StoredEvent[];
      readonly currentRevision: bigint;
      readonly position: LogPosition;
    }
  /** Every id was already written where the append would have put it: nothing written. */
  | { readonly kind: 'idempotent'; readonly currentRevision: bigint; readonly position: LogPosition }
  /** Nothing to write (an append without events) and the expected version held. */
  | { readonly kind: 'empty'; readonly current: bigint | 'no_stream' }
  | { readonly kind: 'wrong-expected-version'; readonly current: bigint | 'no_stream' };

/** Bytes of record framing around a prepare's strings and payload (roughly EventStoreDB's). */
const prepareOverhead = 88n;
const commitRecordSize = 45n;
/** The first record of every log is the epoch record at 0: no event ever sits at position 0. */
const epochRecordSize = 128n;

const utf8Length = (text: string) => BigInt(Buffer.byteLength(text, 'utf8'));

export class EventLog {
  readonly layout: PositionLayout;
  readonly #events: StoredEvent[] = [];
  readonly #streams = new Map<string, StoredEvent[]>();
  /** Positions where a record starts: reads may start there (and at the end of the log). */
  readonly #recordStarts = new Set<bigint>([0n]);
  readonly #listeners = new Set<(events: readonly StoredEvent[]) => void>();
  #end = epochRecordSize;
  #lastTicks = 0n;
  /**
   * The ids of the most recent writes, newest last, for the `any` idempotence check: EventStoreDB
   * keeps them in a bounded in-memory cache, not in the log, so old ones and a restart forget them.
   */
  readonly #recentIds = new Map<string, StoredEvent>();
  readonly #recentIdsCapacity: number;

  constructor(layout: PositionLayout = 'self-committed', options: { recentIdsCapacity?: number } = {}) {
    this.layout = layout;
    this.#recentIdsCapacity = options.recentIdsCapacity ?? 100_000;
  }

  /** What a restart loses: the cache of recent event ids (the log itself is durable). */
  forgetRecentIds(): void {
    this.#recentIds.clear();
  }

  /** Every event in `$all` order (system events included). */
  get events(): readonly StoredEvent[] {
    return this.#events;
  }

  /** Where the next record will be written. */
  get end(): bigint {
    return this.#end;
  }

  /** The position of the last event, or the start of the log. */
  get lastPosition(): LogPosition {
    return this.#events.at(-1)?.position ?? { commit: 0n, prepare: 0n };
  }

  currentRevision(streamId: string): bigint | 'no_stream' {
    const stream = this.#streams.get(streamId);
    return stream && stream.length > 0 ? BigInt(stream.length - 1) : 'no_stream';
  }

  /**
   * A position a read may start from: the start of the log, or one whose commit part is where a
   * record starts (or the end of the log) and whose prepare part is not after it. EventStoreDB
   * refuses the others with "Trying to read from an invalid position".
   */
  isValidReadPosition(position: LogPosition): boolean {
    if (position.commit === 0n && position.prepare === 0n) return true;
    return (
      position.prepare <= position.commit &&
      (this.#recordStarts.has(position.commit) || position.commit === this.#end)
    );
  }

  /** EventStoreDB's write rules (its CheckCommit): expected version, then idempotence. */
  append(streamId: string, expected: ExpectedVersion, proposed: readonly ProposedEvent[]): AppendOutcome {
    const stream = this.#streams.get(streamId) ?? [];
    const current = stream.length === 0 ? -1n : BigInt(stream.length - 1);
    const currentRevision = current < 0n ? 'no_stream' : current;
    const wrongVersion = { kind: 'wrong-expected-version', current: currentRevision } as const;

    // stream_exists only checks that the stream is there, then behaves like any.
    if (expected === 'stream_exists' && current < 0n) return wrongVersion;
    const expectedNumber =
      expected === 'any' || expected === 'stream_exists' ? 'any' : expected === 'no_stream' ? -1n : expected;

    if (proposed.length === 0) {
      return expectedNumber === 'any' || expectedNumber === current
        ? { kind: 'empty', current: currentRevision }
        : wrongVersion;
    }

    if (expectedNumber === 'any') {
      // EventStoreDB looks each id up in its cache of recently committed ids (it keeps the latest
      // write of an id). The first id unknown: a new write. All known in this stream: a retry. Only
      // some: refused. An id the cache has forgotten is unknown, so an old retry writes again.
      const found = proposed.map((e) => {
        const recent = this.#recentIds.get(e.id);
        return recent?.streamId === streamId ? recent : undefined;
      });
      if (found[0] === undefined) return this.#write(streamId, stream, proposed);
      if (found.some((s) => s === undefined)) return wrongVersion;
      const last = found.at(-1)!;
      return { kind: 'idempotent', currentRevision: last.revision, position: last.position };
    }

    if (expectedNumber < current) {
      // A retry if every id is at the revision the append would have given it.
      let revision = expectedNumber;
      for (const event of proposed) {
        revision += 1n;
        if (stream[Number(revision)]?.id !== event.id) return wrongVersion;
      }
      const last = stream[Number(revision)]!;
      return { kind: 'idempotent', currentRevision: revision, position: last.position };
    }
    if (expectedNumber > current) return wrongVersion;
    return this.#write(streamId, stream, proposed);
  }

  /** Appends an event to a system stream (`$...`), as the server's own subsystems do. */
  appendSystemEvent(streamId: string, type: string, data: unknown = {}): StoredEvent {
    const outcome = this.append(streamId, 'any', [
      {
        id: randomUUID(),
        type,
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(data)),
        metadata: new Uint8Array(),
      },
    ]);
    if (outcome.kind !== 'written') throw new Error(`could not write the system event ${type}`);
    return outcome.events[0]!;
  }

  /** `$all` forwards from `from` (inclusive, as EventStoreDB's reads are), at most `count` events. */
  readAllForwards(from: LogPosition | 'start', count: bigint): StoredEvent[] {
    const first = from === 'start' ? 0 : this.#firstIndexAtOrAfter(from);
    return this.#events.slice(first, first + clampCount(count, this.#events.length));
  }

  /** `$all` backwards from `from` (exclusive), newest first. */
  readAllBackwards(from: LogPosition | 'end', count: bigint): StoredEvent[] {
    const end = from === 'end' ? this.#events.length : this.#firstIndexAtOrAfter(from);
    const start = Math.max(0, end - clampCount(count, this.#events.length));
    return this.#events.slice(start, end).reverse();
  }

  /** Events strictly after `position`, in `$all` order (what a subscription catches up on). */
  eventsAfter(position: LogPosition | 'start'): StoredEvent[] {
    if (position === 'start') return [...this.#events];
    let index = this.#firstIndexAtOrAfter(position);
    if (this.#events[index] && comparePositions(this.#events[index]!.position, position) === 0) index++;
    return this.#events.slice(index);
  }

  /** A stream read; `undefined` when the stream has no event (EventStoreDB's "stream not found"). */
  readStream(
    streamId: string,
    from: bigint | 'start' | 'end',
    direction: 'forwards' | 'backwards',
    count: bigint,
  ): StoredEvent[] | undefined {
    const stream = this.#streams.get(streamId);
    if (!stream || stream.length === 0) return undefined;
    const n = clampCount(count, stream.length);
    if (direction === 'forwards') {
      const first =
        from === 'start' ? 0 : from === 'end' ? stream.length : indexFrom(stream, from, 'forwards');
      return stream.slice(first, first + n);
    }
    const last =
      from === 'end' ? stream.length - 1 : from === 'start' ? 0 : indexFrom(stream, from, 'backwards');
    const end = Math.min(last, stream.length - 1) + 1;
    return stream.slice(Math.max(0, end - n), end).reverse();
  }

  /**
   * Storage-level tampering, which the server never does (for the audit trail's tests): an event's
   * data edited in place, an event removed from the log, or two events' contents swapped (each keeps
   * its revision and position).
   */
  tamper(
    streamId: string,
    change:
      | { edit: bigint; data: unknown; metadata?: unknown }
      | { remove: bigint }
      | { swap: readonly [bigint, bigint] },
  ): void {
    const stream = this.#streams.get(streamId) ?? [];
    const at = (revision: bigint) => {
      const index = stream.findIndex((e) => e.revision === revision);
      if (index < 0) throw new Error(`no event ${revision} in ${streamId}`);
      return index;
    };
    const replace = (index: number, event: StoredEvent) => {
      this.#events[this.#events.indexOf(stream[index]!)] = event;
      stream[index] = event;
    };
    if ('edit' in change) {
      const index = at(change.edit);
      const metadata = 'metadata' in change ? { metadata: Buffer.from(JSON.stringify(change.metadata)) } : {};
      replace(index, { ...stream[index]!, data: Buffer.from(JSON.stringify(change.data)), ...metadata });
    } else if ('remove' in change) {
      const index = at(change.remove);
      this.#events.splice(this.#events.indexOf(stream[index]!), 1);
      stream.splice(index, 1);
    } else {
      const [i, j] = [at(change.swap[0]), at(change.swap[1])];
      const [a, b] = [stream[i]!, stream[j]!];
      const content = (e: StoredEvent) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata });
      replace(i, { ...a, ...content(b) });
      replace(j, { ...b, ...content(a) });
    }
  }

  /** Calls `listener` with every later append's events, synchronously, in log order. */
  onAppend(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #write(streamId: string, stream: StoredEvent[], proposed: readonly ProposedEvent[]): AppendOutcome {
    const prepares: bigint[] = [];
    for (const event of proposed) {
      prepares.push(this.#end);
      this.#recordStarts.add(this.#end);
      this.#end +=
        prepareOverhead +
        utf8Length(streamId) +
        utf8Length(event.type) +
        BigInt(event.data.length + event.metadata.length);
    }
    let commit: bigint | undefined;
    if (this.layout === 'commit-record') {
      commit = this.#end;
      this.#recordStarts.add(commit);
      this.#end += commitRecordSize;
    }
    const created = this.#ticks();
    const written = proposed.map(
      (event, i): StoredEvent => ({
        ...event,
        streamId,
        revision: BigInt(stream.length + i),
        created,
        position: { commit: commit ?? prepares[i]!, prepare: prepares[i]! },
      }),
    );
    stream.push(...written);
    this.#streams.set(streamId, stream);
    for (const event of written) {
      this.#recentIds.delete(event.id);
      this.#recentIds.set(event.id, event);
    }
    for (const id of this.#recentIds.keys()) {
      if (this.#recentIds.size <= this.#recentIdsCapacity) break;
      this.#recentIds.delete(id);
    }
    this.#events.push(...written);
    for (const listener of [...this.#listeners]) listener(written);
    const last = written.at(-1)!;
    return { kind: 'written', events: written, currentRevision: last.revision, position: last.position };
  }

  /** Strictly increasing ticks, like a clock with 100 ns resolution. */
  #ticks(): bigint {
    const now = BigInt(Date.now()) * 10_000n;
    this.#lastTicks = now > this.#lastTicks ? now : this.#lastTicks + 1n;
    return this.#lastTicks;
  }

  /** Index in `events` of the first event at or after `position`. */
  indexAtOrAfter(position: LogPosition): number {
    return this.#firstIndexAtOrAfter(position);
  }

  #firstIndexAtOrAfter(position: LogPosition): number {
    let low = 0;
    let high = this.#events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comparePositions(this.#events[middle]!.position, position) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

const clampCount = (count: bigint, max: number): number => (count > BigInt(max) ? max : Number(count));

/**
 * Where a read from `revision` starts in a stream's events: the revision's own index, unless
 * tampering removed events (then the first event after it, or the last before it, backwards).
 */
function indexFrom(
  stream: readonly StoredEvent[],
  revision: bigint,
  direction: 'forwards' | 'backwards',
): number {
  const direct = stream[Number(revision)];
  if (direct?.revision === revision) return Number(revision);
  if (direction === 'forwards') {
    const index = stream.findIndex((e) => e.revision >= revision);
    return index < 0 ? stream.length : index;
  }
  return stream.findLastIndex((e) => e.revision <= revision);
}
