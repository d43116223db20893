import { describe, expect, it } from 'vitest';
import { markEvent } from '../../application/marks/mark-recorder.ts';
import {
  latestSlot,
  type MarkSchedule,
  slotDue,
  tradedSince,
} from '../../application/marks/mark-schedule.ts';
import { dayOf, startOfDay } from '../../application/support/day-boundary.ts';
import { MarkPriceDataSchema } from '../../domain/marks/contract.ts';

// When marks are recorded, as a step function: interval ticks and each day's close, the latest slot
// at or before now, each once per instrument.

const HOUR = 3_600_000;
const hourly: MarkSchedule = { intervalMs: HOUR, utcOffsetHours: 0 };
const t = (iso: string) => Date.parse(iso);

describe('which slot a mark stands for', () => {
  it('given an hourly schedule, when it is 10:20 UTC, then the slot is the 10:00 tick', () => {
    expect(latestSlot(t('2026-12-04T10:20:00Z'), hourly)).toEqual({
      atMs: t('2026-12-04T10:00:00Z'),
      occasion: 'interval',
    });
  });

  it('given an hourly schedule, when it is 00:20 UTC, then the slot is the day’s close at midnight (not a tick)', () => {
    expect(latestSlot(t('2026-12-04T00:20:00Z'), hourly)).toEqual({
      atMs: t('2026-12-04T00:00:00Z'),
      occasion: 'day_close',
    });
  });

  it('given a day boundary at UTC+8 and no interval, when it is 17:00 UTC, then the slot is the close at 16:00 UTC', () => {
    expect(latestSlot(t('2026-12-04T17:00:00Z'), { intervalMs: 0, utcOffsetHours: 8 })).toEqual({
      atMs: t('2026-12-04T16:00:00Z'),
      occasion: 'day_close',
    });
  });
});

describe('what is due', () => {
  it('given an instrument never marked, when a run comes, then the latest slot is due', () => {
    expect(slotDue(t('2026-12-04T10:20:00Z'), undefined, hourly)?.atMs).toBe(t('2026-12-04T10:00:00Z'));
  });

  it('given the 10:00 slot recorded, when a run comes at 10:59, then nothing is due; at 11:00, the 11:00 tick', () => {
    const recorded = t('2026-12-04T10:00:00Z');
    expect(slotDue(t('2026-12-04T10:59:59Z'), recorded, hourly)).toBeUndefined();
    expect(slotDue(t('2026-12-04T11:00:00Z'), recorded, hourly)?.atMs).toBe(t('2026-12-04T11:00:00Z'));
  });

  it('given the recorder was away for hours, when it runs again, then only the latest slot is due (no price for a past instant)', () => {
    const due = slotDue(t('2026-12-04T15:30:00Z'), t('2026-12-04T09:00:00Z'), hourly);
    expect(due).toEqual({ atMs: t('2026-12-04T15:00:00Z'), occasion: 'interval' });
  });

  it('given a run just after midnight, then the instruments traded since the day before’s start are marked', () => {
    expect(tradedSince(t('2026-12-04T00:05:00Z'), hourly)).toBe(t('2026-12-03T00:00:00Z'));
  });
});

describe('a recorded mark', () => {
  it('given the same slot recorded twice (a retry, another price), when the events are built, then they have one id', () => {
    const data = (mark: string, observedAt: string) =>
      MarkPriceDataSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        mark,
        at: '2026-12-04T00:00:00.000Z',
        occasion: 'day_close',
        observedAt,
      });
    const first = markEvent(data('60000.1', '2026-12-04T00:00:01.000Z'));
    const retry = markEvent(data('60000.3', '2026-12-04T00:00:09.000Z'));
    expect(retry.id).toBe(first.id);
    expect(first.type).toBe('MarkPriceRecorded');
    expect(
      markEvent({ ...data('1', '2026-12-04T01:00:00.000Z'), at: '2026-12-04T01:00:00.000Z' }).id,
    ).not.toBe(first.id);
  });

  it('given a mark of zero or a time that is not ISO-8601, when read, then it is refused naming the field', () => {
    const bad = MarkPriceDataSchema.safeParse({
      venue: 'bitget',
      symbol: 'BTCUSDT',
      mark: '0',
      at: 'yesterday',
      occasion: 'interval',
      observedAt: '2026-12-04T00:00:00.000Z',
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['at', 'mark']);
  });
});

describe('the day boundary', () => {
  it('given UTC−5, when 03:00 UTC on the 4th, then the day is the 3rd and it started at 05:00 UTC on the 3rd', () => {
    expect(dayOf(t('2026-12-04T03:00:00Z'), -5)).toBe('2026-12-03');
    expect(startOfDay('2026-12-03', -5)).toBe(t('2026-12-03T05:00:00Z'));
  });
});
