/**
 * The back office's day: it starts `utcOffsetHours` whole hours from midnight UTC (UTC by
 * default). Marks are recorded at each day's start (the close of the day before); statements run
 * from one day's start to the next.
 */

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The start of the day `atMs` falls in. */
export function dayStartOf(atMs: number, utcOffsetHours: number): number {
  const offset = utcOffsetHours * HOUR_MS;
  return Math.floor((atMs + offset) / DAY_MS) * DAY_MS - offset;
}

/** The day `atMs` falls in, as `YYYY-MM-DD`. */
export function dayOf(atMs: number, utcOffsetHours: number): string {
  return new Date(dayStartOf(atMs, utcOffsetHours) + utcOffsetHours * HOUR_MS).toISOString().slice(0, 10);
}

/** When a day (`YYYY-MM-DD`) starts. */
export function startOfDay(day: string, utcOffsetHours: number): number {
  return Date.parse(`${day}T00:00:00.000Z`) - utcOffsetHours * HOUR_MS;
}
