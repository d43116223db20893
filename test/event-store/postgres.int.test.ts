import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { PRESENCE_TTL_MS } from '../../adapters/event-store/postgres/postgres-driver.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { buildQueries, jsonArrayText } from '../../adapters/event-store/sql/queries.ts';
import { notifyChannel } from '../../adapters/event-store/sql/schema.ts';
import { testDatabase } from '../support/postgres.ts';
import { eventStoreContract } from './contract.ts';
import { Recorder } from './recorder.ts';

const db = await testDatabase('event-store-contract');

/** How many `$all` reads the pg driver was asked for (its calls' texts). */
const allReads = (calls: readonly unknown[][]) =>
  calls.filter(([q]) => {
    const text = typeof q === 'string' ? q : ((q as { text?: string } | undefined)?.text ?? '');
    return text.startsWith('select e.tx::text as tx, e.global_position');
  }).length;
const applicationName = 'oms-contract';

if (db.available) {
  eventStoreContract('PostgreSQL', async () => {
    const store = await openPostgresEventStore(
      { connectionString: db.url, applicationName },
      { backoff: { initialDelayMs: 10, maxDelayMs: 200 } },
    );
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    return {
      store,
      teardown: async () => {
        await admin.end();
        await db.drop();
      },
      holdOpenAppend: async (streamId, event) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        await client.query('begin');
        await client.query(buildQueries(store.schema).append, [
          streamId,
          '-2',
          [event.id],
          [event.type],
          jsonArrayText([JSON.stringify(event.data)]),
          jsonArrayText([JSON.stringify(event.metadata)]),
        ]);
        return {
          commit: async () => {
            await client.query('commit');
            await client.end();
          },
        };
      },
      breakSubscriptions: async () => {
        const result = await admin.query<{ terminated: boolean }>(
          `select pg_terminate_backend(pid) as terminated from pg_stat_activity
           where application_name = $1 and datname = current_database()`,
          [`${applicationName}-subscription`],
        );
        expect(result.rows.filter((r) => r.terminated).length).toBeGreaterThan(0);
      },
    };
  });

  describe('PostgreSQL event store: waking subscriptions', () => {
    it('wakes a subscription for its own appends in-process and for another process’s by NOTIFY', async () => {
      // Given a store whose subscriptions would not poll for an hour, and a second store (process)
      const wakeDb = await testDatabase('event-store-wake');
      if (!wakeDb.available) return;
      const quiet = await openPostgresEventStore({ connectionString: wakeDb.url, pollIntervalMs: 3_600_000 });
      const other = await openPostgresEventStore({ connectionString: wakeDb.url });
      const event = () => ({ id: randomUUID(), type: 'Noted', data: { n: 1 }, metadata: {} });
      const recorder = new Recorder(quiet.subscribeToAll());
      try {
        await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught up');
        const delivered = () => recorder.values.filter((m) => m.kind === 'event').length;
        // When it appends, Then its subscription gets the event (woken in-process; its own NOTIFY
        // echo is ignored)
        await quiet.append('wake-own', [event()], { expectedRevision: 'no_stream' });
        await recorder.waitFor(() => delivered() === 1, 'its own event');
        // When the other process appends, Then the NOTIFY wakes it
        await other.append('wake-other', [event()], { expectedRevision: 'no_stream' });
        await recorder.waitFor(() => delivered() === 2, 'the other process’s event');
        expect(recorder.values.flatMap((m) => (m.kind === 'event' ? [m.event.streamId] : []))).toEqual([
          'wake-own',
          'wake-other',
        ]);
      } finally {
        recorder.stop();
        await quiet.close();
        await other.close();
        await wakeDb.drop();
      }
    });

    it('Given no other store listening, When it appends, Then it sends no NOTIFY; When another store subscribes, Then its appends wake that subscription and are announced again', async () => {
      const wakeDb = await testDatabase('event-store-presence');
      if (!wakeDb.available) return;
      // Given a store with a subscription of its own, and a session that listens on the channel
      // without marking itself (it hears every NOTIFY but does not ask for them)
      const store = await openPostgresEventStore({ connectionString: wakeDb.url, pollIntervalMs: 3_600_000 });
      const own = new Recorder(store.subscribeToAll());
      const eavesdropper = new pg.Client({ connectionString: wakeDb.url });
      await eavesdropper.connect();
      let heard = 0;
      eavesdropper.on('notification', () => {
        heard += 1;
      });
      await eavesdropper.query(`listen ${notifyChannel(store.schema)}`);
      const event = () => ({ id: randomUUID(), type: 'Noted', data: { n: 1 }, metadata: {} });
      const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      let other: Awaited<ReturnType<typeof openPostgresEventStore>> | undefined;
      let theirs: Recorder<unknown> | undefined;
      try {
        await own.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught up');
        // (the first append announces itself: nobody has looked for listeners yet)
        await store.append('presence-0', [event()], { expectedRevision: 'no_stream' });
        await later(300);
        heard = 0;
        // When it appends three times
        for (let i = 1; i <= 3; i++) {
          await store.append(`presence-${i}`, [event()], { expectedRevision: 'no_stream' });
        }
        await own.waitFor((m) => m.filter((x) => x.kind === 'event').length === 4, 'its own four events');
        await later(300);
        // Then its own subscription had them (in-process), and no NOTIFY went out
        expect(heard).toBe(0);

        // When another store (process) subscribes, polling only hourly, and the first store appends
        other = await openPostgresEventStore({ connectionString: wakeDb.url, pollIntervalMs: 3_600_000 });
        const subscription = new Recorder(other.subscribeToAll());
        theirs = subscription;
        await subscription.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'the other caught up');
        await store.append('presence-4', [event()], { expectedRevision: 'no_stream' });
        // Then the other subscription is woken within the look-up's life
        const streams = () =>
          subscription.values.flatMap((m) => (m.kind === 'event' ? [m.event.streamId] : []));
        await subscription.waitFor(
          () => streams().includes('presence-4'),
          'the append after it subscribed',
          3 * PRESENCE_TTL_MS,
        );
        // And from then on every append is announced
        heard = 0;
        await store.append('presence-5', [event()], { expectedRevision: 'no_stream' });
        await subscription.waitFor(
          () => streams().includes('presence-5'),
          'the next append',
          PRESENCE_TTL_MS,
        );
        expect(heard).toBeGreaterThan(0);
      } finally {
        own.stop();
        theirs?.stop();
        await eavesdropper.end();
        await store.close();
        await other?.close();
        await wakeDb.drop();
      }
    });

    it('Given a subscription that coalesces 300 ms, When five appends come 10 ms apart, Then it reads them together and delivers each once, in order', async () => {
      const wakeDb = await testDatabase('event-store-coalesce');
      if (!wakeDb.available) return;
      const store = await openPostgresEventStore({ connectionString: wakeDb.url, pollIntervalMs: 3_600_000 });
      const recorder = new Recorder(store.subscribeToAll({ coalesceMs: 300 }));
      const queries = vi.spyOn(pg.Client.prototype, 'query');
      try {
        await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught up');
        const readsBefore = allReads(queries.mock.calls);
        // When
        for (let i = 0; i < 5; i++) {
          await store.append(`burst-${i}`, [{ id: randomUUID(), type: 'Noted', data: { i }, metadata: {} }], {
            expectedRevision: 'no_stream',
          });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await recorder.waitFor((m) => m.filter((x) => x.kind === 'event').length === 5, 'the five events');
        // Then
        expect(recorder.values.flatMap((m) => (m.kind === 'event' ? [m.event.streamId] : []))).toEqual([
          'burst-0',
          'burst-1',
          'burst-2',
          'burst-3',
          'burst-4',
        ]);
        expect(allReads(queries.mock.calls) - readsBefore).toBeLessThanOrEqual(2);
      } finally {
        queries.mockRestore();
        recorder.stop();
        await store.close();
        await wakeDb.drop();
      }
    });
  });
} else {
  console.warn(`PostgreSQL event store contract skipped: ${db.reason}`);
  describe(`PostgreSQL event store (contract)`, () => {
    it.skip(`skipped: ${db.reason}`, () => undefined);
  });
}
