import { z } from 'zod';
import { jsonArrayText, type Queries } from './queries.ts';
import type { SqlDriver } from './sql-driver.ts';

/** One append as the store's SQL takes it: stream, encoded expected revision, parallel arrays. */
export interface AppendParams {
  readonly streamId: string;
  readonly expected: string;
  readonly ids: readonly string[];
  readonly types: readonly string[];
  readonly data: readonly string[];
  readonly metadata: readonly string[];
}

/** What an append returned (text, as the store selects it). */
export interface AppendRow {
  readonly next_revision: string;
  readonly tx: string;
  readonly global_position: string;
}

/** A failed append of a batch, shaped as a driver error (SQLSTATE `code`, `detail`, `constraint`). */
export class BatchedAppendError extends Error {
  readonly code: string;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  constructor(code: string, message: string, detail?: string, constraint?: string) {
    super(message);
    this.name = 'BatchedAppendError';
    this.code = code;
    this.detail = detail;
    this.constraint = constraint;
  }
}

export interface AppendBatcherOptions {
  /** Appends (statements) in flight at once; the appends that come meanwhile wait and go together. */
  readonly maxInFlight: number;
  /** Appends in one statement at most. */
  readonly maxBatch: number;
  /** One append alone (a driver error rejects it). */
  one(params: AppendParams): Promise<AppendRow>;
  /** Several appends in one statement and one commit; each gets its row or its own error. */
  many(batch: readonly AppendParams[]): Promise<(AppendRow | BatchedAppendError)[]>;
}

interface Waiting {
  readonly params: AppendParams;
  resolve(row: AppendRow): void;
  reject(error: unknown): void;
}

/**
 * Group commit for appends. While fewer than `maxInFlight` statements are running, an append goes
 * at once, alone (no added latency when the store is not busy); beyond that, appends wait and the
 * next free slot takes all of them (up to `maxBatch`) in one statement, ordered by stream id (so
 * that two batches lock streams in the same order). Every append still commits before it resolves,
 * so record-before-send holds: a caller sends nothing before its append has resolved.
 */
export function createAppendBatcher(
  options: AppendBatcherOptions,
): (params: AppendParams) => Promise<AppendRow> {
  const waiting: Waiting[] = [];
  let inFlight = 0;

  const run = (batch: Waiting[]) => {
    inFlight++;
    const done = () => {
      inFlight--;
      next();
    };
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      options.one(only.params).then(only.resolve, only.reject).finally(done);
      return;
    }
    // Stable: two appends to one stream keep their order.
    batch.sort((a, b) =>
      a.params.streamId < b.params.streamId ? -1 : a.params.streamId > b.params.streamId ? 1 : 0,
    );
    options
      .many(batch.map((w) => w.params))
      .then(
        (outcomes) =>
          batch.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome === undefined)
              w.reject(new Error('the batched append returned no row for an append'));
            else if (outcome instanceof BatchedAppendError) w.reject(outcome);
            else w.resolve(outcome);
          }),
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(done);
  };

  const next = () => {
    while (inFlight < options.maxInFlight && waiting.length > 0) run(waiting.splice(0, options.maxBatch));
  };

  return (params) =>
    new Promise<AppendRow>((resolve, reject) => {
      waiting.push({ params, resolve, reject });
      next();
    });
}

/** What `append_events` returns (text, as the store selects it). */
export const appendRowSchema = z.object({
  next_revision: z.string(),
  tx: z.string(),
  global_position: z.string(),
});

/** A row of `append_events_batch`: the append's result, or its error. */
const batchRowSchema = z.object({
  next_revision: z.string().nullable(),
  tx: z.string().nullable(),
  global_position: z.string().nullable(),
  o_sqlstate: z.string().nullable(),
  o_detail: z.string().nullable(),
  o_constraint: z.string().nullable(),
  o_message: z.string().nullable(),
});

/** The store's appends through a group-commit batcher: `append_events` alone, `append_events_batch` together. */
export const createSqlAppendBatcher = (o: {
  driver: SqlDriver;
  queries: Queries;
  statements: { one: string; many: string };
  maxInFlight: number;
}) =>
  createAppendBatcher({
    maxInFlight: o.maxInFlight,
    maxBatch: 100,
    one: async (p) => {
      const result = await o.driver.query(
        o.queries.append,
        [p.streamId, p.expected, p.ids, p.types, jsonArrayText(p.data), jsonArrayText(p.metadata)],
        o.statements.one,
      );
      return appendRowSchema.parse(result.rows[0]);
    },
    many: async (batch) => {
      const result = await o.driver.query(
        o.queries.appendBatch,
        [
          batch.map((p) => p.streamId),
          batch.map((p) => p.expected),
          batch.map((p) => p.ids.length),
          batch.flatMap((p) => p.ids),
          batch.flatMap((p) => p.types),
          jsonArrayText(batch.flatMap((p) => p.data)),
          jsonArrayText(batch.flatMap((p) => p.metadata)),
        ],
        o.statements.many,
      );
      return result.rows.map((raw) => {
        const r = batchRowSchema.parse(raw);
        return r.o_sqlstate === null
          ? appendRowSchema.parse(r)
          : new BatchedAppendError(
              r.o_sqlstate,
              r.o_message ?? 'append failed',
              r.o_detail ?? undefined,
              r.o_constraint ?? undefined,
            );
      });
    },
  });
