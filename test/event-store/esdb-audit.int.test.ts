import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChainHead } from '../../adapters/event-store/audit-trail.ts';
import {
  type EventStoreDbEventStore,
  openEventStoreDbEventStore,
} from '../../adapters/event-store/eventstoredb/eventstoredb-event-store.ts';
import { testEventStoreDb } from '../support/eventstoredb.ts';
import { type EsdbStandIn, startEsdbStandIn } from './esdb-stand-in/server.ts';

// The audit trail on EventStoreDB, through the real client against the gRPC stand-in: the adapter
// chains every event it writes; `verify` names the first event an edit, a removal or a reordering
// at the storage level broke; exported heads catch what verify cannot see.

let standIn: EsdbStandIn | undefined;
let store: EventStoreDbEventStore | undefined;

afterEach(async () => {
  await store?.close();
  await standIn?.close();
  store = undefined;
  standIn = undefined;
});

async function openRecorded(options: { auditStreamWindow?: number } = {}) {
  standIn = await startEsdbStandIn();
  store = openEventStoreDbEventStore({ connectionString: standIn.connectionString }, options);
  for (const stream of ['order-a', 'order-b', 'order-c']) {
    for (let i = 0; i < 5; i++) {
      await store.append(
        stream,
        [{ id: randomUUID(), type: 'Step', data: { i, note: `é ${i}` }, metadata: { by: 'x' } }],
        { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) },
      );
    }
  }
  return { standIn, store };
}

async function* replay(heads: ChainHead[]) {
  yield* heads;
}

const collect = async (heads: AsyncIterable<ChainHead>) => {
  const all: ChainHead[] = [];
  for await (const h of heads) all.push(h);
  return all;
};

