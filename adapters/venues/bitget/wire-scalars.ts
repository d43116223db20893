import { z } from 'zod';
import { type Decimal, parseVenueNumber } from '../../../domain/decimal.ts';

/**
 * The building blocks of the Bitget schemas (`wire.ts`, `wire-requests.ts`, `wire-ws.ts`): values
 * Bitget sends as a string or a JSON number (the JSON is parsed losslessly, so a number arrives as
 * its text), `null` vs `[]` empties, `YES`/`yes`, and the payload kept as received.
 */

/** Text of a value Bitget sends as a string or a number. */
export const text = z.union([z.string(), z.number()]).transform(String);

/** An optional text: absent, null or "" mean none. */
export const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === undefined || value === null || value === '' ? undefined : String(value)));

const toDecimal = (value: string, ctx: z.RefinementCtx): Decimal => {
  try {
    return parseVenueNumber(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
};

/** A required venue number, exact. */
export const VenueDecimal = text.transform(toDecimal);

/** An optional venue number: absent, null or "" mean none. */
export const OptionalDecimal = optionalText.transform((value, ctx): Decimal | undefined =>
  value === undefined ? undefined : toDecimal(value, ctx),
);

/** Milliseconds since the epoch (string or number) to ISO-8601. */
export const MsTime = text.transform((value, ctx): string => {
  if (!/^\d{1,16}$/.test(value)) {
    ctx.addIssue({ code: 'custom', message: `not a millisecond timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return new Date(Number(value)).toISOString();
});

/** `YES`/`NO`, `yes`/`no`, `true`/`false`, or a boolean. */
export const YesNo = z.union([z.string(), z.boolean()]).transform((value, ctx): boolean => {
  if (typeof value === 'boolean') return value;
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false' || lower === '') return false;
  ctx.addIssue({ code: 'custom', message: `expected YES or NO, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

export const lower = z.string().transform((value) => value.toLowerCase());
export const BitgetSideSchema = lower.pipe(z.enum(['buy', 'sell']));
export type BitgetSide = z.output<typeof BitgetSideSchema>;

// ------------------------------------------------------------------------------------------------
// Raw payload kept next to the parsed value
// ------------------------------------------------------------------------------------------------

export type WithRaw<T> = T & { raw: Record<string, unknown> };

/** Parses with `schema` and keeps the payload as received (numbers as text) under `raw`. */
export function withRaw<T>(schema: z.ZodType<T>) {
  return z.record(z.string(), z.unknown()).transform((raw, ctx): WithRaw<T> => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return { ...parsed.data, raw };
  });
}

/** `null` or a missing list is an empty list (`entrustedList: null` when nothing is open). */
export function list<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((items) => items ?? []);
}

/** Bitget names the symbol `symbol` on REST and `instId` on the WebSocket: one of them is required. */
export function symbolOf(value: { symbol?: string; instId?: string }, ctx: z.RefinementCtx): string {
  const symbol = value.symbol ?? value.instId;
  if (symbol !== undefined) return symbol;
  ctx.addIssue({ code: 'custom', message: 'missing required field (symbol or instId)', path: ['symbol'] });
  return z.NEVER;
}

/** Where a message names its symbol (see `symbolOf`). */
export const symbolFields = { symbol: z.string().optional(), instId: z.string().optional() };

// ------------------------------------------------------------------------------------------------
// Errors: a missing or malformed field is a protocol error naming the field.
// ------------------------------------------------------------------------------------------------

export function describeIssues(error: z.ZodError, where: string): string {
  const first = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `${where}: ${first.join('; ')}${more}`;
}
