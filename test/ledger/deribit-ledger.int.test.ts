import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { parseDecimal, sum } from '../../domain/decimal.ts';
import { replayPositions } from '../../projections/replay.ts';
import { SimClock } from '../../simulators/clock.ts';
import { datedFuture, defaultInstruments } from '../../simulators/deribit/instruments.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from '../service/support.ts';
import { until } from '../support/until.ts';
import { expectStatementsAddUp } from './statements.ts';

// The back office on the local Deribit: a deposit, a perpetual held across two daily settlements
// (its session PnL and funding paid into cash at 08:00 UTC) and a dated future delivered at its
// expiry; the ingester records the transaction log once, our BTC balance is the venue's to the last
// digit, and every daily statement adds up.

const HOUR = 3_600_000;
const expiry = Date.parse('2026-12-03T08:00:00.000Z');
const future = datedFuture(expiry);
let clock: SimClock;
let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  const start = Date.parse('2026-12-01T07:00:00.000Z');
  const began = Date.now();
  clock = new SimClock(() => start + (Date.now() - began));
  svc = await startServiceOnLocalDeribit({
    clientId: 'ledger-deribit',
    clock,
    instruments: [...defaultInstruments(), future],
    service: { cashIngestion: { lagMs: 0, initialLookbackMs: 2 * HOUR } },
  });
}, 30_000);

afterAll(async () => svc?.close());

let orders = 0;
async function market(symbol: string, side: 'buy' | 'sell', amount: string) {
  const key = `deribit-ledger-${++orders}`;
  const placed = await until('the venue to trade', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({ venue: 'deribit', symbol, side, type: 'market', amount }),
      { idempotencyKey: key },
    );
    return result.ok ? result.value : undefined;
  });
  await until(`order ${key} to fill`, async () => {
    const order = await svc.running.service.getOrder(placed.order.orderId);
    return order.ok && order.value.status === 'filled';
  });
}

describe('two days and a delivery on the local Deribit', () => {
  it('records the transaction log once; our BTC balance is the venue’s; the statements add up', async () => {
    // Given a deposit, a long perpetual with the mark over the index (it pays funding), a long future
    svc.sim.deposit('main', 'BTC', '0.5');
    await market('BTC-PERPETUAL', 'buy', '1000');
    svc.sim.setIndexPrice('btc_usd', svc.sim.markPrice('BTC-PERPETUAL').times('0.999'));
    await market(future.name, 'buy', '500');
    // When the clock passes two daily settlements, the perpetual is closed, then the future expires
    clock.advance(26 * HOUR);
    svc.sim.setMarkPrice('BTC-PERPETUAL', svc.sim.markPrice('BTC-PERPETUAL').plus(200));
    await market('BTC-PERPETUAL', 'sell', '1000');
    clock.advanceTo(expiry + HOUR);
    await svc.running.ledger.ingestNow();
    await svc.running.readModelCaughtUp();

    // Then the log's kinds are all there, and our balance is the venue's, to the last digit
    const ledger = await svc.running.readModel.ledger({ venue: 'deribit', currency: 'BTC', limit: 1000 });
    const kinds = new Set(ledger.movements.map((m) => m.kind));
    for (const kind of ['deposit', 'trade', 'settlement', 'delivery']) expect(kinds).toContain(kind);
    const [btc] = await svc.running.readModel.balances({ venue: 'deribit', currency: 'BTC' });
    expect(btc).toMatchObject({ currency: 'BTC', difference: '0' });
    // And each day's statement adds up, each opening the day before's closing, nothing unexplained
    const statements = await svc.running.readModel.dailyStatements({
      venue: 'deribit',
      currency: 'BTC',
      utcOffsetHours: 0,
    });
    expectStatementsAddUp(statements);
    const funding = sum(statements.map((s) => parseDecimal(s.funding)));
    expect(funding.isNegative()).toBe(true);
    // When it runs again, nothing is recorded twice
    // And the delivered future is flat in the OMS as at the venue: reconciliation finds no difference
    const delivered = await svc.running.readModel.positions({
      venue: 'deribit',
      symbol: future.name,
      includeFlat: true,
    });
    expect(delivered.map((p) => p.size)).toEqual(['0']);
    expect(parseDecimal(delivered[0]?.realizedPnl ?? '0').isZero()).toBe(false);
    const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(report?.positionDifferences).toEqual([]);
    // And the as-of replay from the events agrees with the read model (the delivery applied once)
    const replayed = await replayPositions(svc.store, { kind: 'time', time: new Date(clock.now() + HOUR) });
    const fromEvents = replayed.positions.find((p) => p.key.symbol === future.name);
    expect([fromEvents?.size.toString(), fromEvents?.realizedPnl.toString()]).toEqual([
      delivered[0]?.size,
      delivered[0]?.realizedPnl,
    ]);
    const again = await svc.running.ledger.ingestNow();
    expect(again.map((r) => [r.currency, r.recorded, r.error])).toEqual(
      again.map((r) => [r.currency, 0, undefined]),
    );
  }, 60_000);
});
