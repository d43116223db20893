import { describe, expect, it } from 'vitest';
import type { OrderCommand, OrderEvent } from '../../domain/order/contract.ts';
import { decide, fold } from '../../domain/order/decider.ts';
import { exists } from '../../domain/order/state.ts';
import { type FromStatus, TRANSITION_TABLE } from '../../domain/order/transitions.ts';
import { client, command, ev, given, ORDER_ID, placeData, report } from './fixtures.ts';

const STOP = { type: 'stop_limit', trigger: { price: '59000', reference: 'mark_price' } };

/** How to bring an order into each status. */
const HISTORY: Record<FromStatus, OrderEvent[]> = {
  initial: [],
  pending_new: [ev.requested()],
  unknown: [ev.requested(), ev.unknown('place')],
  untriggered: [ev.requested(STOP), ev.accepted()],
  open: [ev.requested(), ev.accepted()],
  partially_filled: [ev.requested(), ev.accepted(), ev.filled('t1', '40')],
  pending_amend: [ev.requested(), ev.accepted(), ev.amendRequested()],
  pending_cancel: [ev.requested(), ev.accepted(), ev.cancelRequested()],
  filled: [ev.requested(), ev.accepted(), ev.filled('t1', '100')],
  cancelled: [ev.requested(), ev.accepted(), ev.cancelled()],
  rejected: [ev.requested(), ev.rejected()],
  expired: [ev.requested(), ev.accepted(), ev.expired()],
};

const place = () => command({ type: 'PlaceOrder', data: placeData() });
const external = () =>
  command({
    type: 'RecordExternalOrder',
    data: { order: placeData({ clientOrderId: '' }), venueOrderId: 'v-9' },
  });

interface Spec {
  situation: string;
  history: OrderEvent[];
  when: OrderCommand;
  status: string;
}
const spec = (situation: string, history: OrderEvent[], when: OrderCommand, status: string): Spec => ({
  situation,
  history,
  when,
  status,
});
const {
  pending_new,
  unknown,
  untriggered,
  open,
  partially_filled,
  pending_amend,
  pending_cancel,
  filled,
  cancelled,
  rejected,
  expired,
} = HISTORY;

