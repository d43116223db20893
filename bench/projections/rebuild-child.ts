// B6's subject in a process of its own, so that its peak RSS is the rebuild's (not the benchmark
// harness's): opens the store, rebuilds the read models, prints one JSON line and exits.
//   node --import tsx rebuild-child.ts postgres <url> | pglite <data dir>
import pino from 'pino';
import { openStore } from '../../adapters/composition/stores.ts';
import { rebuildReadModels } from '../../projections/rebuild.ts';

const [kind, where] = process.argv.slice(2);
if ((kind !== 'postgres' && kind !== 'pglite') || !where)
  throw new Error('usage: rebuild-child.ts postgres <url> | pglite <dir>');
const logger = pino({ level: 'warn' });
// Opened as `oms rebuild` opens it (the composition's `openStore`), so the process holds what the
// command's would: with PostgreSQL, no embedded database and no EventStoreDB client.
const opened = await openStore({
  store:
    kind === 'postgres'
      ? { kind: 'postgres', databaseUrl: where, schema: 'oms' }
      : { kind: 'embedded', dataDir: where },
  readModels: { schema: 'oms_read', thread: 'main' },
});
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
const result = await rebuildReadModels({
  store: opened.store,
  db: opened.readModelDb,
  logger,
});
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
await opened.close();
process.stdout.write(
  `${JSON.stringify({ events: result.events, seconds: result.seconds, rate: result.events / result.seconds, peakRss: peak, rssBefore })}\n`,
);
