import type { Logger } from 'pino';
import type { SqlRunner } from './db/read-model-db.ts';
import { READ_MODELS } from './schema.ts';

/**
 * Keeps the planner's statistics of the read models fresh while the live runner grows them: after
 * `minEvents` events, then each time the events applied since the runner started have grown by
 * `growth` since the last time, it analyzes the generation's tables (in the background, outside
 * any batch). PostgreSQL's autovacuum does the same when it is on; where it is off (as on the
 * benchmark machine), a never-analyzed `fills` table made the trade-owner look-up (a primary-key
 * probe) scan the account's whole history by another index: 700 ms per look-up at 87k fills.
 */
export function statisticsKeeper(
  db: SqlRunner,
  log: Logger,
  options: { minEvents?: number; growth?: number } = {},
) {
  const minEvents = options.minEvents ?? 1000;
  const growth = options.growth ?? 0.2;
  let atLast = 0;
  let analyzing = false;
  return {
    /** After a committed batch: `eventsApplied` since the runner started, into `schema`'s tables. */
    afterBatch(schema: string, eventsApplied: number): void {
      if (analyzing || eventsApplied - atLast < Math.max(minEvents, atLast * growth)) return;
      atLast = eventsApplied;
      analyzing = true;
      db.exec(`analyze ${READ_MODELS.map((t) => `${schema}.${t.name}`).join(', ')}`)
        .catch((error: unknown) => log.warn({ err: error }, 'analyze of the read models failed'))
        .finally(() => {
          analyzing = false;
        });
    },
  };
}
