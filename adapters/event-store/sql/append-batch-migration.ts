/**
 * Migration 3: appends to several streams in one statement, one commit (group commit). Each
 * stream's append runs `append_events` in a block of its own (a subtransaction): a wrong expected
 * revision or an event id already written fails that append alone, reported in its row with its
 * SQLSTATE, detail and constraint, and the others are written. The caller orders the appends by
 * stream id, so two batches lock their streams in the same order and never deadlock.
 */
export const appendBatchMigrationSql = (s: string): string => `
create function ${s}.append_events_batch(
  p_streams text[], p_expected bigint[], p_counts int[],
  p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[]
) returns table (
  o_index int, o_next_revision bigint, o_tx xid8, o_global_position bigint,
  o_sqlstate text, o_detail text, o_constraint text, o_message text
) language plpgsql as $fn$
declare
  v_from int := 1;
  v_to int;
begin
  for i in 1 .. cardinality(p_streams) loop
    v_to := v_from + p_counts[i] - 1;
    o_index := i;
    o_next_revision := null; o_tx := null; o_global_position := null;
    o_sqlstate := null; o_detail := null; o_constraint := null; o_message := null;
    begin
      select a.o_next_revision, a.o_tx, a.o_global_position
      into o_next_revision, o_tx, o_global_position
      from ${s}.append_events(p_streams[i], p_expected[i], p_ids[v_from:v_to], p_types[v_from:v_to],
        p_data[v_from:v_to], p_metadata[v_from:v_to]) a;
    exception when others then
      get stacked diagnostics o_sqlstate = returned_sqlstate, o_detail = pg_exception_detail,
        o_constraint = constraint_name, o_message = message_text;
    end;
    return next;
    v_from := v_to + 1;
  end loop;
end
$fn$;
`;
