import type { PositionRow, PositionsAsOfQuery } from '../../application/ports/queries.ts';
import { averageEntry } from '../../domain/position/position.ts';
import { copyRowsInto, type SqlRunner, writeOrDefer } from '../db/read-model-db.ts';
import type { ReadModelTable } from '../schema.ts';
import { API_POSITION_COLUMNS, markJoin, type PositionEntry, toApiPositionRow } from './positions.ts';

/**
 * Read model `position_history`: every change of every position, so a position at time T is one
 * query. Handles what moves `positions` (a fill inserted once; a delivery), in the same
 * transaction: one row per change, keyed by the event's position in `$all`, with the position
 * after it and when the OMS recorded the event (`recorded_at`, the bound `oms replay --as-of`
 * uses) and when it happened at the venue (`changed_at`).
 */
export const positionHistoryTable: ReadModelTable = {
  name: 'position_history',
  key: ['venue', 'account', 'instrument', 'side', 'global_position'],
  create: (s) => `
create table ${s}.position_history (
  venue text not null,
  account text not null,
  instrument text not null,
  side text not null,
  global_position text collate "C" not null,
  recorded_at timestamptz not null,
  changed_at timestamptz,
  cause text not null,
  trade_id text,
  settlement text not null,
  size numeric not null,
  entry_cost numeric not null,
  average_entry numeric,
  realized_pnl numeric not null,
  settlement_pnl numeric not null,
  funding_pnl numeric not null,
  pnl_currency text not null,
  fees jsonb not null,
  fills_count bigint not null,
  primary key (venue, account, instrument, side, global_position)
);`,
  indexes: (s) => `
create index position_history_recorded on ${s}.position_history (venue, account, recorded_at);`,
};

export interface PositionChange {
  readonly entry: PositionEntry;
  readonly recordedAt: string;
  readonly cause: 'fill' | 'delivery' | 'funding';
  readonly tradeId?: string;
  /** Venue time of the change when it is not the position's last fill (funding). */
  readonly at?: string;
}

const changeRow = (c: PositionChange) => {
  const p = c.entry.position;
  return {
    venue: p.key.venue,
    account: p.key.account,
    instrument: p.key.symbol,
    side: p.key.side,
    global_position: c.entry.lastPosition,
    recorded_at: c.recordedAt,
    changed_at: c.at ?? p.lastFillAt ?? null,
    cause: c.cause,
    trade_id: c.tradeId ?? null,
    settlement: p.settlement,
    size: p.size.toString(),
    entry_cost: p.entryCost.toString(),
    average_entry: averageEntry(p)?.toString() ?? null,
    realized_pnl: p.realizedPnl.toString(),
    settlement_pnl: c.entry.settlementPnl.toString(),
    funding_pnl: c.entry.fundingPnl.toString(),
    pnl_currency: p.pnlCurrency,
    fees: Object.fromEntries(Object.entries(p.fees).map(([currency, fee]) => [currency, fee.toString()])),
    fills_count: c.entry.fills,
  };
};

/**
 * The changes' rows: each once (a change already there is left as it is). `copy` (a large batch whose
 * fills went in by COPY, so every change is new): by COPY; a row already there would fail it, and the
 * batch is then applied again event by event, through the insert.
 */
export const writePositionHistory = async (
  tx: SqlRunner,
  schema: string,
  changes: readonly PositionChange[],
  copy = false,
) => {
  if (changes.length === 0) return;
  if (copy && tx.copyFrom !== undefined) {
    await copyRowsInto(tx, `${schema}.position_history`, changes.map(changeRow));
    return;
  }
  await writeOrDefer(tx, {
    table: `${schema}.position_history`,
    text: `insert into ${schema}.position_history
     select * from jsonb_to_recordset($1::jsonb) as r(venue text, account text, instrument text, side text,
       global_position text, recorded_at timestamptz, changed_at timestamptz, cause text, trade_id text,
       settlement text, size numeric, entry_cost numeric, average_entry numeric, realized_pnl numeric,
       settlement_pnl numeric, funding_pnl numeric, pnl_currency text, fees jsonb, fills_count bigint)
     on conflict (venue, account, instrument, side, global_position) do nothing`,
    params: [JSON.stringify(changes.map(changeRow))],
    name: `${schema}_position_history_insert`,
  });
};

/** Query (API): every position as it stood at a time (the last change the OMS had recorded by then). */
export const positionsAsOf = async (
  db: SqlRunner,
  s: string,
  query: PositionsAsOfQuery,
): Promise<PositionRow[]> => {
  const params: unknown[] = [query.asOf];
  const where = ['recorded_at <= $1::timestamptz'];
  for (const [column, value] of [
    ['venue', query.venue],
    ['account', query.account],
    ['instrument', query.symbol],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  const { rows } = await db.query(
    `select ${API_POSITION_COLUMNS}, p.changed_at as last_fill_at from (
       select distinct on (venue, account, instrument, side) *
       from ${s}.position_history where ${where.join(' and ')}
       order by venue, account, instrument, side, global_position desc) p
     ${markJoin(s, '$1::timestamptz')}
     ${query.includeFlat ? '' : 'where p.size <> 0'}
     order by p.venue, p.account, p.instrument, p.side`,
    params,
  );
  return rows.map(toApiPositionRow);
};
