import { afterAll, describe, expect, it } from 'vitest';
import { type OrderEvent, OrderEventSchema } from '../../domain/order/contract.ts';
import type { SqlRunner } from '../../projections/db/read-model-db.ts';
import { toProjectedEvent } from '../../projections/events.ts';
import { createOrderProjection } from '../../projections/order-projection.ts';
import { fillsOfOrder } from '../../projections/read-models/fills.ts';
import { getOrder, liveOrders } from '../../projections/read-models/orders.ts';
import { apiPositions } from '../../projections/read-models/positions.ts';
import { BITGET_BTCUSDT, BTC_PERPETUAL, orderParams } from '../domain/fixtures.ts';
import {
  appendEvents,
  catchUp,
  postgresFactory,
  type Subject,
  snapshot,
  subjectsOf,
} from './support/subjects.ts';

// Given events (appended to the store as the service would), when the projection has caught up,
// then the rows. Run on PGlite, and on PostgreSQL when one is reachable.

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

const e = (orderId: string, type: string, data: Record<string, unknown> = {}): OrderEvent =>
  OrderEventSchema.parse({ type, data: { orderId, ...data } });
const requested = (orderId: string, overrides: Record<string, unknown>) =>
  e(orderId, 'OrderRequested', { order: orderParams({ orderId, ...overrides }) });
const fill = (orderId: string, tradeId: string, amount: string, price: string, fee: string, extra = {}) =>
  e(orderId, 'OrderFilled', {
    fill: {
      tradeId,
      price,
      amount,
      fee,
      feeCurrency: 'USDT',
      liquidity: fee.startsWith('-') ? 'maker' : 'taker',
      executedAt: '2026-11-21T12:00:05.000Z',
      ...extra,
    },
  });
const bitget = {
  instrument: BITGET_BTCUSDT,
  clientOrderId: 'c-1',
  amount: '0.01',
  price: '60000',
  marginMode: 'crossed',
};

const pg = await postgresFactory('projection-specs');
afterAll(() => pg.drop());

const subjects = subjectsOf(pg, 'projection specs');

