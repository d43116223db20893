import { stringify } from 'lossless-json';
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
