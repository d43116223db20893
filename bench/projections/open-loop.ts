import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import type { GeneratedAppend } from '../../test/projections/support/history-generator.ts';

const LANES = 16;

const laneOf = (streamId: string) => {
  let h = 0;
  for (let i = 0; i < streamId.length; i++) h = (Math.imul(h, 31) + streamId.charCodeAt(i)) | 0;
  return Math.abs(h) % LANES;
};

/**
 * B7's load: `count` appends of a generated history at `rate` per second, open loop (the i-th is
 * due at the start plus i / rate, whether the earlier ones have finished or not), on 16 lanes by
 * stream (a stream's appends in order, so their expected revisions hold). `committed` hears each
 * append's position as its commit returns. Resolves once every append has; with the events
 * appended and the last position.
 */
export const appendAtRate = async (
  store: SqlEventStore,
  history: Iterator<GeneratedAppend>,
  options: { rate: number; count: number; committed(position: SqlPosition): void },
): Promise<{ appended: number; last: SqlPosition | undefined }> => {
  const lanes: Promise<void>[] = Array.from({ length: LANES }, () => Promise.resolve());
  let appended = 0;
  let last: SqlPosition | undefined;
  const started = performance.now();
  for (let i = 0; i < options.count; i++) {
    const next = history.next();
    if (next.done) break;
    const append = next.value;
    if (append.duplicate) continue;
    const wait = started + (i * 1000) / options.rate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const lane = laneOf(append.streamId);
    lanes[lane] = lanes[lane]!.then(async () => {
      const result = await store.append(append.streamId, append.events, {
        expectedRevision: append.expectedRevision,
      });
      options.committed(result.position);
      if (last === undefined || store.positions.compare(result.position, last) > 0) last = result.position;
      appended += append.events.length;
    });
  }
  await Promise.all(lanes);
  return { appended, last };
};
