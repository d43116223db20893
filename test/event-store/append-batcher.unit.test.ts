import { describe, expect, it } from 'vitest';
import {
  type AppendParams,
  type AppendRow,
  BatchedAppendError,
  createAppendBatcher,
} from '../../adapters/event-store/sql/append-batcher.ts';

const params = (streamId: string): AppendParams => ({
  streamId,
  expected: '-1',
  ids: [`${streamId}-id`],
  types: ['T'],
  data: ['{}'],
  metadata: ['{}'],
});
const row = (n: number): AppendRow => ({ next_revision: '0', tx: '1', global_position: String(n) });

/** A store stand-in whose statements finish when the spec says. */
function controlled() {
  const statements: { kind: 'one' | 'many'; streams: string[]; finish(): void }[] = [];
  let position = 0;
  const batcher = createAppendBatcher({
    maxInFlight: 2,
    maxBatch: 3,
    one: (p) =>
      new Promise((resolve) => {
        statements.push({ kind: 'one', streams: [p.streamId], finish: () => resolve(row(++position)) });
      }),
    many: (batch) =>
      new Promise((resolve) => {
        statements.push({
          kind: 'many',
          streams: batch.map((p) => p.streamId),
          finish: () =>
            resolve(
              batch.map((p) =>
                p.streamId === 'conflict'
                  ? new BatchedAppendError('OMS01', 'wrong expected version', '4')
                  : row(++position),
              ),
            ),
        });
      }),
  });
  return { batcher, statements };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit of appends', () => {
  it('Given fewer appends than statements allowed in flight, When they come, Then each goes at once, alone', async () => {
    const { batcher, statements } = controlled();
    const a = batcher(params('a'));
    const b = batcher(params('b'));
    expect(statements.map((s) => [s.kind, s.streams])).toEqual([
      ['one', ['a']],
      ['one', ['b']],
    ]);
    for (const s of statements) s.finish();
    expect((await a).global_position).toBe('1');
    expect((await b).global_position).toBe('2');
  });

  it('Given every slot busy, When more appends come, Then they wait and go together, ordered by stream, at most maxBatch per statement, each with its own outcome', async () => {
    const { batcher, statements } = controlled();
    const first = [batcher(params('a')), batcher(params('b'))];
    const waiting = ['z', 'conflict', 'm', 'c'].map((s) =>
      batcher(params(s)).catch((error: unknown) => error),
    );
    expect(statements).toHaveLength(2);

    statements[0]!.finish();
    await settle();
    // The free slot takes three of the four waiting appends (maxBatch), in stream order.
    expect(statements[2]).toMatchObject({ kind: 'many', streams: ['conflict', 'm', 'z'] });
    statements[1]!.finish();
    await settle();
    expect(statements[3]).toMatchObject({ kind: 'one', streams: ['c'] });
    statements[2]!.finish();
    statements[3]!.finish();

    await Promise.all(first);
    const [z, conflict, m, c] = await Promise.all(waiting);
    expect(conflict).toBeInstanceOf(BatchedAppendError);
    expect(conflict).toMatchObject({ code: 'OMS01', detail: '4' });
    expect([z, m, c].map((r) => (r as AppendRow).global_position)).toEqual(['4', '3', '5']);
  });

  it('Given a batch statement fails as a whole, When its appends wait on it, Then each of them is rejected with that error', async () => {
    const batcher = createAppendBatcher({
      maxInFlight: 1,
      maxBatch: 10,
      one: () => new Promise<AppendRow>((resolve) => setTimeout(() => resolve(row(1)), 5)),
      many: () => Promise.reject(new Error('connection lost')),
    });
    const outcomes = await Promise.allSettled([
      batcher(params('a')),
      batcher(params('b')),
      batcher(params('c')),
    ]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual([
      'ok',
      'connection lost',
      'connection lost',
    ]);
  });
});
