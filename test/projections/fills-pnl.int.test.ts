import { afterAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.ts';
import { type OrderEvent, OrderEventSchema } from '../../domain/order/contract.ts';
import { ReadModelVersionError } from '../../projections/errors.ts';
import { ORDER_PROJECTION } from '../../projections/order-projection.ts';
import { rebuildReadModels } from '../../projections/rebuild.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { READ_MODEL_VERSION, readProjection } from '../../projections/schema.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { BITGET_BTCUSDT, BTC_PERPETUAL, orderParams } from '../domain/fixtures.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import {
  appendEvents,
  catchUp,
  postgresFactory,
  type Subject,
  silent,
  subjectsOf,
} from './support/subjects.ts';

// Read model `fills`: each fill carries the trading PnL it realized on its position (the domain's
// position math: inverse on Deribit, linear on Bitget, hedge legs) and the size it left; the sum
// of a position's fills' PnL is the position's realized PnL, and a rebuild writes the same rows.

const pg = await postgresFactory('fills-pnl');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'fills PnL');

const e = (orderId: string, type: string, data: Record<string, unknown> = {}): OrderEvent =>
  OrderEventSchema.parse({ type, data: { orderId, ...data } });
const fill = (orderId: string, tradeId: string, amount: string, price: string, feeCurrency: string) =>
  e(orderId, 'OrderFilled', {
    fill: {
      tradeId,
      price,
      amount,
      fee: '0',
      feeCurrency,
      liquidity: 'taker',
      executedAt: '2026-11-21T12:00:05.000Z',
    },
  });

interface FillPnl {
  trade_id: string;
  realized_pnl: string | null;
  pnl_currency: string | null;
  position_size_after: string | null;
}

const fillsPnl = async (s: Subject, where = 'true') =>
  (
    await s.db.query<FillPnl>(
      `select trade_id, realized_pnl::text as realized_pnl, pnl_currency,
         position_size_after::text as position_size_after
       from ${s.base}.fills where ${where} order by global_position`,
    )
  ).rows;