/** One specification per allowed transition, with the expected status written out. */
const SPECS: Spec[] = [
  spec('a new order is requested', [], place(), 'pending_new'),
  spec('an order placed outside this OMS is discovered', [], external(), 'open'),

  spec('the venue acknowledges a requested order', pending_new, report.accepted(), 'open'),
  spec('the venue rejects a requested order', pending_new, report.rejected(), 'rejected'),
  spec('the submission times out', pending_new, report.unknown('place'), 'unknown'),
  spec('a partial fill arrives before the ack', pending_new, report.fill('t1', '40'), 'partially_filled'),
  spec('a full fill arrives before the ack', pending_new, report.fill('t1', '100'), 'filled'),
  spec(
    'an IOC order finds nothing and is cancelled before any ack',
    pending_new,
    report.cancelled('unfilled_remainder'),
    'cancelled',
  ),
  spec('the order expires before any ack', pending_new, report.expired(), 'expired'),
  spec('a trader cancels an order still in flight', pending_new, client.cancel(), 'pending_cancel'),

  spec('a lookup finds the unknown order open', unknown, report.accepted(), 'open'),
  spec('the venue proves the unknown order was never placed', unknown, report.rejected(), 'rejected'),
  spec('a retry times out again', unknown, report.unknown('place'), 'unknown'),
  spec('the unknown order is seen filling', unknown, report.fill('t1', '40'), 'partially_filled'),
  spec('the unknown order is found cancelled', unknown, report.cancelled(), 'cancelled'),
  spec('the unknown order is found expired', unknown, report.expired(), 'expired'),
  spec('a trader cancels an order whose outcome is unknown', unknown, client.cancel(), 'pending_cancel'),

  spec('the stop order triggers', untriggered, report.triggered(), 'open'),
  spec(
    'a stop-market fill is pushed before its trigger',
    untriggered,
    report.fill('t1', '40'),
    'partially_filled',
  ),
  spec('a trader cancels an untriggered stop', untriggered, client.cancel(), 'pending_cancel'),
  spec(
    'a trader amends an untriggered stop',
    untriggered,
    client.amend({ triggerPrice: '58000' }),
    'pending_amend',
  ),
  spec('the venue cancels an untriggered stop', untriggered, report.cancelled(), 'cancelled'),
  spec('an untriggered stop expires', untriggered, report.expired(), 'expired'),
  spec('a late timeout on an untriggered stop', untriggered, report.unknown('place'), 'untriggered'),
  spec('a late cancel refusal on an untriggered stop', untriggered, report.cancelRejected(), 'untriggered'),
  spec('a late amend refusal on an untriggered stop', untriggered, report.amendRejected(), 'untriggered'),

  spec('an open order partially fills', open, report.fill('t1', '40'), 'partially_filled'),
  spec('an open order fills in one trade', open, report.fill('t1', '100'), 'filled'),
  spec('a trader cancels an open order', open, client.cancel(), 'pending_cancel'),
  spec('a trader amends an open order', open, client.amend(), 'pending_amend'),
  spec(
    'the venue cancels an open order on disconnect',
    open,
    report.cancelled('cancel_on_disconnect'),
    'cancelled',
  ),
  spec('a good-til-day order expires', open, report.expired(), 'expired'),
  spec('the order is edited in the venue UI', open, report.amendAccepted({ price: '61000' }), 'open'),
  spec('the submit RPC times out after the WebSocket confirmed', open, report.unknown('place'), 'open'),
  spec('a late cancel refusal on an open order', open, report.cancelRejected(), 'open'),
  spec('a late amend refusal on an open order', open, report.amendRejected(), 'open'),

  spec(
    'the ack arrives after a partial fill was pushed',
    [ev.requested(), ev.filled('t1', '40')],
    report.accepted(),
    'partially_filled',
  ),
  spec('a partially filled order fills completely', partially_filled, report.fill('t2', '60'), 'filled'),
  spec(
    'a partially filled order fills a bit more',
    partially_filled,
    report.fill('t2', '10'),
    'partially_filled',
  ),
  spec('a trader cancels a partially filled order', partially_filled, client.cancel(), 'pending_cancel'),
  spec('a trader amends a partially filled order', partially_filled, client.amend(), 'pending_amend'),
  spec('the venue cancels a partially filled order', partially_filled, report.cancelled(), 'cancelled'),
  spec('a partially filled order expires', partially_filled, report.expired(), 'expired'),
  spec(
    'an outside edit cuts the amount to what is filled',
    partially_filled,
    report.amendAccepted({ amount: '40' }),
    'filled',
  ),
  spec(
    'a late timeout on a partially filled order',
    partially_filled,
    report.unknown('place'),
    'partially_filled',
  ),
  spec(
    'a late cancel refusal on a partially filled order',
    partially_filled,
    report.cancelRejected(),
    'partially_filled',
  ),
  spec(
    'a late amend refusal on a partially filled order',
    partially_filled,
    report.amendRejected(),
    'partially_filled',
  ),

  spec('the venue accepts the amend', pending_amend, report.amendAccepted(), 'open'),
  spec('the venue refuses the amend: back to open', pending_amend, report.amendRejected(), 'open'),
  spec('a fill arrives while an amend is pending', pending_amend, report.fill('t1', '40'), 'pending_amend'),
  spec(
    'a stop triggers while its amend is pending',
    [...untriggered, ev.amendRequested({ triggerPrice: '58000' })],
    report.triggered(),
    'pending_amend',
  ),
  spec(
    'Deribit cancels a post-only order whose edit would cross',
    pending_amend,
    report.cancelled(),
    'cancelled',
  ),
  spec('the order expires while an amend is pending', pending_amend, report.expired(), 'expired'),
  spec('a trader cancels while an amend is pending', pending_amend, client.cancel(), 'pending_cancel'),
  spec('the amend times out', pending_amend, report.unknown('amend'), 'pending_amend'),
  spec(
    'a stale cancel refusal while an amend is pending',
    pending_amend,
    report.cancelRejected(),
    'pending_amend',
  ),

  spec('the venue confirms the cancel', pending_cancel, report.cancelled(), 'cancelled'),
  spec('the venue refuses the cancel: back to open', pending_cancel, report.cancelRejected(), 'open'),
  spec(
    'fills keep coming until the cancel is processed',
    pending_cancel,
    report.fill('t1', '40'),
    'pending_cancel',
  ),
  spec(
    'the ack arrives after a cancel was requested in flight',
    [...pending_new, ev.cancelRequested()],
    report.accepted(),
    'pending_cancel',
  ),
  spec(
    'the placement is rejected after a cancel was requested in flight',
    [...pending_new, ev.cancelRequested()],
    report.rejected(),
    'rejected',
  ),
  spec(
    'the placement times out after a cancel was requested in flight',
    [...pending_new, ev.cancelRequested()],
    report.unknown('place'),
    'pending_cancel',
  ),
  spec(
    'a stop triggers while its cancel is pending',
    [...untriggered, ev.cancelRequested()],
    report.triggered(),
    'pending_cancel',
  ),
  spec(
    'an earlier amend is accepted while a cancel is pending',
    [...pending_amend, ev.cancelRequested()],
    report.amendAccepted(),
    'pending_cancel',
  ),
  spec(
    'an earlier amend is refused while a cancel is pending',
    [...pending_amend, ev.cancelRequested()],
    report.amendRejected(),
    'pending_cancel',
  ),
  spec('the order expires while a cancel is pending', pending_cancel, report.expired(), 'expired'),

  spec(
    'the ack arrives after the order was filled by a pushed trade',
    [ev.requested(), ev.filled('t1', '100')],
    report.accepted(),
    'filled',
  ),
  spec('a cancel lost the race against the last fill', filled, report.cancelRejected(), 'filled'),
  spec('an amend lost the race against the last fill', filled, report.amendRejected(), 'filled'),
  spec('a late timeout on a filled order', filled, report.unknown('place'), 'filled'),

  spec(
    'a late fill after the cancel ack keeps the order cancelled',
    cancelled,
    report.fill('t1', '40'),
    'cancelled',
  ),
  spec(
    'a late fill after the cancel ack that completes the order',
    cancelled,
    report.fill('t1', '100'),
    'filled',
  ),
  spec(
    'the ack of an IOC order arrives after its cancel',
    [ev.requested(), ev.cancelled('unfilled_remainder')],
    report.accepted(),
    'cancelled',
  ),
  spec('a second cancel is refused: already closed', cancelled, report.cancelRejected(), 'cancelled'),
  spec('an amend is refused: already closed', cancelled, report.amendRejected(), 'cancelled'),
  spec('a late timeout on a cancelled order', cancelled, report.unknown('cancel'), 'cancelled'),

  spec('a late fill after expiry', expired, report.fill('t1', '40'), 'expired'),
  spec('a late fill after expiry completes the order', expired, report.fill('t1', '100'), 'filled'),
  spec(
    'the ack arrives after the order expired',
    [ev.requested(), ev.expired()],
    report.accepted(),
    'expired',
  ),
  spec('a cancel of an expired order is refused', expired, report.cancelRejected(), 'expired'),
  spec('an amend of an expired order is refused', expired, report.amendRejected(), 'expired'),
  spec('a late timeout on an expired order', expired, report.unknown('place'), 'expired'),

  spec('a late timeout on a rejected order', rejected, report.unknown('place'), 'rejected'),
];