describe.each(subjects)('order read models on %s', (_name, open) => {
  const withSubject = async (test: (s: Subject) => Promise<void>) => {
    const subject = await open();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  };

  it('an order with two partial fills: its timeline, its state, its fills and the position they open', () =>
    withSubject(async (s) => {
      // Given
      await appendEvents(s.store, A, [
        requested(A, bitget),
        e(A, 'OrderAccepted', { venueOrderId: 'v-A' }),
        fill(A, 't-1', '0.004', '60000', '0.12'),
        fill(A, 't-2', '0.006', '60100', '-0.036'),
      ]);
      // When
      await catchUp(s);
      // Then
      // (the table as back-office SQL reads it: docs/read-models.md)
      const { rows: timeline } = await s.db.query<{
        revision: string;
        type: string;
        source: string;
        correlation_id: string;
        recorded_at: Date;
        data: unknown;
      }>(
        `select revision::text as revision, type, source, correlation_id, recorded_at, data
         from ${s.base}.order_history where order_id = $1 order by revision`,
        [A],
      );
      expect(timeline.map((r) => [r.revision, r.type, r.source])).toEqual([
        ['0', 'OrderRequested', 'venue'],
        ['1', 'OrderAccepted', 'venue'],
        ['2', 'OrderFilled', 'venue'],
        ['3', 'OrderFilled', 'venue'],
      ]);
      expect(timeline[0]!.correlation_id).toBe('corr-1');
      expect(timeline[0]!.recorded_at.toISOString()).toBe('2026-11-21T12:00:00.000Z');
      expect(timeline[2]!.data).toMatchObject({ fill: { tradeId: 't-1', price: '60000', amount: '0.004' } });

      const order = await getOrder(s.db, s.base, A);
      expect(order).toMatchObject({
        status: 'filled',
        venue: 'bitget',
        instrument: 'BTCUSDT',
        side: 'buy',
        amount: '0.01',
        filled: '0.01',
        remaining: '0',
        average_price: '60060',
        price: '60000',
        venue_order_id: 'v-A',
        venue_order_ids: ['v-A'],
        client_order_id: 'c-1',
        fees: { USDT: '0.084' },
        last_revision: '3',
      });

      const fills = await fillsOfOrder(s.db, s.base, A);
      expect(fills.map((f) => [f.trade_id, f.amount, f.price, f.fee, f.liquidity, f.position_side])).toEqual([
        ['t-1', '0.004', '60000', '0.12', 'taker', 'net'],
        ['t-2', '0.006', '60100', '-0.036', 'maker', 'net'],
      ]);

      const [position] = await apiPositions(s.db, s.base, { includeFlat: true });
      expect(position).toMatchObject({
        venue: 'bitget',
        account: 'main',
        symbol: 'BTCUSDT',
        side: 'net',
        size: '0.01',
        entryCost: '600.6',
        averageEntry: '60060',
        realizedPnl: '0',
        pnlCurrency: 'USDT',
        fees: { USDT: '0.084' },
        fillsCount: 2,
      });
    }));

  it('a sell that reduces the position realizes PnL on the reduced part only', () =>
    withSubject(async (s) => {
      await appendEvents(s.store, A, [requested(A, bitget), fill(A, 't-1', '0.01', '60000', '0')]);
      await appendEvents(s.store, B, [
        requested(B, { ...bitget, side: 'sell', amount: '0.004', price: '61000', clientOrderId: 'c-2' }),
        fill(B, 't-2', '0.004', '61000', '0'),
      ]);
      await catchUp(s);
      const [position] = await apiPositions(s.db, s.base, { includeFlat: true });
      // 0.004 × (61000 − 60000) = 4 USDT; 0.006 left at 60000.
      expect(position).toMatchObject({ size: '0.006', averageEntry: '60000', realizedPnl: '4' });
    }));

  it('hedge mode: an opening buy and a closing sell land on the long leg', () =>
    withSubject(async (s) => {
      const hedge = { ...bitget, account: 'hedge-1', positionMode: 'hedge' };
      await appendEvents(s.store, A, [
        requested(A, { ...hedge, tradeSide: 'open' }),
        fill(A, 't-1', '0.01', '60000', '0'),
      ]);
      await appendEvents(s.store, B, [
        requested(B, { ...hedge, side: 'sell', tradeSide: 'close', clientOrderId: 'c-2' }),
        fill(B, 't-2', '0.004', '59000', '0'),
      ]);
      await catchUp(s);
      const positions = await apiPositions(s.db, s.base, { account: 'hedge-1', includeFlat: true });
      expect(positions.map((p) => [p.side, p.size, p.realizedPnl])).toEqual([['long', '0.006', '-4']]);
    }));

  it('an inverse perpetual: entry is the harmonic mean and PnL is in the coin', () =>
    withSubject(async (s) => {
      const deribit = { instrument: BTC_PERPETUAL, amount: '200', price: '50000' };
      await appendEvents(s.store, A, [
        requested(A, deribit),
        fill(A, 't-1', '100', '50000', '0', { feeCurrency: 'BTC' }),
        fill(A, 't-2', '100', '40000', '0', { feeCurrency: 'BTC' }),
      ]);
      await catchUp(s);
      const [position] = await apiPositions(s.db, s.base, { includeFlat: true });
      // 200 / (100/50000 + 100/40000) = 200 / 0.0045 = 44444.44...
      expect(position!.size).toBe('200');
      expect(position!.entryCost).toBe('0.0045');
      expect(position!.averageEntry!.startsWith('44444.4444444444')).toBe(true);
      expect(position!.pnlCurrency).toBe('BTC');
    }));

  it('a late fill after the cancel is counted and the order stays cancelled', () =>
    withSubject(async (s) => {
      await appendEvents(s.store, A, [
        requested(A, bitget),
        e(A, 'OrderAccepted', { venueOrderId: 'v-A' }),
        e(A, 'OrderCancelRequested'),
        e(A, 'OrderCancelled', { reason: 'user_request' }),
        fill(A, 't-late', '0.002', '60000', '0'),
      ]);
      await catchUp(s);
      expect(await getOrder(s.db, s.base, A)).toMatchObject({ status: 'cancelled', filled: '0.002' });
      expect((await apiPositions(s.db, s.base, { includeFlat: true }))[0]).toMatchObject({ size: '0.002' });
    }));

  it('an accepted Bitget amend replaces the price, the venue order id and the client order id', () =>
    withSubject(async (s) => {
      await appendEvents(s.store, A, [
        requested(A, bitget),
        e(A, 'OrderAccepted', { venueOrderId: 'v-A' }),
        e(A, 'OrderAmendRequested', { amendment: { price: '59000', newClientOrderId: 'c-1b' } }),
        e(A, 'OrderAmendAccepted', { price: '59000', venueOrderId: 'v-A2', clientOrderId: 'c-1b' }),
      ]);
      await catchUp(s);
      expect(await getOrder(s.db, s.base, A)).toMatchObject({
        status: 'open',
        price: '59000',
        venue_order_id: 'v-A2',
        venue_order_ids: ['v-A', 'v-A2'],
        client_order_id: 'c-1b',
        client_order_ids: ['c-1', 'c-1b'],
      });
      expect(await liveOrders(s.db, s.base, 'bitget', 'main')).toMatchObject([
        { orderId: A, venueOrderIds: ['v-A', 'v-A2'] },
      ]);
    }));

  it.each([
    ['in one batch, by statements', {}],
    // The second order's fill, by COPY, fails on the trade already there: written by the insert.
    ['one order per batch, by COPY', { batchSize: 2, copyThreshold: 1 }],
  ])('a trade reported on two orders is one fill and moves the position once (%s)', (_how, options) =>
    withSubject(async (s) => {
      await appendEvents(s.store, A, [requested(A, bitget), fill(A, 't-1', '0.004', '60000', '0')]);
      await appendEvents(s.store, B, [
        requested(B, { ...bitget, clientOrderId: 'c-2' }),
        fill(B, 't-1', '0.004', '60000', '0'),
      ]);
      await catchUp(s, options);
      const fills = await s.db.query<{ n: number }>(`select count(*)::int as n from ${s.base}.fills`);
      expect(fills.rows[0]!.n).toBe(1);
      expect((await apiPositions(s.db, s.base, { includeFlat: true }))[0]).toMatchObject({
        size: '0.004',
        fillsCount: 1,
      });
    }),
  );

  it('an anomaly is counted on the order, in its timeline, and moves nothing else', () =>
    withSubject(async (s) => {
      await appendEvents(s.store, C, [
        requested(C, bitget),
        e(C, 'OrderAnomalyDetected', {
          kind: 'overfill',
          message: 'too much',
          status: 'pending_new',
          report: { type: 'RecordFill', data: {} },
        }),
      ]);
      await catchUp(s);
      expect(await getOrder(s.db, s.base, C)).toMatchObject({ status: 'pending_new', anomalies: 1 });
      expect(await apiPositions(s.db, s.base, { includeFlat: true })).toEqual([]);
    }));

  it('the same batch applied twice changes nothing', () =>
    withSubject(async (s) => {
      // Given the read models after a batch
      await appendEvents(s.store, A, [
        requested(A, bitget),
        e(A, 'OrderAccepted', { venueOrderId: 'v-A' }),
        fill(A, 't-1', '0.004', '60000', '0.12'),
      ]);
      await catchUp(s);
      const before = await snapshot(s.db, s.base);
      const page = await s.store.readAll({ maxCount: 100 });
      const batch = page.events.map((r) => toProjectedEvent(r, s.store.positions));
      // When the same batch is applied again, with a warm cache and with a cold one: as a small
      // batch (its order read, rows by statements), and as a large one (its order presumed new, a
      // row already there failing the COPY, or shortening the insert's count where COPY is missing)
      const same = (tx: SqlRunner): SqlRunner => tx;
      const withoutCopy = (tx: SqlRunner): SqlRunner => ({
        query: tx.query.bind(tx),
        exec: tx.exec.bind(tx),
      });
      for (const [projection, runner] of [
        [createOrderProjection(), same],
        [createOrderProjection({ copyThreshold: 1 }), same],
        [createOrderProjection({ copyThreshold: 1 }), withoutCopy],
      ] as const) {
        const staged = await s.db.withTransaction((tx) =>
          projection.apply(runner(tx), `${s.base}_g1`, batch),
        );
        projection.commit(staged);
        await s.db.withTransaction((tx) => projection.apply(runner(tx), `${s.base}_g1`, batch));
      }
      // Then nothing changed
      expect(await snapshot(s.db, s.base)).toEqual(before);
    }));
});
