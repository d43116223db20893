// The large verify: a randomized history of 100k+ events appended through the port while the
// projection runner follows it live, then `verify` (a scratch rebuild compared row by row).
// Exit status 1 on any difference. Not in the default suite (minutes); run it with:
//
//   npx tsx test/projections/support/verify-large.ts [--events 100000] [--store pglite|postgres] [--seed 1]
//
// PostgreSQL: DATABASE_URL (a database is created and dropped), else a local cluster or a container.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openPgliteEventStore } from '../../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlEventStore } from '../../../adapters/event-store/sql/sql-event-store.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../../../adapters/sql/read-model-db.ts';
import type { ReadModelDb } from '../../../projections/db/read-model-db.ts';
import { createProjectionRunner } from '../../../projections/runner.ts';
import { verifyReadModels } from '../../../projections/verify.ts';
import { testDatabase } from '../../support/postgres.ts';
import { appendHistory, generateHistory } from './history-generator.ts';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const events = Number(arg('events', '100000'));
const seed = Number(arg('seed', '1'));
const kind = arg('store', 'postgres');
const logger = pino({ level: 'warn' });

let store: SqlEventStore;
let db: ReadModelDb;
let cleanup: () => Promise<void>;
if (kind === 'postgres') {
  const database = await testDatabase('verify-large');
  if (!database.available) throw new Error(database.reason);
  const pgStore = await openPostgresEventStore({ connectionString: database.url });
  store = pgStore;
  db = createPostgresReadModelDb({ pool: pgStore.pool });
  cleanup = async () => {
    await pgStore.close();
    await database.drop();
  };
} else {
  const dir = await mkdtemp(join(tmpdir(), 'oms-verify-large-'));
  const pgliteStore = await openPgliteEventStore({ dataDir: join(dir, 'data') });
  store = pgliteStore;
  db = createPgliteReadModelDb(pgliteStore.db);
  cleanup = async () => {
    await pgliteStore.close();
    await rm(dir, { recursive: true, force: true });
  };
}

let exitCode = 0;
try {
  const started = performance.now();
  const runner = createProjectionRunner({ store, db, logger });
  runner.start();
  const appended = await appendHistory(store, generateHistory({ seed, events }), {
    concurrency: kind === 'postgres' ? 8 : 1,
  });
  const head = await store.readAll({ maxCount: 1 });
  // The end of $all: page to it.
  let after = head.lastScanned;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 10_000 });
    after = page.lastScanned;
    if (page.isEnd) break;
  }
  await runner.whenCaughtUp(after, 600_000);
  await runner.stop();
  const appendSeconds = (performance.now() - started) / 1000;
  console.log(
    `${kind}: appended ${appended.events} events (${appended.appends} appends, ${appended.duplicates} duplicate appends) with the runner live, caught up in ${appendSeconds.toFixed(0)} s`,
  );
  const verifyStarted = performance.now();
  const result = await verifyReadModels({ store, db, logger, maxDifferences: 20 });
  console.log(
    `verify at ${result.position}: ${Object.entries(result.rows)
      .map(([t, n]) => `${t} ${n}`)
      .join(
        ', ',
      )}; ${result.differences.length} difference(s) in ${((performance.now() - verifyStarted) / 1000).toFixed(0)} s`,
  );
  for (const d of result.differences) console.log(JSON.stringify(d));
  if (result.differences.length > 0) exitCode = 1;
} finally {
  await cleanup();
}
process.exitCode = exitCode;
