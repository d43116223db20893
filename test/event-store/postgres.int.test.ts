import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { buildQueries } from '../../adapters/event-store/sql/queries.ts';
import { testDatabase } from '../support/postgres.ts';
import { eventStoreContract } from './contract.ts';

const db = await testDatabase('event-store-contract');
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
          [JSON.stringify(event.data)],
          [JSON.stringify(event.metadata)],
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
} else {
  console.warn(`PostgreSQL event store contract skipped: ${db.reason}`);
  describe(`PostgreSQL event store (contract)`, () => {
    it.skip(`skipped: ${db.reason}`, () => undefined);
  });
}
