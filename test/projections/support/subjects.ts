import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { openPgliteEventStore } from '../../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlPosition } from '../../../adapters/event-store/sql/sql-position.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../../../adapters/sql/read-model-db.ts';
import type { EventStore } from '../../../application/ports/event-store.ts';
import type { CommandMetadata } from '../../../domain/metadata.ts';
import { type OrderEvent, orderStreamId } from '../../../domain/order/contract.ts';
import { encodeOrderEvent } from '../../../domain/order/event-codec.ts';
import type { ReadModelDb } from '../../../projections/db/read-model-db.ts';
import { createProjectionRunner, type ProjectionRunnerOptions } from '../../../projections/runner.ts';
import { type TestDatabase, testDatabase } from '../../support/postgres.ts';

/**
 * A store and its read-model database for projection tests: PGlite in memory always, PostgreSQL
 * (a database per test file) when one is reachable.
 */
export interface Subject {
  readonly name: 'PGlite' | 'PostgreSQL';
  readonly store: EventStore<SqlPosition>;
  readonly db: ReadModelDb;
  /** Base schema of the read models (one per subject, so subjects can share a database). */
  readonly base: string;
  /** PostgreSQL only: the test database's URL (child processes, admin sessions). */
  readonly url?: string;
  close(): Promise<void>;
}

export const silent = pino({ level: 'silent' });

export const openPglite = async (): Promise<Subject> => {
  const store = await openPgliteEventStore({}, { backoff: { initialDelayMs: 10, maxDelayMs: 200 } });
  return {
    name: 'PGlite',
    store,
    db: createPgliteReadModelDb(store.db),
    base: 'oms_read',
    close: () => store.close(),
  };
};

/** PostgreSQL subjects share one database per test file; each gets its own store schema. */
export const postgresFactory = async (label: string) => {
  const database: TestDatabase = await testDatabase(label);
  let count = 0;
  const open = async (): Promise<Subject> => {
    if (!database.available) throw new Error(database.reason);
    count += 1;
    const store = await openPostgresEventStore(
      {
        connectionString: database.url,
        schema: `es_${count}`,
        applicationName: 'oms-projection-test',
        pollIntervalMs: 50,
      },
      { backoff: { initialDelayMs: 10, maxDelayMs: 200 } },
    );
    const db = createPostgresReadModelDb({ pool: store.pool });
    return {
      name: 'PostgreSQL',
      store,
      db,
      base: `rm_${count}`,
      url: database.url,
      close: () => store.close(),
    };
  };
  return { database, open, drop: async () => (database.available ? database.drop() : undefined) };
};

/** The subjects of a spec file: PGlite always, PostgreSQL when the file's database is there (else a warning says why not). */
export const subjectsOf = (
  pg: Awaited<ReturnType<typeof postgresFactory>>,
  what: string,
): [Subject['name'], () => Promise<Subject>][] => {
  const subjects: [Subject['name'], () => Promise<Subject>][] = [['PGlite', openPglite]];
  if (pg.database.available) subjects.push(['PostgreSQL', pg.open]);
  else console.warn(`${what} on PostgreSQL skipped: ${pg.database.reason}`);
  return subjects;
};

let commandSeq = 0;
/** Command metadata for hand-written events (recorded at `at`). */
export const meta = (at: string, extra: Partial<CommandMetadata> = {}): CommandMetadata => ({
  commandId: `cmd-${++commandSeq}`,
  correlationId: 'corr-1',
  recordedAt: at,
  source: 'venue',
  ...extra,
});

/** Appends domain events to an order's stream (as the service would, with encodeOrderEvent). */
export const appendEvents = async (
  store: EventStore<SqlPosition>,
  orderId: string,
  events: readonly OrderEvent[],
  at = '2026-11-21T12:00:00.000Z',
) => {
  const encoded = events.map((event) => {
    const e = encodeOrderEvent(event, meta(at));
    return { id: randomUUID(), type: e.type, data: e.data, metadata: e.metadata };
  });
  return store.append(orderStreamId(orderId), encoded, { expectedRevision: 'any' });
};

/** Runs the projection to the end of `$all` and stops. */
export const catchUp = async (
  subject: Subject,
  options: Partial<ProjectionRunnerOptions<SqlPosition>> = {},
) => {
  const runner = createProjectionRunner({
    store: subject.store,
    db: subject.db,
    logger: silent,
    mode: 'catch-up',
    schema: subject.base,
    ...options,
  });
  runner.start();
  await runner.done;
  return runner.status();
};

/** Every row of every read model, in key order, for equality checks. */
export const snapshot = async (db: ReadModelDb, base = 'oms_read') => {
  const tables: Record<string, string> = {
    order_history: 'order_id, revision',
    orders: 'order_id',
    fills: 'venue, account, trade_id',
    positions: 'venue, account, instrument, side',
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) {
    const result = await db.query<{ row: unknown }>(
      `select to_jsonb(t) as row from ${base}.${table} t order by ${order}`,
    );
    out[table] = result.rows.map((r) => r.row);
  }
  return out;
};
