import type { PositionCodec, RecordedEvent } from '../application/ports/event-store.ts';
import type { BatchPipeline, SqlRunner } from '../application/ports/sql.ts';
import type { CatchUpPage, PageReader } from './catch-up-pages.ts';
import { isPresumptionFailed } from './checkpoint.ts';
import { ReadModelDbError } from './db/read-model-db.ts';
import type { ProjectedItem } from './events.ts';
import type { StagedBatch } from './order-projection.ts';
import { HandlerError } from './runner-types.ts';

/**
 * Pipelined batches (catch-up on PostgreSQL: rebuild, a restart after downtime): each batch is made
 * and sent while the one before it is still being written and committed, on one connection
 * (`SqlDatabase.withPipeline`), so that the process makes rows while the database stores them.
 *
 * - A batch is made from the projection's caches as the batch before it left them, before that one
 *   is known to be committed (`sent`); the runner's checkpoint moves only once it is (`committed`).
 * - Each batch moves the checkpoint from where the one before it moves it: if that one fails, the
 *   compare-and-set fails this one, and so every batch after it (nothing of them is kept).
 * - A batch that fails stops the pipeline with a `PipelineBrokenError` holding the events of every
 *   batch not committed; the runner forgets its caches and applies them again one batch at a time,
 *   each waited for (its presumption fallbacks, and a handler error pinned to its event, are there).
 */
