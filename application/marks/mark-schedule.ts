import type { MarkOccasion } from '../../domain/marks/contract.ts';
import { DAY_MS, dayStartOf } from '../support/day-boundary.ts';

/**
 * When marks are recorded, as a pure step: the instants a mark stands for (slots) are the ticks of
 * the recording interval (multiples of `intervalMs` since the epoch) and each day's close (the day
 * boundary, `utcOffsetHours` from midnight UTC). A run records, for each instrument to mark, the
 * latest slot at or before now unless that instrument already has it; it never records a slot
 * that has passed with a later one after it (a price read now is not the price of an instant long
 * gone). The scheduler (`mark-recorder.ts`) does the I/O.
 */

export interface MarkSchedule {
  /** Interval between marks (ms); 0: only at each day's close. */
  readonly intervalMs: number;
  /** Where a day starts and ends, in whole hours from UTC (0: midnight UTC). */
  readonly utcOffsetHours: number;
}

export interface MarkSlot {
  readonly atMs: number;
  readonly occasion: MarkOccasion;
}

/** The latest slot at or before now: a day's close when it is the latest (or falls on a tick). */
export function latestSlot(nowMs: number, schedule: MarkSchedule): MarkSlot {
  const close = dayStartOf(nowMs, schedule.utcOffsetHours);
  const tick =
    schedule.intervalMs > 0 ? Math.floor(nowMs / schedule.intervalMs) * schedule.intervalMs : close;
  return tick > close ? { atMs: tick, occasion: 'interval' } : { atMs: close, occasion: 'day_close' };
}

/** The slot to record now for an instrument whose last recorded slot is `lastAtMs`, if any. */
export function slotDue(
  nowMs: number,
  lastAtMs: number | undefined,
  schedule: MarkSchedule,
): MarkSlot | undefined {
  const slot = latestSlot(nowMs, schedule);
  return lastAtMs !== undefined && lastAtMs >= slot.atMs ? undefined : slot;
}

/**
 * From when an instrument's trading makes it one to mark: the start of the day before the current
 * one (a day's close is recorded just after the day it closes).
 */
export function tradedSince(nowMs: number, schedule: MarkSchedule): number {
  return dayStartOf(nowMs, schedule.utcOffsetHours) - DAY_MS;
}
