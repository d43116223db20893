import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SqlRunner } from '../../projections/db/read-model-db.ts';
import { READ_MODELS } from '../../projections/schema.ts';
import { statisticsKeeper } from '../../projections/table-statistics.ts';

/**
 * A SQL runner standing in for the database's statistics: it answers the keeper's question (which
 * tables never were analyzed or doubled since) with `changed`, and records the analyze scripts.
 */
const database = (changed: () => string[], options: { failAnalyze?: boolean } = {}) => {
  const scripts: string[] = [];
  const asked: unknown[][] = [];
  const runner: SqlRunner = {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      expect(sql).toContain('pg_stat_user_tables');
      expect(sql).toContain('reltuples');
      asked.push([...(params ?? [])]);
      return { rows: changed().map((name) => ({ name })) as R[], rowCount: 0 };
    },
    exec: async (sql) => {
      scripts.push(sql);
      if (options.failAnalyze) throw new Error('analyze refused');
    },
  };
  return { runner, scripts, asked };
};
const silent = pino({ level: 'silent' });
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('the read models statistics keeper', () => {
  it('Given a live runner, When its batches pass 1,000 events, Then it asks which of the generation’s tables never were analyzed or doubled since, and analyzes those', async () => {
    const { runner, scripts, asked } = database(() => ['fills', 'order_history']);
    const keeper = statisticsKeeper(runner, silent);
    keeper.afterBatch('oms_read_g1', 400);
    keeper.afterBatch('oms_read_g1', 999);
    await settle();
    expect(asked).toEqual([]);
    keeper.afterBatch('oms_read_g1', 1000);
    await settle();
    expect(asked).toEqual([['oms_read_g1', READ_MODELS.map((t) => t.name)]]);
    expect(scripts).toEqual(['analyze oms_read_g1.fills, oms_read_g1.order_history']);
  });

  it('Given tables that grew less than twofold since their last analyze, When the keeper checks, Then nothing is analyzed', async () => {
    const { runner, scripts, asked } = database(() => []);
    const keeper = statisticsKeeper(runner, silent);
    for (let events = 500; events <= 5000; events += 500) {
      keeper.afterBatch('g', events);
      await settle();
    }
    expect(asked).toHaveLength(5);
    expect(scripts).toEqual([]);
  });

  it('Given a check still running, When more batches commit, Then no second check starts beside it', async () => {
    const { runner, asked } = database(() => ['fills']);
    const keeper = statisticsKeeper(runner, silent);
    keeper.afterBatch('g', 1000);
    keeper.afterBatch('g', 2500);
    await settle();
    expect(asked).toHaveLength(1);
    keeper.afterBatch('g', 3000);
    await settle();
    expect(asked).toHaveLength(2);
  });

  it('Given an analyze that fails, Then the projection carries on and a later batch tries again', async () => {
    const { runner, scripts } = database(() => ['fills'], { failAnalyze: true });
    const keeper = statisticsKeeper(runner, silent);
    keeper.afterBatch('g', 1000);
    await settle();
    keeper.afterBatch('g', 2000);
    await settle();
    expect(scripts).toHaveLength(2);
  });
});
