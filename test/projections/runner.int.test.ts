import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderEventSchema, orderStreamId } from '../../domain/order/contract.ts';
import { exists } from '../../domain/order/state.ts';
import { ProjectionFailedError } from '../../projections/errors.ts';
import { getOrder } from '../../projections/read-models/orders.ts';
import { apiPositions } from '../../projections/read-models/positions.ts';
import { rebuildReadModels } from '../../projections/rebuild.ts';
import { replayOrder, replayPositions } from '../../projections/replay.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { readProjection } from '../../projections/schema.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { BITGET_BTCUSDT, orderParams } from '../domain/fixtures.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import {
  appendEvents,
  catchUp,
  postgresFactory,
  type Subject,
  silent,
  snapshot,
  subjectsOf,
} from './support/subjects.ts';

const pg = await postgresFactory('projection-runner');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'projection runner');

const requested = (orderId: string) => ({
  type: 'OrderRequested' as const,
  data: {
    orderId,
    order: orderParams({ orderId, instrument: BITGET_BTCUSDT, amount: '0.01', price: '60000' }),
  },
});

describe.each(subjects)('projection runner on %s', (_name, open) => {
  const withSubject = async (test: (s: Subject) => Promise<void>) => {
    const subject = await open();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  };
  const live = (s: Subject, extra = {}) =>
    createProjectionRunner({ store: s.store, db: s.db, logger: silent, schema: s.base, ...extra });

  it('read-your-writes: whenCaughtUp resolves once the appended order is in the read models', () =>
    withSubject(async (s) => {
      const runner = live(s);
      runner.start();
      try {
        const orderId = randomUUID();
        // When an order is appended while the runner follows $all live
        const { position } = await appendEvents(s.store, orderId, [
          OrderEventSchema.parse(requested(orderId)),
        ]);
        await runner.whenCaughtUp(position, 10_000);
        // Then it can be read at once
        expect(await getOrder(s.db, s.base, orderId)).toMatchObject({
          status: 'pending_new',
          amount: '0.01',
        });
        expect(runner.status().state).toBe('live');
      } finally {
        await runner.stop();
      }
    }));

  it('a second instance waits for the writer lock and takes over when the first stops', () =>
    withSubject(async (s) => {
      const first = live(s);
      const second = live(s);
      first.start();
      const a = randomUUID();
      const { position } = await appendEvents(s.store, a, [OrderEventSchema.parse(requested(a))]);
      await first.whenCaughtUp(position, 10_000);
      second.start();
      try {
        // While the first runs, the second waits
        const b = randomUUID();
        const later = await appendEvents(s.store, b, [OrderEventSchema.parse(requested(b))]);
        await first.whenCaughtUp(later.position, 10_000);
        expect(second.status().state).toBe('waiting_for_lock');
        // When the first stops, the second takes over from the checkpoint
        await first.stop();
        const c = randomUUID();
        const last = await appendEvents(s.store, c, [OrderEventSchema.parse(requested(c))]);
        await second.whenCaughtUp(last.position, 10_000);
        const count = await s.db.query<{ n: number }>(`select count(*)::int as n from ${s.base}.orders`);
        expect(count.rows[0]!.n).toBe(3);
      } finally {
        await first.stop();
        await second.stop();
      }
    }));

  it('an instance stopped while it waits for the writer lock ends cleanly', () =>
    withSubject(async (s) => {
      const first = live(s);
      const second = live(s);
      first.start();
      const a = randomUUID();
      const { position } = await appendEvents(s.store, a, [OrderEventSchema.parse(requested(a))]);
      await first.whenCaughtUp(position, 10_000);
      second.start();
      try {
        await second.stop();
        await expect(second.done).resolves.toBeUndefined();
        expect(second.status().state).toBe('stopped');
        expect(first.status().state).toBe('live');
      } finally {
        await first.stop();
      }
    }));

  it('a handler error stops the projection and records the failing event; what came before is applied', () =>
    withSubject(async (s) => {
      const good = randomUUID();
      await appendEvents(s.store, good, [OrderEventSchema.parse(requested(good))]);
      const badId = randomUUID();
      const bad = await s.store.append(
        orderStreamId(randomUUID()),
        [{ id: badId, type: 'OrderFilled', data: { orderId: 'not-a-uuid' }, metadata: { schemaVersion: 1 } }],
        { expectedRevision: 'no_stream' },
      );
      const runner = live(s);
      runner.start();
      const error = await runner.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProjectionFailedError);
      expect((error as ProjectionFailedError).failedEventId).toBe(badId);
      const row = await readProjection(s.db, s.base, 'order-read-models');
      expect(row).toMatchObject({
        status: 'failed',
        failed_event_id: badId,
        failed_position: s.store.positions.serialize(bad.position),
      });
      expect(row!.error).toMatch(/cannot decode OrderFilled/);
      expect(await getOrder(s.db, s.base, good)).toMatchObject({ status: 'pending_new' });
      // A restart does not skip the event silently: it refuses until an operator clears it.
      const again = live(s);
      again.start();
      await expect(again.done).rejects.toBeInstanceOf(ProjectionFailedError);
    }));

  it(
    'after a randomized history followed live: verify finds no difference, a rebuild gives the same rows, replay agrees',
    () =>
      withSubject(async (s) => {
        // Given a live runner while a realistic history is appended
        const runner = live(s, { batchSize: 300 });
        runner.start();
        try {
          await appendHistory(s.store, generateHistory({ seed: 42, events: 3000 }), { concurrency: 4 });
          const marker = randomUUID();
          const end = await appendEvents(s.store, marker, [OrderEventSchema.parse(requested(marker))]);
          await runner.whenCaughtUp(end.position, 30_000);
          // Then verify (a scratch rebuild compared row by row) finds nothing
          const verified = await verifyReadModels({
            store: s.store,
            db: s.db,
            logger: silent,
            schema: s.base,
          });
          expect(verified.differences).toEqual([]);
          expect(verified.rows.order_history).toBeGreaterThanOrEqual(3000);
          const before = await snapshot(s.db, s.base);

          // And replay from the events gives the same positions
          const replayed = await replayPositions(s.store, { kind: 'position', position: end.position });
          const rows = await apiPositions(s.db, s.base, { includeFlat: true });
          expect(
            replayed.positions.map((p) => [
              p.key.venue,
              p.key.account,
              p.key.symbol,
              p.key.side,
              p.size.toString(),
              p.realizedPnl.toString(),
            ]),
          ).toEqual(rows.map((r) => [r.venue, r.account, r.symbol, r.side, r.size, r.realizedPnl]));
          // And an order as of its last position equals its row
          const someOrder = (
            await s.db.query<{ order_id: string; last_position: string }>(
              `select order_id::text as order_id, last_position from ${s.base}.orders where status = 'filled' limit 1`,
            )
          ).rows[0]!;
          const asOf = await replayOrder(s.store, someOrder.order_id, {
            kind: 'position',
            position: s.store.positions.parse(someOrder.last_position),
          });
          expect(exists(asOf.state) && asOf.state.status).toBe('filled');

          // When the read models are rebuilt while the runner keeps running (blue/green)
          const rebuilt = await rebuildReadModels({
            store: s.store,
            db: s.db,
            logger: silent,
            schema: s.base,
          });
          expect(rebuilt.generation).toBe(2);
          // Then readers see the same rows, and the live runner goes on in the new generation
          expect(await snapshot(s.db, s.base)).toEqual(before);
          const after = randomUUID();
          const next = await appendEvents(s.store, after, [OrderEventSchema.parse(requested(after))]);
          await runner.whenCaughtUp(next.position, 30_000);
          expect(runner.status().generation).toBe(2);
          expect(await getOrder(s.db, s.base, after)).toMatchObject({ status: 'pending_new' });
          const again = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
          expect(again.differences).toEqual([]);
        } finally {
          await runner.stop();
        }
      }),
    120_000,
  );

  it('verify reports a tampered row with its table, key, column and both values, and exits non-zero', () =>
    withSubject(async (s) => {
      await appendHistory(s.store, generateHistory({ seed: 5, events: 300 }));
      await catchUp(s);
      const victim = (
        await s.db.query<{ order_id: string }>(
          `select order_id::text as order_id from ${s.base}.orders limit 1`,
        )
      ).rows[0]!;
      await s.db.query(`update ${s.base}_g1.orders set filled = filled + 1 where order_id = $1`, [
        victim.order_id,
      ]);
      const result = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(result.differences).toContainEqual(
        expect.objectContaining({ table: 'orders', key: { order_id: victim.order_id }, column: 'filled' }),
      );
    }));
});