describe('order transitions: every allowed row of the table', () => {
  it.each(SPECS.map((s) => [s.situation, s] as const))('%s', (_situation, s) => {
    given(...s.history)
      .when(s.when)
      .thenStatus(s.status);
  });

  it('covers every row of the transition table with a specification', () => {
    const covered = new Set<string>();
    for (const s of SPECS) {
      const state = fold(s.history);
      const decision = decide(s.when, state);
      const first = decision.ok ? decision.events[0] : undefined;
      if (first) covered.add(`${state.status} + ${first.type}`);
    }
    const rows = [...TRANSITION_TABLE].flatMap(([from, row]) =>
      [...row.keys()].map((on) => `${from} + ${on}`),
    );
    expect(rows.filter((row) => !covered.has(row))).toEqual([]);
  });
});

describe('order transitions: real-world edges in detail', () => {
  it('restores partially filled, not open, when a cancel fails after a fill arrived during it', () => {
    // Given an open order with a cancel pending, and a partial fill arriving meanwhile
    const state = given(...pending_cancel)
      .when(report.fill('t1', '40'))
      .thenStatus('pending_cancel');
    // When the venue refuses the cancel
    // Then the order returns to partially filled
    expect(exists(state) && state.previousStatus).toBe('partially_filled');
    given(...pending_cancel, ev.filled('t1', '40'))
      .when(report.cancelRejected())
      .thenStatus('partially_filled');
  });

  it('applies the amended price when the amend is accepted', () => {
    const state = given(...pending_amend)
      .when(report.amendAccepted({ price: '61000' }))
      .thenStatus('open');
    expect(exists(state) && state.order.price?.toString()).toBe('61000');
  });

  it('takes the venue amount for a close-position order sized by the venue', () => {
    const state = given(ev.requested({ intent: 'close_position', reduceOnly: true, side: 'sell' }))
      .when(report.accepted('v-1', { amount: '120' }))
      .thenStatus('open');
    expect(exists(state) && state.order.amount.toString()).toBe('120');
  });

  it('records a late fill as the fill itself, nothing more', () => {
    given(...cancelled)
      .when(report.fill('t1', '40'))
      .thenEvents(ev.filled('t1', '40'));
  });

  it('counts a late fill on a cancelled order without reopening it', () => {
    const state = given(...cancelled)
      .when(report.fill('t1', '40'))
      .thenStatus('cancelled');
    expect(exists(state) && state.filled.toString()).toBe('40');
  });

  it('records which request has an unknown outcome until it resolves', () => {
    const state = given(...pending_cancel)
      .when(report.unknown('cancel'))
      .thenStatus('pending_cancel');
    expect(exists(state) && state.unresolved).toBe('cancel');
    const resolved = given(...pending_cancel, ev.unknown('cancel'))
      .when(report.cancelled())
      .thenStatus('cancelled');
    expect(exists(resolved) && resolved.unresolved).toBeUndefined();
  });

  it('leaves nothing unresolved when the timeout comes after the answer (push before reply; F5)', () => {
    const placed = given(...open)
      .when(report.unknown('place'))
      .thenStatus('open');
    expect(exists(placed) && placed.unresolved).toBeUndefined();
    const done = given(...cancelled)
      .when(report.unknown('cancel'))
      .thenStatus('cancelled');
    expect(exists(done) && done.unresolved).toBeUndefined();
    const stillUnknown = given(...pending_new)
      .when(report.unknown('place'))
      .thenStatus('unknown');
    expect(exists(stillUnknown) && stillUnknown.unresolved).toBe('place');
  });
});

