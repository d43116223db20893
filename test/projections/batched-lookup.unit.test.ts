import { describe, expect, it } from 'vitest';
import { batchedLookup } from '../../projections/queries/batched-lookup.ts';

describe('batched look-ups (one query for the questions of one turn)', () => {
  it('Given four look-ups asked in the same turn, When answered, Then the first goes at once, the rest of its group together, and each caller gets its own keys only', async () => {
    const queries: { group: string; keys: readonly string[] }[] = [];
    const lookUp = batchedLookup(async (group, keys) => {
      queries.push({ group, keys });
      return new Map(keys.filter((k) => k !== 't-unknown').map((k) => [k, `owner-of-${k}`]));
    });

    const [a, b, c, d] = await Promise.all([
      lookUp('deribit/main', ['t1', 't2']),
      lookUp('deribit/main', ['t2', 't3', 't-unknown']),
      lookUp('deribit/main', ['t4']),
      lookUp('bitget/main', ['t1']),
    ]);

    expect(queries).toEqual([
      { group: 'deribit/main', keys: ['t1', 't2'] },
      { group: 'bitget/main', keys: ['t1'] },
      { group: 'deribit/main', keys: ['t2', 't3', 't-unknown', 't4'] },
    ]);
    expect([...a]).toEqual([
      ['t1', 'owner-of-t1'],
      ['t2', 'owner-of-t2'],
    ]);
    expect([...b]).toEqual([
      ['t2', 'owner-of-t2'],
      ['t3', 'owner-of-t3'],
    ]);
    expect([...c]).toEqual([['t4', 'owner-of-t4']]);
    expect([...d]).toEqual([['t1', 'owner-of-t1']]);
  });

  it('Given look-ups in two different turns, When answered, Then each turn has its own query', async () => {
    let queries = 0;
    const lookUp = batchedLookup(async (_group, keys) => {
      queries++;
      return new Map(keys.map((k) => [k, k]));
    });
    await lookUp('g', ['a']);
    await lookUp('g', ['b']);
    expect(queries).toBe(2);
  });

  it('Given the queries fail, When look-ups of that turn wait on them, Then every one of them is rejected with the error', async () => {
    const lookUp = batchedLookup(async () => {
      throw new Error('database unavailable');
    });
    const results = await Promise.allSettled([lookUp('g', ['a']), lookUp('g', ['b'])]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled'))).toEqual(
      ['database unavailable', 'database unavailable'],
    );
  });
});
