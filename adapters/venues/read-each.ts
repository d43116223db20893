import type { z } from 'zod';
import type { UnreadableItem, UnreadableWhat } from '../../application/ports/venue.ts';
import { eventLoopPacer, type Pacer } from '../../application/support/pacer.ts';
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

type Mapper<S extends z.ZodType, T> = (parsed: z.output<S>, raw: unknown) => T[];

/** One element into `result`: its mapped items, or an unreadable item saying why. */
function readOne<S extends z.ZodType, T>(
  raw: unknown,
  schema: S,
  options: ReadEachOptions,
  map: Mapper<S, T>,
  result: ReadEach<T>,
): void {
  const parsed = schema.safeParse(raw);
  let error: string;
  if (parsed.success) {
    try {
      result.items.push(...map(parsed.data, raw));
      return;
    } catch (mapping) {
      error = (mapping as Error).message;
    }
  } else {
    error = options.describe(parsed.error, raw);
  }
  const { venue, account, what, source } = options;
  result.unreadable.push({ venue, account, what, source, raw: rawText(raw), error });
}

export function readEach<S extends z.ZodType, T>(
  elements: readonly unknown[],
  schema: S,
  options: ReadEachOptions,
  map: Mapper<S, T>,
): ReadEach<T> {
  const result: ReadEach<T> = { items: [], unreadable: [] };
  for (const raw of elements) readOne(raw, schema, options, map, result);
  return result;
}

/**
 * `readEach` for lists that may be long (a venue's open orders, a page of trades): the event loop
 * gets a turn every few milliseconds of reading (`application/support/pacer.ts`), so ten thousand
 * orders do not hold the service's other work for half a second.
 */
export async function readEachPaced<S extends z.ZodType, T>(
  elements: readonly unknown[],
  schema: S,
  options: ReadEachOptions,
  map: Mapper<S, T>,
  pace: Pacer = eventLoopPacer(),
): Promise<ReadEach<T>> {
  const result: ReadEach<T> = { items: [], unreadable: [] };
  for (const raw of elements) {
    await pace();
    readOne(raw, schema, options, map, result);
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
