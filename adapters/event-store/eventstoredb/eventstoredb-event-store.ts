import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  BACKWARDS,
  EventStoreDBClient,
  FORWARDS,
  type JSONType,
  jsonEvent,
  START,
} from '@eventstore/db-client';
import { Observable, throwError } from 'rxjs';
import { z } from 'zod';
import {
  type AppendResult,
  type EventFilter,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  eventFilterSchema,
  type ReadAllResult,
  type RecordedEvent,
  type SubscriptionMessage,
} from '../../../application/ports/event-store.ts';
import {
  StoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../../application/ports/event-store-errors.ts';
import { type BackoffOptions, defaultBackoff } from '../../../application/support/backoff.ts';
import { checkAppendInput } from '../append-input.ts';
import type { AuditTrail } from '../audit-trail.ts';
import { resubscribing } from '../resubscribe.ts';
import { esdbAuditTrail } from './esdb-audit.ts';
import { ChainTips } from './esdb-chain.ts';
import { type ChainLink, planChainedAppend, type ReadLinks } from './esdb-chained-append.ts';
import {
  type EsdbPosition,
  esdbPositions,
  isResumablePosition,
  matchesFilter,
  positionOf,
  toChainLink,
  toEsdbExpectedRevision,
  toEsdbMetadata,
  toEsdbPosition,
  toEsdbSubscriptionFilter,
  toRecordedEvent,
  translateEsdbError,
} from './esdb-mapping.ts';

export const eventStoreDbConfigSchema = z.object({
  /** e.g. `esdb://127.0.0.1:2113?tls=false` (insecure local mode, as in docker-compose.yml) */
  connectionString: z.string().min(1),
  /**
   * How long an append may take before it fails with StoreUnavailableError (it may still be
   * written: retry it with the same ids). Sent to the server as the append's deadline, and
   * enforced here too: over BatchAppend the client sets no deadline on the call itself.
   */
  appendDeadlineMs: z.number().int().positive().default(10_000),
});
export type EventStoreDbConfig = z.input<typeof eventStoreDbConfigSchema>;

export interface EventStoreDbEventStore extends EventStore<EsdbPosition> {
  readonly client: EventStoreDBClient;
  /** The tamper-evident audit trail (`oms audit`). */
  readonly audit: AuditTrail;
}

const translating = async <T>(work: () => Promise<T>, context?: Parameters<typeof translateEsdbError>[1]) => {
  try {
    return await work();
  } catch (error) {
    throw translateEsdbError(error, context);
  }
};

/**
 * Settles like `work`, or fails with StoreUnavailableError once `ms` have passed (what `work` does
 * later is ignored: an append that ends after its deadline may still have been written).
 */
const withDeadline = <T>(ms: number, what: string, work: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(`${what} did not finish within its deadline of ${ms} ms`)),
      ms,
    );
  });
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
};

/**
 * The production store. The client connects lazily (the first call); it never resubscribes by
 * itself and the server drops slow subscribers, so subscriptions go through `resubscribing`.
 * System streams and events (`$...`) are hidden from `$all` reads and subscriptions.
 */
