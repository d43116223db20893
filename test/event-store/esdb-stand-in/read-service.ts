import { randomUUID } from 'node:crypto';
import type { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import {
  type FilteredMessage,
  filteredCatchUp,
  liveFilter,
  type Standing,
  type SubscriptionFilter,
  startsLive,
} from './filtered-subscription.ts';
import { comparePositions, type EventLog, type LogPosition, type StoredEvent } from './log.ts';
import { callError, readEvent, streamIdentifier, streamNameOf, streamsPb } from './protocol.ts';

/**
 * `Streams.Read`, the one RPC behind every read: a stream (forwards or backwards, from a revision,
 * a count, "stream not found"), `$all` (from a position, optionally filtered) and subscriptions to
 * `$all` (confirmation, catch-up, checkpoints, caught-up, live), following EventStoreDB's
 * `Streams.Read.cs` and `Enumerator.AllSubscriptionFiltered.cs`.
 */

export type ReadCall = ServerWritableStream<ReadReq, ReadResp>;
type Options = NonNullable<ReturnType<ReadReq['getOptions']>>;
type FilterOptions = NonNullable<ReturnType<Options['getFilter']>>;

/** How a subscription is made to end from the outside (`dropSubscriptions`). */
export type DropKind = 'unavailable' | 'cancelled' | 'end' | 'access-denied';

export interface SubscriptionRecord {
  readonly id: string;
  /** Where the client asked to start: `start`, `end`, or after a position (exclusive). */
  readonly from: 'start' | 'end' | LogPosition;
  readonly filtered: boolean;
  /** Whether it is still open. */
  readonly open: boolean;
}

export interface ReadServiceContext {
  readonly log: EventLog;
  /** Servers from 23.10 tell a subscription when it caught up; older ones do not. */
  readonly sendsCaughtUp: boolean;
  /** Reproduce KDB-710 (servers up to 24.10.4): see filtered-subscription.ts. */
  readonly kdb710: boolean;
  /** Every subscription ever opened, in order (tests assert where resubscriptions started). */
  readonly subscriptions: SubscriptionRecord[];
  /** Drop functions of the open subscriptions. */
  readonly openSubscriptions: Map<string, (how: DropKind) => void>;
  /** Drops for the next subscriptions, one each: after sending that many events (mid catch-up). */
  readonly scheduledDrops: { readonly afterEvents: number; readonly how: DropKind }[];
}

/** EventStoreDB's `DefaultReadBatchSize`: the search window of a filter sent with `count`. */
const defaultSearchWindow = 32;

const invalidPosition = () => callError(status.INVALID_ARGUMENT, 'Trying to read from an invalid position.');

export const readHandler =
  (context: ReadServiceContext) =>
  (call: ReadCall): void => {
    const options = call.request.getOptions();
    if (!options) return void call.emit('error', callError(status.INVALID_ARGUMENT, "'options' is required"));
    if (!options.hasUuidOption()) {
      return void call.emit(
        'error',
        callError(status.INVALID_ARGUMENT, "'uuidOption' is a required argument"),
      );
    }
    const uuidForm = options.getUuidOption()!.hasStructured() ? 'structured' : 'string';
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const send = (events: readonly StoredEvent[]) => {
      for (const event of events) call.write(readEvent(event, uuidForm));
    };

    if (options.hasStream()) {
      if (options.hasSubscription() || options.hasFilter()) {
        return void call.emit(
          'error',
          callError(status.UNIMPLEMENTED, 'stand-in: stream subscriptions and filtered stream reads'),
        );
      }
      const streamOptions = options.getStream()!;
      const streamId = streamNameOf(streamOptions.getStreamIdentifier());
      const from = streamOptions.hasRevision()
        ? BigInt(streamOptions.getRevision())
        : streamOptions.hasEnd()
          ? 'end'
          : 'start';
      const events = context.log.readStream(
        streamId,
        from,
        backwards ? 'backwards' : 'forwards',
        BigInt(options.getCount()),
      );
      if (events === undefined) {
        call.write(
          new streamsPb.ReadResp().setStreamNotFound(
            new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(streamId)),
          ),
        );
      } else send(events);
      return void call.end();
    }

    const all = options.getAll();
    if (!all) return void call.emit('error', callError(status.INVALID_ARGUMENT, 'no stream option'));
    const position = all.getPosition();
    const from: 'start' | 'end' | LogPosition = position
      ? { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) }
      : all.hasEnd()
        ? 'end'
        : 'start';
    const filter = options.hasFilter() ? eventFilter(options.getFilter()!) : undefined;
    if (filter instanceof Error) return void call.emit('error', filter);

    if (options.hasSubscription()) {
      if (backwards) {
        return void call.emit('error', callError(status.INVALID_ARGUMENT, 'subscriptions read forwards'));
      }
      return void subscribeToAll(context, call, from, filter, uuidForm);
    }

    if (typeof from === 'object' && !context.log.isValidReadPosition(from)) {
      return void call.emit('error', invalidPosition());
    }
    const count = BigInt(options.getCount());
    const matches = filter?.matches ?? (() => true);
    if (backwards) {
      const page = context.log.readAllBackwards(from === 'start' ? { commit: 0n, prepare: 0n } : from, count);
      send(page.filter(matches));
    } else if (from === 'end') {
      send([]);
    } else if (filter) {
      // Filtered reads return up to `count` matching events, scanning as far as it takes.
      send(
        context.log
          .readAllForwards(from, BigInt(context.log.events.length))
          .filter(matches)
          .slice(0, Number(count)),
      );
    } else {
      send(context.log.readAllForwards(from, count));
    }
    call.end();
  };

