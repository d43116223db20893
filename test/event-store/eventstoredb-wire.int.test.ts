import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { EsdbPosition } from '../../adapters/event-store/eventstoredb/esdb-mapping.ts';
import {
  type EventStoreDbEventStore,
  openEventStoreDbEventStore,
} from '../../adapters/event-store/eventstoredb/eventstoredb-event-store.ts';
import type { EventToAppend, JsonValue, SubscriptionMessage } from '../../application/ports/event-store.ts';
import type { DropKind } from './esdb-stand-in/read-service.ts';
import { type EsdbStandIn, type EsdbStandInOptions, startEsdbStandIn } from './esdb-stand-in/server.ts';
import { Recorder } from './recorder.ts';

/**
 * The EventStoreDB adapter at the wire level, beyond the contract suite: what it does when the
 * server fails an append, drops or refuses a subscription, and the protocol details the contract
 * does not reach. Each test gets its own stand-in (esdb-stand-in/), so faults never leak.
 */

const opened: { standIn: EsdbStandIn; store: EventStoreDbEventStore; recorders: Recorder<unknown>[] }[] = [];
const open = async (options: EsdbStandInOptions = {}, config: { appendDeadlineMs?: number } = {}) => {
  const standIn = await startEsdbStandIn(options);
  const store = openEventStoreDbEventStore(
    { connectionString: standIn.connectionString, ...config },
    { backoff: { initialDelayMs: 5, maxDelayMs: 50 } },
  );
  const recorders: Recorder<unknown>[] = [];
  opened.push({ standIn, store, recorders });
  const record = (source: ReturnType<EventStoreDbEventStore['subscribeToAll']>) => {
    const recorder = new Recorder(source);
    recorders.push(recorder);
    return recorder;
  };
  return { standIn, store, record };
};
afterEach(async () => {
  for (const { standIn, store, recorders } of opened.splice(0)) {
    for (const recorder of recorders) recorder.stop();
    await store.close();
    await standIn.close();
  }
});

const newEvent = (type = 'Tested'): EventToAppend => ({
  id: randomUUID(),
  type,
  data: { at: type },
  metadata: {},
});
const events = (n: number, type?: string) => Array.from({ length: n }, () => newEvent(type));
const eventsOf = (messages: readonly SubscriptionMessage<EsdbPosition>[]) =>
  messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
const caughtUp = (messages: readonly SubscriptionMessage<EsdbPosition>[]) =>
  messages.some((m) => m.kind === 'caughtUp');

/** Polls `condition` until it holds (a deadline, not a sleep). */
const until = async (condition: () => boolean, what: string, deadlineMs = 5000) => {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('EventStoreDB adapter over the wire: appends that fail', () => {
  it('refused before it was written: StoreUnavailableError, and the retry writes it once', async () => {
    // Given a server that loses the connection on the next append, before writing it
    const { standIn, store } = await open();
    const batch = events(2);
    standIn.failNextAppend({ when: 'before-write' });

    // When appending, then retrying the same append
    await expect(store.append('order-1', batch, { expectedRevision: 'no_stream' })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    const retry = await store.append('order-1', batch, { expectedRevision: 'no_stream' });

    // Then the retry wrote the events, once
    expect(retry.nextExpectedRevision).toBe(1n);
    expect((await store.readStream('order-1')).map((e) => e.id)).toEqual(batch.map((e) => e.id));
  });

  it('written but never answered: StoreUnavailableError, and the retry is recognised as one (same result, no duplicates)', async () => {
    // Given a server that writes the next append, then loses the connection before answering
    const { standIn, store } = await open();
    await store.append('order-2', [newEvent()], { expectedRevision: 'no_stream' });
    const batch = events(3);
    standIn.failNextAppend({ when: 'after-write' });

    // When appending, then retrying with the same ids and expected revision
    await expect(store.append('order-2', batch, { expectedRevision: 0n })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    const retry = await store.append('order-2', batch, { expectedRevision: 0n });

    // Then the retry answers what the lost answer would have said, and nothing is written twice
    const read = await store.readStream('order-2');
    expect(read).toHaveLength(4);
    expect(retry.nextExpectedRevision).toBe(3n);
    expect(store.positions.compare(retry.position, read.at(-1)!.position)).toBe(0);
  });

  for (const batchAppend of [true, false]) {
    it(`timed out on the server after the write: StoreUnavailableError, and the retry is recognised (${batchAppend ? 'BatchAppend' : 'Append'})`, async () => {
      const { standIn, store } = await open({ batchAppend });
      const batch = events(2);
      standIn.failNextAppend({ when: 'after-write', kind: 'timeout' });

      await expect(store.append('order-t', batch, { expectedRevision: 'no_stream' })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      const retry = await store.append('order-t', batch, { expectedRevision: 'no_stream' });

      expect(retry.nextExpectedRevision).toBe(1n);
      expect(await store.readStream('order-t')).toHaveLength(2);
    });
  }

  it('appends in flight at once share one BatchAppend stream, and each gets its own answer', async () => {
    const { store } = await open({ batchAppend: true });
    await store.append('taken', [newEvent()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 8 }, (_, i) =>
        store.append(`order-${i}`, events(i + 1), { expectedRevision: 'no_stream' }),
      ),
      store.append('taken', [newEvent()], { expectedRevision: 'no_stream' }),
    ]);
    expect(
      outcomes.slice(0, 8).map((o) => (o.status === 'fulfilled' ? o.value.nextExpectedRevision : o)),
    ).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(i)));
    expect(outcomes[8]).toMatchObject({
      status: 'rejected',
      reason: { code: 'WRONG_EXPECTED_VERSION', streamId: 'taken', actual: 0n },
    });
  });
});