export const openEventStoreDbEventStore = (
  config: EventStoreDbConfig,
  options: {
    backoff?: BackoffOptions;
    /** How many streams' tips `audit.verify` keeps while it reads `$all` (default 100 000). */
    auditStreamWindow?: number;
  } = {},
): EventStoreDbEventStore => {
  const { connectionString, appendDeadlineMs } = eventStoreDbConfigSchema.parse(config);
  const client = EventStoreDBClient.connectionString(connectionString);
  const backoff = options.backoff ?? defaultBackoff;
  /** Completes each open subscription when the store closes (instead of resubscribing). */
  const openSubscriptions = new Set<() => void>();
  let closed = false;

  const tips = new ChainTips();

  /** The chain's view of a stream (raw metadata: the hash is in it); [] when there is none. */
  const readLinks: ReadLinks = async (streamId, { from, direction, maxCount }) => {
    try {
      const links: ChainLink[] = [];
      const read = client.readStream(streamId, {
        direction: direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision: from,
        maxCount,
      });
      for await (const resolved of read) {
        const link = toChainLink(resolved);
        if (link) links.push(link);
      }
      return links;
    } catch (error) {
      const translated = translateEsdbError(error, { streamId });
      if (translated instanceof StreamNotFoundError) return [];
      throw translated;
    }
  };

  /** One attempt: the chain planned, then written at the expected revision it was built on. */
  const appendOnce = async (
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult<EsdbPosition>> => {
    const plan = await planChainedAppend(streamId, events, expectedRevision, tips, readLinks);
    if (plan.kind === 'written') return plan.result;
    const result = await translating(
      () =>
        client.appendToStream(
          streamId,
          plan.events.map((e) =>
            // The client's JSONType omits top-level numbers, booleans and null; it encodes them all.
            jsonEvent({
              id: e.id,
              type: e.type,
              data: e.data as JSONType,
              metadata: toEsdbMetadata(e.metadata),
            }),
          ),
          { expectedRevision: toEsdbExpectedRevision(plan.expected), deadline: appendDeadlineMs },
        ),
      { streamId, expected: expectedRevision },
    );
    if (!result.position)
      throw new StoreUnavailableError('EventStoreDB returned no position (server older than 21.10?)');
    tips.set(streamId, plan.last);
    return {
      nextExpectedRevision: result.nextExpectedRevision,
      position: { commit: result.position.commit, prepare: result.position.prepare },
    };
  };

  const append: EventStore<EsdbPosition>['append'] = async (streamId, events, { expectedRevision }) => {
    checkAppendInput(streamId, events, expectedRevision);
    return withDeadline(
      appendDeadlineMs,
      `EventStoreDB append to ${streamId}`,
      (async () => {
        // `any` and `stream_exists` were pinned to the stream's last event: another writer's append
        // in between is not the caller's conflict; plan again on the new last event (after a short,
        // growing, jittered pause, so that writers racing on one stream spread out).
        for (let attempt = 1; ; attempt++) {
          try {
            return await appendOnce(streamId, events, expectedRevision);
          } catch (error) {
            if (!(error instanceof WrongExpectedVersionError)) throw error;
            const pinned =
              expectedRevision === 'any' ||
              (expectedRevision === 'stream_exists' && error.actual !== 'no_stream');
            if (!pinned) throw error;
            if (attempt >= 30) throw new WrongExpectedVersionError(streamId, expectedRevision, error.actual);
            await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10) * 5));
          }
        }
      })(),
    );
  };

  const readStream: EventStore<EsdbPosition>['readStream'] = (streamId, readOptions = {}) =>
    translating(
      async () => {
        const backwards = readOptions.direction === 'backwards';
        const read = client.readStream(streamId, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: readOptions.fromRevision ?? (backwards ? 'end' : 'start'),
          ...(readOptions.maxCount !== undefined ? { maxCount: readOptions.maxCount } : {}),
        });
        const events: RecordedEvent<EsdbPosition>[] = [];
        for await (const resolved of read) {
          if (resolved.event) events.push(toRecordedEvent(resolved));
        }
        return events;
      },
      { streamId },
    );

  const readAll: EventStore<EsdbPosition>['readAll'] = (readOptions) =>
    translating(async (): Promise<ReadAllResult<EsdbPosition>> => {
      const maxCount = z.number().int().positive().parse(readOptions.maxCount);
      const filter = eventFilterSchema.optional().parse(readOptions.filter);
      const after = readOptions.after;
      // fromPosition is inclusive on reads: read one more and drop the event at `after`. Filtering
      // happens here so that lastScanned covers every position read, system events included.
      const read = client.readAll({
        direction: FORWARDS,
        fromPosition: after ? toEsdbPosition(after) : START,
        maxCount: maxCount + (after ? 1 : 0),
      });
      const events: RecordedEvent<EsdbPosition>[] = [];
      let lastScanned = after ?? esdbPositions.start;
      let scanned = 0;
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        const position = positionOf(resolved);
        if (!position || (after && esdbPositions.compare(position, after) <= 0)) continue;
        if (scanned === maxCount) break;
        scanned++;
        lastScanned = position;
        const e = resolved.event;
        if (e && matchesFilter(filter, e.streamId, e.type)) events.push(toRecordedEvent(resolved));
      }
      return { events, lastScanned, isEnd: scanned < maxCount };
    });

  /** One attempt: a client subscription, translated into our messages. */
  const subscribeOnce = (after: EsdbPosition | undefined, filter: EventFilter | undefined) =>
    new Observable<SubscriptionMessage<EsdbPosition>>((subscriber) => {
      if (closed) {
        subscriber.complete();
        return;
      }
      let last = after ?? esdbPositions.start;
      let closing = false;
      const end = () => {
        closing = true;
        subscriber.complete();
      };
      openSubscriptions.add(end);
      const subscription: AllStreamSubscription = client.subscribeToAll({
        fromPosition: after ? toEsdbPosition(after) : START,
        filter: toEsdbSubscriptionFilter(filter, (position) => {
          // Never hand on a checkpoint no subscription could resume from (KDB-710's 2^64-1).
          if (!isResumablePosition(position)) return;
          last = position;
          subscriber.next({ kind: 'checkpoint', position });
        }),
      });
      subscription.on('data', (resolved: AllStreamResolvedEvent) => {
        try {
          const e = resolved.event;
          const position = positionOf(resolved);
          if (!e || !position) return;
          last = position;
          if (matchesFilter(filter, e.streamId, e.type))
            subscriber.next({ kind: 'event', event: toRecordedEvent(resolved) });
        } catch (error) {
          subscriber.error(error);
        }
      });
      subscription.on('caughtUp', () => subscriber.next({ kind: 'caughtUp', position: last }));
      subscription.on('error', (error: unknown) => {
        if (!closing) subscriber.error(translateEsdbError(error));
      });
      subscription.on('end', () => {
        if (!closing) subscriber.error(new StoreUnavailableError('EventStoreDB ended the subscription'));
      });
      return () => {
        closing = true;
        openSubscriptions.delete(end);
        subscription.unsubscribe().catch(() => undefined);
      };
    });

  return {
    client,
    audit: esdbAuditTrail(client, readLinks, {
      ...(options.auditStreamWindow !== undefined && { streamWindow: options.auditStreamWindow }),
    }),
    positions: esdbPositions,
    append,
    readStream,
    readAll,
    subscribeToAll: (subscribeOptions = {}) => {
      const filter = eventFilterSchema.optional().parse(subscribeOptions.filter);
      const after = subscribeOptions.after;
      // A server takes (2^64-1, 2^64-1) for "the end" and would silently skip everything before it:
      // a checkpoint stored from KDB-710 needs repair, not a subscription that loses events.
      if (after && !isResumablePosition(after)) {
        return throwError(
          () =>
            new Error(
              `not a position an EventStoreDB subscription can resume from: ${esdbPositions.serialize(after)}`,
            ),
        );
      }
      return resubscribing(
        esdbPositions,
        (after) => subscribeOnce(after, filter),
        subscribeOptions.after,
        backoff,
      );
    },
    close: async () => {
      closed = true;
      for (const end of [...openSubscriptions]) end();
      await client.dispose();
    },
  };
};
