import { z } from 'zod';
import type { MarkRow, MarksQuery } from '../../application/ports/instrument-queries.ts';
import { iso, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import type { ProjectedMarkEvent } from '../events.ts';
import type { ReadModelTable } from '../schema.ts';
import { whereClause } from './where.ts';

/**
 * Read model `marks`: the mark prices the OMS recorded, one row per venue, instrument and instant
 * (`at`: an interval tick or a day's close). They value the positions (`/v1/positions`: the latest
 * mark and the unrealized PnL at it) and open and close each day of the per-instrument statements.
 *
 * Handles: `MarkPriceRecorded`. Change: a row inserted once per (venue, instrument, at); the same
 * event applied again inserts nothing.
 */
export const marksTable: ReadModelTable = {
  name: 'marks',
  key: ['venue', 'instrument', 'at'],
  create: (s) => `
create table ${s}.marks (
  venue text not null,
  instrument text not null,
  at timestamptz not null,
  mark numeric not null,
  occasion text not null,
  observed_at timestamptz not null,
  global_position text collate "C" not null,
  primary key (venue, instrument, at)
);`,
  indexes: () => '',
};

export const writeMarks = async (tx: SqlRunner, schema: string, events: readonly ProjectedMarkEvent[]) => {
  if (events.length === 0) return;
  const rows = events.map((e) => ({
    venue: e.mark.venue,
    instrument: e.mark.symbol,
    at: e.mark.at,
    mark: e.mark.mark.toString(),
    occasion: e.mark.occasion,
    observed_at: e.mark.observedAt,
    global_position: e.position,
  }));
  await writeOrDefer(tx, {
    table: `${schema}.marks`,
    text: `insert into ${schema}.marks
     select * from jsonb_to_recordset($1::jsonb) as r(venue text, instrument text, at timestamptz,
       mark numeric, occasion text, observed_at timestamptz, global_position text)
     on conflict (venue, instrument, at) do nothing`,
    params: [JSON.stringify(rows)],
    name: `${schema}_marks_insert`,
  });
};

const markRowSchema = z.object({
  venue: z.string(),
  instrument: z.string(),
  at: z.union([z.date(), z.string()]),
  mark: z.string(),
  occasion: z.enum(['interval', 'day_close']),
  observed_at: z.union([z.date(), z.string()]),
});

/** Query (API): recorded marks in a window, oldest first. */
export const marksIn = async (db: SqlRunner, s: string, query: MarksQuery): Promise<MarkRow[]> => {
  const { where, params } = whereClause([
    ['venue = $', query.venue],
    ['instrument = $', query.symbol],
    ['at >= $::timestamptz', query.from],
    ['at < $::timestamptz', query.to],
  ]);
  params.push(query.limit);
  const { rows } = await db.query(
    `select venue, instrument, at, trim_scale(mark)::text as mark, occasion, observed_at from ${s}.marks ${where}
     order by at, venue, instrument limit $${params.length}`,
    params,
  );
  return rows.map((raw) => {
    const r = markRowSchema.parse(raw);
    return {
      venue: r.venue,
      symbol: r.instrument,
      at: iso(r.at) ?? '',
      mark: r.mark,
      occasion: r.occasion,
      observedAt: iso(r.observed_at) ?? '',
    };
  });
};
