import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import type { InstrumentStatement } from '../../application/ports/instrument-queries.ts';
import type { DailyStatement } from '../../application/ports/queries.ts';
import { parseDecimal, sum } from '../../domain/decimal.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { SimClock } from '../../simulators/clock.ts';
import { datedFuture, defaultInstruments } from '../../simulators/deribit/instruments.ts';
import {
  type ServiceOnLocalDeribit,
  type ServiceOnOneVenue,
  startServiceOnLocalBitget,
  startServiceOnLocalDeribit,
} from '../service/support.ts';
import { until } from '../support/until.ts';
import { expectInstrumentStatementsAddUp, expectStatementsAddUp, sumsByAccountDay } from './statements.ts';

// The seeded back-office simulation on the local Bitget: days of trading, funding at every funding
// time and transfers, on a clock moved forward; at the end every balance in the ledger equals the
// venue's to the last digit, and every day's statement adds up to its balance change. Marks are
// recorded after each step (hourly ticks and each day's close, on the moved clock): every
// per-instrument daily statement adds up exactly and its funding (and, on Bitget, its fees) sum to
// the cash statement's.
// LEDGER_SIM_DAYS=30 npx vitest run test/ledger/simulation.int.test.ts runs the full month.

const DAYS = Number(process.env.LEDGER_SIM_DAYS ?? 7);
const HOUR = 3_600_000;
const credentials = { apiKey: 'sim-key', secretKey: 'sim-secret', passphrase: 'sim-pass' };
let clock: SimClock;
let sim: LocalBitget;
let svc: ServiceOnOneVenue;

/** A small seeded generator (mulberry32): the same run every time. */
function random(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  const start = Date.parse('2026-11-01T00:30:00.000Z');
  const began = Date.now();
  clock = new SimClock(() => start + (Date.now() - began));
  sim = await startLocalBitget({ credentials, clock });
  svc = await startServiceOnLocalBitget(sim, credentials, {
    service: {
      now: clock.now,
      cashIngestion: { lagMs: 0, initialLookbackMs: 2 * HOUR },
      marks: { intervalMs: HOUR, utcOffsetHours: 0 },
    },
  });
}, 30_000);

afterAll(async () => {
  await svc?.close();
  await sim?.close();
});

const LEDGER_BREAKS = new Set([
  'ledger_entry_mismatch',
  'venue_trade_not_in_ledger',
  'fill_missing_from_venue_log',
]);

/**
 * Every ledger entry balances, and the ledger's trades agree with the venue's log: nothing missing
 * either way. A trade's cash may differ only where the venue rounds: the local Bitget books a
 * partial close's share of the open value to `venueDecimals` decimals (its positions.ts) where our
 * position math keeps 40 digits, so such a close is a `ledger_entry_mismatch` whose venue figure is
 * ours rounded (a known difference of the position math, not of the ledger; it cancels when the
 * position closes in full, as the balance check above shows).
 */
async function expectLedgerAgrees(
  service: ServiceOnOneVenue,
  venue: 'bitget' | 'deribit',
  venueDecimals?: number,
) {
  const entries = new Map<string, ReturnType<typeof parseDecimal>>();
  let cursor: string | undefined;
  do {
    const page = await service.running.readModel.postings({ venue, limit: 1000, ...(cursor && { cursor }) });
    for (const p of page.postings) {
      const key = `${p.currency}/${p.entryId}`;
      entries.set(key, (entries.get(key) ?? parseDecimal('0')).plus(p.amount));
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  expect(entries.size).toBeGreaterThan(0);
  expect([...entries].filter(([, total]) => !total.isZero())).toEqual([]);
  await service.trading(); // connected again, should the venue have dropped its socket on the moved clock
  await service.running.reconciliation.reconcileNow({ venue });
  const breaks = (await service.running.reconciliation.breaks('open')).filter((b) =>
    LEDGER_BREAKS.has(b.kind),
  );
  const rounding = breaks.filter(
    (b) =>
      venueDecimals !== undefined &&
      b.kind === 'ledger_entry_mismatch' &&
      parseDecimal(b.ours).toDecimalPlaces(venueDecimals).eq(parseDecimal(b.theirs)),
  );
  expect(breaks.filter((b) => !rounding.includes(b))).toEqual([]);
}

let orders = 0;
async function placeAndFill(service: ServiceOnOneVenue, body: Record<string, unknown>) {
  const key = `sim-${++orders}`;
  const placed = await until('the venue to trade', async () => {
    const result = await service.running.service.place(PlaceOrderRequestSchema.parse(body), {
      idempotencyKey: key,
    });
    return result.ok ? result.value : undefined;
  });
  await until(`order ${key} to fill`, async () => {
    const order = await service.running.service.getOrder(placed.order.orderId);
    return order.ok && order.value.status === 'filled';
  });
}

async function market(side: 'buy' | 'sell', amount: string) {
  const key = `sim-${++orders}`;
  const placed = await until('the venue to trade', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side,
        type: 'market',
        amount,
        marginMode: 'crossed',
      }),
      { idempotencyKey: key },
    );
    return result.ok ? result.value : undefined;
  });
  await until(`order ${key} to fill`, async () => {
    const order = await svc.running.service.getOrder(placed.order.orderId);
    return order.ok && order.value.status === 'filled';
  });
}

