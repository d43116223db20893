import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProjectionThread } from '../../adapters/composition/projection-thread.ts';
import { type App, startApp } from '../../adapters/composition/root.ts';
import { ConfigError, loadConfig } from '../../adapters/config/config.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { sqlPositions } from '../../adapters/event-store/sql/sql-position.ts';
import { createApiClient } from '../../adapters/http/client.ts';
import { ORDER_STREAM_PREFIX } from '../../domain/order/contract.ts';
import { ProjectionFailedError } from '../../projections/errors.ts';
import { testDatabase } from '../support/postgres.ts';
import { until } from '../support/until.ts';

/**
 * `OMS_PROJECTION_THREAD=worker`: the projection runner and its read-model writes run in a worker
 * thread of their own, with their own connections; the service keeps answering read-your-writes
 * (`whenCaughtUp`) from the status the worker reports after each batch.
 */

const TOKEN = 'projection-thread-token-0123456789';
const db = await testDatabase('projection_thread');
// Dropped after every describe: the last one needs its server (with no DATABASE_URL, a cluster of
// this file's own, which dropping stops).
afterAll(async () => {
  if (db.available) await db.drop();
});
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

const configFor = (url: string) =>
  loadConfig({
    OMS_STORE: 'postgres',
    DATABASE_URL: url,
    OMS_PROJECTION_THREAD: 'worker',
    OMS_API_PORT: '0',
    OMS_API_TOKEN: TOKEN,
    OMS_RECONCILE_INTERVAL_MS: '0',
    OMS_LEDGER_INTERVAL_MS: '0',
    BITGET_MODE: 'off',
  });

describe('the embedded store and a projection thread', () => {
  it('Given the embedded store, When the projections are asked to run in a worker thread, Then the configuration is refused and says why', () => {
    expect(() => loadConfig({ OMS_STORE: 'embedded', OMS_PROJECTION_THREAD: 'worker' })).toThrow(ConfigError);
    expect(() => loadConfig({ OMS_STORE: 'embedded', OMS_PROJECTION_THREAD: 'worker' })).toThrow(
      /OMS_PROJECTION_THREAD=worker needs OMS_STORE=postgres or eventstoredb/,
    );
  });
});

describe.skipIf(!db.available)('the projections in a worker thread (PostgreSQL)', () => {
  let app: App;
  let api: ReturnType<typeof createApiClient>;
  let closed = false;

  beforeAll(async () => {
    if (!db.available) return;
    app = await startApp(configFor(db.url), { logger });
    api = createApiClient({ baseUrl: app.url, token: TOKEN });
    await app.service.runner.whenLive();
    await until('the Deribit account trading', () => app.service.registry.statuses().every((s) => s.trading));
  }, 60_000);

  afterAll(async () => {
    if (!closed) await app?.close();
  });

  it('Given the service with its projections in a worker, When an order is placed, Then the read models list it once the worker reports the position of its acknowledgement', async () => {
    const mark = app.simulators.deribit?.markPrice('BTC-PERPETUAL');
    const placed = await api.place({
      venue: 'deribit',
      account: 'main',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'limit',
      amount: '10',
      price: mark?.times('0.95').toFixed(0),
    });
    expect(placed.order.status).toBe('open');

    // The order's last event (its acknowledgement), read on a connection of the spec's own.
    const store = await openPostgresEventStore({ connectionString: db.available ? db.url : '' });
    const stream = await store
      .readStream(`${ORDER_STREAM_PREFIX}${placed.order.orderId}`)
      .finally(() => store.close());
    const last = stream.at(-1);
    if (!last) throw new Error('no event recorded');
    await app.service.runner.whenCaughtUp(last.position, 10_000);

    const status = app.service.runner.status();
    expect(status.state).toBe('live');
    expect(status.eventsApplied).toBeGreaterThan(0);
    const listed = await api.orders();
    // (The local venues keep their state across runs: other orders may be listed as external.)
    expect(listed.orders.filter((o) => o.orderId === placed.order.orderId).map((o) => o.status)).toEqual([
      'open',
    ]);
  });

  it('Given the worker, When the service closes, Then the worker stops and neither holds a database connection', async () => {
    const url = db.available ? db.url : '';
    const runner = app.service.runner;
    closed = true;
    await app.close();
    expect(runner.status().state).toBe('stopped');
    await expect(runner.done).resolves.toBeUndefined();
    // Neither the service nor the worker holds a connection any more.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const { rows } = await admin
      .query<{ n: string }>(
        'select count(*)::text as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      )
      .finally(() => admin.end());
    expect(rows[0]?.n).toBe('0');
  });
});

describe.skipIf(!db.available)('a projection thread that cannot start', () => {
  it('Given a read-model database that does not exist, When the thread starts, Then whenLive and done reject with why, and the status says failed', async () => {
    const serverUrl = new URL(db.available ? db.url : 'postgres://localhost/x');
    serverUrl.pathname = '/no_such_database_for_projections';
    const runner = startProjectionThread({
      data: {
        store: { kind: 'postgres', databaseUrl: serverUrl.toString() },
        readModels: {},
        logLevel: 'silent',
      },
      codec: sqlPositions,
      logger,
    });
    runner.start();
    await expect(runner.whenLive()).rejects.toThrow(
      /projection thread could not start: .*no_such_database_for_projections/,
    );
    await expect(runner.done).rejects.toBeInstanceOf(ProjectionFailedError);
    expect(runner.status().state).toBe('failed');
    await runner.stop();
  });
});
