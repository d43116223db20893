import type { BatchPipeline, DeferredWrite, PipelinedBatch, SqlRunner } from '../../application/ports/sql.ts';
import { combineWrites, groupWrites } from './batch-runner.ts';

/**
 * `SqlDatabase.withPipeline`'s batches over one connection's runner. Statements go out one after
 * another through a queue of our own (the driver is given one statement at a time); a batch's
 * writes are queued and not waited for, so the caller makes the next batch while the database
 * works through this one. After each write the caller gives the event loop a turn, in which the
 * queue sends what the database is ready for.
 *
 * A statement that fails ends its batch: the batch's later statements are not sent, it ends with
 * ROLLBACK, and its `committed` rejects with that failure. The next batch begins a transaction of
 * its own; its guard fails it (`SqlDatabase.withPipeline`).
 */
export const batchPipeline = (
  connection: SqlRunner & Required<Pick<SqlRunner, 'copyFrom'>>,
  /** Sends COMMIT; throws when the transaction rolled back instead. */
  commit: () => Promise<void>,
  /** Told of each batch's outcome (`committed`, or the failure of the batch's work). */
  outcome: (settled: Promise<void>) => void,
): BatchPipeline => {
  let tail: Promise<unknown> = Promise.resolve();
  /** Sends `statement` once every statement queued before it has finished. */
  const enqueue = <T>(statement: () => Promise<T>): Promise<T> => {
    const sent = tail.then(statement);
    tail = sent.catch(() => undefined);
    return sent;
  };

  return {
    batch: async <T>(work: (tx: SqlRunner) => Promise<T>): Promise<PipelinedBatch<T>> => {
      let failure: { readonly error: unknown } | undefined;
      /** A statement of this batch: not sent once one before it failed. */
      const statement = <R>(run: () => Promise<R>): Promise<R> =>
        enqueue(async () => {
          if (failure !== undefined) throw failure.error;
          try {
            return await run();
          } catch (error) {
            failure ??= { error };
            throw error;
          }
        });
      const send = (run: () => Promise<unknown>) => {
        // Its failure is reported by `committed`, or by a read that follows it.
        statement(run).catch(() => undefined);
      };
      let queued: DeferredWrite[] = [];
      const sendQueued = () => {
        for (const group of groupWrites(queued)) {
          const { text, params, name } = combineWrites(group);
          send(() => connection.query(text, params, name));
        }
        queued = [];
      };
      const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
      const runner: SqlRunner = {
        query: async (text, params, name) => {
          sendQueued();
          try {
            return await statement(() => connection.query(text, params, name));
          } catch (error) {
            throw failure?.error ?? error;
          }
        },
        exec: async (sql) => {
          sendQueued();
          send(() => connection.exec(sql));
          await turn();
        },
        copyFrom: async (table, columns, rows) => {
          sendQueued();
          send(() => connection.copyFrom(table, columns, rows));
          await turn();
        },
        defer: (write) => {
          queued.push(write);
        },
        flush: async () => {
          sendQueued();
        },
      };

      send(() => connection.exec('begin'));
      let value: T;
      try {
        value = await work(runner);
      } catch (error) {
        const failed = enqueue(async () => {
          await connection.exec('rollback').catch(() => undefined);
          throw failure?.error ?? error;
        });
        failed.catch(() => undefined);
        outcome(failed);
        return await failed;
      }
      sendQueued();
      const committed = enqueue(async () => {
        if (failure === undefined) return await commit();
        await connection.exec('rollback').catch(() => undefined); // a broken connection is dropped
        throw failure.error;
      });
      committed.catch(() => undefined); // the caller may stop before waiting for every batch
      outcome(committed);
      return { value, committed };
    },
  };
};
