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
const open = async (options: EsdbStandInOptions = {}) => {
  const standIn = await startEsdbStandIn(options);
  const store = openEventStoreDbEventStore(
    { connectionString: standIn.connectionString },
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
  it('by event type: only those types, and checkpoints over the rest', async () => {
    // Given a wanted event between two long runs of noise
    const { store, record } = await open();
    await store.append('noise-1', events(40, 'Noise'), { expectedRevision: 'no_stream' });
    const wanted = newEvent('Wanted');
    await store.append('order-5', [wanted], { expectedRevision: 'no_stream' });
    const last = await store.append('noise-2', events(40, 'Noise'), { expectedRevision: 'no_stream' });

    // When subscribing to that type only
    const recorder = record(store.subscribeToAll({ filter: { eventTypes: ['Wanted'] } }));
    const messages = await recorder.waitFor(caughtUp, 'caught-up');

    // Then the wanted event comes, then checkpoints up to the last noise, before caught-up
    expect(eventsOf(messages).map((e) => e.id)).toEqual([wanted.id]);
    const checkpoints = messages.flatMap((m) => (m.kind === 'checkpoint' ? [m.position] : []));
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(store.positions.compare(checkpoints.at(-1)!, last.position)).toBe(0);
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
