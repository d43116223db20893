import { describe, expect, it } from 'vitest';
import type { VenueCapabilities } from '../../application/ports/venue.ts';
import {
  type Attempts,
  decideSubmission,
  noAttempts,
  type SubmissionAction,
  type SubmissionInput,
} from '../../application/submission/protocol.ts';
import type { OrderEvent } from '../../domain/order/contract.ts';
import { fold } from '../../domain/order/decider.ts';
import { exists, type Order } from '../../domain/order/state.ts';
import { ev } from '../domain/fixtures.ts';

// The submission protocol, specified step by step: given an order's events and what this process
// did for it, when the scheduler asks at a time (with what a look-up found), then the next action.

const LABELS: VenueCapabilities = {
  uniqueClientOrderIds: false,
  amendReplacesOrder: false,
  marginModePerOrder: false,
};
const UNIQUE_IDS: VenueCapabilities = {
  uniqueClientOrderIds: true,
  amendReplacesOrder: true,
  marginModePerOrder: true,
};
const STARTED = 1_000_000;
const settings = {
  startedAt: STARTED,
  submitWindowMs: 10_000,
  clockSkewMs: 2_000,
  maxSubmitDelayMs: 60_000,
  useVenueClosePosition: false,
};

interface Situation {
  fresh?: boolean;
  attempts?: Partial<Attempts>;
  capabilities?: VenueCapabilities;
  trading?: boolean;
  requestedAt?: number;
  useVenueClosePosition?: boolean;
}

function given(events: OrderEvent[], situation: Situation = {}) {
  const state = fold(events);
  if (!exists(state)) throw new Error('the order must exist');
  const order: Order = state;
  return {
    when(now: number, found?: SubmissionInput['lookUp'], more: Partial<SubmissionInput> = {}) {
      const action = decideSubmission({
        order,
        attempts: { ...noAttempts, ...situation.attempts },
        fresh: situation.fresh ?? false,
        now,
        requestedAt: situation.requestedAt ?? STARTED,
        trading: situation.trading ?? true,
        capabilities: situation.capabilities ?? LABELS,
        settings: { ...settings, useVenueClosePosition: situation.useVenueClosePosition ?? false },
        ...(found !== undefined && { lookUp: found }),
        ...more,
      });
      return { thenAction: (expected: SubmissionAction) => expect(action).toEqual(expected) };
    },
  };
}

const T = STARTED + 1_000;

describe('submission protocol: a placement', () => {
  it('recorded by this process and never sent: it is sent at once, valid for the submit window', () => {
    given([ev.requested()], { fresh: true })
      .when(T)
      .thenAction({ kind: 'send_place', method: 'place', validUntilMs: T + 10_000 });
  });

  it('recorded by an earlier process (not fresh): it is looked up by its client id before any send', () => {
    given([ev.requested()]).when(T).thenAction({ kind: 'look_up' });
  });

  it('whose outcome is unknown: it is looked up, even though this process recorded it', () => {
    given([ev.requested(), ev.unknown()], { fresh: true, attempts: { placeSends: 1, lastValidUntil: T } })
      .when(T)
      .thenAction({ kind: 'look_up' });
  });

  it('found at the venue by the look-up: nothing more to send (the look-up recorded it)', () => {
    given([ev.requested(), ev.unknown()]).when(T, 'found').thenAction({ kind: 'found', again: false });
  });

  it('when the venue does not answer the look-up: retried after the backoff, nothing sent', () => {
    given([ev.requested(), ev.unknown()]).when(T, 'unanswered').thenAction({ kind: 'retry' });
  });

  describe('not found, on a venue whose client ids are not unique (Deribit labels)', () => {
    const sent = { placeSends: 1, lastValidUntil: T + 10_000 };

    it('before the last send’s valid_until plus the clock skew: waits until then, sends nothing', () => {
      given([ev.requested(), ev.unknown()], { attempts: sent })
        .when(T + 5_000, 'absent')
        .thenAction({ kind: 'wait', at: T + 10_000 + 2_000 });
    });

    it('within the window of an earlier process (this one just started): waits for that window too', () => {
      given([ev.requested()])
        .when(STARTED + 1, 'absent')
        .thenAction({ kind: 'wait', at: STARTED + 10_000 + 2_000 });
    });

    it('once no earlier send can land any more: sent again, with a new valid_until', () => {
      const now = T + 12_001;
      given([ev.requested(), ev.unknown()], { attempts: sent })
        .when(now, 'absent')
        .thenAction({ kind: 'send_place', method: 'place', validUntilMs: now + 10_000 });
    });

    it('long after it was requested: expired, never sent late', () => {
      const now = STARTED + 60_001 + 12_000;
      given([ev.requested(), ev.unknown()], { attempts: sent, requestedAt: STARTED })
        .when(now, 'absent')
        .thenAction({ kind: 'record', outcome: 'expired', why: 'too_late_to_send' });
    });
  });

  it('not found on a venue with unique client ids (Bitget clientOid): sent again at once (a duplicate is refused)', () => {
    given([ev.requested(), ev.unknown()], {
      capabilities: UNIQUE_IDS,
      attempts: { placeSends: 1, lastValidUntil: T + 10_000 },
    })
      .when(T + 1, 'absent')
      .thenAction({ kind: 'send_place', method: 'place', validUntilMs: T + 1 + 10_000 });
  });

  it('a close: sent as a labelled order unless the venue’s own close method is asked for', () => {
    const close = ev.requested({ intent: 'close_position', reduceOnly: true });
    given([close], { fresh: true })
      .when(T)
      .thenAction({ kind: 'send_place', method: 'place', validUntilMs: T + 10_000 });
    given([close], { fresh: true, useVenueClosePosition: true })
      .when(T)
      .thenAction({ kind: 'send_place', method: 'closePosition', validUntilMs: T + 10_000 });
  });

  it('while the venue is paused: parked, nothing sent', () => {
    given([ev.requested()], { fresh: true, trading: false }).when(T).thenAction({ kind: 'park' });
  });

  it('during a backoff: waits for its end, even on a trading venue', () => {
    given([ev.requested(), ev.unknown()], { attempts: { retries: 2, notBefore: T + 500 } })
      .when(T)
      .thenAction({ kind: 'wait', at: T + 500 });
  });
});

