import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import { type GeneratedAppend, generateHistory } from '../../test/projections/support/history-generator.ts';

/**
 * Loads a generated history straight into a SQL store's tables (benchmarks only: a million events
 * through `append` would take longer than the benchmark itself). Same rows as appends would write:
 * the generator's revisions, one transaction per chunk, so `$all` order is (tx, global position).
 * Streaming: nothing of the history is kept in memory.
 */
export const loadHistory = async (
  store: SqlEventStore,
  options: { seed: number; events: number; skip?: number; chunk?: number },
): Promise<{ events: number }> => {
  const chunk = options.chunk ?? 5000;
  const s = store.schema;
  let rows: Record<string, unknown>[] = [];
  const streams = new Map<string, number>();
  let events = 0;
  let skipped = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    const payload = JSON.stringify(rows);
    const heads = JSON.stringify([...streams].map(([stream_id, revision]) => ({ stream_id, revision })));
    rows = [];
    streams.clear();
    await store.withTransaction(async (tx) => {
      await tx.query(
        `insert into ${s}.events (stream_id, revision, event_id, type, data, metadata)
         select stream_id, revision, event_id, type, data, metadata
         from json_to_recordset($1::json) as r(ord int, stream_id text, revision bigint, event_id uuid, type text, data jsonb, metadata jsonb)
         order by ord`,
        [payload],
      );
      await tx.query(
        `insert into ${s}.streams (stream_id, revision)
         select stream_id, revision from json_to_recordset($1::json) as r(stream_id text, revision bigint)
         on conflict (stream_id) do update set revision = excluded.revision, updated_at = now()`,
        [heads],
      );
    });
  };
  let ord = 0;
  const take = (append: GeneratedAppend) => {
    const first = append.expectedRevision === 'no_stream' ? 0 : Number(append.expectedRevision) + 1;
    append.events.forEach((e, i) => {
      rows.push({
        ord: ord++,
        stream_id: append.streamId,
        revision: first + i,
        event_id: e.id,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
      });
      streams.set(append.streamId, first + i);
    });
  };
  for (const append of generateHistory({ seed: options.seed, events: options.events })) {
    if (append.duplicate) continue;
    if (skipped < (options.skip ?? 0)) {
      skipped += append.events.length;
      continue;
    }
    take(append);
    events += append.events.length;
    if (rows.length >= chunk) await flush();
  }
  await flush();
  return { events };
};