/** The marks due now, once the read models know the positions the last orders opened. */
async function recordMarks(service: ServiceOnOneVenue) {
  await service.running.readModelCaughtUp();
  // A request the local venue drops (its socket on a moved clock) is tried again by the next run.
  await until('the marks due to be recorded', async () =>
    (await service.running.marks.recordNow()).every((r) => r.error === undefined),
  );
}

/** The per-instrument statements' components summed per account, currency and day equal the cash statements'. */
function expectSameAsCash(
  cash: readonly DailyStatement[],
  byInstrument: readonly InstrumentStatement[],
  components: readonly ('funding' | 'fees')[],
) {
  for (const component of components) {
    const sums = sumsByAccountDay(byInstrument, component);
    for (const s of cash) {
      const key = `${s.venue} ${s.account} ${s.currency} ${s.day}`;
      expect(sums.get(key) ?? '0', `${component} of ${key}`).toBe(s[component]);
    }
  }
}

describe(`${DAYS} days of trading, funding and transfers on the local Bitget`, () => {
  it('ends with the ledger’s balance equal to the venue’s, and every statement adding up', async () => {
    const next = random(17);
    for (let day = 0; day < DAYS; day++) {
      // Each day: the mark drifts, the index sits a little under or over it (funding either way),
      // two or three market orders, sometimes a transfer, and the clock moves on 24 hours.
      for (let step = 0; step < 3; step++) {
        const mark = sim.markPrice('BTCUSDT');
        const drift = mark.times(((next() - 0.5) / 50).toFixed(4)).toDecimalPlaces(1);
        sim.setMarkPrice('BTCUSDT', mark.plus(drift));
        sim.setIndexPrice(
          'BTCUSDT',
          sim
            .markPrice('BTCUSDT')
            .times(next() < 0.5 ? '0.9995' : '1.0005')
            .toDecimalPlaces(1),
        );
        await market(next() < 0.5 ? 'buy' : 'sell', (0.001 * (1 + Math.floor(next() * 20))).toFixed(3));
        if (next() < 0.3) sim.transferIn(credentials.apiKey, (next() * 100).toFixed(2));
        clock.advance(8 * HOUR);
        await recordMarks(svc);
      }
      await svc.running.ledger.ingestNow();
    }
    clock.advance(1_000);
    const [result] = await svc.running.ledger.ingestNow();
    expect(result?.error).toBeUndefined();
    await svc.running.readModelCaughtUp();

    // Then our balance is the venue's, to the last digit, and no movement is missing
    const [usdt] = await svc.running.readModel.balances({ venue: 'bitget' });
    const bills = sim.bills(credentials.apiKey);
    const latest = bills.reduce((a, b) => (BigInt(String(a.billId)) > BigInt(String(b.billId)) ? a : b));
    expect(usdt).toMatchObject({
      ours: parseDecimal(String(latest.balance)).toString(),
      difference: '0',
      movements: bills.length,
    });
    // And the double-entry ledger's cash (trades from our own fills) is the venue's too, every entry
    // balanced, and its trades agree with the venue's bills one by one: no break
    expect(usdt?.ledger).toBe(parseDecimal(String(latest.balance)).toString());
    await expectLedgerAgrees(svc, 'bitget', 10);
    // And every day's statement adds up, each opening the day before's closing
    const statements = await svc.running.readModel.dailyStatements({ venue: 'bitget', utcOffsetHours: 0 });
    expect(statements.length).toBeGreaterThanOrEqual(DAYS);
    expectStatementsAddUp(statements);
    const funding = sum(statements.map((s) => parseDecimal(s.funding)));
    expect(funding.isZero()).toBe(false);

    // And marks were recorded at the hourly ticks and at each day's close
    const marks = await svc.running.readModel.marks({ venue: 'bitget', limit: 1000 });
    expect(new Set(marks.map((m) => m.occasion))).toEqual(new Set(['interval', 'day_close']));
    expect(marks.filter((m) => m.occasion === 'day_close').length).toBeGreaterThanOrEqual(DAYS);
    // And every per-instrument daily statement adds up exactly, its funding and fees those of the cash statements
    const byInstrument = await svc.running.readModel.instrumentStatements({
      venue: 'bitget',
      utcOffsetHours: 0,
    });
    expect(byInstrument.length).toBeGreaterThanOrEqual(DAYS);
    expectInstrumentStatementsAddUp(byInstrument);
    expectSameAsCash(statements, byInstrument, ['funding', 'fees']);
  }, 300_000);
});