const eventFilter = (options: FilterOptions): SubscriptionFilter | Error => {
  const on = options.hasStreamIdentifier()
    ? { expression: options.getStreamIdentifier()!, field: (e: StoredEvent) => e.streamId }
    : options.hasEventType()
      ? { expression: options.getEventType()!, field: (e: StoredEvent) => e.type }
      : undefined;
  if (!on) return callError(status.INVALID_ARGUMENT, 'a filter needs a stream identifier or an event type');
  const multiplier = options.getCheckpointintervalmultiplier();
  if (multiplier <= 0) return callError(status.INVALID_ARGUMENT, 'checkpointIntervalMultiplier must be > 0');
  const searchWindow = options.hasMax() ? options.getMax() : defaultSearchWindow;
  const regex = on.expression.getRegex();
  const prefixes = on.expression.getPrefixList();
  let test: (text: string) => boolean;
  try {
    const pattern = regex ? new RegExp(regex) : undefined;
    test = pattern ? (text) => pattern.test(text) : (text) => prefixes.some((p) => text.startsWith(p));
  } catch {
    return callError(status.INVALID_ARGUMENT, `invalid regex ${JSON.stringify(regex)}`);
  }
  return { matches: (e) => test(on.field(e)), searchWindow, checkpointInterval: searchWindow * multiplier };
};

const checkpointMessage = (position: LogPosition) =>
  new streamsPb.ReadResp().setCheckpoint(
    new streamsPb.ReadResp.Checkpoint()
      .setCommitPosition(position.commit.toString())
      .setPreparePosition(position.prepare.toString()),
  );

/**
 * A subscription to `$all`: confirmation; catch-up after `from` (exclusive), filtered ones with
 * checkpoints where the server places them (filtered-subscription.ts); caught-up; then live events
 * (and live checkpoints), in log order, until the client cancels or a test drops it.
 */
const subscribeToAll = (
  context: ReadServiceContext,
  call: ReadCall,
  from: 'start' | 'end' | LogPosition,
  filter: SubscriptionFilter | undefined,
  uuidForm: 'string' | 'structured',
): void => {
  const id = randomUUID();
  const record = { id, from, filtered: filter !== undefined, open: true };
  context.subscriptions.push(record);
  let stopLive: () => unknown = () => undefined;
  const close = () => {
    stopLive();
    record.open = false;
    context.openSubscriptions.delete(id);
  };
  call.on('cancelled', close);
  const drop = (how: DropKind) => {
    close();
    dropCall(call, how);
  };
  context.openSubscriptions.set(id, drop);
  const scheduled = context.scheduledDrops.shift();
  let eventsSent = 0;

  call.write(
    new streamsPb.ReadResp().setConfirmation(
      new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(id),
    ),
  );
  if (typeof from === 'object' && !context.log.isValidReadPosition(from)) {
    close();
    return void call.emit('error', invalidPosition());
  }

  const send = (messages: readonly FilteredMessage[]) => {
    for (const message of messages) {
      if (!record.open) return;
      if (message.kind === 'checkpoint') {
        call.write(checkpointMessage(message.position));
        continue;
      }
      call.write(readEvent(message.event, uuidForm));
      eventsSent++;
      if (scheduled && eventsSent >= scheduled.afterEvents) drop(scheduled.how);
    }
  };

  // From the end: live after the last commit, as the server's confirmation position.
  const last = context.log.lastPosition;
  let standing: Standing =
    from === 'end' ? { commit: last.commit, prepare: last.commit } : from === 'start' ? 'head' : from;
  // Catch-up and the switch to live happen in one synchronous turn: no append can slip between.
  if (!startsLive(context.log, standing)) {
    if (filter) {
      const catchUp = filteredCatchUp(context.log, standing, filter, { kdb710: context.kdb710 });
      send(catchUp.messages);
      standing = catchUp.standing;
    } else {
      const events = context.log.eventsAfter(standing === 'head' ? 'start' : standing);
      send(events.map((event) => ({ kind: 'event', event })));
      standing = events.at(-1)?.position ?? standing;
    }
  }
  if (!record.open) return;
  if (context.sendsCaughtUp)
    call.write(new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp()));
  const live = filter
    ? liveFilter(filter, standing)
    : (() => {
        let after = standing;
        return (event: StoredEvent): FilteredMessage[] => {
          if (after !== 'head' && comparePositions(event.position, after) <= 0) return [];
          after = event.position;
          return [{ kind: 'event', event }];
        };
      })();
  stopLive = context.log.onAppend((events) => {
    for (const event of events) send(live(event));
  });
};

/** Ends a call the way EventStoreDB's side of a dropped subscription looks to a client. */
const dropCall = (call: ReadCall, how: DropKind): void => {
  switch (how) {
    case 'unavailable':
      return void call.emit('error', callError(status.UNAVAILABLE, 'Server Is Not Ready'));
    case 'cancelled':
      return void call.emit('error', callError(status.CANCELLED, 'Subscription dropped by the server'));
    case 'end':
      return void call.end();
    case 'access-denied':
      return void call.emit(
        'error',
        callError(status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' }),
      );
  }
};
