import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decimal, parseDecimal, sum, ZERO } from '../../domain/decimal.ts';
import {
  balancesOf,
  type CashModel,
  type CashMovement,
  fillPostings,
  isBalanced,
  movementPostings,
  type Posting,
  statementOf,
} from '../../domain/ledger/ledger.ts';

// The back office's double-entry ledger: every entry balanced, the cash leg always the venue's
// change, and a statement's components summing to the cash change, exactly.

fc.configureGlobal({ numRuns: Number(process.env.FC_NUM_RUNS ?? 100) });

const d = parseDecimal;
const posted = (postings: readonly Posting[]) =>
  Object.fromEntries(postings.map((p) => [p.account, p.amount.toString()]));

describe('Bitget (cash model: immediate)', () => {
  it('given a close that realized 120 USDT and paid 3.6 in fees, then cash moves by 116.4 at once', () => {
    const postings = fillPostings({ realized: d('120'), fee: d('3.6') }, 'immediate');
    expect(posted(postings)).toEqual({ cash: '116.4', trading_pnl: '-120', fees: '3.6' });
    expect(isBalanced(postings)).toBe(true);
  });

  it('given a funding bill of −1.25 USDT, then cash and the funding account move by it', () => {
    const postings = movementPostings({ kind: 'funding', change: d('-1.25') }, 'immediate');
    expect(posted(postings)).toEqual({ cash: '-1.25', funding: '1.25' });
  });

  it('posts nothing for the venue’s trade bills (our fills are posted; the bills are checked against them)', () => {
    expect(movementPostings({ kind: 'trade', change: d('116.4') }, 'immediate')).toEqual([]);
  });
});

describe('Deribit (cash model: session)', () => {
  it('given a close that realized 0.001 BTC, then the PnL waits as unsettled and only the fee leaves cash', () => {
    const postings = fillPostings({ realized: d('0.001'), fee: d('0.00002') }, 'session');
    expect(posted(postings)).toEqual({
      unsettled_pnl: '0.001',
      trading_pnl: '-0.001',
      fees: '0.00002',
      cash: '-0.00002',
    });
  });

  it('given the 08:00 settlement of 0.00095 BTC with −0.00005 of funding, then cash takes it from unsettled PnL and funding', () => {
    const postings = movementPostings(
      { kind: 'settlement', change: d('0.00095'), funding: d('-0.00005') },
      'session',
    );
    expect(posted(postings)).toEqual({ cash: '0.00095', funding: '0.00005', unsettled_pnl: '-0.001' });
    // Over the day: the close, then the settlement: unsettled PnL is back to zero
    const day = [...fillPostings({ realized: d('0.001'), fee: d('0') }, 'session'), ...postings];
    expect(statementOf(day)).toMatchObject({
      unsettledChange: ZERO,
      trading: d('0.001'),
      funding: d('-0.00005'),
    });
  });

  it('given a delivery of 0.002 BTC of which 0.0015 is the delivery PnL, then the rest comes from unsettled PnL', () => {
    const postings = movementPostings(
      { kind: 'delivery', change: d('0.002'), settlementPnl: d('0.0015') },
      'session',
    );
    expect(posted(postings)).toEqual({ cash: '0.002', settlement: '-0.0015', unsettled_pnl: '-0.0005' });
  });
});

describe('deposits, withdrawals, transfers and corrections', () => {
  it.each([
    ['deposit', '10'],
    ['withdrawal', '-4'],
    ['transfer', '-2.5'],
  ] as const)('a %s of %s moves cash against transfers', (kind, change) => {
    expect(posted(movementPostings({ kind, change: d(change) }, 'immediate'))).toEqual({
      cash: change,
      transfers: d(change).neg().toString(),
    });
  });
});

// ------------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------------

const amount = fc
  .tuple(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 8 }))
  .map(([units, scale]) => d(units.toString()).div(d('10').pow(scale)));
const positive = amount.map((a) => a.abs());
const movement: fc.Arbitrary<CashMovement> = fc.oneof(
  fc.record({
    kind: fc.constantFrom(
      'funding',
      'deposit',
      'withdrawal',
      'transfer',
      'correction',
      'other',
      'trade',
      'liquidation' as const,
    ),
    change: amount,
  }),
  fc.record({
    kind: fc.constantFrom('settlement', 'delivery' as const),
    change: amount,
    funding: amount,
    settlementPnl: amount,
  }),
);
type Event = { fill: { realized: Decimal; fee: Decimal } } | { movement: CashMovement };
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ fill: fc.record({ realized: amount, fee: positive }) }),
  fc.record({ movement }),
);
const model = fc.constantFrom<CashModel>('immediate', 'session');
const postingsOf = (e: Event, m: CashModel) =>
  'fill' in e ? fillPostings(e.fill, m) : movementPostings(e.movement, m);
const cashEffect = (e: Event, m: CashModel): Decimal => {
  if ('fill' in e) return m === 'immediate' ? e.fill.realized.minus(e.fill.fee) : e.fill.fee.neg();
  return e.movement.kind === 'trade' || e.movement.kind === 'liquidation' ? ZERO : e.movement.change;
};

describe('the ledger’s balance rule', () => {
  it('every entry is balanced, and the trial balance of any history is zero', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), model, (events, m) => {
        const entries = events.map((e) => postingsOf(e, m));
        for (const entry of entries) expect(isBalanced(entry)).toBe(true);
        const total = sum([...balancesOf(entries.flat()).values()]);
        expect(total.isZero()).toBe(true);
      }),
    );
  });

  it('the cash account is the running sum of the cash each event made, to the last digit', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), model, (events, m) => {
        const cash = balancesOf(events.flatMap((e) => postingsOf(e, m))).get('cash') ?? ZERO;
        expect(cash.toString()).toBe(sum(events.map((e) => cashEffect(e, m))).toString());
      }),
    );
  });

  it('a statement’s components add up to its cash change, for any period', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), model, (events, m) => {
        const s = statementOf(events.flatMap((e) => postingsOf(e, m)));
        const explained = s.trading
          .plus(s.funding)
          .plus(s.settlement)
          .minus(s.fees)
          .plus(s.transfers)
          .plus(s.corrections)
          .minus(s.unsettledChange);
        expect(explained.toString()).toBe(s.cashChange.toString());
      }),
    );
  });
});
