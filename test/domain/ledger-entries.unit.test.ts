import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decimal, exactSum, parseDecimal, ZERO } from '../../domain/decimal.ts';
import type { CashMovementData } from '../../domain/ledger/contract.ts';
import {
  CASH_MODEL,
  cashAccountKey,
  type EntrySource,
  type FillSource,
  type LedgerEntry,
  ledgerEntries,
} from '../../domain/ledger/entries.ts';
import { isBalanced } from '../../domain/ledger/ledger.ts';

// The ledger's entries (read model `ledger_postings`): one per cause, balanced, the venue's trade
// entries never counted beside our fills, and the cash account's running balance that of the
// venue's log (`cash_movements`) whenever the log agrees with our fills.

fc.configureGlobal({ numRuns: Number(process.env.FC_NUM_RUNS ?? 100) });

const d = parseDecimal;
const at = '2026-11-02T08:00:00.000Z';
let seq = 0;
const pos = () => String(++seq).padStart(12, '0');

const fill = (over: Partial<FillSource> = {}): FillSource => ({
  cause: 'fill',
  venue: 'bitget',
  account: 'main',
  tradeId: 't1',
  orderId: '0b7a1d2e-0000-4000-8000-000000000001',
  symbol: 'BTCUSDT',
  realized: d('120'),
  pnlCurrency: 'USDT',
  fee: d('3.6'),
  feeCurrency: 'USDT',
  at,
  position: pos(),
  ...over,
});

const movement = (over: Partial<CashMovementData>): EntrySource => ({
  cause: 'movement',
  position: pos(),
  movement: {
    venue: 'bitget',
    account: 'main',
    currency: 'USDT',
    venueEntryId: `b${seq}`,
    venueType: 'contract_settle_fee',
    kind: 'funding',
    change: d('-1.25'),
    at,
    raw: {},
    ...over,
  },
});

const lines = (e: LedgerEntry) => Object.fromEntries(e.postings.map((p) => [p.account, p.amount.toString()]));

describe('an entry per cause', () => {
  it('given a Bitget close, when posted, then one fill entry with its trade and order, cash up by PnL less fee', () => {
    const [entry] = ledgerEntries([fill()], () => d('1000'));
    expect(entry).toMatchObject({ entryId: 'fill:t1', cause: 'fill', tradeId: 't1', currency: 'USDT' });
    expect(lines(entry!)).toEqual({ cash: '116.4', trading_pnl: '-120', fees: '3.6' });
    expect(entry!.cashBalance.toString()).toBe('1116.4');
  });

  it('given the venue’s bill of the same trade, when posted, then it makes no entry (the trade is not counted twice)', () => {
    const entries = ledgerEntries(
      [fill(), movement({ kind: 'trade', venueType: 'close_long', change: d('116.4'), pnl: d('120') })],
      () => undefined,
    );
    expect(entries.map((e) => e.entryId)).toEqual(['fill:t1']);
    expect(entries[0]!.cashBalance.toString()).toBe('116.4');
  });

  it('given a fee paid in another currency than the PnL, then one balanced entry per currency', () => {
    const entries = ledgerEntries([fill({ feeCurrency: 'BGB', fee: d('0.1') })], () => undefined);
    expect(entries.map((e) => [e.currency, lines(e)])).toEqual([
      ['USDT', { cash: '120', trading_pnl: '-120' }],
      ['BGB', { fees: '0.1', cash: '-0.1' }],
    ]);
  });

  it('given a Deribit settlement, then its entry names the venue entry and moves unsettled PnL and funding into cash', () => {
    const [entry] = ledgerEntries(
      [
        movement({
          venue: 'deribit',
          currency: 'BTC',
          venueEntryId: 'log-7',
          venueType: 'settlement',
          kind: 'settlement',
          change: d('0.00095'),
          funding: d('-0.00005'),
        }),
      ],
      () => undefined,
    );
    expect(entry).toMatchObject({ entryId: 'cash:log-7', cause: 'settlement', venueEntryId: 'log-7' });
    expect(lines(entry!)).toEqual({ cash: '0.00095', funding: '0.00005', unsettled_pnl: '-0.001' });
  });
});

// ------------------------------------------------------------------------------------------------
// Properties: random histories of fills and cash movements on both cash models
// ------------------------------------------------------------------------------------------------

const amount = fc
  .tuple(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 8 }))
  .map(([units, scale]) => d(units.toString()).div(d('10').pow(scale)));
const venue = fc.constantFrom('bitget' as const, 'deribit' as const);

