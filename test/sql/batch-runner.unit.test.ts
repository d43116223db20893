import { describe, expect, it } from 'vitest';
import { combineWrites, groupWrites } from '../../adapters/sql/batch-runner.ts';
import type { DeferredWrite } from '../../application/ports/sql.ts';

const write = (table: string, text: string, params: unknown[], extra: Partial<DeferredWrite> = {}) => ({
  table,
  text,
  params,
  name: `${table}_write`,
  ...extra,
});

describe('deferred writes sent together (batch-runner.ts)', () => {
  it('Given one write without a check, When combined, Then it goes as it is, under its own name', () => {
    const only = write('a', 'insert into a select $1::int', [1]);
    expect(combineWrites([only])).toEqual({ text: only.text, params: [1], name: 'a_write' });
  });

  it('Given writes with parameters of their own, When combined, Then each is a CTE whose parameters follow the previous ones, and the checks read their row counts and parameters', () => {
    // Given
    const writes = [
      write('a', 'insert into a select $1::int, $2::text', [1, 'x']),
      write('b', 'update b set v = $2 where k = $1 returning 1', ['k', 'v'], { check: 's.guard($rows, $1)' }),
      write('c', 'insert into c select $1::jsonb', ['{}']),
    ];
    // When
    const combined = combineWrites(writes);
    // Then
    expect(combined.text).toBe(
      [
        'with w0 as (insert into a select $1::int, $2::text),',
        'w1 as (update b set v = $4 where k = $3 returning 1),',
        'w2 as (insert into c select $5::jsonb)',
        'select s.guard((select count(*) from w1), $3)',
      ].join('\n'),
    );
    expect(combined.params).toEqual([1, 'x', 'k', 'v', '{}']);
    expect(combined.name).toMatch(/^writes_[\w-]{32}$/);
  });

  it('Given the same members, Then the same statement name; other members, another (a shape is prepared once per connection)', () => {
    const a = write('a', 'insert into a select $1::int', [1]);
    const b = write('b', 'insert into b select $1::int', [2]);
    expect(combineWrites([a, b]).name).toBe(combineWrites([{ ...a, params: [7] }, b]).name);
    expect(combineWrites([a, b]).name).not.toBe(combineWrites([b, a]).name);
  });

  it('Given a table written twice in the queue, When grouped, Then the second write starts a new group (writes sent together do not see each other)', () => {
    const [a1, b, a2, c] = [
      write('a', 'x', []),
      write('b', 'y', []),
      write('a', 'z', []),
      write('c', 'w', []),
    ];
    expect(groupWrites([a1, b, a2, c])).toEqual([
      [a1, b],
      [a2, c],
    ]);
    expect(groupWrites([])).toEqual([]);
  });

  it('Given no writes, When combined, Then it is refused', () => {
    expect(() => combineWrites([])).toThrow(/no writes/);
  });
});
