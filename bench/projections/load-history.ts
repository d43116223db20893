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
        `insert into ${s}.events (stream_id, revision, event_id, type, data, metadata, hash)
         select stream_id, revision, event_id, type, data, metadata, '\\x'::bytea
         from json_to_recordset($1::json) as r(ord int, stream_id text, revision bigint, event_id uuid, type text, data jsonb, metadata jsonb)
         order by ord`,
        [payload],
      );
      // The audit hash chain, as appends compute it: each event chained to the one before it in
      // its stream (that one in an earlier chunk, or earlier in this one).
      await tx.exec(`do $chain$
        declare r record; v_prev bytea; v_stream text;
        begin
          for r in select stream_id, revision, event_id, type, data, metadata from ${s}.events
                   where tx = pg_current_xact_id() order by stream_id, revision loop
            if v_stream is distinct from r.stream_id then
              v_stream := r.stream_id;
              select e.hash into v_prev from ${s}.events e
              where e.stream_id = r.stream_id and e.revision = r.revision - 1;
            end if;
            v_prev := ${s}.event_hash(v_prev, r.stream_id, r.revision, r.event_id, r.type, r.data, r.metadata);
            update ${s}.events set hash = v_prev where stream_id = r.stream_id and revision = r.revision;
          end loop;
        end $chain$;`);
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
