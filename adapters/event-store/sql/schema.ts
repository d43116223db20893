import { appendBatchMigrationSql } from './append-batch-migration.ts';
import { hashChainMigrationSql } from './hash-chain-migration.ts';

/**
 * The one DDL of the PostgreSQL and PGlite stores (PostgreSQL 15+ and PGlite's PostgreSQL 17/18).
 * Migrations are append-only: never edit one that has shipped, add the next.
 */

/** SQLSTATE raised by `append_events` on a wrong expected revision; the detail is the actual one. */
export const WRONG_EXPECTED_VERSION_SQLSTATE = 'OMS01';

/** Event ids are unique per stream; a violation of this constraint sends an append to append_retry_result. */
export const EVENT_ID_CONSTRAINT = 'events_stream_event_id';

/** EventStoreDB's historical numbers, passed to `append_events` instead of the named sentinels. */
export const EXPECTED_NO_STREAM = -1n;
export const EXPECTED_ANY = -2n;
export const EXPECTED_STREAM_EXISTS = -4n;

const identifier = /^[a-z_][a-z0-9_]{0,47}$/;

/** The schema name is interpolated into SQL, so only plain lower-case identifiers are accepted. */
export const checkSchemaName = (schema: string): string => {
  if (!identifier.test(schema)) {
    throw new Error(`schema name ${JSON.stringify(schema)} must match ${identifier}`);
  }
  return schema;
};

