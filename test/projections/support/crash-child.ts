// A projection runner in a child process that pauses inside its first batch transaction, after the
// read-model writes and before the checkpoint compare-and-set, and says so on stdout. The F2 test
// kills it there with SIGKILL.
//   node --import tsx crash-child.ts <database url> <store schema> <read-model schema>
import pino from 'pino';
import { openPostgresEventStore } from '../../../adapters/event-store/postgres/postgres-event-store.ts';
import { createPostgresReadModelDb } from '../../../adapters/sql/read-model-db.ts';
import { createProjectionRunner } from '../../../projections/runner.ts';

const [url, storeSchema, base] = process.argv.slice(2);
if (!url || !storeSchema || !base)
  throw new Error('usage: crash-child.ts <url> <store schema> <read-model schema>');
const store = await openPostgresEventStore({ connectionString: url, schema: storeSchema });
const runner = createProjectionRunner({
  store,
  db: createPostgresReadModelDb({ pool: store.pool }),
  logger: pino({ level: 'silent' }),
  schema: base,
  mode: 'catch-up',
  hooks: {
    beforeCheckpoint: async (batch) => {
      process.stdout.write(`paused ${batch.events} ${batch.to}\n`);
      await new Promise(() => undefined); // until killed
    },
  },
});
runner.start();
await runner.done;