describe('order transitions: refused venue reports become anomalies', () => {
  it('a fill on a rejected order', () => {
    given(...rejected)
      .when(report.fill('t1', '40'))
      .thenAnomaly('illegal_transition');
  });
  it('a cancel on a filled order', () => {
    given(...filled)
      .when(report.cancelled())
      .thenAnomaly('illegal_transition');
  });
  it('a rejection of an order the venue had accepted', () => {
    given(...open)
      .when(report.rejected())
      .thenAnomaly('illegal_transition');
  });
  it('an ack of an order already rejected', () => {
    given(...rejected)
      .when(report.accepted())
      .thenAnomaly('illegal_transition');
  });
  it('a trigger of an order that has no trigger', () => {
    given(...open)
      .when(report.triggered())
      .thenAnomaly('illegal_transition');
  });
  it('an amend confirmation for an order never accepted', () => {
    given(...pending_new)
      .when(report.amendAccepted())
      .thenAnomaly('illegal_transition');
  });
  it('a new trade on a filled order is an overfill', () => {
    given(...filled)
      .when(report.fill('t2', '10'))
      .thenAnomaly('overfill');
  });
  it('a fill beyond the amount of a partially filled order is an overfill', () => {
    given(...partially_filled)
      .when(report.fill('t2', '70'))
      .thenAnomaly('overfill');
  });
  it('an ack with another venue order id', () => {
    given(...open)
      .when(report.accepted('v-2'))
      .thenAnomaly('inconsistent_report');
  });
  it('a fill that belongs to another venue order', () => {
    const foreign = command({
      type: 'RecordFill',
      data: {
        orderId: ORDER_ID,
        fill: {
          tradeId: 't9',
          venueOrderId: 'v-7',
          price: '60000',
          amount: '10',
          fee: '0',
          feeCurrency: 'BTC',
          liquidity: 'taker',
          executedAt: '2026-11-21T12:00:02.000Z',
        },
      },
    });
    given(...open)
      .when(foreign)
      .thenAnomaly('inconsistent_report');
  });
  it('keeps the refused report in the anomaly for an operator', () => {
    const { decision } = given(...rejected).when(report.fill('t1', '40'));
    const anomaly = decision.ok ? decision.events[0] : undefined;
    expect(anomaly?.type).toBe('OrderAnomalyDetected');
    if (anomaly?.type === 'OrderAnomalyDetected') {
      expect(anomaly.data.status).toBe('rejected');
      expect(anomaly.data.report.type).toBe('RecordFill');
      expect(JSON.parse(JSON.stringify(anomaly.data.report.data))).toMatchObject({
        fill: { tradeId: 't1', amount: '40' },
      });
    }
  });
});

