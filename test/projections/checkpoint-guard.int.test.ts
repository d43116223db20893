import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderEventSchema } from '../../domain/order/contract.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { BITGET_BTCUSDT, orderParams } from '../domain/fixtures.ts';
import { appendEvents, postgresFactory, silent, snapshot, subjectsOf } from './support/subjects.ts';

const pg = await postgresFactory('checkpoint_guard');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'checkpoint guard');

const requested = (orderId: string) =>
  OrderEventSchema.parse({
    type: 'OrderRequested',
    data: {
      orderId,
      order: orderParams({ orderId, instrument: BITGET_BTCUSDT, amount: '0.01', price: '60000' }),
    },
  });

// PostgreSQL only: the checkpoint is moved from another session while the batch is open, which
// PGlite's single connection cannot do (the other statement would wait for the batch).
describe.skipIf(!pg.database.available)('a live batch whose checkpoint moved under it (PostgreSQL)', () => {
  it('Given another writer moves the checkpoint between a batch’s writes and its compare-and-set, When the batch goes out, Then none of it is kept and the runner reloads the checkpoint and goes on live', async () => {
    const s = await pg.open();
    let moved = false;
    const runner = createProjectionRunner({
      store: s.store,
      db: s.db,
      logger: silent,
      schema: s.base,
      hooks: {
        beforeCheckpoint: async (batch) => {
          if (moved || batch.events === 0) return;
          moved = true;
          // As if another writer had applied this batch meanwhile.
          await s.db.query(`update ${s.base}.projections set position = $1`, [batch.to]);
        },
      },
    });
    const historyOf = async (orderId: string) =>
      Number(
        (
          await s.db.query<{ n: string }>(
            `select count(*)::text as n from ${s.base}.order_history where order_id = $1`,
            [orderId],
          )
        ).rows[0]!.n,
      );
    try {
      runner.start();
      await runner.whenLive();
      // Given an order whose batch meets the moved checkpoint
      const first = randomUUID();
      const { position } = await appendEvents(s.store, first, [requested(first)]);
      await runner.whenCaughtUp(position, 10_000);
      // Then nothing of that batch was kept (the other writer's checkpoint stands)
      expect(moved).toBe(true);
      expect(await historyOf(first)).toBe(0);
      // And the runner goes on: the next order is projected
      const second = randomUUID();
      const next = await appendEvents(s.store, second, [requested(second)]);
      await runner.whenCaughtUp(next.position, 10_000);
      expect(await historyOf(second)).toBe(1);
      expect(runner.status().state).toBe('live');
    } finally {
      await runner.stop();
      await s.close();
    }
  });
});

describe.each(subjects)('a live batch that presumed its orders new (%s)', (_name, open) => {
  it('Given read models that hold events beyond their checkpoint (a checkpoint set back), When a live runner applies them again, Then the database refuses the presumption, the batch is made again reading the orders, and nothing is doubled', async () => {
    const s = await open();
    const runner = (extra = {}) =>
      createProjectionRunner({ store: s.store, db: s.db, logger: silent, schema: s.base, ...extra });
    const runners: ReturnType<typeof runner>[] = [];
    try {
      // Given two orders projected live, one event per batch
      const first = runner();
      runners.push(first);
      first.start();
      await first.whenLive();
      const a = randomUUID();
      const b = randomUUID();
      await appendEvents(s.store, a, [requested(a)]);
      const { position } = await appendEvents(s.store, b, [requested(b)]);
      await first.whenCaughtUp(position, 10_000);
      await first.stop();
      const before = await snapshot(s.db, s.base);
      // And the checkpoint set back to the start, the rows left as they are
      await s.db.query(`update ${s.base}.projections set position = ''`);
      // When a runner applies those events again, in small batches
      let batches = 0;
      const said: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => said.push(JSON.parse(line).msg) });
      const again = runner({ batchSize: 1, onBatch: () => (batches += 1), logger });
      runners.push(again);
      again.start();
      await again.whenCaughtUp(position, 10_000);
      await again.whenLive();
      // Then the database refused the presumption and the batches were made again, reading the orders
      expect(said).toContain('orders presumed new had history rows: the batch is made again, reading them');
      // And they committed, every row as it was: nothing doubled
      expect(batches).toBeGreaterThan(0);
      expect(again.status().state).toBe('live');
      expect(await snapshot(s.db, s.base)).toEqual(before);
    } finally {
      for (const r of runners) await r.stop();
      await s.close();
    }
  });
});
