import { checkSchemaName } from './schema.ts';

/**
 * The SQL text of every statement the PostgreSQL and PGlite stores run, built once per schema.
 * bigint and xid8 columns are read as text so both drivers hand back the same JS types.
 */
export interface Queries {
  readonly append: string;
  readonly appendRetryResult: string;
  readonly appendBatch: string;
  readonly readStreamForwards: string;
  readonly readStreamBackwards: string;
  readonly readAll: string;
  readonly readerHold: string;
}

const eventColumns = `e.stream_id, e.revision::text as revision, e.event_id::text as event_id, e.type,
  e.data, e.metadata, e.created, e.tx::text as tx, e.global_position::text as global_position`;

/**
 * A `jsonb[]` argument from one JSON array parameter, element by element in order. The events'
 * JSON texts are joined into that array as they are (`jsonArrayText`): passed as a `jsonb[]`
 * parameter instead, every text would be escaped again into an array literal by the driver
 * (each quote and backslash), which cost the service about 10 KB of garbage per event.
 */
const jsonbElements = (param: string) =>
  `array(select j.value from jsonb_array_elements(${param}::jsonb) with ordinality as j(value, n) order by j.n)`;

/** The JSON array of JSON texts (each already valid JSON, as `checkAppendInput` made them). */
export const jsonArrayText = (texts: readonly string[]): string => `[${texts.join(',')}]`;

export const buildQueries = (schema: string): Queries => {
  const s = checkSchemaName(schema);
  return {
    // $2: expected revision (see append_events); $3-$4: parallel arrays, one element per event;
    // $5-$6: the events' data and metadata as one JSON array each (see `jsonbElements`).
    append: `select o_next_revision::text as next_revision, o_tx::text as tx,
      o_global_position::text as global_position
      from ${s}.append_events($1, $2, $3::uuid[], $4::text[], ${jsonbElements('$5')}, ${jsonbElements('$6')})`,
    // Several appends in one statement: $1-$3 one element per append (stream, expected, how many
    // events), $4-$7 the events of all of them, in order ($6-$7 as JSON arrays). One row per
    // append, in order.
    appendBatch: `select o_index, o_next_revision::text as next_revision, o_tx::text as tx,
      o_global_position::text as global_position, o_sqlstate, o_detail, o_constraint, o_message
      from ${s}.append_events_batch($1::text[], $2::bigint[], $3::int[], $4::uuid[], $5::text[],
        ${jsonbElements('$6')}, ${jsonbElements('$7')}) order by o_index`,
    appendRetryResult: `select o_next_revision::text as next_revision, o_tx::text as tx,
      o_global_position::text as global_position
      from ${s}.append_retry_result($1, $2, $3::uuid[])`,
    // $2: first revision (inclusive); $3: max count, null for all. One round trip also for a
    // missing stream: no row at all when it does not exist; one row without an event (event_id
    // null) when it exists but nothing is in the range.
    readStreamForwards: `select ${eventColumns} from ${s}.streams st
      left join lateral (select * from ${s}.events e
        where e.stream_id = $1 and e.revision >= $2 order by e.revision limit $3) e on true
      where st.stream_id = $1 and st.revision >= 0 order by e.revision`,
    readStreamBackwards: `select ${eventColumns} from ${s}.streams st
      left join lateral (select * from ${s}.events e
        where e.stream_id = $1 and e.revision <= $2 order by e.revision desc limit $3) e on true
      where st.stream_id = $1 and st.revision >= 0 order by e.revision desc`,
    // The gap-free read: only transactions below the oldest running one are visible, so a
    // transaction that commits late can never land behind a position a reader has passed.
    // Scans $5 positions after ($1, $2); data only for the rows matching the filter ($3 stream
    // prefixes, $4 event types; null = no filter), positions for all (lastScanned).
    readAll: `select e.tx::text as tx, e.global_position::text as global_position, m.matches,
        e.stream_id, e.revision::text as revision, e.event_id::text as event_id, e.type,
        case when m.matches then e.data end as data,
        case when m.matches then e.metadata end as metadata, e.created
      from ${s}.events e
      cross join lateral (select
          ($3::text[] is null or exists (select 1 from unnest($3::text[]) p where starts_with(e.stream_id, p)))
          and ($4::text[] is null or e.type = any($4::text[])) as matches) m
      where (e.tx, e.global_position) > ($1::xid8, $2::bigint)
        and e.tx < pg_snapshot_xmin(pg_current_snapshot())
      order by e.tx, e.global_position
      limit $5`,
    // What holds $all readers back: the oldest transaction that has written something.
    readerHold: `select coalesce(extract(epoch from (now() - min(xact_start))) * 1000, 0)::float8 as held_ms,
        count(*)::int as writing_transactions
      from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()`,
  };
};