describe('the tamper-evident audit trail (EventStoreDB, gRPC stand-in)', () => {
  it('Given untouched streams, every chain holds, and reads give back the caller’s own metadata', async () => {
    const { store } = await openRecorded();

    const report = await store.audit.verify();

    expect(report).toEqual({ streams: 3, events: 15, firstBreach: undefined });
    const [first] = await store.readStream('order-a');
    expect(first?.metadata).toEqual({ by: 'x' });
  });

  it.each([
    ['an edited event', { edit: 2n, data: { i: 99 } }, 'hash', '2'],
    ['a removed event', { remove: 2n }, 'gap', '3'],
    ['two events swapped', { swap: [1n, 2n] as const }, 'hash', '1'],
  ])(
    'Given %s, verify names the first event that does not match',
    async (_what, change, problem, revision) => {
      const { standIn, store } = await openRecorded();

      standIn.log.tamper('order-b', change);
      const report = await store.audit.verify();

      expect(report.firstBreach).toMatchObject({ streamId: 'order-b', revision, problem });
    },
  );

  it('Given a window of one stream (bounded memory), the events before are read back: chains hold, a removal is found', async () => {
    const { standIn, store } = await openRecorded({ auditStreamWindow: 1 });
    // Interleaved streams: every event's predecessor has been pushed out of the window.
    for (let i = 5; i < 8; i++) {
      for (const stream of ['order-a', 'order-b']) {
        await store.append(stream, [{ id: randomUUID(), type: 'Step', data: { i }, metadata: {} }], {
          expectedRevision: BigInt(i - 1),
        });
      }
    }
    expect(await store.audit.verify()).toEqual({ streams: 3, events: 21, firstBreach: undefined });

    standIn.log.tamper('order-b', { remove: 5n });

    expect((await store.audit.verify()).firstBreach).toMatchObject({
      streamId: 'order-b',
      revision: '6',
      problem: 'gap',
    });
  });

  it('Given an `any` append and another writer, the chain never forks', async () => {
    const { store } = await openRecorded();

    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.append('order-a', [{ id: randomUUID(), type: 'Step', data: { i }, metadata: {} }], {
          expectedRevision: 'any',
        }),
      ),
    );

    expect((await store.audit.verify()).firstBreach).toBeUndefined();
    expect(await store.readStream('order-a')).toHaveLength(11);
  });

  it('Given an `any` append retried after it landed, it is not written twice', async () => {
    const { store } = await openRecorded();
    const event = { id: randomUUID(), type: 'Step', data: { retry: true }, metadata: { by: 'y' } };

    const first = await store.append('order-c', [event], { expectedRevision: 'any' });
    const again = await store.append('order-c', [event], { expectedRevision: 'any' });

    expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
    expect(await store.readStream('order-c')).toHaveLength(6);
  });

  it('Given events recorded before the chain existed, the chain starts after them; stripping it later is caught', async () => {
    const { standIn, store } = await openRecorded();
    // An event written by an older OMS (no chain in its metadata), then chained ones after it.
    await store.client.appendToStream('legacy', [jsonEvent({ type: 'Old', data: { old: true } })]);
    await store.append('legacy', [{ id: randomUUID(), type: 'New', data: {}, metadata: {} }], {
      expectedRevision: 0n,
    });
    expect((await store.audit.verify()).firstBreach).toBeUndefined();

    // The chain removed from a chained event: it looks like a legacy one, after a chained one.
    standIn.log.tamper('order-a', { edit: 3n, data: { i: 3, note: 'é 3' }, metadata: { by: 'x' } });

    expect((await store.audit.verify()).firstBreach).toMatchObject({
      streamId: 'order-a',
      revision: '3',
      problem: 'hash',
    });
  });

  it('Given an event written past the adapter with a forged hash, verify of its streams names it', async () => {
    const { store } = await openRecorded();
    await store.client.appendToStream('order-b', [
      jsonEvent({ type: 'Step', data: { i: 5 }, metadata: { $chain: '00'.repeat(32) } }),
    ]);

    expect((await store.audit.verify({ streamPrefix: 'order-a' })).firstBreach).toBeUndefined();
    expect((await store.audit.verify({ streamPrefix: 'order-' })).firstBreach).toMatchObject({
      streamId: 'order-b',
      revision: '5',
      problem: 'hash',
    });
  });

  it('Given heads exported earlier, a stream whose last event was removed is caught against them', async () => {
    const { standIn, store } = await openRecorded();
    const heads = await collect(store.audit.heads());
    expect(heads.map((h) => [h.streamId, h.revision])).toEqual([
      ['order-a', '4'],
      ['order-b', '4'],
      ['order-c', '4'],
    ]);

    standIn.log.tamper('order-c', { remove: 4n });

    // verify alone cannot tell a stream that ends early from a stream that ends there
    expect((await store.audit.verify()).firstBreach).toBeUndefined();
    expect(await store.audit.checkHeads(replay(heads))).toMatchObject({
      streamId: 'order-c',
      problem: 'head',
    });
  });
});

// Against a real server (when one is reachable): storage cannot be edited from a client, but an
// event written past the adapter with a forged chain is caught the same way.
const server = await testEventStoreDb();
describe.skipIf(!server.available)('the tamper-evident audit trail (EventStoreDB server)', () => {
  afterAll(async () => {
    if (server.available) await server.stop();
  });

  it('Given chained streams and an event written past the adapter with a forged hash, verify names it', async () => {
    if (!server.available) return;
    const real = openEventStoreDbEventStore({ connectionString: server.connectionString });
    try {
      const stream = `audit-${randomUUID()}`;
      for (let i = 0; i < 3; i++) {
        await real.append(stream, [{ id: randomUUID(), type: 'Step', data: { i }, metadata: {} }], {
          expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
        });
      }
      expect((await real.audit.verify({ streamPrefix: stream })).firstBreach).toBeUndefined();

      await real.client.appendToStream(stream, [
        jsonEvent({ type: 'Step', data: { i: 3 }, metadata: { $chain: '00'.repeat(32) } }),
      ]);

      expect((await real.audit.verify({ streamPrefix: stream })).firstBreach).toMatchObject({
        streamId: stream,
        revision: '3',
        problem: 'hash',
      });
    } finally {
      await real.close();
    }
  });
});
if (!server.available) console.warn(`EventStoreDB audit trail (server) skipped: ${server.reason}`);
