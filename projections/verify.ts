import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventStore } from '../application/ports/event-store.ts';
import type { ReadModelDb, SqlRunner } from './db/read-model-db.ts';
import { ORDER_PROJECTION } from './order-projection.ts';
import { createProjectionRunner } from './runner.ts';
import { ensureReadModels, findProjection, generationSchema, READ_MODELS, readProjection } from './schema.ts';

/**
 * Verify: builds the read models again into a scratch schema, up to exactly the live checkpoint,
 * and compares every table row by row (by primary key, every column). The live tables keep
 * moving while it runs: it compares inside one repeatable-read snapshot in which the live
 * checkpoint still equals the scratch one, catching up again otherwise.
 */

export interface Difference {
  readonly table: string;
  readonly key: Record<string, unknown>;
  /** `(row)` when the row exists on one side only. */
  readonly column: string;
  readonly live: unknown;
  readonly rebuilt: unknown;
}

export interface VerifyResult {
  readonly position: string;
  readonly rows: Record<string, number>;
  readonly differences: readonly Difference[];
  /** More differences than `maxDifferences` exist. */
  readonly truncated: boolean;
}

export interface VerifyOptions<P> {
  readonly store: EventStore<P>;
  readonly db: ReadModelDb;
  readonly logger: Logger;
  readonly schema?: string;
  readonly name?: string;
  readonly maxDifferences?: number;
  readonly attempts?: number;
  readonly onProgress?: (events: number, position: string) => void;
}

/**
 * A rule of a table broken in the live rows (e.g. an unbalanced ledger entry) is a difference even
 * where the rebuild reproduces it. Appends them; true when there were more than the room left.
 */
const brokenRules = async (
  tx: SqlRunner,
  liveBase: string,
  differences: Difference[],
  maxDifferences: number,
): Promise<boolean> => {
  for (const table of READ_MODELS) {
    if (table.invariants === undefined) continue;
    const broken = await tx.query<Record<string, unknown>>(
      `select * from (${table.invariants(liveBase)}) v limit $1`,
      [maxDifferences + 1],
    );
    for (const row of broken.rows) {
      if (differences.length >= maxDifferences) return true;
      differences.push({ table: table.name, key: row, column: '(invariant)', live: row, rebuilt: 'none' });
    }
  }
  return false;
};

const compareTables = async (
  tx: SqlRunner,
  liveBase: string,
  scratch: string,
  maxDifferences: number,
): Promise<{ rows: Record<string, number>; differences: Difference[]; truncated: boolean }> => {
  const rows: Record<string, number> = {};
  const differences: Difference[] = [];
  let truncated = false;
  for (const table of READ_MODELS) {
    const count = await tx.query<{ n: string }>(`select count(*)::text as n from ${liveBase}.${table.name}`);
    rows[table.name] = Number(count.rows[0]?.n ?? 0);
    const on = table.key.map((k) => `l.${k} = s.${k}`).join(' and ');
    const result = await tx.query<{
      live: Record<string, unknown> | null;
      rebuilt: Record<string, unknown> | null;
    }>(
      `select to_jsonb(l) as live, to_jsonb(s) as rebuilt
       from ${liveBase}.${table.name} l full join ${scratch}.${table.name} s on ${on}
       where to_jsonb(l) is distinct from to_jsonb(s)
       limit $1`,
      [maxDifferences + 1],
    );
    for (const { live, rebuilt } of result.rows) {
      if (differences.length >= maxDifferences) {
        truncated = true;
        break;
      }
      const side = (live ?? rebuilt)!;
      const key = Object.fromEntries(table.key.map((k) => [k, side[k]]));
      if (live === null || rebuilt === null) {
        differences.push({
          table: table.name,
          key,
          column: '(row)',
          live: live ?? 'missing',
          rebuilt: rebuilt ?? 'missing',
        });
        continue;
      }
      for (const column of new Set([...Object.keys(live), ...Object.keys(rebuilt)])) {
        if (JSON.stringify(live[column]) !== JSON.stringify(rebuilt[column])) {
          differences.push({ table: table.name, key, column, live: live[column], rebuilt: rebuilt[column] });
        }
      }
    }
  }
  truncated = (await brokenRules(tx, liveBase, differences, maxDifferences)) || truncated;
  return { rows, differences, truncated };
};

export const verifyReadModels = async <P>(options: VerifyOptions<P>): Promise<VerifyResult> => {
  const { store, db, logger } = options;
  const base = options.schema ?? 'oms_read';
  const name = options.name ?? ORDER_PROJECTION;
  const maxDifferences = options.maxDifferences ?? 100;
  const attempts = options.attempts ?? 20;
  const scratchBase = `${base}_verify_${randomBytes(3).toString('hex')}`;
  const scratch = generationSchema(scratchBase, 1);
  const log = logger.child({ verify: name, schema: base, scratch: scratchBase });
  let events = 0;
  if ((await findProjection(db, base, name)) === undefined) {
    throw new Error(
      `no read models in schema ${base} yet: nothing to verify (start the service or run \`oms rebuild\`)`,
    );
  }
  try {
    await ensureReadModels(db, scratchBase, name);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const live = await readProjection(db, base, name);
      if (!live) throw new Error(`no projection ${name} in ${base}: nothing to verify`);
      const runner = createProjectionRunner({
        store,
        db,
        logger,
        schema: scratchBase,
        name,
        mode: 'catch-up',
        until: live.position,
        onBatch: (batch) => {
          events += batch.events;
          options.onProgress?.(events, batch.position);
        },
      });
      runner.start();
      await runner.done;
      const outcome = await db.withTransaction(
        async (tx) => {
          const now = await readProjection(tx, base, name);
          const built = await readProjection(tx, scratchBase, name);
          if (now?.position !== built?.position) return undefined;
          return {
            position: now!.position,
            ...(await compareTables(tx, base, scratch, maxDifferences)),
          };
        },
        { repeatableRead: true },
      );
      if (outcome) return outcome;
      log.info({ attempt }, 'the live checkpoint moved: catching up before comparing');
    }
    throw new Error(
      `the live read models kept moving: no stable point to compare after ${attempts} attempts`,
    );
  } finally {
    await db.exec(`drop schema if exists ${scratch} cascade; drop schema if exists ${scratchBase} cascade;`);
  }
};
