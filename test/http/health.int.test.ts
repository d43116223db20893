import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../adapters/composition/service.ts';
import {
  openPostgresEventStore,
  type PostgresEventStore,
} from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { createApiClient } from '../../adapters/http/client.ts';
import { READER_HOLD_DEGRADED_MS } from '../../adapters/http/health-route.ts';
import { routesFor } from '../../adapters/http/routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import { createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import { testLogger } from '../service/support.ts';
import { testDatabase } from '../support/postgres.ts';
import { until } from '../support/until.ts';

const TOKEN = 'health-token-0123456789';
const db = await testDatabase('http-health');
let store: PostgresEventStore;
let running: RunningService<SqlPosition>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  if (!db.available) return;
  store = await openPostgresEventStore({ connectionString: db.url });
  running = await startService({
    store,
    readModelDb: createPostgresReadModelDb({ pool: store.pool }),
    readerHold: () => store.readerHold(),
    adapters: [],
    accounts: [],
    limits: PreTradeLimitsSchema.parse({}),
    logger: testLogger,
  });
  app = createHttpServer({ routes: routesFor(running), token: TOKEN, logger: testLogger, version: 'test' });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await running?.stop();
  await store?.close();
  if (db.available) await db.drop();
});

describe.skipIf(!db.available)('health tells the truth about the read models’ lag', () => {
  it('a writing transaction held open in another database of the cluster makes health degraded, until it ends', async () => {
    const client = createApiClient({ baseUrl: base, token: TOKEN });
    await until('the projection to be live', async () => (await client.health()).status === 'ok');

    // Given a transaction in another database that has written and stays open
    const other = new URL(db.available ? db.url : '');
    other.pathname = '/postgres';
    const holder = new pg.Client({ connectionString: other.toString() });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('create temporary table held_open (x int)');
      await holder.query('insert into held_open values (1)');

      // When it has been open longer than the threshold
      const degraded = await until(
        'health to say degraded',
        async () => {
          const health = await client.health();
          return health.status === 'degraded' ? health : undefined;
        },
        READER_HOLD_DEGRADED_MS + 10_000,
        250,
      );

      // Then health says so, and why, with the age of the hold
      expect(degraded.reasons.join(' ')).toContain('held back');
      expect(degraded.projections[0]!.heldBackMs).toBeGreaterThan(READER_HOLD_DEGRADED_MS);
    } finally {
      // When the transaction ends
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
    // Then health recovers
    await until('health to recover', async () => (await client.health()).status === 'ok', 10_000, 100);
  }, 30_000);

  it('a store that refuses writes (a full disk) makes health degraded until a write succeeds again', async () => {
    const client = createApiClient({ baseUrl: base, token: TOKEN });
    const schema = store.schema;
    // Given a database that refuses every new event as a full disk would (SQLSTATE 53100)
    await store.sql.exec(`
      create function ${schema}.disk_full() returns trigger language plpgsql as $$
        begin raise exception using errcode = '53100', message = 'could not extend file: No space left on device'; end $$;
      create trigger disk_full before insert on ${schema}.events for each row execute function ${schema}.disk_full();`);
    try {
      // When a write is tried (engaging the kill switch)
      const refused = await client
        .killSwitch({ engaged: true, reason: 'test' })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      // Then health says the store does not take writes
      const health = await client.health();
      expect(health).toMatchObject({ status: 'degraded', store: { writable: false } });
      expect(health.reasons.join(' ')).toContain('refused a write');
    } finally {
      await store.sql.exec(
        `drop trigger disk_full on ${schema}.events; drop function ${schema}.disk_full();`,
      );
    }
    // When a write succeeds again, health recovers
    await client.killSwitch({ engaged: true, reason: 'space freed' });
    await client.killSwitch({ engaged: false, reason: 'space freed' });
    expect(await client.health()).toMatchObject({ status: 'ok', store: { writable: true } });
  });
});
