import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../application/ports/event-store.ts';
import type { BatchPipeline, SqlRunner } from '../../application/ports/sql.ts';
import type { CatchUpPage } from '../../projections/catch-up-pages.ts';
import type { ProjectedItem } from '../../projections/events.ts';
import type { StagedBatch } from '../../projections/order-projection.ts';
import { catchUpPipelined, pipelinedWriter } from '../../projections/pipelined-batches.ts';
import { HandlerError } from '../../projections/runner-types.ts';

// The bookkeeping of pipelined catch-up, on a pipeline of our own making: which batches are
// committed, which are handed back to be applied again, and from where the next pipeline goes on.

type Event = RecordedEvent<number>;
const event = (position: number) => ({ position, streamId: `s-${position}` }) as unknown as Event;
const page = (...positions: number[]): CatchUpPage<number> => ({
  events: positions.map(event),
  lastScanned: positions.at(-1)!,
});
const staged = (events: number): StagedBatch => ({
  orders: new Map(),
  positions: new Map(),
  balances: new Map(),
  events,
});

/** A catch-up over `pages` where the batch moving to a position in `failing` does not commit. */
const run = async (pages: CatchUpPage<number>[], failing: ReadonlySet<number>) => {
  const queue = [...pages];
  let checkpoint = 0;
  const confirmed: number[] = [];
  const redone: { positions: number[]; to: number }[] = [];
  let pipelines = 0;
  const pipeline: BatchPipeline = {
    batch: async <T>(work: (tx: SqlRunner) => Promise<T>) => {
      const value = await work({} as SqlRunner);
      const to = (value as unknown as { to: number }).to;
      const committed = failing.has(to)
        ? Promise.reject(new HandlerError(undefined, undefined, new Error(`batch to ${to} failed`)))
        : Promise.resolve();
      committed.catch(() => undefined);
      return { value, committed };
    },
  };
  await catchUpPipelined<number>({
    pages: { next: async () => queue.shift() },
    open: async (work) => {
      pipelines += 1;
      await work(pipeline);
    },
    writer: (p) =>
      pipelinedWriter<number>({
        pipeline: p,
        depth: 1,
        write: async (_tx, events, _from, to) =>
          ({ ...staged(events.length), to: Number(to) }) as StagedBatch,
        sent: () => undefined,
        committed: (_staged, to) => {
          checkpoint = Number(to);
          confirmed.push(checkpoint);
        },
        failure: (error) => error,
      }),
    // One batch per event, after the head.
    batches: (p, head) =>
      p.events.filter((e) => e.position > Number(head)).map((e) => ({ slice: [e], to: String(e.position) })),
    checkpoint: () => String(checkpoint),
    decode: (slice) => slice as unknown as ProjectedItem[],
    release: () => undefined,
    redo: async (events, to) => {
      redone.push({ positions: events.map((e) => e.position), to });
      checkpoint = to;
    },
  });
  return { confirmed, redone, pipelines, checkpoint };
};

describe('pipelined catch-up', () => {
  it('Given every batch commits, When two pages are caught up, Then each batch is confirmed in order on one pipeline and nothing is redone', async () => {
    const outcome = await run([page(1, 2, 3), page(4, 5, 6)], new Set());
    expect(outcome).toEqual({ confirmed: [1, 2, 3, 4, 5, 6], redone: [], pipelines: 1, checkpoint: 6 });
  });

  it('Given a batch in the middle of the second page fails, When it is caught up, Then the batches before it stand, the page is applied again from there (the one sent after it included), and a new pipeline goes on with the next page', async () => {
    const outcome = await run([page(1, 2, 3), page(4, 5, 6), page(7, 8)], new Set([5]));
    // The batch to 6 was sent while the one to 5 committed: not confirmed, in the redo with the page
    expect(outcome.confirmed).toEqual([1, 2, 3, 4, 7, 8]);
    expect(outcome.redone).toEqual([{ positions: [4, 5, 6], to: 6 }]);
    expect(outcome.pipelines).toBe(2);
    expect(outcome.checkpoint).toBe(8);
  });

  it('Given the first batch of a page fails while the last one of the page before is still in flight, When it is caught up, Then that one (of the page before) is redone with the page', async () => {
    const outcome = await run([page(1, 2, 3), page(4, 5, 6)], new Set([3]));
    expect(outcome.confirmed).toEqual([1, 2]);
    expect(outcome.redone).toEqual([{ positions: [3, 4, 5, 6], to: 6 }]);
  });

  it('Given the last batch fails, When the pipeline drains at the end, Then it alone is redone, up to the end of the last page', async () => {
    const outcome = await run([page(1, 2), page(3, 4)], new Set([4]));
    expect(outcome.confirmed).toEqual([1, 2, 3]);
    expect(outcome.redone).toEqual([{ positions: [4], to: 4 }]);
    expect(outcome.checkpoint).toBe(4);
  });
});
