import { describe, expect, it } from 'vitest';
import {
  Decimal,
  DecimalSchema,
  isMultipleOf,
  parseDecimal,
  parseVenueNumber,
  sum,
} from '../../domain/decimal.ts';

describe('exact decimals', () => {
  it('adds what floats cannot: 0.1 + 0.2 is 0.3, not 0.30000000000000004', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(parseDecimal('0.1').plus(parseDecimal('0.2')).toString()).toBe('0.3');
  });

  it('sums ten thousand fees of 0.00007766 without drift', () => {
    let float = 0;
    for (let i = 0; i < 10_000; i++) float += 0.00007766;
    expect(float).not.toBe(0.7766);
    const fees = Array.from({ length: 10_000 }, () => parseDecimal('0.00007766'));
    expect(sum(fees).toString()).toBe('0.7766');
  });

  it('writes plain notation for tiny and huge values, never an exponent', () => {
    expect(parseDecimal('0.00000001').toString()).toBe('0.00000001');
    expect(new Decimal('1e30').toString()).toBe('1000000000000000000000000000000');
    expect(JSON.stringify({ fee: parseDecimal('0.00000001') })).toBe('{"fee":"0.00000001"}');
  });

  it('parses venue number text, exponents included, and refuses anything else', () => {
    expect(parseVenueNumber('1e-8').toString()).toBe('0.00000001');
    expect(parseVenueNumber('202.8').toString()).toBe('202.8');
    expect(() => parseVenueNumber('12abc')).toThrow(/not a number/);
    expect(() => parseDecimal('1e-8')).toThrow(/not a decimal/);
    expect(() => parseDecimal(' 1')).toThrow(/not a decimal/);
  });

  it('validates decimals at a boundary with zod, accepting strings only', () => {
    expect(DecimalSchema.parse('60000.5').eq(parseDecimal('60000.5'))).toBe(true);
    const refused = DecimalSchema.safeParse(0.1);
    expect(refused.success).toBe(false);
    expect(DecimalSchema.safeParse('0.1.2').success).toBe(false);
  });

  it('checks tick and contract multiples exactly', () => {
    expect(isMultipleOf(parseDecimal('60000.5'), parseDecimal('0.5'))).toBe(true);
    expect(isMultipleOf(parseDecimal('60000.3'), parseDecimal('0.5'))).toBe(false);
    expect(isMultipleOf(parseDecimal('0.3'), parseDecimal('0.1'))).toBe(true);
  });
});
