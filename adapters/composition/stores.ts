import { mkdir } from 'node:fs/promises';
import type { EventStore } from '../../application/ports/event-store.ts';
import type { ReaderHold } from '../../application/ports/queries.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import type { Config } from '../config/config.ts';
import type { AuditTrail } from '../event-store/audit-trail.ts';
import { openPostgresEventStore } from '../event-store/postgres/postgres-event-store.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../sql/read-model-db.ts';

export interface Store {
  store: EventStore<unknown>;
  readModelDb: ReadModelDb;
  /** What holds the store's `$all` readers back (PostgreSQL), for health. */
  readerHold?: () => Promise<ReaderHold>;
  /** The tamper-evident audit trail, kept by every store. */
  audit: AuditTrail;
  close(): Promise<void>;
}

/** A store and a read-model database of their own, closed in that order (the read models first). */
const storeWithReadModels = (
  store: { audit: AuditTrail; close(): Promise<void> },
  readModelDb: ReadModelDb,
): Store => ({
  store: store as unknown as EventStore<unknown>,
  audit: store.audit,
  readModelDb,
  close: async () => {
    await readModelDb.close();
    await store.close();
  },
});

/**
 * The store and the read models the configuration names (the projection thread opens its own).
 * The embedded and EventStoreDB stores' modules are loaded only when named: PGlite's alone is
 * about 40 MiB of memory, the EventStoreDB client's 17, which a PostgreSQL deployment never needs.
 */
export async function openStore(config: Pick<Config, 'store' | 'readModels'>): Promise<Store> {
  const { store: s, readModels } = config;
  switch (s.kind) {
    case 'embedded': {
      await mkdir(s.dataDir, { recursive: true });
      const { openPgliteEventStore } = await import('../event-store/pglite/pglite-event-store.ts');
      const store = await openPgliteEventStore({ dataDir: s.dataDir });
      // The read models live in the same embedded database.
      return {
        store: store as EventStore<unknown>,
        readModelDb: createPgliteReadModelDb(store.db),
        audit: store.audit,
        close: () => store.close(),
      };
    }
    case 'postgres': {
      const store = await openPostgresEventStore({ connectionString: s.databaseUrl, schema: s.schema });
      const readModelDb = readModels.databaseUrl
        ? createPostgresReadModelDb({ connectionString: readModels.databaseUrl })
        : createPostgresReadModelDb({ pool: store.pool });
      return { ...storeWithReadModels(store, readModelDb), readerHold: () => store.readerHold() };
    }
    case 'eventstoredb': {
      const { openEventStoreDbEventStore } = await import(
        '../event-store/eventstoredb/eventstoredb-event-store.ts'
      );
      const store = openEventStoreDbEventStore({ connectionString: s.connectionString });
      const readModelDb = createPostgresReadModelDb({ connectionString: readModels.databaseUrl ?? '' });
      return storeWithReadModels(store, readModelDb);
    }
  }
}
