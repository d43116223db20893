import { Decimal as DecimalJs } from 'decimal.js';
import { z } from 'zod';

/**
 * Exact decimal arithmetic for prices, amounts, fees and PnL. JS numbers never carry money.
 *
 * A private clone of decimal.js so that no global configuration is shared with other code:
 * - 40 significant digits: sums, differences and products of venue numbers are exact; only the
 *   divisions of inverse-contract math (1 / price) and average prices round, at the 40th digit;
 * - banker's rounding for those divisions;
 * - plain notation always (never `1e-8`), so `toString()` / `toJSON()` give what SQL `numeric`
 *   and the venues expect.
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Decimal = DecimalJs;

/** Canonical decimal text: optional minus, digits, optional fraction. No exponent, no spaces. */
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
/** What venues send: decimal text, possibly with an exponent (`1e-8`) as JSON number text can be. */
const VENUE_NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

export const ZERO: Decimal = new Decimal(0);
export const ONE: Decimal = new Decimal(1);

export function isDecimal(value: unknown): value is Decimal {
  return DecimalJs.isDecimal(value);
}

/** Parses canonical decimal text (`"0.1"`, `"-12"`, `"60000.5"`); throws on anything else. */
export function parseDecimal(text: string): Decimal {
  if (!DECIMAL_TEXT.test(text)) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  return new Decimal(text);
}

/**
 * Parses a number as a venue sends it: Bitget's strings, or the text of a Deribit JSON number
 * (adapters parse JSON losslessly and hand the number's text over, never a float).
 */
export function parseVenueNumber(text: string): Decimal {
  if (!VENUE_NUMBER_TEXT.test(text)) throw new RangeError(`not a number: ${JSON.stringify(text)}`);
  return new Decimal(text);
}

/** The sum of decimals (zero for none). */
export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const value of values) total = total.plus(value);
  return total;
}

/** Addition without the 40-digit rounding: what no ledger balance may lose (sums of 40-digit PnL). */
const Unrounded = DecimalJs.clone({ precision: 1e9, toExpNeg: -9e15, toExpPos: 9e15 });

/** The exact sum, however many digits it takes (a ledger's running balance, an entry's total). */
export function exactSum(values: Iterable<Decimal>): Decimal {
  let total = new Unrounded(0);
  for (const value of values) total = total.plus(value);
  // Constructing from a decimal copies its digits, all of them (decimal.js rounds operations'
  // results, never a constructed value): the same as through its text, without the text.
  return new Decimal(total);
}

/** Smaller and larger of two decimals. */
export function min(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}
export function max(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

/** True when `value` is a whole multiple of `step` (tick sizes, contract sizes). */
export function isMultipleOf(value: Decimal, step: Decimal): boolean {
  return step.isZero() ? true : value.mod(step).isZero();
}

/**
 * zod schema of a decimal at a boundary: canonical decimal text (or an already-parsed Decimal)
 * in, a Decimal out. Serialising a Decimal with JSON.stringify writes its text back, so events
 * and API bodies carry decimals as strings and round-trip exactly.
 */
export const DecimalSchema = z
  .union([
    z.string().regex(DECIMAL_TEXT, 'expected a decimal number as a string, e.g. "0.1"'),
    z.custom<Decimal>(isDecimal, 'expected a decimal'),
  ])
  .transform((value) => (typeof value === 'string' ? new Decimal(value) : value));

export const PositiveDecimalSchema = DecimalSchema.refine((d) => d.gt(0), 'must be greater than zero');
export const NonNegativeDecimalSchema = DecimalSchema.refine((d) => d.gte(0), 'must not be negative');

/**
 * The same as DecimalSchema for text-only boundaries (HTTP bodies, CLI options): it accepts a
 * string and nothing else, so its JSON Schema is a plain string pattern.
 */
export const DecimalTextSchema = z
  .string()
  .max(40, 'at most 40 characters: no order needs more digits')
  .regex(DECIMAL_TEXT, 'expected a decimal number as a string, e.g. "0.1"')
  .transform((value) => new Decimal(value));
/** A decimal as text in what the service answers (read models, views): checked, kept as text. */
export const DecimalStringSchema = z.string().regex(DECIMAL_TEXT, 'expected a decimal number as a string');

export const PositiveDecimalTextSchema = DecimalTextSchema.refine(
  (d) => d.gt(0),
  'must be greater than zero',
);
