import { createHash } from 'node:crypto';
import type { DeferredWrite, SqlRunner } from '../../application/ports/sql.ts';

/** A group of deferred writes as the one statement that sends them. */
export interface CombinedWrite {
  readonly text: string;
  readonly params: unknown[];
  readonly name: string;
}

const PARAMETER = /\$(\d+)/g;

/**
 * Writes sent together: each one a data-modifying CTE (`w0`, `w1`...) with its parameters numbered
 * after the previous ones', and the final select evaluating each write's `check` (`$rows` the rows
 * it returned). PostgreSQL runs every data-modifying CTE exactly once, whether the select reads it or
 * not. A lone write without a check goes as it is. The group's prepared-statement name is a digest
 * of its members' names (PostgreSQL cuts names at 63 bytes), so a recurring shape is parsed and
 * planned once per connection.
 */
export const combineWrites = (writes: readonly DeferredWrite[]): CombinedWrite => {
  const [only] = writes;
  if (only === undefined) throw new Error('combineWrites: no writes');
  if (writes.length === 1 && only.check === undefined)
    return { text: only.text, params: [...only.params], name: only.name };
  const params: unknown[] = [];
  const ctes: string[] = [];
  const checks: string[] = [];
  writes.forEach((write, i) => {
    const offset = params.length;
    const renumber = (sql: string) => sql.replace(PARAMETER, (_, n: string) => `$${Number(n) + offset}`);
    ctes.push(`w${i} as (${renumber(write.text)})`);
    params.push(...write.params);
    if (write.check !== undefined)
      checks.push(renumber(write.check).replaceAll('$rows', `(select count(*) from w${i})`));
  });
  const digest = createHash('sha256')
    .update(writes.map((w) => w.name).join('\n'))
    .digest('base64url')
    .slice(0, 32);
  return {
    text: `with ${ctes.join(',\n')}\nselect ${checks.length > 0 ? checks.join(', ') : 'null'}`,
    params,
    name: `writes_${digest}`,
  };
};

/** The queue cut where a table comes again: each group writes a table once. */
export const groupWrites = (writes: readonly DeferredWrite[]): DeferredWrite[][] => {
  const groups: DeferredWrite[][] = [];
  let tables = new Set<string>();
  for (const write of writes) {
    if (groups.length === 0 || tables.has(write.table)) {
      groups.push([]);
      tables = new Set();
    }
    groups.at(-1)!.push(write);
    tables.add(write.table);
  }
  return groups;
};

export interface BatchSession {
  readonly runner: SqlRunner & Required<Pick<SqlRunner, 'defer' | 'flush'>>;
  /** Whether BEGIN went out (the batch then ends with COMMIT or ROLLBACK). */
  readonly begun: boolean;
  /** At the end of the batch: sends what is still queued. */
  finish(): Promise<void>;
}

/**
 * The runner of `SqlDatabase.withBatch` over one connection's runner. `begin` sends BEGIN; without
 * it the connection is in a transaction already. Any statement that is not a deferred write sends
 * BEGIN first (once), then the queued writes, then itself. `flush` outside a transaction with one
 * group of writes sends that group alone: it commits on its own, and the batch is over.
 */
export const batchSession = (inner: SqlRunner, begin?: () => Promise<void>): BatchSession => {
  let begun = begin === undefined;
  let sealed = false;
  let queued: DeferredWrite[] = [];

  const open = () => {
    if (sealed)
      throw new Error('this batch went out as one statement, committed on its own: nothing can follow it');
  };
  const ensureBegun = async () => {
    if (begun) return;
    begun = true;
    await begin!();
  };
  const flush = async () => {
    if (queued.length === 0) return;
    const groups = groupWrites(queued);
    queued = [];
    if (groups.length > 1) await ensureBegun();
    if (!begun) sealed = true;
    for (const group of groups) {
      const { text, params, name } = combineWrites(group);
      await inner.query(text, params, name);
    }
  };
  const before = async () => {
    open();
    await ensureBegun();
    await flush();
  };
  const copyFrom = inner.copyFrom;
  const runner: BatchSession['runner'] = {
    query: async (text, params, name) => {
      await before();
      return inner.query(text, params, name);
    },
    exec: async (sql) => {
      await before();
      await inner.exec(sql);
    },
    ...(copyFrom !== undefined && {
      copyFrom: async (table: string, columns: readonly string[], rows: string) => {
        await before();
        await copyFrom(table, columns, rows);
      },
    }),
    defer: (write) => {
      open();
      queued.push(write);
    },
    flush: async () => {
      open();
      await flush();
    },
  };
  return {
    runner,
    get begun() {
      return begun;
    },
    finish: flush,
  };
};
