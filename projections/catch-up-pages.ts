import type { EventStore, RecordedEvent } from '../application/ports/event-store.ts';
import { CASH_STREAM_PREFIX } from '../domain/ledger/contract.ts';
import { MARK_STREAM_PREFIX } from '../domain/marks/contract.ts';
import { ORDER_STREAM_PREFIX } from '../domain/order/contract.ts';

export interface CatchUpPage<P> {
  readonly events: readonly RecordedEvent<P>[];
  readonly lastScanned: P;
}

export interface PageReader<P> {
  /** The next page, or undefined past the end of `$all` (or `until`) or once stopped. */
  next(): Promise<CatchUpPage<P> | undefined>;
}

/**
 * The pages of `$all` a catch-up applies (the projection's streams), after `after`, until its end
 * or `until`: the next page is read, and decoded (`predecode`), while one is applied.
 */
export const pageReader = <P>(options: {
  readonly store: EventStore<P>;
  readonly after: P;
  readonly pageSize: number;
  readonly until: P | undefined;
  readonly signal: AbortSignal;
  readonly predecode: (events: readonly RecordedEvent<P>[]) => void;
}): PageReader<P> => {
  const { store, pageSize, until, signal } = options;
  const filter = { streamPrefixes: [ORDER_STREAM_PREFIX, CASH_STREAM_PREFIX, MARK_STREAM_PREFIX] };
  const read = (after: P) =>
    store.readAll({ after, maxCount: pageSize, filter }).then((page) => {
      options.predecode(page.events);
      return page;
    });
  let next: Promise<CatchUpPage<P> & { readonly isEnd: boolean }> | undefined = read(options.after);
  return {
    next: async () => {
      if (next === undefined) return undefined;
      const page = await next;
      next = undefined;
      if (signal.aborted) return undefined;
      const beyond = until !== undefined && store.positions.compare(page.lastScanned, until) >= 0;
      if (!page.isEnd && !beyond) {
        next = read(page.lastScanned);
        next.catch(() => undefined); // awaited on the next call
      }
      return page;
    },
  };
};
