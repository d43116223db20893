import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderEventSchema } from '../../domain/order/contract.ts';
import { apiPositions } from '../../projections/read-models/positions.ts';
import { generationSchema, READ_MODELS, readProjection } from '../../projections/schema.ts';
import { BITGET_BTCUSDT, orderParams } from '../domain/fixtures.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { appendEvents, catchUp, postgresFactory, type Subject } from './support/subjects.ts';

// Catch-up with pipelined batches (PostgreSQL; PGlite waits for each batch): each batch made while
// the one before it commits gives exactly the read models that waiting for each gives, and a batch
// that fails there is applied again, waited for, with everything sent after it.

const pg = await postgresFactory('pipelined-batches');
afterAll(() => pg.drop());

/** A logger that keeps what it logs (level and message). */
const recording = () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
};

/** Rows of one read-model table in one base schema, as text, sorted. */
const rowsOf = async (s: Subject, base: string, table: string) =>
  (
    await s.db.query<{ row: string }>(
      `select t::text as row from ${generationSchema(base, 1)}.${table} t order by 1`,
    )
  ).rows.map((r) => r.row);

describe.skipIf(!pg.database.available)('pipelined catch-up batches (PostgreSQL)', () => {
  it('Given a generated history with duplicates, When it is caught up with pipelined batches and with each batch waited for, Then every read model holds the same rows and both checkpoints are at the end', async () => {
    const s = await pg.open();
    try {
      await appendHistory(s.store, generateHistory({ seed: 19, events: 2500 }));
      const waited = `${s.base}_w`;
      const pipelined = `${s.base}_p`;
      const bulk = { batchSize: 97, copyThreshold: 20 };
      await catchUp({ ...s, base: waited }, { ...bulk, pipelineDepth: 0 });
      await catchUp({ ...s, base: pipelined }, { ...bulk, pipelineDepth: 2 });
      for (const table of READ_MODELS.map((t) => t.name)) {
        expect({ table, rows: await rowsOf(s, pipelined, table) }).toEqual({
          table,
          rows: await rowsOf(s, waited, table),
        });
      }
      const checkpoint = async (base: string) =>
        (await readProjection(s.db, base, 'order-read-models'))!.position;
      const end = await checkpoint(pipelined);
      expect(end).toBe(await checkpoint(waited));
      const beyond = await s.store.readAll({ after: s.store.positions.parse(end), maxCount: 10 });
      expect(beyond.events).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('Given a trade reported on two orders in different batches, When the second one’s COPY fails in the pipeline, Then that batch and the ones sent after it are applied again, waited for: one fill, the position moved once, every order there', async () => {
    const s = await pg.open();
    const { logger, lines } = recording();
    try {
      const ids = ['a', 'b', 'c', 'd'].map(
        (c) => `${c.repeat(8)}-${c.repeat(4)}-4${c.repeat(3)}-8${c.repeat(3)}-${c.repeat(12)}`,
      );
      for (const [i, orderId] of ids.entries()) {
        const order = orderParams({
          orderId,
          instrument: BITGET_BTCUSDT,
          amount: '0.01',
          price: '60000',
          clientOrderId: `c-${i}`,
        });
        await appendEvents(s.store, orderId, [
          OrderEventSchema.parse({ type: 'OrderRequested', data: { orderId, order } }),
          // Orders a and c report the same trade
          OrderEventSchema.parse({
            type: 'OrderFilled',
            data: {
              orderId,
              fill: {
                tradeId: i % 2 === 0 ? 't-shared' : `t-${i}`,
                price: '60000',
                amount: '0.004',
                fee: '0',
                feeCurrency: 'USDT',
                liquidity: 'taker',
                executedAt: '2026-11-21T12:00:05.000Z',
              },
            },
          }),
        ]);
      }
      const status = await catchUp(s, { batchSize: 2, copyThreshold: 1, pipelineDepth: 2, logger });
      expect(lines.map((l) => l.msg)).toContain(
        'a pipelined batch failed: applying again what was not committed, batch by batch',
      );
      const fills = await s.db.query<{ trade_id: string }>(`select trade_id from ${s.base}.fills order by 1`);
      expect(fills.rows.map((r) => r.trade_id)).toEqual(['t-1', 't-3', 't-shared']);
      expect((await apiPositions(s.db, s.base, { includeFlat: true }))[0]).toMatchObject({
        size: '0.012',
        fillsCount: 3,
      });
      const orders = await s.db.query<{ n: number }>(`select count(*)::int as n from ${s.base}.orders`);
      expect(orders.rows[0]!.n).toBe(4);
      expect(status.eventsApplied).toBe(8);
    } finally {
      await s.close();
    }
  });
});
