// B6's subject in a process of its own, so that its peak RSS is the rebuild's (not the benchmark
// harness's): opens the store, rebuilds the read models, prints one JSON line and exits.
//   node --import tsx rebuild-child.ts postgres <url> | pglite <data dir>
import pino from 'pino';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { createPgliteReadModelDb, createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { rebuildReadModels } from '../../projections/rebuild.ts';

const [kind, where] = process.argv.slice(2);
if ((kind !== 'postgres' && kind !== 'pglite') || !where)
  throw new Error('usage: rebuild-child.ts postgres <url> | pglite <dir>');
const logger = pino({ level: 'warn' });
const opened =
  kind === 'postgres'
    ? await (async () => {
        const store = await openPostgresEventStore({ connectionString: where });
        return { store, db: createPostgresReadModelDb({ pool: store.pool }) };
      })()
    : await (async () => {
        const store = await openPgliteEventStore({ dataDir: where });
        return { store, db: createPgliteReadModelDb(store.db) };
      })();
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
const result = await rebuildReadModels({ store: opened.store, db: opened.db, logger });
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
await opened.store.close();
process.stdout.write(
  `${JSON.stringify({ events: result.events, seconds: result.seconds, rate: result.events / result.seconds, peakRss: peak, rssBefore })}\n`,
);
