import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { isDecimal } from '../../../domain/decimal.ts';

/**
 * JSON as Deribit is written to, without floats (replies are read with `parseVenueJson`).
 *
 * `stringifyWire` writes Decimals back as bare JSON numbers, digit for digit.
 */

const decimalAsNumber = { test: isDecimal, stringify: (value: unknown) => String(value) };

export function stringifyWire(value: unknown): string {
  const text = stringify(value, null, undefined, [decimalAsNumber]);
  if (text === undefined) throw new TypeError('value cannot be written as JSON');
  return text;
}

/**
 * Parses a JSON-RPC request as the local Deribit receives it: like `parseVenueJson`, except that a
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
