import { z } from 'zod';
import type {
  InstrumentStatement,
  InstrumentStatementQuery,
} from '../../application/ports/instrument-queries.ts';
import { DAY_MS, dayOf, startOfDay } from '../../application/support/day-boundary.ts';
import { type Decimal, parseDecimal, ZERO } from '../../domain/decimal.ts';
import { VenueSchema } from '../../domain/instrument.ts';
import { type PositionFigures, positionDay } from '../../domain/position/valuation.ts';
import type { SqlRunner } from '../db/read-model-db.ts';

/**
 * Query (API): the daily statement of each position (venue account, instrument, side) in its PnL
 * currency, from `position_history` (every change: fills, funding, deliveries) and `marks`. A day
 * runs from its start (the day boundary, `utcOffsetHours` from midnight UTC) to the next; each
 * change counts on the day of its venue time. The position at an instant is the newest change (in
 * the log's order) dated before it; the mark at an instant is the latest recorded at or before it.
 * The figures come from the domain (`positionDay`), so every statement satisfies exactly
 * `closing equity − opening equity = trading + funding − fees + settlement + unrealized change`.
 * A position gets a statement for every day from its first change to the last day asked (or to
 * its latest change or mark) on which it was open or changed. Rebuilt and verified with the
 * tables it reads.
 */

const historyRowSchema = z.object({
  venue: VenueSchema,
  account: z.string(),
  instrument: z.string(),
  side: z.enum(['net', 'long', 'short']),
  settlement: z.enum(['linear', 'inverse']),
  size: z.string(),
  entry_cost: z.string(),
  realized_pnl: z.string(),
  settlement_pnl: z.string(),
  funding_pnl: z.string(),
  pnl_currency: z.string(),
  fees: z.union([z.record(z.string(), z.string()), z.string()]),
  changed_ms: z.coerce.number(),
});
type HistoryRow = z.output<typeof historyRowSchema>;

const markRowSchema = z.object({
  venue: z.string(),
  instrument: z.string(),
  at_ms: z.coerce.number(),
  mark: z.string(),
});

interface Change {
  readonly atMs: number;
  /** Its place in the log's order (rows come in that order). */
  readonly order: number;
  readonly figures: PositionFigures;
}

interface Mark {
  readonly atMs: number;
  readonly mark: Decimal;
}

const figuresOf = (r: HistoryRow): PositionFigures => {
  const fees = typeof r.fees === 'string' ? (JSON.parse(r.fees) as Record<string, string>) : r.fees;
  const fee = fees[r.pnl_currency];
  return {
    key: { venue: r.venue, account: r.account, symbol: r.instrument, side: r.side },
    settlement: r.settlement,
    size: parseDecimal(r.size),
    entryCost: parseDecimal(r.entry_cost),
    realizedPnl: parseDecimal(r.realized_pnl),
    settlementPnl: parseDecimal(r.settlement_pnl),
    fundingPnl: parseDecimal(r.funding_pnl),
    fees: fee === undefined ? ZERO : parseDecimal(fee),
  };
};

const flat = (figures: PositionFigures): PositionFigures => ({
  ...figures,
  size: ZERO,
  entryCost: ZERO,
  realizedPnl: ZERO,
  settlementPnl: ZERO,
  fundingPnl: ZERO,
  fees: ZERO,
});

/** The last element whose `atMs` passes, in a list sorted by `atMs` (binary search). */
const lastWhere = <T extends { atMs: number }>(sorted: readonly T[], before: (atMs: number) => boolean) => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(sorted[mid]!.atMs)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
};

