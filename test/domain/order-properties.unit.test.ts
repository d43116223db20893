import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal, sum } from '../../domain/decimal.ts';
import type { OrderCommand, OrderEvent } from '../../domain/order/contract.ts';
import { decide, evolve, fold } from '../../domain/order/decider.ts';
import { exists, initialState, type OrderState } from '../../domain/order/state.ts';
import { isTerminal, type TransitionEvent, targetOf, transition } from '../../domain/order/transitions.ts';
import { client, ev, report } from './fixtures.ts';

// More runs on demand: FC_NUM_RUNS=10000 npm run test:unit
fc.configureGlobal({ numRuns: Number(process.env.FC_NUM_RUNS ?? 100) });

/**
 * Venue reports arrive late, twice, out of order and interleaved with a trader's requests. Whatever
 * the interleaving, the order must stay sane: these properties run the decider over random ones.
 */

const actionArb: fc.Arbitrary<() => OrderCommand> = fc.oneof(
  fc.constant(() => report.accepted('v-1')),
  fc.constant(() => report.accepted('v-2')),
  // The same trade id always carries the same amount: a duplicate is a duplicate.
  fc
    .integer({ min: 1, max: 8 })
    .map(
      (id) => () =>
        report.fill(`t${id}`, ['10', '20', '30', '50'][id % 4] as string, id % 2 ? '60000' : '60500'),
    ),
  fc.constant(() => report.cancelled()),
  fc.constant(() => report.cancelRejected()),
  fc.constant(() => report.rejected()),
  fc.constant(() => report.expired()),
  fc.constant(() => report.triggered()),
  fc.constantFrom('place', 'amend', 'cancel').map((request) => () => report.unknown(request as 'place')),
  fc.constant(() => report.amendAccepted({ price: '61000' })),
  fc.constant(() => report.amendRejected()),
  fc.constant(() => client.cancel()),
  fc.constant(() => client.amend({ price: '61000' })),
  fc.constant(() => client.amend({ amount: '120' })),
);

const orderKindArb = fc.constantFrom(
  [ev.requested()],
  [ev.requested({ type: 'stop_limit', trigger: { price: '59000', reference: 'mark_price' } })],
  [ev.requested({ timeInForce: 'ioc' })],
);

interface Run {
  state: OrderState;
  events: OrderEvent[];
  steps: { before: OrderState; event: OrderEvent; after: OrderState }[];
}

function run(history: readonly OrderEvent[], actions: readonly (() => OrderCommand)[]): Run {
  let state = fold(history);
  const events = [...history];
  const steps: Run['steps'] = [];
  for (const action of actions) {
    const decision = decide(action(), state);
    if (!decision.ok) continue; // a trader's request that does not apply: refused, nothing recorded
    for (const event of decision.events) {
      const before = state;
      state = evolve(state, event);
      events.push(event);
      steps.push({ before, event, after: state });
    }
  }
  return { state, events, steps };
}

const scenarios = fc.record({ history: orderKindArb, actions: fc.array(actionArb, { maxLength: 30 }) });

describe('order properties under random interleavings and duplications of venue reports', () => {
  it('filled never exceeds the amount', () => {
    fc.assert(
      fc.property(scenarios, ({ history, actions }) => {
        for (const { after } of run(history, actions).steps) {
          if (exists(after)) expect(after.filled.lte(after.order.amount)).toBe(true);
        }
      }),
    );
  });

  it('every status change is a row of the transition table; refused reports only add anomalies', () => {
    fc.assert(
      fc.property(scenarios, ({ history, actions }) => {
        for (const { before, event, after } of run(history, actions).steps) {
          if (event.type === 'OrderAnomalyDetected') {
            expect(after.status).toBe(before.status);
            continue;
          }
          expect(
            targetOf(before.status, event.type as TransitionEvent),
            `${before.status} + ${event.type}`,
          ).toBeDefined();
          if (exists(before) && exists(after)) {
            const expected = transition(before.status, event.type as TransitionEvent, {
              previousStatus: before.previousStatus,
              complete: after.filled.gte(after.order.amount),
              orderType: before.order.type,
              ...(event.type === 'OrderOutcomeUnknown' && { request: event.data.request }),
            });
            expect(after.status).toBe(expected?.status);
          }
        }
      }),
    );
  });

  it('a closed order never becomes live again', () => {
    fc.assert(
      fc.property(scenarios, ({ history, actions }) => {
        for (const { before, after } of run(history, actions).steps) {
          if (isTerminal(before.status)) expect(isTerminal(after.status)).toBe(true);
        }
      }),
    );
  });

  it('each trade is counted once, and filled is the sum of the recorded fills', () => {
    fc.assert(
      fc.property(scenarios, ({ history, actions }) => {
        const { state, events } = run(history, actions);
        const fills = events.flatMap((e) => (e.type === 'OrderFilled' ? [e.data.fill] : []));
        const ids = fills.map((f) => f.tradeId);
        expect(new Set(ids).size).toBe(ids.length);
        if (exists(state)) expect(state.filled.eq(sum(fills.map((f) => f.amount)))).toBe(true);
      }),
    );
  });

  it('replaying the recorded events reproduces the state', () => {
    fc.assert(
      fc.property(scenarios, ({ history, actions }) => {
        const { state, events } = run(history, actions);
        expect(fold(events, initialState)).toEqual(state);
      }),
    );
  });

  it('replaying the same reports a second time records nothing new', () => {
    fc.assert(
      fc.property(scenarios, ({ history, actions }) => {
        const reports = actions.filter((a) => a().type.startsWith('Record'));
        const once = run(history, reports);
        const twice = run(
          once.events,
          reports.filter((a) => ['RecordFill', 'RecordOrderAccepted'].includes(a().type)),
        );
        const newEvents = twice.events
          .slice(once.events.length)
          .filter((e) => e.type !== 'OrderAnomalyDetected');
        expect(newEvents).toEqual([]);
      }),
    );
  });
});

describe('a worked interleaving', () => {
  it('fill before ack, duplicate fill, cancel race, late fill: one consistent order', () => {
    const { state, events } = run(
      [ev.requested()],
      [
        () => report.fill('t1', '30'),
        () => report.accepted('v-1'),
        () => report.fill('t1', '30'),
        () => client.cancel(),
        () => report.fill('t2', '20'),
        () => report.cancelled(),
        () => report.fill('t3', '50'),
        () => report.cancelRejected(),
      ],
    );
    expect(events.map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderFilled',
      'OrderAccepted',
      'OrderCancelRequested',
      'OrderFilled',
      'OrderCancelled',
      'OrderFilled',
      'OrderCancelRejected',
    ]);
    expect(state.status).toBe('filled');
    expect(exists(state) && state.filled.eq(parseDecimal('100'))).toBe(true);
  });
});