export class PipelineBrokenError<P> extends Error {
  /** The events of the batches not committed, in `$all` order. */
  readonly unconfirmed: readonly RecordedEvent<P>[];
  constructor(unconfirmed: readonly RecordedEvent<P>[], cause: unknown) {
    super(`a pipelined batch failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PipelineBrokenError';
    this.unconfirmed = unconfirmed;
  }
}

/**
 * Whether the batches a broken pipeline left are applied again, waited for one by one: yes for what
 * a batch's statements or its handler did (a row presumed absent, a constraint, a handler error);
 * no for a checkpoint moved by another writer, a transient failure (the runner's own retries) or
 * anything else (a hook that threw).
 */
export const isRedoable = (cause: unknown): boolean =>
  cause instanceof HandlerError || isPresumptionFailed(cause);

export interface PipelinedWriterOptions {
  readonly pipeline: BatchPipeline;
  /** Batches sent beyond the oldest one not yet known to be committed (1: one made while one commits). */
  readonly depth: number;
  /** The batch's writes and its checkpoint move, on the pipeline's runner. */
  readonly write: (
    tx: SqlRunner,
    events: readonly ProjectedItem[],
    from: string,
    to: string,
  ) => Promise<StagedBatch>;
  /** Once sent: the caches the next batch is made from. */
  readonly sent: (staged: StagedBatch) => void;
  /** Once committed: the checkpoint, the progress, the waiters. */
  readonly committed: (staged: StagedBatch, to: string) => void;
  /** A failure of a batch's statements as the runner sees it (`checkpoint.ts`). */
  readonly failure: (error: unknown) => unknown;
}

interface InFlight<P> {
  readonly slice: readonly RecordedEvent<P>[];
  readonly to: string;
  readonly staged: StagedBatch;
  readonly committed: Promise<void>;
}

export interface PipelinedWriter<P> {
  /** Makes and sends one batch (`decode` gives its events); waits while `depth` batches are in flight. */
  send(
    slice: readonly RecordedEvent<P>[],
    decode: () => ProjectedItem[],
    from: string,
    to: string,
  ): Promise<void>;
  /** Waits until every batch sent is committed. */
  drain(): Promise<void>;
}

export const pipelinedWriter = <P>(options: PipelinedWriterOptions): PipelinedWriter<P> => {
  const inFlight: InFlight<P>[] = [];

  const confirmOldest = async () => {
    const oldest = inFlight[0]!;
    try {
      await oldest.committed;
    } catch (error) {
      const unconfirmed = inFlight.splice(0).flatMap((batch) => batch.slice);
      throw new PipelineBrokenError(unconfirmed, options.failure(error));
    }
    inFlight.shift();
    options.committed(oldest.staged, oldest.to);
  };

  const drain = async () => {
    while (inFlight.length > 0) await confirmOldest();
  };

  return {
    send: async (slice, decode, from, to) => {
      let batch: { value: StagedBatch; committed: Promise<void> };
      try {
        const events = decode();
        batch = await options.pipeline.batch((tx) => options.write(tx, events, from, to));
      } catch (error) {
        // The batches before this one first: a failure among them is the cause.
        try {
          await drain();
        } catch (broken) {
          if (!(broken instanceof PipelineBrokenError)) throw broken;
          throw new PipelineBrokenError(
            [...(broken.unconfirmed as RecordedEvent<P>[]), ...slice],
            broken.cause,
          );
        }
        throw new PipelineBrokenError(
          slice,
          error instanceof ReadModelDbError ? options.failure(error) : error,
        );
      }
      options.sent(batch.value);
      inFlight.push({ slice, to, staged: batch.value, committed: batch.committed });
      while (inFlight.length > options.depth) await confirmOldest();
    },
    drain,
  };
};

/** One batch: its events and the position the checkpoint moves to with it. */
export interface PageBatch<P> {
  readonly slice: readonly RecordedEvent<P>[];
  readonly to: string;
}

/**
 * The batches of recorded events (in `$all` order) after `current` and not beyond `until`: slices
 * of `batchSize`, the last one moving the checkpoint to `to` (or `until`). None when that is not
 * ahead of `current`; one empty batch when no event is there but the position moves.
 */
export const batchesAfter = <P>(
  codec: PositionCodec<P>,
  o: {
    readonly recorded: readonly RecordedEvent<P>[];
    readonly to: P;
    readonly current: P;
    readonly batchSize: number;
    readonly until: P | undefined;
  },
): PageBatch<P>[] => {
  const { until, batchSize } = o;
  const after = o.recorded.filter((e) => codec.compare(e.position, o.current) > 0);
  const fresh = until === undefined ? after : after.filter((e) => codec.compare(e.position, until) <= 0);
  const target = until !== undefined && codec.compare(o.to, until) > 0 ? until : o.to;
  if (codec.compare(target, o.current) <= 0) return [];
  const batches: PageBatch<P>[] = [];
  for (let i = 0; i < fresh.length || i === 0; i += batchSize) {
    const slice = fresh.slice(i, i + batchSize);
    const last = i + batchSize >= fresh.length;
    batches.push({ slice, to: codec.serialize(last ? target : slice.at(-1)!.position) });
    if (last) break;
  }
  return batches;
};

export interface PipelinedCatchUp<P> {
  readonly pages: PageReader<P>;
  /** A pipeline (`SqlDatabase.withPipeline`) for `work`. */
  readonly open: (work: (pipeline: BatchPipeline) => Promise<void>) => Promise<void>;
  readonly writer: (pipeline: BatchPipeline) => PipelinedWriter<P>;
  /** The batches of a page after the serialized position `head`. */
  readonly batches: (page: CatchUpPage<P>, head: string) => readonly PageBatch<P>[];
  /** The committed checkpoint (serialized). */
  readonly checkpoint: () => string;
  readonly decode: (slice: readonly RecordedEvent<P>[]) => ProjectedItem[];
  /** A page is sent (its decoded events can go). */
  readonly release: (page: CatchUpPage<P>) => void;
  /** A batch failed (`cause`): `events`, not committed, are to be applied waiting for each batch, up to `to`. */
  readonly redo: (events: readonly RecordedEvent<P>[], to: P, cause: unknown) => Promise<void>;
}

/**
 * Catch-up with pipelined batches: pages sent batch by batch on a pipeline; after a failed batch,
 * the events not committed (the batches sent after it, and the rest of the page being sent) go to
 * `redo`, then a new pipeline goes on from the next page.
 */
export const catchUpPipelined = async <P>(o: PipelinedCatchUp<P>): Promise<void> => {
  let page: CatchUpPage<P> | undefined; // the page being sent
  let last: CatchUpPage<P> | undefined; // the last page read
  for (;;) {
    try {
      await o.open(async (pipeline) => {
        const writer = o.writer(pipeline);
        let head = o.checkpoint();
        for (page = await o.pages.next(); page !== undefined; page = await o.pages.next()) {
          last = page;
          for (const { slice, to } of o.batches(page, head)) {
            await writer.send(slice, () => o.decode(slice), head, to);
            head = to;
          }
          o.release(page);
        }
        await writer.drain();
      });
      return;
    } catch (error) {
      if (!(error instanceof PipelineBrokenError)) throw error;
      const current = new Set(page?.events);
      const unconfirmed = (error.unconfirmed as RecordedEvent<P>[]).filter((e) => !current.has(e));
      await o.redo([...unconfirmed, ...(page?.events ?? [])], (page ?? last)!.lastScanned, error.cause);
      if (page !== undefined) o.release(page);
    }
  }
};