describe('order transitions: duplicates change nothing', () => {
  it('the same fill reported twice is counted once', () => {
    given(...partially_filled)
      .when(report.fill('t1', '40'))
      .thenNothing();
  });
  it('the same ack twice', () => {
    given(...open)
      .when(report.accepted())
      .thenNothing();
  });
  it('the same cancel twice', () => {
    given(...cancelled)
      .when(report.cancelled())
      .thenNothing();
  });
  it('the same rejection twice', () => {
    given(...rejected)
      .when(report.rejected())
      .thenNothing();
  });
  it('the same expiry twice', () => {
    given(...expired)
      .when(report.expired())
      .thenNothing();
  });
  it('the same trigger twice', () => {
    given(...untriggered, ev.triggered())
      .when(report.triggered())
      .thenNothing();
  });
  it('the same amend confirmation twice', () => {
    given(...pending_amend, ev.amendAccepted())
      .when(report.amendAccepted())
      .thenNothing();
  });
});

describe('client commands that do not apply are refused with a typed error', () => {
  it('placing an order id twice', () => {
    given(...open)
      .when(place())
      .thenError('ORDER_ALREADY_EXISTS');
  });
  it('cancelling an order that does not exist', () => {
    given().when(client.cancel()).thenError('ORDER_NOT_FOUND');
  });
  it('cancelling a filled order', () => {
    given(...filled)
      .when(client.cancel())
      .thenError('ORDER_ALREADY_CLOSED');
  });
  it('cancelling twice', () => {
    given(...pending_cancel)
      .when(client.cancel())
      .thenError('REQUEST_ALREADY_PENDING');
  });
  it('amending an order the venue has not confirmed', () => {
    given(...pending_new)
      .when(client.amend())
      .thenError('ORDER_NOT_AMENDABLE');
  });
  it('amending a cancelled order', () => {
    given(...cancelled)
      .when(client.amend())
      .thenError('ORDER_ALREADY_CLOSED');
  });
  it('amending while an amend is pending', () => {
    given(...pending_amend)
      .when(client.amend())
      .thenError('REQUEST_ALREADY_PENDING');
  });
  it('amending the amount below what is filled', () => {
    given(...partially_filled)
      .when(client.amend({ amount: '40' }))
      .thenError('INVALID_ORDER', 'amendment.amount');
  });
  it('amending nothing', () => {
    given(...open)
      .when(client.amend({}))
      .thenError('INVALID_ORDER', 'amendment');
  });
  it('amending a price off the tick', () => {
    given(...open)
      .when(client.amend({ price: '61000.3' }))
      .thenError('INVALID_ORDER', 'amendment.price');
  });
  it('reports about an unknown order are the service business', () => {
    given().when(report.fill('t1', '10')).thenError('ORDER_NOT_FOUND');
  });
});
