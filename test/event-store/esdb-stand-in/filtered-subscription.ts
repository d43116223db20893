import { comparePositions, type EventLog, type LogPosition, type StoredEvent } from './log.ts';

/**
 * Where a filtered `$all` subscription sends events and checkpoints, as EventStoreDB (KurrentDB
 * 24.x to 26.x) places them in `Enumerator.AllSubscriptionFiltered.cs` and its subscription
 * service, without gRPC: the read service puts these messages on the wire.
 *
 * Catch-up reads `$all` in pages (at most the search window of events considered, at most 32
 * matching). A page sends its matching events after the last one sent; a page that sent none moves
 * the checkpoint to where the page started, `(N, 0)` (N the start of the page's first record: a
 * position that is no event's). A checkpoint goes out every `checkpointInterval` events considered
 * and once when the catch-up reaches the end: at the last event sent or the start of the last
 * page read, never past the filtered-out events that end the log. Live, it counts matching events
 * on its own and sends a checkpoint at every `checkpointInterval`-th one.
 */

/** Before every record: where a subscription "from the start" stands (the server's `HeadOfTf`, -1/-1). */
export type Standing = LogPosition | 'head';

/** What servers up to 24.10.4 send for `HeadOfTf` (bug KDB-710): -1 read as an unsigned 64-bit number. */
export const kdb710Checkpoint: LogPosition = { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n };

/** The first record of the log (the server's `FirstRecordOfTf`). */
const firstRecord: LogPosition = { commit: 0n, prepare: 0n };

/** The server's `DefaultReadBatchSize`: at most this many matching events per page. */
export const pageMaxCount = 32;

export interface SubscriptionFilter {
  readonly matches: (event: StoredEvent) => boolean;
  /** Events a page considers at most (the filter's `max`, 32 by default). */
  readonly searchWindow: number;
  /** Search window × checkpointIntervalMultiplier. */
  readonly checkpointInterval: number;
}

export type FilteredMessage =
  | { readonly kind: 'event'; readonly event: StoredEvent }
  | { readonly kind: 'checkpoint'; readonly position: LogPosition };

export interface CheckpointOptions {
  /** Reproduce KDB-710: a catch-up that never moved off the start sends `kdb710Checkpoint`. */
  readonly kdb710: boolean;
}

const after = (a: LogPosition, b: Standing) => b === 'head' || comparePositions(a, b) > 0;

/** A checkpoint message for `standing`, or none where the server sends none (its `HeadOfTf` failsafe). */
const checkpointAt = (standing: Standing, options: CheckpointOptions): FilteredMessage[] =>
  standing !== 'head'
    ? [{ kind: 'checkpoint', position: standing }]
    : options.kdb710
      ? [{ kind: 'checkpoint', position: kdb710Checkpoint }]
      : [];

/**
 * Whether a subscription from `from` goes live at once, without a catch-up: it starts at or after
 * the last indexed position (the server's confirmation position: the last commit, as `(C, C)`).
 */
export const startsLive = (log: EventLog, from: Standing): boolean => {
  if (from === 'head') return false;
  const last = log.lastPosition;
  return comparePositions(from, { commit: last.commit, prepare: last.commit }) >= 0;
};

/**
 * The catch-up of a filtered subscription from `from` (exclusive) over what the log holds now:
 * the messages to send, in order, and where the subscription stands when it goes live.
 */
export const filteredCatchUp = (
  log: EventLog,
  from: Standing,
  filter: SubscriptionFilter,
  options: CheckpointOptions,
): { messages: FilteredMessage[]; standing: Standing } => {
  const events = log.events;
  const messages: FilteredMessage[] = [];
  let standing = from;
  let index = from === 'head' ? 0 : log.indexAtOrAfter(from);
  // The position the page read from, as the server reports it: the first page from the start
  // reports HeadOfTf, which is before every position.
  let pageStart: Standing = from;
  let counter = 0;
  for (;;) {
    let considered = 0;
    let matched = 0;
    while (index < events.length && considered < filter.searchWindow && matched < pageMaxCount) {
      // A page holds whole transactions: every event of one commit.
      const commit = events[index]!.position.commit;
      while (index < events.length && events[index]!.position.commit === commit) {
        const event = events[index++]!;
        considered++;
        if (!filter.matches(event)) continue;
        matched++;
        if (after(event.position, standing)) {
          messages.push({ kind: 'event', event });
          standing = event.position;
        }
      }
    }
    const nextPage: Standing =
      considered === 0
        ? pageStart
        : { commit: index < events.length ? events[index]!.position.prepare : log.end, prepare: 0n };
    if (
      pageStart !== 'head' &&
      after(pageStart, standing) &&
      nextPage !== 'head' &&
      comparePositions(pageStart, nextPage) < 0
    ) {
      standing = pageStart;
    }
    counter += considered;
    if (index >= events.length) {
      // The fix of KDB-710: a catch-up that never moved takes the first record as its checkpoint.
      if (!options.kdb710 && standing === 'head' && considered > 0) standing = firstRecord;
      messages.push(...checkpointAt(standing, options));
      return { messages, standing };
    }
    if (counter >= filter.checkpointInterval) {
      counter %= filter.checkpointInterval;
      messages.push(...checkpointAt(standing, options));
    }
    pageStart = nextPage;
  }
};

/**
 * Live: each appended event after `standing` that matches goes out, and every
 * `checkpointInterval`-th of them is followed by a checkpoint at its position (the subscription
 * service counts matching events, not events considered).
 */
export const liveFilter = (filter: SubscriptionFilter, from: Standing) => {
  let standing = from;
  let counter = 0;
  return (event: StoredEvent): FilteredMessage[] => {
    if (!after(event.position, standing) || !filter.matches(event)) return [];
    standing = event.position;
    counter++;
    if (counter < filter.checkpointInterval) return [{ kind: 'event', event }];
    counter = 0;
    return [
      { kind: 'event', event },
      { kind: 'checkpoint', position: event.position },
    ];
  };
};