type Step =
  | { fill: { realized: Decimal; fee: Decimal }; logLag: number }
  | {
      other: {
        kind: 'funding' | 'settlement' | 'delivery' | 'transfer' | 'deposit' | 'correction' | 'other';
      } & { change: Decimal; funding: Decimal };
    };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ fill: fc.record({ realized: amount, fee: amount.map((a) => a.abs()) }), logLag: fc.nat(5) }),
  fc.record({
    other: fc.record({
      kind: fc.constantFrom(
        'funding',
        'settlement',
        'delivery',
        'transfer',
        'deposit',
        'correction',
        'other' as const,
      ),
      change: amount,
      funding: amount,
    }),
  }),
);

/**
 * A history as the OMS records it: our fills as they happen, the venue's log (its trade entries
 * agreeing with our fills, each arriving some steps later), in one `$all` order. Returns the
 * sources and the venue log's changes (what `cash_movements` sums).
 */
function history(steps: readonly Step[], v: 'bitget' | 'deribit') {
  const currency = v === 'bitget' ? 'USDT' : 'BTC';
  const sources: EntrySource[] = [];
  const pending: { due: number; source: EntrySource }[] = [];
  const log: Decimal[] = [];
  const venueEntry = (over: Partial<CashMovementData>) => {
    const source = movement({ venue: v, currency, venueEntryId: `v${seq}`, ...over });
    log.push((source as Extract<EntrySource, { cause: 'movement' }>).movement.change);
    return source;
  };
  steps.forEach((s, i) => {
    for (const p of pending.filter((x) => x.due === i)) sources.push({ ...p.source, position: pos() });
    if ('fill' in s) {
      const tradeId = `t${i}`;
      sources.push(
        fill({ venue: v, tradeId, pnlCurrency: currency, feeCurrency: currency, ...s.fill, position: pos() }),
      );
      const cash = CASH_MODEL[v] === 'immediate' ? s.fill.realized.minus(s.fill.fee) : s.fill.fee.neg();
      pending.push({
        due: i + 1 + s.logLag,
        source: venueEntry({ kind: 'trade', venueType: 'trade', change: cash, tradeId }),
      });
    } else {
      sources.push(venueEntry({ ...s.other, venueType: s.other.kind }));
    }
  });
  for (const p of pending.filter((x) => x.due >= steps.length))
    sources.push({ ...p.source, position: pos() });
  return { sources, log, key: cashAccountKey(v, 'main', currency) };
}

describe('the ledger’s entries, for any history of fills and cash movements', () => {
  it('every entry balances, per currency', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), venue, (steps, v) => {
        for (const entry of ledgerEntries(history(steps, v).sources, () => undefined)) {
          expect(entry.postings.length).toBeGreaterThan(0);
          expect(isBalanced(entry.postings)).toBe(true);
        }
      }),
    );
  });

  it('the venue-cash account ends at the venue log’s running balance, to the last digit, and each entry carries the running sum', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), venue, amount, (steps, v, opening) => {
        const { sources, log, key } = history(steps, v);
        const entries = ledgerEntries(sources, (k) => (k === key ? opening : undefined));
        let running = opening;
        for (const e of entries) {
          running = exactSum([
            running,
            ...e.postings.filter((p) => p.account === 'cash').map((p) => p.amount),
          ]);
          expect(e.cashBalance.toString()).toBe(running.toString());
        }
        expect((entries.at(-1)?.cashBalance ?? opening).toString()).toBe(
          exactSum([opening, ...log]).toString(),
        );
      }),
    );
  });

  it('posting a history in batches (live) gives the entries of posting it at once (rebuild)', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        venue,
        fc.array(fc.nat(80), { maxLength: 6 }),
        (steps, v, cuts) => {
          const { sources } = history(steps, v);
          const whole = ledgerEntries(sources, () => undefined);
          const bounds = [
            ...new Set([0, ...cuts.map((c) => Math.min(c, sources.length)), sources.length]),
          ].sort((a, b) => a - b);
          const last = new Map<string, Decimal>();
          const batched: LedgerEntry[] = [];
          for (let i = 0; i + 1 < bounds.length; i++) {
            const batch = ledgerEntries(sources.slice(bounds[i], bounds[i + 1]), (k) => last.get(k));
            for (const e of batch) last.set(cashAccountKey(e.venue, e.account, e.currency), e.cashBalance);
            batched.push(...batch);
          }
          expect(batched).toEqual(whole);
        },
      ),
    );
  });

  it('given a partial close’s 40-digit PnL on a balance of 999.058883, then the running balance keeps every digit', () => {
    const [entry] = ledgerEntries(
      [fill({ realized: d('0.01934625384615384615384615384615384615'), fee: d('0.0075') })],
      () => d('999.058883'),
    );
    expect(entry!.cashBalance.toString()).toBe('999.07072925384615384615384615384615384615');
  });

  it('a zero fill (no PnL, no fee) makes no entry, and the running balance does not move', () => {
    const entries = ledgerEntries([fill({ realized: ZERO, fee: ZERO })], () => d('5'));
    expect(entries).toEqual([]);
  });
});