describe(`${DAYS} days of trading, settlements, a delivery and transfers on the local Deribit`, () => {
  it('ends with the ledger’s BTC balance equal to the venue’s, every statement adding up, the future delivered', async () => {
    const start = Date.parse('2026-11-01T00:30:00.000Z');
    const began = Date.now();
    const deribitClock = new SimClock(() => start + (Date.now() - began));
    // A dated future expiring halfway through
    const future = datedFuture(
      start - 30 * 60_000 + Math.max(1, Math.floor(DAYS / 2)) * 86_400_000 + 8 * HOUR,
    );
    const deribit: ServiceOnLocalDeribit = await startServiceOnLocalDeribit({
      clientId: 'sim-deribit',
      clock: deribitClock,
      instruments: [...defaultInstruments(), future],
      service: { cashIngestion: { lagMs: 0, initialLookbackMs: 2 * HOUR } },
    });
    try {
      const next = random(29);
      deribit.sim.deposit('main', 'BTC', '1');
      await placeAndFill(deribit, {
        venue: 'deribit',
        symbol: future.name,
        side: 'buy',
        type: 'market',
        amount: '500',
      });
      for (let day = 0; day < DAYS; day++) {
        for (let step = 0; step < 3; step++) {
          const mark = deribit.sim.markPrice('BTC-PERPETUAL');
          deribit.sim.setMarkPrice(
            'BTC-PERPETUAL',
            mark.plus(mark.times(((next() - 0.5) / 50).toFixed(4))).toDecimalPlaces(0),
          );
          const index = deribit.sim.markPrice('BTC-PERPETUAL').times(next() < 0.5 ? '0.9995' : '1.0005');
          deribit.sim.setIndexPrice('btc_usd', index.toDecimalPlaces(2));
          const amount = String(10 * (1 + Math.floor(next() * 30)));
          await placeAndFill(deribit, {
            venue: 'deribit',
            symbol: 'BTC-PERPETUAL',
            side: next() < 0.5 ? 'buy' : 'sell',
            type: 'market',
            amount,
          });
          if (next() < 0.2) deribit.sim.deposit('main', 'BTC', (next() / 10).toFixed(8));
          deribitClock.advance(8 * HOUR);
          await recordMarks(deribit);
        }
        await deribit.running.ledger.ingestNow();
      }
      deribitClock.advance(1_000);
      const results = await deribit.running.ledger.ingestNow();
      expect(results.filter((r) => r.error !== undefined)).toEqual([]);
      await deribit.running.readModelCaughtUp();
      const [btc] = await deribit.running.readModel.balances({ venue: 'deribit', currency: 'BTC' });
      expect(btc).toMatchObject({ currency: 'BTC', difference: '0' });
      const statements = await deribit.running.readModel.dailyStatements({
        venue: 'deribit',
        currency: 'BTC',
        utcOffsetHours: 0,
      });
      expect(statements.length).toBeGreaterThanOrEqual(DAYS);
      expectStatementsAddUp(statements);
      const byInstrument = await deribit.running.readModel.instrumentStatements({
        venue: 'deribit',
        currency: 'BTC',
        utcOffsetHours: 0,
      });
      expect(new Set(byInstrument.map((s) => s.symbol))).toEqual(new Set(['BTC-PERPETUAL', future.name]));
      expectInstrumentStatementsAddUp(byInstrument);
      expectSameAsCash(statements, byInstrument, ['funding']);
      // The future's delivery is settlement PnL on its day, and the position is flat after it
      const delivered = byInstrument.filter((s) => s.symbol === future.name && s.settlement !== '0');
      expect(delivered).toHaveLength(1);
      expect(delivered[0]?.closingSize).toBe('0');
      const kinds = new Set(
        (
          await deribit.running.readModel.ledger({
            venue: 'deribit',
            kind: ['delivery', 'settlement'],
            limit: 1000,
          })
        ).movements.map((m) => m.kind),
      );
      expect(kinds).toEqual(new Set(['delivery', 'settlement']));
      // (a socket the venue dropped on its moved clock reconnects first: a run needs it connected)
      await deribit.trading();
      const [report] = await deribit.running.reconciliation.reconcileNow({ venue: 'deribit' });
      expect(report?.positionDifferences).toEqual([]);
      // And the double-entry ledger's BTC cash is the venue's balance, to the last digit, its trades
      // (fees from our fills; PnL at the settlements) agreeing with the log entry by entry
      expect(btc?.ledger).toBe(btc?.theirs);
      await expectLedgerAgrees(deribit, 'deribit');
    } finally {
      await deribit.close();
    }
  }, 300_000);
});