/** A position's changes by venue time, each with the newest change (in log order) up to it. */
class PositionTimeline {
  readonly #byTime: Change[];
  readonly #newest: Change[];
  constructor(changes: readonly Change[]) {
    this.#byTime = [...changes].sort((a, b) => a.atMs - b.atMs || a.order - b.order);
    this.#newest = [];
    let newest: Change | undefined;
    for (const c of this.#byTime) {
      if (newest === undefined || c.order > newest.order) newest = c;
      this.#newest.push(newest);
    }
  }
  get first(): Change {
    return this.#byTime[0]!;
  }
  get lastMs(): number {
    return this.#byTime.at(-1)!.atMs;
  }
  /** The position just before `ms`: the newest change dated before it (flat before the first). */
  before(ms: number): PositionFigures {
    const i = lastWhere(this.#byTime, (at) => at < ms);
    return i < 0 ? flat(this.first.figures) : this.#newest[i]!.figures;
  }
  changesIn(fromMs: number, toMs: number): number {
    return lastWhere(this.#byTime, (at) => at < toMs) - lastWhere(this.#byTime, (at) => at < fromMs);
  }
}

/** The latest mark at or before `ms`. */
const markAt = (marks: readonly Mark[], ms: number): Decimal | undefined =>
  marks[lastWhere(marks, (at) => at <= ms)]?.mark;

const text = (d: Decimal | undefined) => (d === undefined ? null : d.toString());

/** One day of a position: undefined when it was flat all day and nothing changed. */
function statementOf(
  timeline: PositionTimeline,
  marks: readonly Mark[],
  currency: string,
  day: string,
  utcOffsetHours: number,
): InstrumentStatement | undefined {
  const startMs = startOfDay(day, utcOffsetHours);
  const endMs = startMs + DAY_MS;
  const opening = timeline.before(startMs);
  const closing = timeline.before(endMs);
  const changes = timeline.changesIn(startMs, endMs);
  if (changes === 0 && opening.size.isZero() && closing.size.isZero()) return undefined;
  const openingMark = markAt(marks, startMs);
  const closingMark = markAt(marks, endMs);
  const d = positionDay({ position: opening, mark: openingMark }, { position: closing, mark: closingMark });
  const { key } = closing;
  return {
    venue: key.venue,
    account: key.account,
    symbol: key.symbol,
    side: key.side,
    currency,
    day,
    openingSize: opening.size.toString(),
    closingSize: closing.size.toString(),
    openingMark: text(openingMark),
    closingMark: text(closingMark),
    trading: d.trading.toString(),
    fees: d.fees.toString(),
    funding: d.funding.toString(),
    settlement: d.settlement.toString(),
    openingUnrealized: text(d.openingUnrealized),
    closingUnrealized: text(d.closingUnrealized),
    unrealizedChange: text(d.unrealizedChange),
    openingEquity: text(d.openingEquity),
    closingEquity: text(d.closingEquity),
    changes,
  };
}

async function readHistory(
  db: SqlRunner,
  s: string,
  query: InstrumentStatementQuery,
  untilMs: number | undefined,
) {
  const params: unknown[] = [];
  const where = ['changed_at is not null'];
  for (const [column, value] of [
    ['venue', query.venue],
    ['account', query.account],
    ['instrument', query.symbol],
    ['pnl_currency', query.currency],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (untilMs !== undefined) {
    params.push(new Date(untilMs).toISOString());
    where.push(`changed_at < $${params.length}::timestamptz`);
  }
  const { rows } = await db.query(
    `select venue, account, instrument, side, settlement, size::text as size, entry_cost::text as entry_cost,
       realized_pnl::text as realized_pnl, settlement_pnl::text as settlement_pnl,
       funding_pnl::text as funding_pnl, pnl_currency, fees,
       (extract(epoch from changed_at) * 1000)::bigint::text as changed_ms
     from ${s}.position_history where ${where.join(' and ')}
     order by venue, account, instrument, side, global_position`,
    params,
  );
  return rows.map((r) => historyRowSchema.parse(r));
}

async function readMarks(
  db: SqlRunner,
  s: string,
  query: InstrumentStatementQuery,
  untilMs: number | undefined,
) {
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.venue) where.push(`venue = $${params.push(query.venue)}`);
  if (query.symbol) where.push(`instrument = $${params.push(query.symbol)}`);
  if (untilMs !== undefined)
    where.push(`at <= $${params.push(new Date(untilMs).toISOString())}::timestamptz`);
  const { rows } = await db.query(
    `select venue, instrument, (extract(epoch from at) * 1000)::bigint::text as at_ms, trim_scale(mark)::text as mark
     from ${s}.marks ${where.length > 0 ? `where ${where.join(' and ')}` : ''} order by venue, instrument, at`,
    params,
  );
  const byInstrument = new Map<string, Mark[]>();
  for (const raw of rows) {
    const r = markRowSchema.parse(raw);
    const key = `${r.venue}\u0000${r.instrument}`;
    const list = byInstrument.get(key) ?? [];
    list.push({ atMs: r.at_ms, mark: parseDecimal(r.mark) });
    byInstrument.set(key, list);
  }
  return byInstrument;
}

export const instrumentStatements = async (
  db: SqlRunner,
  s: string,
  query: InstrumentStatementQuery,
): Promise<InstrumentStatement[]> => {
  const offset = query.utcOffsetHours;
  const untilMs = query.to === undefined ? undefined : startOfDay(query.to, offset) + DAY_MS;
  const history = await readHistory(db, s, query, untilMs);
  const marks = await readMarks(db, s, query, untilMs);
  const groups = new Map<string, { changes: Change[]; currency: string }>();
  history.forEach((r, order) => {
    const key = [r.venue, r.account, r.instrument, r.side].join('\u0000');
    const group = groups.get(key) ?? { changes: [], currency: r.pnl_currency };
    group.changes.push({ atMs: r.changed_ms, order, figures: figuresOf(r) });
    groups.set(key, group);
  });
  const statements: InstrumentStatement[] = [];
  for (const { changes, currency } of groups.values()) {
    const timeline = new PositionTimeline(changes);
    const { key } = timeline.first.figures;
    const instrumentMarks = marks.get(`${key.venue}\u0000${key.symbol}`) ?? [];
    const lastMs =
      query.to === undefined ? Math.max(timeline.lastMs, instrumentMarks.at(-1)?.atMs ?? 0) : undefined;
    const lastDay = query.to ?? dayOf(lastMs ?? 0, offset);
    const firstDay = dayOf(timeline.first.atMs, offset);
    let day = query.from !== undefined && query.from > firstDay ? query.from : firstDay;
    for (; day <= lastDay; day = dayOf(startOfDay(day, offset) + DAY_MS, offset)) {
      const statement = statementOf(timeline, instrumentMarks, currency, day, offset);
      if (statement !== undefined) statements.push(statement);
    }
  }
  return statements;
};
