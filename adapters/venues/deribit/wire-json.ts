import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { isDecimal } from '../../../domain/decimal.ts';

/**
 * JSON as Deribit speaks it, without floats.
 *
 * Deribit sends prices, amounts, fees and PnL as JSON numbers. `parseWire` keeps every number as
 * its text (`202.8` becomes the string `"202.8"`), so decimals are built from exactly what the
 * venue sent and the raw payload kept for the audit trail carries the numbers as text. The older
 * dialect (seeds 000/002) sends the same values as strings, which then parse the same way.
 *
 * `stringifyWire` writes Decimals back as bare JSON numbers, digit for digit.
 */
export function parseWire(text: string): unknown {
  return parse(text, null, (numberText) => numberText);
}

const decimalAsNumber = { test: isDecimal, stringify: (value: unknown) => String(value) };

export function stringifyWire(value: unknown): string {
  const text = stringify(value, null, undefined, [decimalAsNumber]);
  if (text === undefined) throw new TypeError('value cannot be written as JSON');
  return text;
}

/**
 * Parses a JSON-RPC request as the local Deribit receives it: like `parseWire`, except that a
 * numeric top-level `id` stays a number (a `LosslessNumber`), so the reply echoes the id in the
 * type it was sent (`7` or `"7"`).
 */
export function parseWireRequest(text: string): unknown {
  const value = parse(text, null, (numberText) => new LosslessNumber(numberText));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return numbersAsText(value);
  const entries = Object.entries(value).map(([key, field]) => [
    key,
    key === 'id' && isLosslessNumber(field) ? field : numbersAsText(field),
  ]);
  return Object.fromEntries(entries);
}

function numbersAsText(value: unknown): unknown {
  if (isLosslessNumber(value)) return value.toString();
  if (Array.isArray(value)) return value.map(numbersAsText);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, numbersAsText(field)]));
  }
  return value;
}

export { LosslessNumber };
