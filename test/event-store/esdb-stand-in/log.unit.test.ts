import { describe, expect, it } from 'vitest';
import { comparePositions, EventLog, type ProposedEvent } from './log.ts';

/** The stand-in's own rules, without the wire: EventStoreDB's append checks and its positions. */

let n = 0;
const proposed = (): ProposedEvent => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  type: 'Tested',
  contentType: 'application/json',
  data: Buffer.from('{"n":1}'),
  metadata: Buffer.from('{}'),
});

describe('the stand-in log: expected versions', () => {
  it('no_stream writes revision 0 on a new stream and is refused once the stream exists', () => {
    const log = new EventLog();
    expect(log.append('s', 'no_stream', [proposed()])).toMatchObject({
      kind: 'written',
      currentRevision: 0n,
    });
    expect(log.append('s', 'no_stream', [proposed()])).toEqual({
      kind: 'wrong-expected-version',
      current: 0n,
    });
  });

  it('stream_exists is refused on a missing stream with current no_stream', () => {
    const log = new EventLog();
    expect(log.append('s', 'stream_exists', [proposed()])).toEqual({
      kind: 'wrong-expected-version',
      current: 'no_stream',
    });
  });

  it('an exact revision ahead of the stream is refused with the current revision', () => {
    const log = new EventLog();
    log.append('s', 'any', [proposed(), proposed()]);
    expect(log.append('s', 5n, [proposed()])).toEqual({ kind: 'wrong-expected-version', current: 1n });
  });
});

describe('the stand-in log: idempotence (EventStoreDB rules)', () => {
  it('a retry at an earlier exact revision with the same ids writes nothing and answers the earlier revision', () => {
    const log = new EventLog();
    const batch = [proposed(), proposed()];
    const first = log.append('s', 'no_stream', batch);
    log.append('s', 1n, [proposed()]);
    const retry = log.append('s', 'no_stream', batch);
    expect(retry).toEqual({
      kind: 'idempotent',
      currentRevision: 1n,
      position: first.kind === 'written' ? first.position : undefined,
    });
    expect(log.readStream('s', 'start', 'forwards', 10n)).toHaveLength(3);
  });

  it('only some ids at their revisions: wrong expected version', () => {
    const log = new EventLog();
    const [a, b] = [proposed(), proposed()];
    log.append('s', 'no_stream', [a, b]);
    expect(log.append('s', 'no_stream', [a, proposed()])).toEqual({
      kind: 'wrong-expected-version',
      current: 1n,
    });
  });

  it('any with ids already in the stream is a retry; with the first id new it is a new write', () => {
    const log = new EventLog();
    const batch = [proposed(), proposed()];
    log.append('s', 'any', batch);
    expect(log.append('s', 'any', batch)).toMatchObject({ kind: 'idempotent', currentRevision: 1n });
    // EventStoreDB only looks the ids up: a new first id makes it a new write, even with known ids after it.
    expect(log.append('s', 'any', [proposed(), batch[0]!])).toMatchObject({
      kind: 'written',
      currentRevision: 3n,
    });
    expect(log.append('s', 'any', [batch[1]!, proposed()])).toEqual({
      kind: 'wrong-expected-version',
      current: 3n,
    });
  });
});

describe('the stand-in log: the bounded cache behind idempotent any', () => {
  it('a retry with any of writes the cache has forgotten writes them again (EventStoreDB keeps recent ids only)', () => {
    // Given a cache of 3 ids and a write that 3 later events pushed out of it
    const log = new EventLog('self-committed', { recentIdsCapacity: 3 });
    const old = [proposed()];
    log.append('s', 'any', old);
    log.append('s', 'any', [proposed(), proposed(), proposed()]);
    // When the old write is retried with any, it is written again
    expect(log.append('s', 'any', old)).toMatchObject({ kind: 'written', currentRevision: 4n });
  });

  it('after a restart (the cache lost) any writes a retry again, while an exact-revision retry is still recognised', () => {
    const log = new EventLog();
    const [byAny, byRevision] = [[proposed()], [proposed()]];
    log.append('a', 'any', byAny);
    log.append('b', 'no_stream', byRevision);
    log.forgetRecentIds();
    expect(log.append('a', 'any', byAny)).toMatchObject({ kind: 'written', currentRevision: 1n });
    expect(log.append('b', 'no_stream', byRevision)).toMatchObject({
      kind: 'idempotent',
      currentRevision: 0n,
    });
  });
});

describe('the stand-in log: positions', () => {
  it('self-committed by default, as current servers report gRPC appends', () => {
    expect(new EventLog().layout).toBe('self-committed');
  });

  it('commit-record layout: an append shares its commit position, each event has its own prepare position', () => {
    const log = new EventLog('commit-record');
    const first = log.append('a', 'any', [proposed(), proposed(), proposed()]);
    const second = log.append('b', 'any', [proposed()]);
    if (first.kind !== 'written' || second.kind !== 'written') throw new Error('not written');
    const [x, y, z] = first.events.map((e) => e.position);
    expect(new Set([x!.commit, y!.commit, z!.commit]).size).toBe(1);
    expect(x!.prepare < y!.prepare && y!.prepare < z!.prepare && z!.prepare < z!.commit).toBe(true);
    expect(first.position).toEqual(z);
    expect(comparePositions(z!, second.position)).toBeLessThan(0);
    expect(second.position.commit).not.toBe(second.position.prepare);
  });

  it('self-committed layout: commit equals prepare for every event', () => {
    const log = new EventLog('self-committed');
    const written = log.append('a', 'any', [proposed(), proposed()]);
    if (written.kind !== 'written') throw new Error('not written');
    for (const e of written.events) expect(e.position.commit).toBe(e.position.prepare);
  });

  it('reads start only where a record starts: at a prepare, a commit record, the start or the end', () => {
    const log = new EventLog('commit-record');
    const written = log.append('a', 'any', [proposed(), proposed()]);
    if (written.kind !== 'written') throw new Error('not written');
    const [e1, e2] = written.events.map((e) => e.position);
    expect(log.isValidReadPosition({ commit: 0n, prepare: 0n })).toBe(true);
    expect(log.isValidReadPosition(e2!)).toBe(true);
    expect(log.isValidReadPosition({ commit: log.end, prepare: log.end })).toBe(true);
    expect(log.isValidReadPosition({ commit: e1!.prepare + 1n, prepare: e1!.prepare })).toBe(false);
    expect(log.isValidReadPosition({ commit: e1!.prepare, prepare: e1!.commit })).toBe(false);
  });

  it('$all reads forwards from a position include it; subscriptions start after it', () => {
    const log = new EventLog();
    const written = log.append('a', 'any', [proposed(), proposed(), proposed()]);
    if (written.kind !== 'written') throw new Error('not written');
    const second = written.events[1]!.position;
    expect(log.readAllForwards(second, 10n).map((e) => e.revision)).toEqual([1n, 2n]);
    expect(log.eventsAfter(second).map((e) => e.revision)).toEqual([2n]);
  });
});
