import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SqlRunner } from '../../projections/db/read-model-db.ts';
import { READ_MODELS } from '../../projections/schema.ts';
import { statisticsKeeper } from '../../projections/table-statistics.ts';

/** A SQL runner that records the scripts it is given (the keeper only runs `exec`). */
const recording = (fail = false) => {
  const scripts: string[] = [];
  const runner: SqlRunner = {
    query: () => Promise.reject(new Error('not used')),
    exec: async (sql) => {
      scripts.push(sql);
      if (fail) throw new Error('analyze refused');
    },
  };
  return { runner, scripts };
};
const silent = pino({ level: 'silent' });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the read models statistics keeper', () => {
  it('Given a live runner, When its batches pass 1,000 events, Then every read-model table of the generation is analyzed once', async () => {
    const { runner, scripts } = recording();
    const keeper = statisticsKeeper(runner, silent);
    keeper.afterBatch('oms_read_g1', 400);
    keeper.afterBatch('oms_read_g1', 999);
    await settle();
    expect(scripts).toEqual([]);
    keeper.afterBatch('oms_read_g1', 1000);
    await settle();
    expect(scripts).toEqual([`analyze ${READ_MODELS.map((t) => `oms_read_g1.${t.name}`).join(', ')}`]);
    expect(scripts[0]).toContain('oms_read_g1.fills');
  });

  it('Given the tables analyzed, Then the next analyze waits for 1,000 events more or 20% more, whichever is larger (geometric: a long day analyzes tens of times, not thousands)', async () => {
    const { runner, scripts } = recording();
    const keeper = statisticsKeeper(runner, silent);
    const at: number[] = [];
    for (let events = 100; events <= 30_000; events += 100) {
      const before = scripts.length;
      keeper.afterBatch('g', events);
      await settle();
      if (scripts.length > before) at.push(events);
    }
    expect(at.slice(0, 9)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7200, 8700, 10500]);
    expect(at.at(-1)).toBe(26400);
  });

  it('Given an analyze that fails, Then the projection carries on and a later batch tries again', async () => {
    const { runner, scripts } = recording(true);
    const keeper = statisticsKeeper(runner, silent);
    keeper.afterBatch('g', 1000);
    await settle();
    keeper.afterBatch('g', 2000);
    await settle();
    expect(scripts).toHaveLength(2);
  });
});