describe('submission protocol: a cancel', () => {
  it('of an order the venue acknowledged: the cancel is sent', () => {
    given([ev.requested(), ev.accepted(), ev.cancelRequested()]).when(T).thenAction({ kind: 'send_cancel' });
  });

  it('asked before this process ever sent the order: recorded as cancelled, nothing sent', () => {
    given([ev.requested(), ev.cancelRequested()], { fresh: true })
      .when(T)
      .thenAction({ kind: 'record', outcome: 'cancelled', why: 'cancelled_before_sent' });
  });

  it('of an order that may have been sent: looked up first; found, the next step cancels it', () => {
    const events = [ev.requested(), ev.cancelRequested()];
    given(events).when(T).thenAction({ kind: 'look_up' });
    given(events).when(T, 'found').thenAction({ kind: 'found', again: true });
  });

  it('of an order provably never placed: recorded as cancelled once no earlier send can land', () => {
    const events = [ev.requested(), ev.cancelRequested()];
    given(events, { attempts: { placeSends: 1, lastValidUntil: T } })
      .when(T + 1_000, 'absent')
      .thenAction({ kind: 'wait', at: STARTED + 10_000 + 2_000 });
    given(events, { attempts: { placeSends: 1, lastValidUntil: T } })
      .when(STARTED + 12_001, 'absent')
      .thenAction({ kind: 'record', outcome: 'cancelled', why: 'never_placed' });
  });
});

describe('submission protocol: an amend', () => {
  it('of a working order: the amend is sent', () => {
    given([ev.requested(), ev.accepted(), ev.amendRequested()]).when(T).thenAction({ kind: 'send_amend' });
  });

  it('whose earlier answer was lost: its outcome is learned first, then it is sent again if still pending', () => {
    const events = [ev.requested(), ev.accepted(), ev.amendRequested(), ev.unknown('amend')];
    given(events).when(T).thenAction({ kind: 'resolve_amend' });
    given(events).when(T, undefined, { amendResolved: true }).thenAction({ kind: 'send_amend' });
  });
});

describe('submission protocol: nothing pending', () => {
  it('an open, filled or cancelled order: forgotten', () => {
    given([ev.requested(), ev.accepted()]).when(T).thenAction({ kind: 'forget' });
    given([ev.requested(), ev.accepted(), ev.filled('t-1', '100')])
      .when(T)
      .thenAction({ kind: 'forget' });
    given([ev.requested(), ev.accepted(), ev.cancelled()]).when(T).thenAction({ kind: 'forget' });
  });
});