describe('EventStoreDB adapter over the wire: a server starting up or overloaded', () => {
  for (const batchAppend of [true, false]) {
    for (const kind of ['not-ready', 'busy'] as const) {
      it(`${kind} (${batchAppend ? 'BatchAppend' : 'Append'}): StoreUnavailableError, nothing written, and the retry writes it`, async () => {
        // Given a server that refuses the next append as starting up or too busy
        const { standIn, store } = await open({ batchAppend });
        standIn.failNextAppend({ kind });
        const batch = events(2);

        // When appending: the store is unavailable (transient), not an unknown failure
        await expect(store.append('order-n', batch, { expectedRevision: 'no_stream' })).rejects.toMatchObject(
          {
            code: 'STORE_UNAVAILABLE',
          },
        );
        await expect(store.readStream('order-n')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });

        // Then the retry writes it
        const retry = await store.append('order-n', batch, { expectedRevision: 'no_stream' });
        expect(retry.nextExpectedRevision).toBe(1n);
      });
    }
  }
});

describe('EventStoreDB adapter over the wire: appends slower than their deadline or the write timeout', () => {
  for (const batchAppend of [true, false]) {
    const rpc = batchAppend ? 'BatchAppend' : 'Append';
    it(`slower than the append deadline: StoreUnavailableError at the deadline; the write lands later and the retry is recognised (${rpc})`, async () => {
      // Given a store whose appends have 100 ms, and a server whose next write takes 400 ms
      const { standIn, store } = await open({ batchAppend }, { appendDeadlineMs: 100 });
      standIn.slowNextAppend(400);
      const batch = events(2);

      // When appending: it fails at the deadline, although the server goes on writing
      await expect(store.append('order-d', batch, { expectedRevision: 'no_stream' })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      await until(() => standIn.log.events.some((e) => e.id === batch[0]!.id), 'the slow write to land');

      // Then the retry is recognised as one: same result, written once
      const retry = await store.append('order-d', batch, { expectedRevision: 'no_stream' });
      expect(retry.nextExpectedRevision).toBe(1n);
      expect(await store.readStream('order-d')).toHaveLength(2);
    });

    it(`slower than the server's write timeout: StoreUnavailableError; the write lands later and the retry is recognised (${rpc})`, async () => {
      const { standIn, store } = await open({ batchAppend, writeTimeoutMs: 50 });
      standIn.slowNextAppend(300);
      const batch = events(2);

      await expect(store.append('order-w', batch, { expectedRevision: 'no_stream' })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      await until(() => standIn.log.events.some((e) => e.id === batch[0]!.id), 'the slow write to land');

      const retry = await store.append('order-w', batch, { expectedRevision: 'no_stream' });
      expect(retry.nextExpectedRevision).toBe(1n);
      expect(await store.readStream('order-w')).toHaveLength(2);
    });
  }
});

describe('EventStoreDB adapter over the wire: appends the server refuses', () => {
  for (const batchAppend of [true, false]) {
    it(`larger than the server's maximum append size: InvalidAppendError, nothing written (${batchAppend ? 'BatchAppend' : 'Append'})`, async () => {
      const { store } = await open({ batchAppend, maxAppendSize: 4096 });
      const large = { ...newEvent(), data: { blob: 'x'.repeat(5000) } };
      await expect(
        store.append('order-big', [large], { expectedRevision: 'no_stream' }),
      ).rejects.toMatchObject({
        code: 'INVALID_APPEND',
      });
      await expect(store.readStream('order-big')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    });
  }
});

describe('EventStoreDB adapter over the wire: subscriptions the server ends', () => {
  for (const how of ['unavailable', 'cancelled', 'end'] as const satisfies readonly DropKind[]) {
    it(`ended (${how}) in the middle of the catch-up: resubscribes after the last event delivered, every event once`, async () => {
      // Given five events, and a server that ends the next subscription after it sent two
      const { standIn, store, record } = await open();
      const written = events(5);
      await store.append('order-3', written, { expectedRevision: 'no_stream' });
      standIn.dropNextSubscriptionAfter(2, how);

      // When subscribing from the start
      const recorder = record(store.subscribeToAll());
      const messages = await recorder.waitFor(caughtUp, 'caught-up');

      // Then all five arrive once, in order, and the second subscription started after the second event
      const delivered = eventsOf(messages);
      expect(delivered.map((e) => e.id)).toEqual(written.map((e) => e.id));
      expect(recorder.error).toBeUndefined();
      expect(standIn.subscriptions).toHaveLength(2);
      expect(standIn.subscriptions[1]!.from).toEqual(delivered[1]!.position);
    });
  }

  it('refused (access denied): the subscription ends with that error and does not resubscribe', async () => {
    const { standIn, store, record } = await open();
    await store.append('order-4', [newEvent()], { expectedRevision: 'no_stream' });
    const recorder = record(store.subscribeToAll());
    await recorder.waitFor(caughtUp, 'caught-up');

    standIn.dropSubscriptions('access-denied');

    await expect(recorder.waitFor(() => false, 'the error')).rejects.toMatchObject({ type: 'access-denied' });
    expect(standIn.subscriptions).toHaveLength(1);
  });
});

describe('EventStoreDB adapter over the wire: closing the store', () => {
  it('completes its open subscriptions, which release their server-side subscription and do not come back', async () => {
    // Given a live subscription
    const { standIn, store } = await open();
    await store.append('order-6', [newEvent()], { expectedRevision: 'no_stream' });
    let live: () => void = () => undefined;
    const isLive = new Promise<void>((resolve) => {
      live = resolve;
    });
    const completed = new Promise<'completed'>((resolve, reject) =>
      store.subscribeToAll().subscribe({
        next: (m) => m.kind === 'caughtUp' && live(),
        complete: () => resolve('completed'),
        error: reject,
      }),
    );
    await isLive;

    // When the store closes
    await store.close();

    // Then the subscription completes, and the server sees it go without another one opening
    await expect(completed).resolves.toBe('completed');
    await until(() => standIn.subscriptions.every((s) => !s.open), 'the server-side subscription to end');
    expect(standIn.subscriptions).toHaveLength(1);
  });
});

describe('EventStoreDB adapter over the wire: filtered subscriptions', () => {
  it('by event type: only those types; the last checkpoint is where the last page started, before the trailing noise, and resuming from it loses nothing', async () => {
    // Given a wanted event between two long runs of noise
    const { store, record } = await open();
    await store.append('noise-1', events(40, 'Noise'), { expectedRevision: 'no_stream' });
    const wanted = newEvent('Wanted');
    const written = await store.append('order-5', [wanted], { expectedRevision: 'no_stream' });
    const last = await store.append('noise-2', events(40, 'Noise'), { expectedRevision: 'no_stream' });

    // When subscribing to that type only
    const filter = { eventTypes: ['Wanted'] };
    const recorder = record(store.subscribeToAll({ filter }));
    const messages = await recorder.waitFor(caughtUp, 'caught-up');

    // Then the wanted event comes, and the last checkpoint is a page start (N, 0): past the wanted
    // event, before the last noise, no event's position
    expect(eventsOf(messages).map((e) => e.id)).toEqual([wanted.id]);
    const final = messages.findLast((m) => m.kind === 'checkpoint');
    if (final?.kind !== 'checkpoint') throw new Error('no checkpoint');
    expect(final.position.prepare).toBe(0n);
    expect(store.positions.compare(final.position, written.position)).toBeGreaterThan(0);
    expect(store.positions.compare(final.position, last.position)).toBeLessThan(0);

    // And a subscription resumed from it, or a read of $all after it (the server reads from such a
    // position), delivers the next wanted event and nothing before it
    const later = newEvent('Wanted');
    await store.append('order-5', [later], { expectedRevision: 0n });
    const resumed = record(store.subscribeToAll({ after: final.position, filter }));
    const again = await resumed.waitFor((m) => caughtUp(m) && eventsOf(m).length > 0, 'the later event');
    expect(eventsOf(again).map((e) => e.id)).toEqual([later.id]);
    const read = await store.readAll({ after: final.position, maxCount: 1000, filter });
    expect(read.events.map((e) => e.id)).toEqual([later.id]);
  });

  it('on a server with KDB-710: the (2^64-1, 2^64-1) checkpoint is ignored, so later events still come, across a resubscription too', async () => {
    // Given a server that sends KDB-710's checkpoint to a filtered subscription from the start that matches nothing
    const { standIn, store, record } = await open({ kdb710: true });
    await store.append('noise', events(3, 'Noise'), { expectedRevision: 'no_stream' });
    const recorder = record(store.subscribeToAll({ filter: { eventTypes: ['Wanted'] } }));
    const atStart = await recorder.waitFor(caughtUp, 'caught-up');

    // When a wanted event comes live, the server drops the subscription, and another one comes
    const first = newEvent('Wanted');
    await store.append('order-7', [first], { expectedRevision: 'no_stream' });
    await recorder.waitFor((m) => eventsOf(m).length === 1, 'the live event');
    expect(standIn.dropSubscriptions('unavailable')).toBe(1);
    const second = newEvent('Wanted');
    await store.append('order-7', [second], { expectedRevision: 0n });
    const messages = await recorder.waitFor((m) => eventsOf(m).length === 2, 'the event after the drop');

    // Then no checkpoint ever reached the subscriber, and it resubscribed after the first event
    expect(atStart.filter((m) => m.kind === 'checkpoint')).toEqual([]);
    expect(atStart.find((m) => m.kind === 'caughtUp')).toEqual({
      kind: 'caughtUp',
      position: store.positions.start,
    });
    expect(eventsOf(messages).map((e) => e.id)).toEqual([first.id, second.id]);
    expect(standIn.subscriptions[1]!.from).toEqual(eventsOf(messages)[0]!.position);
  });
});

describe('EventStoreDB adapter over the wire: subscribing after a position no server can resume from', () => {
  it("KDB-710's (2^64-1, 2^64-1), stored by an earlier version: the subscription fails at once, never opening one that would skip everything", async () => {
    const { standIn, store, record } = await open();
    const end = 2n ** 64n - 1n;
    const recorder = record(store.subscribeToAll({ after: { commit: end, prepare: end } }));
    await expect(recorder.waitFor(() => false, 'the error')).rejects.toThrow(
      /not a position an EventStoreDB subscription can resume from/,
    );
    expect(standIn.subscriptions).toEqual([]);
  });
});

describe('EventStoreDB adapter over the wire: round trip', () => {
  it('metadata of every JSON kind comes back as written, false, 0 and "" included', async () => {
    const { store } = await open();
    const kinds: JsonValue[] = [false, 0, '', null, [], {}, 'text', { nested: [false] }];
    for (const [i, metadata] of kinds.entries()) {
      await store.append(`meta-${i}`, [{ ...newEvent(), metadata }], { expectedRevision: 'no_stream' });
    }
    const read = await Promise.all(
      kinds.map(async (_, i) => (await store.readStream(`meta-${i}`))[0]!.metadata),
    );
    const all = await store.readAll({ maxCount: 100 });
    expect(read).toEqual(kinds);
    expect(all.events.map((e) => e.metadata)).toEqual(kinds);
  });
});
