import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrowingSet } from '../../domain/growing-set.ts';

describe('GrowingSet: an immutable set grown one value at a time', () => {
  it('leaves every earlier version as it was', () => {
    // Given a set of two values, and a version grown from it
    const two = GrowingSet.of(['a', 'b']);
    const three = two.with('c');
    // Then the earlier version does not see the value added after it
    expect([...two]).toEqual(['a', 'b']);
    expect(two.has('c')).toBe(false);
    expect(two.size).toBe(2);
    expect([...three]).toEqual(['a', 'b', 'c']);
    expect(three.has('c')).toBe(true);
  });

  it('keeps branches apart: growing an older version never shows what another branch added', () => {
    // Given a version that was already grown one way (a decision made, then retried on the older state)
    const base = GrowingSet.of(['t-1']);
    const left = base.with('t-2');
    // When the older version is grown another way
    const right = base.with('t-3');
    // Then each branch sees its own values only, and growing either again keeps them apart
    expect([...left]).toEqual(['t-1', 't-2']);
    expect([...right]).toEqual(['t-1', 't-3']);
    expect(left.has('t-3')).toBe(false);
    expect(right.has('t-2')).toBe(false);
    expect([...left.with('t-4')]).toEqual(['t-1', 't-2', 't-4']);
    expect([...right.with('t-4')]).toEqual(['t-1', 't-3', 't-4']);
    expect(right.has('t-4')).toBe(false);
  });

  it('adds a value it has once: the same set comes back', () => {
    const set = GrowingSet.of(['a']);
    expect(set.with('a')).toBe(set);
    expect(GrowingSet.of(['a', 'b', 'a']).size).toBe(2);
  });

  it('answers as a Set of the same values would, along any history of versions (property)', () => {
    // Each step grows one of the versions made so far (so histories branch) with a value.
    const steps = fc.array(fc.tuple(fc.nat(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(steps, (history) => {
        const versions: { set: GrowingSet<string>; model: Set<string> }[] = [
          { set: GrowingSet.empty(), model: new Set() },
        ];
        for (const [pick, value] of history) {
          const from = versions[pick % versions.length]!;
          versions.push({ set: from.set.with(value), model: new Set([...from.model, value]) });
        }
        for (const { set, model } of versions) {
          expect(set.size).toBe(model.size);
          expect([...set]).toEqual([...model]);
          for (const value of ['a', 'b', 'c', 'd', 'e', 'f']) expect(set.has(value)).toBe(model.has(value));
        }
      }),
    );
  });

  it('iterates like a ReadonlySet: keys, values, entries, forEach', () => {
    const set = GrowingSet.of(['x', 'y']);
    expect([...set.keys()]).toEqual(['x', 'y']);
    expect([...set.values()]).toEqual(['x', 'y']);
    expect([...set.entries()]).toEqual([
      ['x', 'x'],
      ['y', 'y'],
    ]);
    const seen: string[] = [];
    set.forEach((value) => {
      seen.push(value);
    });
    expect(seen).toEqual(['x', 'y']);
  });
});
