/** JSON as stored: decimals are strings, nothing else is special. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const skipped = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

/**
 * The plain JSON a value stands for: what `JSON.parse(JSON.stringify(value))` gives, without
 * writing and reading the text. `toJSON` is honoured (decimals become their text, dates ISO
 * strings), properties that are undefined, functions or symbols are left out (in arrays they become
 * null, as are non-finite numbers), only own enumerable string keys count; a bigint is refused
 * with the same error as `JSON.stringify`. Every event an order handler records goes through it,
 * so it saves a serialization and a parse per event (the store serializes the result once).
 * A top-level value JSON cannot hold (undefined, a function) gives undefined.
 */
export function toJson(value: unknown): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined as unknown as Json;
  }
  if (value === null) return null;
  const withToJson = value as { toJSON?: (key: string) => unknown };
  if (typeof withToJson.toJSON === 'function') return toJson(withToJson.toJSON(''));
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return toJson(value.valueOf());
  }
  if (Array.isArray(value)) {
    const out: Json[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      out[i] = skipped(element) ? null : toJson(element);
    }
    return out;
  }
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value)) {
    const property: unknown = (value as Record<string, unknown>)[key];
    if (skipped(property)) continue;
    // A "__proto__" key (JSON text may carry one) is a property, as JSON.parse makes it.
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: toJson(property),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[key] = toJson(property);
    }
  }
  return out;
}
