/**
 * Migration 2: a tamper-evident audit trail. Every event carries `hash`, a SHA-256 over the hash of
 * the event before it in its stream and its own content (stream, revision, id, type, data and
 * metadata as PostgreSQL's canonical jsonb text), computed in the append's transaction. An event
 * edited, deleted or moved breaks the chain at that point (`oms audit verify`); a chain rewritten
 * whole is caught against heads exported earlier (`oms audit heads`).
 */
export const hashChainMigrationSql = (s: string): string => `
alter table ${s}.events add column hash bytea;

-- The link: SHA-256 of the previous event's hash (none for the first) and this event's content.
create function ${s}.event_hash(
  p_prev bytea, p_stream_id text, p_revision bigint, p_event_id uuid, p_type text, p_data jsonb, p_metadata jsonb
) returns bytea language sql immutable parallel safe as $fn$
  select sha256(coalesce(p_prev, '\\x'::bytea) || convert_to(
    p_stream_id || E'\\n' || p_revision::text || E'\\n' || p_event_id::text || E'\\n' || p_type || E'\\n'
      || p_data::text || E'\\n' || p_metadata::text, 'UTF8'))
$fn$;

-- Events recorded before the chain existed are chained now, stream by stream, in revision order.
do $do$
declare
  r record;
  v_prev bytea;
  v_stream text;
begin
  for r in select stream_id, revision, event_id, type, data, metadata from ${s}.events order by stream_id, revision loop
    if v_stream is distinct from r.stream_id then
      v_prev := null;
      v_stream := r.stream_id;
    end if;
    v_prev := ${s}.event_hash(v_prev, r.stream_id, r.revision, r.event_id, r.type, r.data, r.metadata);
    update ${s}.events set hash = v_prev where stream_id = r.stream_id and revision = r.revision;
  end loop;
end
$do$;

alter table ${s}.events alter column hash set not null;

-- append_events as in migration 1, each event chained to the one before it in its stream.
create or replace function ${s}.append_events(
  p_stream_id text, p_expected bigint, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[],
  out o_next_revision bigint, out o_tx xid8, out o_global_position bigint
) language plpgsql as $fn$
declare
  v_count bigint := cardinality(p_ids);
  v_current bigint;
  v_prev bytea;
  v_hashes bytea[] := '{}';
begin
  update ${s}.streams set revision = revision + v_count, updated_at = now()
  where stream_id = p_stream_id
  returning revision - v_count into v_current;
  if not found then
    insert into ${s}.streams (stream_id, revision) values (p_stream_id, v_count - 1)
    on conflict (stream_id) do nothing;
    if found then
      v_current := -1;
    else
      update ${s}.streams set revision = revision + v_count, updated_at = now()
      where stream_id = p_stream_id
      returning revision - v_count into v_current;
    end if;
  end if;

  if not (p_expected = -2
          or (p_expected = -1 and v_current = -1)
          or (p_expected = -4 and v_current >= 0)
          or (p_expected >= 0 and v_current = p_expected)) then
    if p_expected >= -1 and ${s}.is_written_run(p_stream_id, p_expected + 1, p_ids) then
      update ${s}.streams set revision = v_current where stream_id = p_stream_id;
      select p_expected + v_count, e.tx, e.global_position into o_next_revision, o_tx, o_global_position
      from ${s}.events e where e.stream_id = p_stream_id and e.revision = p_expected + v_count;
      return;
    end if;
    -- OMS01: WRONG_EXPECTED_VERSION_SQLSTATE (schema.ts)
    raise exception using errcode = 'OMS01', message = 'wrong expected version', detail = v_current::text;
  end if;

  -- The stream row is locked: the previous event and its hash cannot change under us.
  if v_current >= 0 then
    select e.hash into v_prev from ${s}.events e where e.stream_id = p_stream_id and e.revision = v_current;
  end if;
  for i in 1 .. v_count loop
    v_prev := ${s}.event_hash(v_prev, p_stream_id, v_current + i, p_ids[i], p_types[i], p_data[i], p_metadata[i]);
    v_hashes := v_hashes || v_prev;
  end loop;

  insert into ${s}.events (stream_id, revision, event_id, type, data, metadata, hash)
  select p_stream_id, v_current + u.ord, u.id, u.type, u.data, u.metadata, u.hash
  from unnest(p_ids, p_types, p_data, p_metadata, v_hashes) with ordinality as u(id, type, data, metadata, hash, ord)
  order by u.ord;

  o_next_revision := v_current + v_count;
  o_tx := pg_current_xact_id();
  o_global_position := currval('${s}.events_global_position_seq');
end
$fn$;
`;
