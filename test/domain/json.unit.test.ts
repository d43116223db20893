import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../domain/decimal.ts';
import { toJson } from '../../domain/json.ts';

const viaText = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Values as domain events hold them: JSON, plus decimals, dates, undefined, holes and odd numbers. */
const eventLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY),
    fc.constant(undefined),
    fc.constant(() => 1),
    fc.constant(Symbol('s')),
    fc.stringMatching(/^-?\d{1,30}(\.\d{1,30})?$/).map((text) => parseDecimal(text)),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.sparseArray(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('toJson: the plain JSON a value stands for', () => {
  it('writes decimals as their exact text and leaves undefined properties out', () => {
    // Given a fill as the domain holds it
    const fill = {
      tradeId: 'T-1',
      amount: parseDecimal('10'),
      price: parseDecimal('65432.123456789012345678901234567890'),
      fee: parseDecimal('-0.00000012'),
      venueReason: undefined,
    };
    // Then its JSON has the decimals as text, digit for digit, and no venueReason
    expect(toJson(fill)).toEqual({
      tradeId: 'T-1',
      amount: '10',
      price: '65432.12345678901234567890123456789',
      fee: '-0.00000012',
    });
    expect(toJson(fill)).toEqual(viaText(fill));
  });

  it('refuses a bigint as JSON.stringify does', () => {
    expect(() => toJson({ n: 1n })).toThrow(TypeError);
    expect(() => JSON.stringify({ n: 1n })).toThrow(TypeError);
  });

  it('gives what writing the value as JSON text and reading it back gives (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), eventLike, { maxKeys: 6 }), (value) => {
        expect(toJson(value)).toStrictEqual(viaText(value));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a "__proto__" key as a property, as JSON.parse does', () => {
    // Given venue JSON carrying a "__proto__" key, as read
    const raw = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as object;
    // Then it stays a property and changes no prototype
    const json = toJson(raw) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json)).toEqual(['__proto__', 'a']);
    expect(json).toStrictEqual(viaText(raw));
  });

  it('keeps only own properties, as JSON.stringify does', () => {
    // Given an object whose prototype has an enumerable property
    const proto = { inherited: 1 };
    const value = Object.assign(Object.create(proto) as object, { own: 2 });
    // Then only the own property is written
    expect(toJson(value)).toEqual({ own: 2 });
    expect(toJson(value)).toEqual(viaText(value));
  });
});
