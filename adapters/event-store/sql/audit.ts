import { z } from 'zod';
import type { SqlRunner } from '../../../application/ports/sql.ts';
import {
  type AuditBreach,
  type AuditReport,
  type AuditTrail,
  BREACH_DETAIL,
  type ChainHead,
  firstChangedHead,
} from '../audit-trail.ts';
import { checkSchemaName } from './schema.ts';

const pageRow = z.object({
  last_stream: z.string().nullable(),
  streams: z.coerce.number(),
  events: z.coerce.number(),
  breach_stream: z.string().nullable(),
  breach_revision: z.string().nullable(),
  breach_problem: z.enum(['hash', 'gap', 'tail']).nullable(),
});

/**
 * Recomputes every chain of the store, a page of streams at a time (constant memory here: the
 * database checks each link and returns only the first breach of the page).
 */
export async function verifyChains(
  sql: SqlRunner,
  schema: string,
  options: { pageSize?: number; onProgress?: (events: number) => void; streamPrefix?: string } = {},
): Promise<AuditReport> {
  const s = checkSchemaName(schema);
  const pageSize = options.pageSize ?? 200;
  const query = `
    with page as (
      select stream_id, revision from ${s}.streams
      where stream_id > $1 and starts_with(stream_id, $3) and revision >= 0 order by stream_id limit $2
    ), links as (
      select e.stream_id, e.revision,
        e.hash = ${s}.event_hash(lag(e.hash) over w, e.stream_id, e.revision, e.event_id, e.type, e.data, e.metadata)
          as hash_ok,
        e.revision = coalesce(lag(e.revision) over w, -1) + 1 as seq_ok
      from ${s}.events e join page p on p.stream_id = e.stream_id
      window w as (partition by e.stream_id order by e.revision)
    ), tails as (
      select p.stream_id, p.revision as head, max(l.revision) as last
      from page p left join links l on l.stream_id = p.stream_id group by p.stream_id, p.revision
    ), breaches as (
      select stream_id, revision, case when not seq_ok then 'gap' else 'hash' end as problem
      from links where not (hash_ok and seq_ok)
      union all
      select stream_id, coalesce(last + 1, 0), 'tail' from tails where last is distinct from head
    )
    select (select max(stream_id) from page) as last_stream,
      (select count(*) from page) as streams,
      (select count(*) from links) as events,
      b.stream_id as breach_stream, b.revision::text as breach_revision, b.problem as breach_problem
    from (select 1) one
    left join lateral (select * from breaches order by stream_id, revision limit 1) b on true`;
  let after = '';
  let streams = 0;
  let events = 0;
  for (;;) {
    const { rows } = await sql.query(query, [after, pageSize, options.streamPrefix ?? '']);
    const row = pageRow.parse(rows[0]);
    streams += row.streams;
    events += row.events;
    options.onProgress?.(events);
    if (row.breach_stream !== null && row.breach_problem !== null) {
      const problem = row.breach_problem;
      const firstBreach: AuditBreach = {
        streamId: row.breach_stream,
        revision: row.breach_revision ?? '?',
        problem,
        detail: BREACH_DETAIL[problem],
      };
      return { streams, events, firstBreach };
    }
    if (row.last_stream === null || row.streams < pageSize)
      return { streams, events, firstBreach: undefined };
    after = row.last_stream;
  }
}

/** Every stream's head (its last event's revision and hash), a page at a time. */
export async function* chainHeads(
  sql: SqlRunner,
  schema: string,
  pageSize = 1000,
): AsyncGenerator<ChainHead> {
  const s = checkSchemaName(schema);
  let after = '';
  for (;;) {
    const { rows } = await sql.query<{ stream_id: string; revision: string; hash: string }>(
      `select st.stream_id, st.revision::text as revision, encode(e.hash, 'hex') as hash
       from ${s}.streams st join ${s}.events e on e.stream_id = st.stream_id and e.revision = st.revision
       where st.stream_id > $1 order by st.stream_id limit $2`,
      [after, pageSize],
    );
    for (const r of rows) yield { streamId: r.stream_id, revision: r.revision, hash: r.hash };
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.stream_id;
  }
}

/** The first exported head the store no longer has: the chain was rewritten (or cut) since the export. */
export async function checkHeads(
  sql: SqlRunner,
  schema: string,
  heads: AsyncIterable<ChainHead>,
): Promise<AuditBreach | undefined> {
  const s = checkSchemaName(schema);
  return firstChangedHead(heads, async (head) => {
    const { rows } = await sql.query<{ hash: string }>(
      `select encode(hash, 'hex') as hash from ${s}.events where stream_id = $1 and revision = $2`,
      [head.streamId, head.revision],
    );
    return rows[0]?.hash;
  });
}

/** The SQL stores' audit trail, checked in the database. */
export const sqlAuditTrail = (sql: SqlRunner, schema: string): AuditTrail => ({
  verify: (options) => verifyChains(sql, schema, options),
  heads: () => chainHeads(sql, schema),
  checkHeads: (heads) => checkHeads(sql, schema, heads),
});