describe.each(subjects)('the PnL each fill realized, on %s', (_name, open) => {
  const withSubject = async (test: (s: Subject) => Promise<void>) => {
    const subject = await open();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  };

  it('an inverse long closed past flat: the closing fill realizes coin PnL on the closed part only', () =>
    withSubject(async (s) => {
      // Given a buy of 100 USD of BTC-PERPETUAL at 50000, then a sell of 150 at 55000 (a flip)
      const A = '11111111-1111-4111-8111-11111111111a';
      const B = '11111111-1111-4111-8111-11111111111b';
      await appendEvents(s.store, A, [
        e(A, 'OrderRequested', { order: orderParams({ orderId: A, amount: '100', price: '50000' }) }),
        e(A, 'OrderAccepted', { venueOrderId: 'v-a' }),
        fill(A, 'inv-1', '100', '50000', 'BTC'),
      ]);
      await appendEvents(s.store, B, [
        e(B, 'OrderRequested', {
          order: orderParams({
            orderId: B,
            clientOrderId: 'c-b',
            side: 'sell',
            amount: '150',
            price: '55000',
          }),
        }),
        e(B, 'OrderAccepted', { venueOrderId: 'v-b' }),
        fill(B, 'inv-2', '150', '55000', 'BTC'),
      ]);
      // When projected
      await catchUp(s);
      // Then the opening fill realized nothing; the flip realized 100 × (1/50000 − 1/55000) BTC
      // on the 100 it closed, and left a short of 50
      const expected = new Decimal(100).div(50000).minus(new Decimal(100).div(55000));
      expect(await fillsPnl(s)).toEqual([
        { trade_id: 'inv-1', realized_pnl: '0', pnl_currency: 'BTC', position_size_after: '100' },
        {
          trade_id: 'inv-2',
          realized_pnl: expected.toString(),
          pnl_currency: 'BTC',
          position_size_after: '-50',
        },
      ]);
      expect(BTC_PERPETUAL.settlement).toBe('inverse');
    }));

  it('Bitget hedge legs: a close of the long leg realizes linear USDT PnL, the short leg apart', () =>
    withSubject(async (s) => {
      // Given a hedge-mode long of 0.02 opened at 60000 and a short of 0.01 opened at 61000, then
      // 0.015 of the long closed at 62000
      const orders = [
        ['22222222-2222-4222-8222-22222222222a', 'buy', 'open', '0.02', '60000', 'h-1'],
        ['22222222-2222-4222-8222-22222222222b', 'sell', 'open', '0.01', '61000', 'h-2'],
        ['22222222-2222-4222-8222-22222222222c', 'sell', 'close', '0.015', '62000', 'h-3'],
      ] as const;
      for (const [orderId, side, tradeSide, amount, price, tradeId] of orders) {
        const order = orderParams({
          orderId,
          instrument: BITGET_BTCUSDT,
          clientOrderId: `c-${tradeId}`,
          side,
          amount,
          price,
          positionMode: 'hedge',
          tradeSide,
          marginMode: 'crossed',
        });
        await appendEvents(s.store, orderId, [
          e(orderId, 'OrderRequested', { order }),
          e(orderId, 'OrderAccepted', { venueOrderId: `v-${tradeId}` }),
          fill(orderId, tradeId, amount, price, 'USDT'),
        ]);
      }
      // When projected
      await catchUp(s);
      // Then the close realized 0.015 × (62000 − 60000) = 30 USDT on the long leg, which keeps 0.005
      expect(await fillsPnl(s)).toEqual([
        { trade_id: 'h-1', realized_pnl: '0', pnl_currency: 'USDT', position_size_after: '0.02' },
        { trade_id: 'h-2', realized_pnl: '0', pnl_currency: 'USDT', position_size_after: '0.01' },
        { trade_id: 'h-3', realized_pnl: '30', pnl_currency: 'USDT', position_size_after: '0.005' },
      ]);
    }));

  it(
    'random fill sequences, inverse and linear, one-way and hedge: the fills’ PnL sums to each position’s, and a rebuild agrees',
    () =>
      withSubject(async (s) => {
        // Given a generated history (both venues, inverse and linear, hedge legs) projected in small
        // batches (the statement path)
        await appendHistory(s.store, generateHistory({ seed: 17, events: 1200 }));
        await catchUp(s, { batchSize: 100 });
        // When each position's fills are read in the order they were applied
        const { rows: fills } = await s.db.query<{ key: string; realized: string; size_after: string }>(
          `select concat_ws('/', venue, account, instrument, position_side) as key,
           realized_pnl::text as realized, position_size_after::text as size_after
         from ${s.base}.fills order by global_position`,
        );
        const { rows } = await s.db.query<{
          key: string;
          settlement: string;
          side: string;
          realized: string;
          size: string;
        }>(
          `select concat_ws('/', venue, account, instrument, side) as key, settlement, side,
           realized_pnl::text as realized, size::text as size
         from ${s.base}.positions`,
        );
        const folded = new Map<string, { realized: Decimal; size: string }>();
        for (const f of fills) {
          const sum = folded.get(f.key)?.realized ?? new Decimal(0);
          folded.set(f.key, { realized: sum.plus(f.realized), size: f.size_after });
        }
        // Then every position's realized PnL is exactly the sum of its fills' (added as the position
        // math adds, to 40 significant digits), and its size the size its last fill left
        expect(rows.length).toBeGreaterThan(5);
        for (const r of rows) {
          expect({
            key: r.key,
            realized: folded.get(r.key)?.realized.toString(),
            size: folded.get(r.key)?.size,
          }).toEqual({ key: r.key, realized: new Decimal(r.realized).toString(), size: r.size });
        }
        // (and SQL's exact sum of the fills' PnL is the position's to its 40th significant digit)
        const { rows: sums } = await s.db.query<{ off: string }>(
          `select abs(sum(f.realized_pnl) - p.realized_pnl)::text as off, p.realized_pnl::text as realized
         from ${s.base}.positions p join ${s.base}.fills f on f.venue = p.venue and f.account = p.account
           and f.instrument = p.instrument and f.position_side = p.side
         group by p.venue, p.account, p.instrument, p.side, p.realized_pnl`,
        );
        for (const r of sums) expect(new Decimal(r.off).lt('1e-30')).toBe(true);
        // (the sequences cover inverse and linear positions, hedge legs, and PnL actually realized)
        expect(new Set(rows.map((r) => r.settlement))).toEqual(new Set(['inverse', 'linear']));
        expect(rows.some((r) => r.side === 'long' || r.side === 'short')).toBe(true);
        expect(rows.filter((r) => !new Decimal(r.realized).isZero()).length).toBeGreaterThan(3);

        // And verify (a scratch rebuild in large batches, by COPY) finds every fill row the same
        const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
        expect(verified.differences).toEqual([]);
        expect(verified.rows.fills).toBeGreaterThan(100);
      }),
    120_000,
  );

  it(
    'read models built by the previous version are refused until rebuilt, then carry the fills’ PnL',
    () =>
      withSubject(async (s) => {
        // Given read models whose control row says they were built by the previous version
        await appendHistory(s.store, generateHistory({ seed: 5, events: 300 }));
        await catchUp(s);
        await s.db.query(`update ${s.base}.projections set version = $1 where name = $2`, [
          READ_MODEL_VERSION - 1,
          ORDER_PROJECTION,
        ]);
        // When the runner starts, then it refuses them with the versions
        const runner = createProjectionRunner({
          store: s.store,
          db: s.db,
          logger: silent,
          mode: 'catch-up',
          schema: s.base,
        });
        runner.start();
        await expect(runner.done).rejects.toMatchObject({ cause: expect.any(ReadModelVersionError) });
        // When they are rebuilt
        await rebuildReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
        // Then they are at this version, the runner goes on, and every fill that moved a position has its PnL
        expect((await readProjection(s.db, s.base, ORDER_PROJECTION))?.version).toBe(READ_MODEL_VERSION);
        expect((await catchUp(s)).state).not.toBe('failed');
        const fills = await fillsPnl(s);
        expect(fills.length).toBeGreaterThan(0);
        expect(fills.every((f) => f.realized_pnl !== null && f.position_size_after !== null)).toBe(true);
      }),
    60_000,
  );
});
