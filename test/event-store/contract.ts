import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventStore,
  type EventToAppend,
  InvalidAppendError,
  type JsonValue,
  type RecordedEvent,
  StreamNotFoundError,
  type SubscriptionMessage,
  WrongExpectedVersionError,
} from '../../application/ports/event-store.ts';
import { Recorder } from './recorder.ts';

/**
 * The one contract every event-store adapter passes (docs/event-store.md, §4 of the design notes).
 * Each adapter's `*.int.test.ts` calls `eventStoreContract` with a factory. Cases that cannot apply
 * to an adapter are listed in `notApplicable` with the reason, and show as skipped with it.
 */
export interface ContractSubject<P> {
  readonly store: EventStore<P>;
  /** Releases what the factory opened besides the store (databases, servers). */
  teardown(): Promise<void>;
  /**
   * Appends inside a transaction that stays open (on another connection) until `commit()`: the
   * gap test commits a later append meanwhile.
   */
  holdOpenAppend?(streamId: string, event: EventToAppend): Promise<{ commit(): Promise<void> }>;
  /** Breaks every live subscription's connection from the outside (a real fault, not a mock). */
  breakSubscriptions?(): Promise<void>;
}

export interface ContractOptions {
  /** Reason per case group that cannot run on this adapter. */
  readonly notApplicable?: {
    readonly concurrency?: string;
    readonly gap?: string;
    readonly resubscribe?: string;
  };
}

type Case = 'concurrency' | 'gap' | 'resubscribe';

const newEvent = (
  type = 'TestEvent',
  data: JsonValue = { n: 1 },
  metadata: JsonValue = {},
): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata,
});
const events = (n: number, type?: string) => Array.from({ length: n }, (_, i) => newEvent(type, { i }));
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

const wrongVersion = async (promise: Promise<unknown>): Promise<WrongExpectedVersionError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  return error as WrongExpectedVersionError;
};

