import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { resubscribing } from '../../adapters/event-store/resubscribe.ts';
import { type SqlPosition, sqlPositions } from '../../adapters/event-store/sql/sql-position.ts';
import type { RecordedEvent, SubscriptionMessage } from '../../application/ports/event-store.ts';
import { StoreUnavailableError } from '../../application/ports/event-store-errors.ts';
import { backoffDelay } from '../../application/support/backoff.ts';
import { Recorder } from './recorder.ts';

const at = (gp: number): SqlPosition => ({ tx: 10n, gp: BigInt(gp) });
const event = (gp: number): SubscriptionMessage<SqlPosition> => ({
  kind: 'event',
  event: { position: at(gp), id: `e${gp}` } as RecordedEvent<SqlPosition>,
});

/** A fake store subscription: from `after`, replays the log, then fails the first `failures` times. */
const fakeSource = (log: number[], failAfter: number[]) => {
  const opens: (SqlPosition | undefined)[] = [];
  const open = (after: SqlPosition | undefined) =>
    new Observable<SubscriptionMessage<SqlPosition>>((subscriber) => {
      const attempt = opens.push(after) - 1;
      const from = after ? Number(after.gp) : 0;
      // Replays one event too many on a resubscription, as a store might: it must be dropped.
      for (const gp of log.filter((g) => g >= from)) {
        subscriber.next(event(gp));
        if (failAfter[attempt] === gp) {
          subscriber.error(new StoreUnavailableError('connection reset'));
          return;
        }
      }
      subscriber.next({ kind: 'caughtUp', position: at(log.at(-1)!) });
    });
  return { open, opens };
};

describe('resubscribing after transient failures', () => {
  it('reopens after the last delivered position and delivers every event once, caught-up once', async () => {
    // Given a source that fails after event 2, then again after event 4
    const source = fakeSource([1, 2, 3, 4, 5], [2, 4]);
    // When subscribing through the resubscribing wrapper
    const recorder = new Recorder(
      resubscribing(sqlPositions, source.open, undefined, { initialDelayMs: 1, maxDelayMs: 5 }),
    );
    const messages = await recorder.waitFor((m) => m.some((x) => x.kind === 'caughtUp'), 'caught-up');
    recorder.stop();
    // Then every event comes once, in order, and each reopening starts after the last delivered one
    expect(messages.map((m) => (m.kind === 'event' ? m.event.id : m.kind))).toEqual([
      'e1',
      'e2',
      'e3',
      'e4',
      'e5',
      'caughtUp',
    ]);
    expect(source.opens).toEqual([undefined, at(2), at(4)]);
  });

  it('ends the subscription on an error that is not transient', async () => {
    const boom = new Error('bug');
    const failing = () =>
      new Observable<SubscriptionMessage<SqlPosition>>((subscriber) => subscriber.error(boom));
    const recorder = new Recorder(
      resubscribing(sqlPositions, failing, undefined, { initialDelayMs: 1, maxDelayMs: 5 }),
    );
    await expect(recorder.waitFor(() => false, 'an error')).rejects.toBe(boom);
  });
});

describe('backoff delay', () => {
  it('doubles per failure within [half, full] of the ceiling, capped', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(options, 1, () => 0)).toBe(50);
    expect(backoffDelay(options, 1, () => 1)).toBe(100);
    expect(backoffDelay(options, 3, () => 1)).toBe(400);
    expect(backoffDelay(options, 10, () => 0.5)).toBe(750);
  });
});
