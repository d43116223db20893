import type { z } from 'zod';
import type { UnreadableItem, UnreadableWhat } from '../../application/ports/venue.ts';
import type { Venue } from '../../domain/instrument.ts';

/**
 * Reads a list from a venue element by element: a good element is mapped, a bad one becomes an
 * unreadable item carrying its JSON text and what did not match. One object the adapter cannot read
 * never makes the others unreadable (the lists of open orders, fills, positions, instruments and
 * the arrays of pushes all go through here).
 */
export interface ReadEach<T> {
  items: T[];
  unreadable: UnreadableItem[];
}

export interface ReadEachOptions {
  venue: Venue;
  account: string;
  what: UnreadableWhat;
  /** The push channel or request method, for the record. */
  source: string;
  /** What did not match, as the venue's adapter words it. */
  describe: (error: z.ZodError, input: unknown) => string;
}

export function readEach<S extends z.ZodType, T>(
  elements: readonly unknown[],
  schema: S,
  options: ReadEachOptions,
  map: (parsed: z.output<S>, raw: unknown) => T[],
): ReadEach<T> {
  const result: ReadEach<T> = { items: [], unreadable: [] };
  for (const raw of elements) {
    const parsed = schema.safeParse(raw);
    let error: string;
    if (parsed.success) {
      try {
        result.items.push(...map(parsed.data, raw));
        continue;
      } catch (mapping) {
        error = (mapping as Error).message;
      }
    } else {
      error = options.describe(parsed.error, raw);
    }
    const { venue, account, what, source } = options;
    result.unreadable.push({ venue, account, what, source, raw: rawText(raw), error });
  }
  return result;
}

/** An element as JSON text. Venue JSON is parsed with numbers as their text, so no digit is lost. */
export function rawText(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/**
 * Reads a single-object reply: when it cannot be read, the error still ends the request as today
 * (an unknown outcome naming the field), and the object is handed over with its text, so nothing
 * is lost.
 */
export function readSingle<T>(
  read: () => T,
  raw: unknown,
  item: Omit<UnreadableItem, 'raw' | 'error'>,
  handOver: (items: readonly UnreadableItem[]) => void,
): T {
  try {
    return read();
  } catch (error) {
    handOver([{ ...item, raw: rawText(raw), error: (error as Error).message }]);
    throw error;
  }
}
