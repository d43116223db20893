import { describe, expect, it } from 'vitest';
import { ORDER_EVENT_TYPES } from '../../domain/order/contract.ts';
import { decodeOrderEvent } from '../../domain/order/event-codec.ts';
import { type GeneratedAppend, generateHistory } from './support/history-generator.ts';

const take = (seed: number, events: number): GeneratedAppend[] => [...generateHistory({ seed, events })];

describe('the history generator', () => {
  it('is deterministic: same seed, same history (ids included); another seed, another history', () => {
    expect(take(3, 500)).toEqual(take(3, 500));
    expect(take(4, 500)[0]!.streamId).not.toBe(take(3, 500)[0]!.streamId);
  });

  it('produces decodable events of every type, on both venues, in one-way and hedge mode, with duplicates', () => {
    const history = take(1, 20_000);
    const types = new Set<string>();
    const venues = new Set<string>();
    const modes = new Set<string>();
    let duplicates = 0;
    for (const append of history) {
      if (append.duplicate) duplicates += 1;
      for (const e of append.events) {
        const { event } = decodeOrderEvent(e);
        types.add(event.type);
        if (event.type === 'OrderRequested') {
          venues.add(event.data.order.instrument.venue);
          modes.add(event.data.order.positionMode);
        }
      }
    }
    expect([...types].sort()).toEqual([...ORDER_EVENT_TYPES].sort());
    expect([...venues].sort()).toEqual(['bitget', 'deribit']);
    expect([...modes].sort()).toEqual(['hedge', 'one_way']);
    expect(duplicates).toBeGreaterThan(0);
  });

  it('gives each stream contiguous revisions, a duplicate repeating the previous append exactly', () => {
    const next = new Map<string, bigint>();
    const previous = new Map<string, GeneratedAppend>();
    for (const append of take(2, 5000)) {
      if (append.duplicate) {
        expect(append).toEqual({ ...previous.get(append.streamId)!, duplicate: true });
        continue;
      }
      const expected = next.get(append.streamId);
      expect(append.expectedRevision).toBe(expected === undefined ? 'no_stream' : expected - 1n);
      next.set(append.streamId, (expected ?? 0n) + BigInt(append.events.length));
      previous.set(append.streamId, append);
    }
  });
});