/** NOTIFY channel (PostgreSQL): wakes other processes' pollers only; data is always read from the table. */
export const notifyChannel = (schema: string): string => `${schema}_events`;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'streams, events, append_events',
    sql: (s) => `
create table ${s}.streams (
  stream_id text primary key,
  -- revision of the last event
  revision bigint not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
) with (fillfactor = 80); -- room for HOT updates of the revision

create table ${s}.events (
  global_position bigint generated always as identity,
  -- the writing transaction: $all is read in (tx, global_position) order and only below the
  -- oldest running transaction, so an event committed late is never skipped (see docs/event-store.md)
  tx xid8 not null default pg_current_xact_id(),
  stream_id text not null,
  revision bigint not null,
  event_id uuid not null,
  type text not null,
  data jsonb not null,
  metadata jsonb not null,
  created timestamptz not null default now(),
  primary key (stream_id, revision),
  constraint ${EVENT_ID_CONSTRAINT} unique (stream_id, event_id)
);
create unique index events_all_order on ${s}.events (tx, global_position);

-- true when p_ids are written, in order, at revisions p_first, p_first + 1, ... of the stream
create function ${s}.is_written_run(p_stream_id text, p_first bigint, p_ids uuid[])
returns boolean language sql stable as $fn$
  select count(*) = cardinality(p_ids)
  from unnest(p_ids) with ordinality as u(id, ord)
  join ${s}.events e
    on e.stream_id = p_stream_id and e.revision = p_first + u.ord - 1 and e.event_id = u.id
$fn$;

-- Appends in one round trip. p_expected: an exact revision (>= 0), or -1 no_stream, -2 any,
-- -4 stream_exists. Returns the stream's new revision and the (tx, global_position) of the last
-- event; a retry of a written append returns the earlier result and writes nothing.
-- An event id already in the stream makes the insert fail (unique_violation): the caller then asks
-- append_retry_result, which tells a retry (same result) from a conflict (wrong expected version).
-- (OUT parameters, not RETURNS TABLE: a set-returning function would materialize its one row.)
create function ${s}.append_events(
  p_stream_id text, p_expected bigint, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[],
  out o_next_revision bigint, out o_tx xid8, out o_global_position bigint
) language plpgsql as $fn$
declare
  v_count bigint := cardinality(p_ids);
  v_current bigint;
begin
  -- Lock the stream row and move its revision in one statement (a missing row is inserted, which
  -- locks it too): concurrent appends to one stream queue here, so 'any' appends all succeed with
  -- contiguous revisions and none is lost. A failed check below raises: the rollback undoes it.
  update ${s}.streams set revision = revision + v_count, updated_at = now()
  where stream_id = p_stream_id
  returning revision - v_count into v_current;
  if not found then
    insert into ${s}.streams (stream_id, revision) values (p_stream_id, v_count - 1)
    on conflict (stream_id) do nothing;
    if found then
      v_current := -1;
    else -- created meanwhile by a concurrent append: now wait for its lock
      update ${s}.streams set revision = revision + v_count, updated_at = now()
      where stream_id = p_stream_id
      returning revision - v_count into v_current;
    end if;
  end if;

  if not (p_expected = -2
          or (p_expected = -1 and v_current = -1)
          or (p_expected = -4 and v_current >= 0)
          or (p_expected >= 0 and v_current = p_expected)) then
    -- A retry of an append that was written: same ids at the revisions it would have taken.
    if p_expected >= -1 and ${s}.is_written_run(p_stream_id, p_expected + 1, p_ids) then
      update ${s}.streams set revision = v_current where stream_id = p_stream_id;
      select p_expected + v_count, e.tx, e.global_position into o_next_revision, o_tx, o_global_position
      from ${s}.events e where e.stream_id = p_stream_id and e.revision = p_expected + v_count;
      return;
    end if;
    raise exception using errcode = '${WRONG_EXPECTED_VERSION_SQLSTATE}',
      message = 'wrong expected version', detail = v_current::text;
  end if;

  insert into ${s}.events (stream_id, revision, event_id, type, data, metadata)
  select p_stream_id, v_current + u.ord, u.id, u.type, u.data, u.metadata
  from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as u(id, type, data, metadata, ord)
  order by u.ord;

  o_next_revision := v_current + v_count;
  o_tx := pg_current_xact_id();
  -- the identity's last value in this session: the batch's last event (no RETURNING to aggregate)
  o_global_position := currval('${s}.events_global_position_seq');
end
$fn$;

-- After append_events failed on an event id already in the stream: the earlier result when the
-- ids are written in order where this append would have put them (exact / no_stream) or anywhere
-- (any / stream_exists: EventStoreDB's best effort); otherwise a wrong expected version.
create function ${s}.append_retry_result(
  p_stream_id text, p_expected bigint, p_ids uuid[],
  out o_next_revision bigint, out o_tx xid8, out o_global_position bigint
) language plpgsql stable as $fn$
declare
  v_count bigint := cardinality(p_ids);
  v_current bigint;
  v_first bigint;
begin
  select s.revision into v_current from ${s}.streams s where s.stream_id = p_stream_id;
  if p_expected >= -1 then
    v_first := p_expected + 1;
  else
    select e.revision into v_first from ${s}.events e
    where e.stream_id = p_stream_id and e.event_id = p_ids[1];
  end if;
  if v_first is not null and ${s}.is_written_run(p_stream_id, v_first, p_ids) then
    select v_first + v_count - 1, e.tx, e.global_position into o_next_revision, o_tx, o_global_position
    from ${s}.events e where e.stream_id = p_stream_id and e.revision = v_first + v_count - 1;
    return;
  end if;
  raise exception using errcode = '${WRONG_EXPECTED_VERSION_SQLSTATE}',
    message = 'event ids already written at other revisions', detail = coalesce(v_current, -1)::text;
end
$fn$;
`,
  },
  { version: 2, name: 'tamper-evident hash chain', sql: hashChainMigrationSql },
  { version: 3, name: 'group commit: append_events_batch', sql: appendBatchMigrationSql },
];

/** Run inside one transaction, under an advisory lock, so that two processes starting at once agree. */
export const migrationPreamble = (s: string): string => `
create schema if not exists ${s};
create table if not exists ${s}.schema_migrations (
  version int primary key,
  name text not null,
  applied_at timestamptz not null default now()
);`;