export const eventStoreContract = <P>(
  adapter: string,
  open: () => Promise<ContractSubject<P>>,
  options: ContractOptions = {},
) => {
  describe(`${adapter} event store (contract)`, () => {
    let subject: ContractSubject<P>;
    let store: EventStore<P>;
    const recorders: Recorder<SubscriptionMessage<P>>[] = [];

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      for (const r of recorders) r.stop();
      await subject?.store.close();
      await subject?.teardown();
    });

    const record = (source: ReturnType<EventStore<P>['subscribeToAll']>) => {
      const recorder = new Recorder(source);
      recorders.push(recorder);
      return recorder;
    };
    const eventsOf = (messages: readonly SubscriptionMessage<P>[]) =>
      messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
    const ids = (list: readonly RecordedEvent<P>[]) => list.map((e) => e.id);

    /** The last position in `$all` now: later reads and subscriptions after it see only this test's events. */
    const head = async (): Promise<P> => {
      let after = store.positions.start;
      for (;;) {
        const page = await store.readAll({ after, maxCount: 1000 });
        after = page.lastScanned;
        if (page.isEnd) return after;
      }
    };
    const readAllAfter = async (after: P, maxCount = 1000) => {
      const all: RecordedEvent<P>[] = [];
      for (;;) {
        const page = await store.readAll({ after, maxCount });
        all.push(...page.events);
        after = page.lastScanned;
        if (page.isEnd) return all;
      }
    };

    const itUnless = (group: Case) => {
      const reason = options.notApplicable?.[group];
      return reason ? (name: string, _fn: () => Promise<void>) => it.skip(`${name} [n/a: ${reason}]`) : it;
    };

    describe('appending with an expected revision', () => {
      it('no_stream on a new stream writes revision 0; a second no_stream fails with actual 0', async () => {
        // Given a new stream
        const stream = unique('stream');
        // When appending with no_stream
        const first = await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
        // Then the stream is at revision 0, and another no_stream append is refused
        expect(first.nextExpectedRevision).toBe(0n);
        const error = await wrongVersion(
          store.append(stream, [newEvent()], { expectedRevision: 'no_stream' }),
        );
        expect(error).toMatchObject({
          streamId: stream,
          expected: 'no_stream',
          actual: 0n,
          code: 'WRONG_EXPECTED_VERSION',
        });
      });

      it('stream_exists fails on a missing stream and succeeds on an existing one', async () => {
        const stream = unique('stream');
        const error = await wrongVersion(
          store.append(stream, [newEvent()], { expectedRevision: 'stream_exists' }),
        );
        expect(error).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
        await store.append(stream, [newEvent()], { expectedRevision: 'any' });
        const result = await store.append(stream, [newEvent()], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('a wrong exact revision fails with the expected and the actual revision', async () => {
        const stream = unique('stream');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const error = await wrongVersion(store.append(stream, [newEvent()], { expectedRevision: 5n }));
        expect(error).toMatchObject({ streamId: stream, expected: 5n, actual: 1n });
        const ok = await store.append(stream, events(3), { expectedRevision: 1n });
        expect(ok.nextExpectedRevision).toBe(4n);
      });

      it('an exact revision on a missing stream fails with actual no_stream', async () => {
        const error = await wrongVersion(
          store.append(unique('stream'), [newEvent()], { expectedRevision: 0n }),
        );
        expect(error.actual).toBe('no_stream');
      });

      it('any appends to a new or an existing stream', async () => {
        const stream = unique('stream');
        expect(
          (await store.append(stream, [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(0n);
        expect(
          (await store.append(stream, events(2), { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(2n);
      });

      it('refuses an append without events or with an invalid event id', async () => {
        const stream = unique('stream');
        await expect(store.append(stream, [], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(
          store.append(stream, [{ ...newEvent(), id: 'not-a-uuid' }], { expectedRevision: 'any' }),
        ).rejects.toMatchObject({ code: 'INVALID_APPEND' });
        const notJson = { big: 1n } as unknown as JsonValue;
        await expect(
          store.append(stream, [newEvent('T', notJson)], { expectedRevision: 'any' }),
        ).rejects.toMatchObject({ code: 'INVALID_APPEND' });
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('idempotent appends (EventStoreDB rules)', () => {
      it('the same ids with the same no_stream: same result, written once', async () => {
        const stream = unique('stream');
        const batch = events(2);
        const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        const retry = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        expect(retry.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(store.positions.compare(retry.position, first.position)).toBe(0);
        expect(ids(await store.readStream(stream))).toEqual(batch.map((e) => e.id));
      });

      it('the same ids with the same exact revision after later appends: same result, no duplicates', async () => {
        const stream = unique('stream');
        await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const batch = events(2);
        const first = await store.append(stream, batch, { expectedRevision: 0n });
        await store.append(stream, [newEvent()], { expectedRevision: 2n });
        const retry = await store.append(stream, batch, { expectedRevision: 0n });
        expect(retry.nextExpectedRevision).toBe(2n);
        expect(store.positions.compare(retry.position, first.position)).toBe(0);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      it('a partial overlap with written ids fails with WrongExpectedVersion', async () => {
        const stream = unique('stream');
        const batch = events(2);
        await store.append(stream, batch, { expectedRevision: 'no_stream' });
        const error = await wrongVersion(
          store.append(stream, [batch[0]!, newEvent()], { expectedRevision: 'no_stream' }),
        );
        expect(error.actual).toBe(1n);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('any with identical ids is a retry: same revision, written once', async () => {
        const stream = unique('stream');
        const batch = events(3);
        const first = await store.append(stream, batch, { expectedRevision: 'any' });
        const retry = await store.append(stream, batch, { expectedRevision: 'any' });
        expect(retry.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(await store.readStream(stream)).toHaveLength(3);
      });
    });

    describe('reading a stream', () => {
      let stream: string;
      let written: EventToAppend[];
      beforeAll(async () => {
        stream = unique('read');
        written = events(5);
        await store.append(stream, written, { expectedRevision: 'no_stream' });
      });

      it('forwards: every event in revision order', async () => {
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(ids(read)).toEqual(written.map((e) => e.id));
        expect(read.every((e) => e.streamId === stream)).toBe(true);
      });

      it('backwards: from the end, newest first', async () => {
        const read = await store.readStream(stream, { direction: 'backwards' });
        expect(read.map((e) => e.revision)).toEqual([4n, 3n, 2n, 1n, 0n]);
      });

      it('from a revision (inclusive), in both directions, with a max count', async () => {
        const forwards = await store.readStream(stream, { fromRevision: 2n, maxCount: 2 });
        expect(forwards.map((e) => e.revision)).toEqual([2n, 3n]);
        const backwards = await store.readStream(stream, { direction: 'backwards', fromRevision: 2n });
        expect(backwards.map((e) => e.revision)).toEqual([2n, 1n, 0n]);
        const last = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
        expect(last.map((e) => e.revision)).toEqual([4n]);
      });

      it('past the end of an existing stream: no events', async () => {
        expect(await store.readStream(stream, { fromRevision: 10n })).toEqual([]);
      });

      it('a missing stream: StreamNotFoundError', async () => {
        const missing = unique('missing');
        await expect(store.readStream(missing)).rejects.toBeInstanceOf(StreamNotFoundError);
        await expect(store.readStream(missing, { direction: 'backwards' })).rejects.toMatchObject({
          code: 'STREAM_NOT_FOUND',
          streamId: missing,
        });
      });
    });

    describe('round trip', () => {
      it('id, type, data, metadata and created come back exactly, by every read path', async () => {
        // Given an event with decimals as strings, unicode, nesting, every JSON type
        const data = {
          price: '64123.50000000',
          amount: '0.00000001',
          fee: '-0.000125',
          text: 'Zürich 東京 مرحبا 🚀 e\u0301 "quoted" back\\slash\nnew line\ttab',
          nested: { list: [1, 2.5, -3, true, false, null, { deep: ['x', { deeper: [] }] }], empty: {} },
          zero: 0,
        };
        const metadata = { correlationId: randomUUID(), causationId: null, tags: ['a', 'ü'] };
        const event = newEvent('OrderFilled', data, metadata);
        const stream = unique('roundtrip');
        const before = await head();
        const written = await store.append(stream, [event], { expectedRevision: 'no_stream' });

        // When read back by stream, by $all and by a subscription
        const [byStream] = await store.readStream(stream);
        const [byAll] = await readAllAfter(before);
        const recorder = record(store.subscribeToAll({ after: before }));
        const [bySubscription] = eventsOf(
          await recorder.waitFor((m) => eventsOf(m).length >= 1, 'the event'),
        );
        recorder.stop();

        // Then each path gives the same event, as written
        expect(byStream).toMatchObject({
          id: event.id,
          type: 'OrderFilled',
          data,
          metadata,
          revision: 0n,
          streamId: stream,
        });
        expect(byStream!.created).toBeInstanceOf(Date);
        expect(Math.abs(byStream!.created.getTime() - Date.now())).toBeLessThan(60_000);
        expect(store.positions.compare(byStream!.position, written.position)).toBe(0);
        expect(byAll).toEqual(byStream);
        expect(bySubscription).toEqual(byStream);
        expect(typeof (byStream!.data as { price: unknown }).price).toBe('string');
      });
    });

    describe('reading $all', () => {
      it('positions strictly increase; after is exclusive; positions serialize to sortable text', async () => {
        const before = await head();
        await store.append(unique('all-a'), events(3), { expectedRevision: 'no_stream' });
        await store.append(unique('all-b'), events(2), { expectedRevision: 'no_stream' });
        const all = await readAllAfter(before, 2);
        expect(all).toHaveLength(5);
        for (let i = 1; i < all.length; i++) {
          expect(store.positions.compare(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0);
          expect(
            store.positions.serialize(all[i - 1]!.position) < store.positions.serialize(all[i]!.position),
          ).toBe(true);
        }
        const rest = await store.readAll({ after: all[1]!.position, maxCount: 10 });
        expect(ids(rest.events)).toEqual(ids(all.slice(2)));
        const position = all[3]!.position;
        expect(
          store.positions.compare(store.positions.parse(store.positions.serialize(position)), position),
        ).toBe(0);
        expect(store.positions.compare(store.positions.start, all[0]!.position)).toBeLessThan(0);
      });

      it('filters by stream prefix and by event type; lastScanned passes filtered-out events', async () => {
        // Given events on two stream families with two types
        const before = await head();
        const family = unique('fam');
        const other = unique('oth');
        await store.append(`${family}-1`, [newEvent('Placed'), newEvent('Filled')], {
          expectedRevision: 'no_stream',
        });
        await store.append(`${other}-1`, events(4, 'Noise'), { expectedRevision: 'no_stream' });
        await store.append(`${family}-2`, [newEvent('Placed')], { expectedRevision: 'no_stream' });
        await store.append(`${other}-2`, events(3, 'Noise'), { expectedRevision: 'no_stream' });
        const everything = await readAllAfter(before);
        const last = everything.at(-1)!.position;

        // When reading with a prefix filter, page by page
        const byPrefix: RecordedEvent<P>[] = [];
        let after: P = before;
        for (;;) {
          const page = await store.readAll({ after, maxCount: 3, filter: { streamPrefixes: [family] } });
          byPrefix.push(...page.events);
          // Then lastScanned never goes back and covers every returned event
          expect(store.positions.compare(page.lastScanned, after)).toBeGreaterThanOrEqual(0);
          for (const e of page.events)
            expect(store.positions.compare(e.position, page.lastScanned)).toBeLessThanOrEqual(0);
          after = page.lastScanned;
          if (page.isEnd) break;
        }
        expect(byPrefix.map((e) => e.streamId)).toEqual([`${family}-1`, `${family}-1`, `${family}-2`]);
        expect(store.positions.compare(after, last)).toBe(0);

        const byType = await store.readAll({
          after: before,
          maxCount: 100,
          filter: { eventTypes: ['Placed'] },
        });
        expect(byType.events.map((e) => e.streamId)).toEqual([`${family}-1`, `${family}-2`]);
        const both = await store.readAll({
          after: before,
          maxCount: 100,
          filter: { streamPrefixes: [family, other], eventTypes: ['Filled', 'Noise'] },
        });
        expect(both.events).toHaveLength(8);

        // And a filter that matches nothing still advances lastScanned over the window
        const none = await store.readAll({ after: before, maxCount: 5, filter: { eventTypes: ['Nothing'] } });
        expect(none.events).toEqual([]);
        expect(store.positions.compare(none.lastScanned, everything[4]!.position)).toBe(0);
      });
    });

    describe('subscribing to $all', () => {
      it('catches up, signals caught-up, then delivers live events', async () => {
        const before = await head();
        const stream = unique('sub');
        const past = events(3);
        await store.append(stream, past, { expectedRevision: 'no_stream' });

        const recorder = record(store.subscribeToAll({ after: before }));
        const caughtUp = await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');
        expect(caughtUp.map((m) => m.kind)).toEqual(['event', 'event', 'event', 'caughtUp']);
        expect(ids(eventsOf(caughtUp))).toEqual(past.map((e) => e.id));

        const live = events(2);
        await store.append(stream, live, { expectedRevision: 2n });
        const all = await recorder.waitFor((m) => eventsOf(m).length === 5, 'live events');
        expect(ids(eventsOf(all))).toEqual([...past, ...live].map((e) => e.id));
        recorder.stop();
      });

      it('resuming after a delivered position delivers exactly the remaining events', async () => {
        const before = await head();
        const stream = unique('resume');
        const written = events(5);
        await store.append(stream, written, { expectedRevision: 'no_stream' });
        const all = await readAllAfter(before);

        const recorder = record(store.subscribeToAll({ after: all[1]!.position }));
        const messages = await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');
        recorder.stop();
        expect(ids(eventsOf(messages))).toEqual(written.slice(2).map((e) => e.id));
      });

      it('a filtered subscription checkpoints in order, never past what was written, and resuming from any checkpoint loses and repeats nothing', async () => {
        // Given wanted events between runs of noise, each longer than a page (stores read $all in pages)
        const before = await head();
        const wanted = unique('wanted');
        const noise = async () => {
          for (let i = 0; i < 8; i++)
            await store.append(unique('noise'), events(10, 'Noise'), { expectedRevision: 'no_stream' });
        };
        const [first, second, third] = [newEvent('Wanted'), newEvent('Wanted'), newEvent('Wanted')];
        await noise();
        await store.append(wanted, [first], { expectedRevision: 'no_stream' });
        await noise();
        await store.append(wanted, [second], { expectedRevision: 0n });
        await noise();
        const end = await head();

        // When subscribing with a filter until caught up
        const filter = { streamPrefixes: [wanted] };
        const recorder = record(store.subscribeToAll({ after: before, filter }));
        const messages = await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');
        recorder.stop();

        // Then the wanted events come, and with them checkpoints (every store sends some over that
        // much noise) that never go back, never pass an event still to come, and never pass the end
        expect(ids(eventsOf(messages))).toEqual([first.id, second.id]);
        const checkpoints = messages.flatMap((m, at) =>
          m.kind === 'checkpoint' ? [{ at, position: m.position }] : [],
        );
        expect(checkpoints.length).toBeGreaterThan(0);
        let previous: P = before;
        for (const m of messages) {
          if (m.kind === 'caughtUp') continue;
          const position = m.kind === 'event' ? m.event.position : m.position;
          if (m.kind === 'event') expect(store.positions.compare(position, previous)).toBeGreaterThan(0);
          else expect(store.positions.compare(position, previous)).toBeGreaterThanOrEqual(0);
          expect(store.positions.compare(position, end)).toBeLessThanOrEqual(0);
          previous = position;
        }

        // And resuming after any checkpoint, once another wanted event is written, delivers exactly
        // the wanted events the first subscription had not delivered before that checkpoint
        await store.append(wanted, [third], { expectedRevision: 1n });
        for (const checkpoint of checkpoints) {
          const resumed = record(store.subscribeToAll({ after: checkpoint.position, filter }));
          const again = await resumed.waitFor(
            (m) => m.some((x) => x.kind === 'caughtUp') && eventsOf(m).some((e) => e.id === third.id),
            'caught-up with the later event',
          );
          resumed.stop();
          const deliveredBefore = eventsOf(messages.slice(0, checkpoint.at));
          expect([...ids(deliveredBefore), ...ids(eventsOf(again))]).toEqual([first.id, second.id, third.id]);
        }
      });

      it('a filtered subscription from the start that long matches nothing still delivers what comes later, with no checkpoint past it', async () => {
        // Given a subscription from the start whose filter matches nothing written so far
        const wanted = unique('late');
        const filter = { streamPrefixes: [wanted] };
        const recorder = record(store.subscribeToAll({ filter }));
        await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');

        // When a matching event is written
        const event = newEvent('Wanted');
        const written = await store.append(wanted, [event], { expectedRevision: 'no_stream' });

        // Then it is delivered, and no checkpoint before it claimed a position beyond it
        const messages = await recorder.waitFor((m) => eventsOf(m).length > 0, 'the later event');
        recorder.stop();
        expect(ids(eventsOf(messages))).toEqual([event.id]);
        for (const m of messages.slice(
          0,
          messages.findIndex((x) => x.kind === 'event'),
        )) {
          if (m.kind !== 'event')
            expect(store.positions.compare(m.position, written.position)).toBeLessThan(0);
        }
      });

      itUnless('resubscribe')(
        'resubscribes by itself after its connection breaks, skipping and repeating nothing',
        async () => {
          const before = await head();
          const stream = unique('resub');
          const first = newEvent();
          await store.append(stream, [first], { expectedRevision: 'no_stream' });
          const recorder = record(store.subscribeToAll({ after: before }));
          await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');

          // When the subscription's connection is broken, and events are appended meanwhile
          await subject.breakSubscriptions!();
          const more = events(3);
          await store.append(stream, more, { expectedRevision: 0n });

          // Then it delivers them all, once each
          const all = await recorder.waitFor((m) => eventsOf(m).length >= 4, 'events after the fault');
          expect(ids(eventsOf(all))).toEqual([first, ...more].map((e) => e.id));
          expect(recorder.error).toBeUndefined();
          recorder.stop();
        },
      );
    });

    describe('concurrency', () => {
      itUnless('concurrency')(
        'parallel any appends to one stream all succeed with contiguous revisions',
        async () => {
          const stream = unique('hot');
          const n = 24;
          const results = await Promise.all(
            Array.from({ length: n }, () => store.append(stream, [newEvent()], { expectedRevision: 'any' })),
          );
          expect(
            results.map((r) => r.nextExpectedRevision).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
          ).toEqual(Array.from({ length: n }, (_, i) => BigInt(i)));
          const read = await store.readStream(stream);
          expect(read.map((e) => e.revision)).toEqual(Array.from({ length: n }, (_, i) => BigInt(i)));
        },
      );

      it('many appends at once to many streams, some failing: each gets its own outcome, and only the failed ones write nothing', async () => {
        // Given streams with one event each, and earlier appends whose requests will be sent again
        const existing = Array.from({ length: 6 }, () => unique('taken'));
        const written = await Promise.all(
          existing.map(async (stream) => {
            const events = [newEvent(), newEvent()];
            const result = await store.append(stream, events, { expectedRevision: 'no_stream' });
            return { stream, events, result };
          }),
        );
        // When 48 appends go at once: 30 to new streams, 6 at a wrong revision, 6 retries of the
        // earlier appends (same ids, same expected revision), 6 more to new streams of 3 events
        const fresh = Array.from({ length: 30 }, () => ({ stream: unique('fresh'), events: [newEvent()] }));
        const triple = Array.from({ length: 6 }, () => ({
          stream: unique('triple'),
          events: [newEvent(), newEvent(), newEvent()],
        }));
        const outcomes = await Promise.allSettled([
          ...fresh.map((f) => store.append(f.stream, f.events, { expectedRevision: 'no_stream' })),
          ...existing.map((stream) => store.append(stream, [newEvent()], { expectedRevision: 5n })),
          ...written.map((w) => store.append(w.stream, w.events, { expectedRevision: 'no_stream' })),
          ...triple.map((t) => store.append(t.stream, t.events, { expectedRevision: 'no_stream' })),
        ]);

        // Then the new streams are written, each append with its own revision and position
        const results = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason));
        for (const [i, f] of fresh.entries()) {
          expect(results[i]).toMatchObject({ nextExpectedRevision: 0n });
          const [event] = await store.readStream(f.stream);
          expect(event?.id).toBe(f.events[0]!.id);
          expect(store.positions.compare(event!.position, results[i].position)).toBe(0);
        }
        // the wrong revisions fail alone, naming the actual revision, and write nothing
        for (const [k, stream] of existing.entries()) {
          expect(results[30 + k]).toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actual: 1n });
          expect(await store.readStream(stream)).toHaveLength(2);
        }
        // the retries answer with the first result
        for (const [k, w] of written.entries()) {
          expect(results[36 + k].nextExpectedRevision).toBe(1n);
          expect(store.positions.compare(results[36 + k].position, w.result.position)).toBe(0);
        }
        // and the three-event appends keep their events together and in order
        for (const [k, t] of triple.entries()) {
          expect(results[42 + k]).toMatchObject({ nextExpectedRevision: 2n });
          expect((await store.readStream(t.stream)).map((e) => e.id)).toEqual(t.events.map((e) => e.id));
        }
      });

      itUnless('concurrency')('parallel appends at the same exact revision: exactly one wins', async () => {
        const stream = unique('race');
        await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const n = 16;
        const outcomes = await Promise.allSettled(
          Array.from({ length: n }, () => store.append(stream, [newEvent()], { expectedRevision: 0n })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(n - 1);
        for (const error of lost) expect(error).toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actual: 1n });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      itUnless('gap')(
        'gap: an event committed late is delivered before any later one, never skipped',
        async () => {
          // Given a subscriber that is live
          const before = await head();
          const live = record(store.subscribeToAll({ after: before }));
          await live.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');

          // When an append is held open while a later one commits
          const held = newEvent('Held');
          const later = newEvent('Later');
          const transaction = await subject.holdOpenAppend!(unique('gap-held'), held);
          await store.append(unique('gap-later'), [later], { expectedRevision: 'no_stream' });

          // Then readers see nothing past the held transaction while it is open...
          expect((await store.readAll({ after: before, maxCount: 100 })).events).toEqual([]);
          const catchingUp = record(store.subscribeToAll({ after: before }));
          const beforeCommit = await catchingUp.waitFor(
            (m) => m.some((x) => x.kind === 'caughtUp'),
            'caught-up',
          );
          expect(eventsOf(beforeCommit)).toEqual([]);

          // ...and once it commits, both subscribers deliver the held event first, then the later one
          await transaction.commit();
          for (const subscriber of [live, catchingUp]) {
            const messages = await subscriber.waitFor((m) => eventsOf(m).length >= 2, 'both events');
            expect(ids(eventsOf(messages))).toEqual([held.id, later.id]);
          }
          live.stop();
          catchingUp.stop();
        },
      );
    });
  });
};
