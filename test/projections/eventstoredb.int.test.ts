import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { openEventStoreDbEventStore } from '../../adapters/event-store/eventstoredb/eventstoredb-event-store.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { apiPositions } from '../../projections/read-models/positions.ts';
import { replayPositions } from '../../projections/replay.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { startEsdbStandIn } from '../event-store/esdb-stand-in/server.ts';
import { testEventStoreDb } from '../support/eventstoredb.ts';
import { type TestDatabase, testDatabase } from '../support/postgres.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { silent } from './support/subjects.ts';

// The projections over the EventStoreDB adapter (positions {commit, prepare}, serialized by its
// codec), through the gRPC stand-in, and against a real server when EVENTSTORE_CONNECTION_STRING is
// set (`npm run test:esdb`; a fresh one: its $all must hold no order streams of earlier runs); the
// read models in PostgreSQL when one is reachable (as in production, READ_MODEL_DATABASE_URL), else
// in an in-memory PGlite.

/** One read-model database per server (the read models of one run must not see another's). */
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const database of databases) if (database.available) await database.drop();
});

interface Server {
  readonly connectionString: string;
  /** Drops the runner's subscription from the server's side, where the server can be told to. */
  readonly dropSubscriptions?: () => void;
  close(): Promise<void>;
}

const servers: [string, () => Promise<Server>][] = [
  [
    'the gRPC stand-in (commit-record positions), dropping the subscription midway',
    async () => {
      const standIn = await startEsdbStandIn({ batchAppend: true, positionLayout: 'commit-record' });
      return {
        connectionString: standIn.connectionString,
        dropSubscriptions: () => expect(standIn.dropSubscriptions('unavailable')).toBeGreaterThan(0),
        close: () => standIn.close(),
      };
    },
  ],
];
const real = process.env.EVENTSTORE_CONNECTION_STRING ? await testEventStoreDb() : undefined;
if (real?.available) servers.push(['a real server', async () => ({ ...real, close: () => real.stop() })]);

describe.each(servers)('projections with the EventStoreDB adapter on %s', (_, startServer) => {
  it('follow a randomized history live, skipping nothing; verify and replay agree', async () => {
    const server = await startServer();
    const database = await testDatabase('projection-esdb');
    databases.push(database);
    const store = openEventStoreDbEventStore(
      { connectionString: server.connectionString },
      { backoff: { initialDelayMs: 10, maxDelayMs: 200 } },
    );
    const pglite = database.available ? undefined : await PGlite.create();
    const db: ReadModelDb = database.available
      ? createPostgresReadModelDb({ connectionString: database.url })
      : createPgliteReadModelDb(pglite!);
    // Pages larger than the history: the EventStoreDB adapter's readAll, stopped before the end of
    // $all, leaves a read open that makes close() wait (reported to the event-store owner).
    const runner = createProjectionRunner({ store, db, logger: silent, batchSize: 200, pageSize: 5000 });
    runner.start();
    try {
      // Given a history appended while the runner follows $all (dropped midway where the server can be told to)
      const history = [...generateHistory({ seed: 21, events: 1200 })];
      const half = Math.floor(history.length / 2);
      await appendHistory(store, history.slice(0, half));
      server.dropSubscriptions?.();
      await appendHistory(store, history.slice(half));
      let end = store.positions.start;
      for (;;) {
        const page = await store.readAll({ after: end, maxCount: 100_000 });
        end = page.lastScanned;
        if (page.isEnd) break;
      }
      // When it has caught up
      await runner.whenCaughtUp(end, 30_000);
      // Then every event is there once, verify finds nothing, and replay gives the same positions
      const events = history.filter((a) => !a.duplicate).reduce((n, a) => n + a.events.length, 0);
      const count = await db.query<{ n: number }>('select count(*)::int as n from oms_read.order_history');
      expect(count.rows[0]!.n).toBe(events);
      const verified = await verifyReadModels({ store, db, logger: silent });
      expect(verified.differences).toEqual([]);
      const replayed = await replayPositions(store, { kind: 'position', position: end });
      expect(replayed.positions.map((p) => p.size.toString())).toEqual(
        (await apiPositions(db, 'oms_read', { includeFlat: true })).map((r) => r.size),
      );
    } finally {
      await runner.stop();
      await store.close();
      await server.close();
      await db.close();
      await pglite?.close();
    }
  }, 120_000);
});
