import { afterAll, describe, expect, it } from 'vitest';
import { positionsAsOf } from '../../projections/read-models/position-history.ts';
import { replayPositions } from '../../projections/replay.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { catchUp, postgresFactory, subjectsOf } from './support/subjects.ts';

// Read model `position_history`: a position at time T is one SQL query, and it equals the as-of
// replay from the events themselves (`oms replay --positions --as-of T`) for random times.

const pg = await postgresFactory('position-history');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'position history');

/** A seeded generator (mulberry32). */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(subjects)('positions as of a time on %s', (_name, open) => {
  it('equal the replay from the events at random times, flat positions included', async () => {
    const s = await open();
    try {
      // Given a generated history of orders, fills and cancels, projected
      await appendHistory(s.store, generateHistory({ seed: 7, events: 1500 }));
      await catchUp(s);
      const span = (
        await s.db.query<{ first: Date | string; last: Date | string }>(
          `select min(recorded_at) as first, max(recorded_at) as last from ${s.base}.position_history`,
        )
      ).rows[0];
      const first = new Date(span?.first ?? 0).getTime();
      const last = new Date(span?.last ?? 0).getTime();
      expect(last).toBeGreaterThan(first);
      const next = random(11);
      for (let i = 0; i < 8; i++) {
        // When the positions at a random time are asked of SQL and of the replay
        const at = new Date(first + Math.floor(next() * (last - first + 1)));
        const fromSql = await positionsAsOf(s.db, s.base, { asOf: at.toISOString(), includeFlat: true });
        const replayed = await replayPositions(s.store, { kind: 'time', time: at });
        // Then they are the same positions, to the last digit
        const sql = fromSql.map((p) => [
          p.venue,
          p.account,
          p.symbol,
          p.side,
          p.size,
          p.entryCost,
          p.realizedPnl,
        ]);
        const events = replayed.positions.map((p) => [
          p.key.venue,
          p.key.account,
          p.key.symbol,
          p.key.side,
          p.size.toString(),
          p.entryCost.toString(),
          p.realizedPnl.toString(),
        ]);
        const order = (a: unknown[], b: unknown[]) => a.join('\u0000').localeCompare(b.join('\u0000'));
        expect(sql.sort(order)).toEqual(events.sort(order));
      }
    } finally {
      await s.close();
    }
  }, 120_000);
});
