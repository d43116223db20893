import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildQueries, jsonArrayText } from '../../adapters/event-store/sql/queries.ts';
import { type OrderEvent, OrderEventSchema, orderStreamId } from '../../domain/order/contract.ts';
import { encodeOrderEvent } from '../../domain/order/event-codec.ts';
import { CatchUpTimeoutError } from '../../projections/errors.ts';
import { replayPositions } from '../../projections/replay.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { readProjection } from '../../projections/schema.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { BITGET_BTCUSDT, orderParams } from '../domain/fixtures.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { catchUp, meta, openPglite, postgresFactory, type Subject, silent } from './support/subjects.ts';

const pgf = await postgresFactory('projection-faults');
afterAll(() => pgf.drop());

const counts = async (s: Subject) => {
  const result = await s.db.query<{ history: number; orders: number; fills: number; positions: number }>(
    `select (select count(*)::int from ${s.base}.order_history) as history,
            (select count(*)::int from ${s.base}.orders) as orders,
            (select count(*)::int from ${s.base}.fills) as fills,
            (select count(*)::int from ${s.base}.positions) as positions`,
  );
  return result.rows[0]!;
};

/** After a restart: the read models equal a rebuild, each trade is counted once, positions = Σ fills. */
const expectExactlyOnce = async (s: Subject, fillEvents: number) => {
  await catchUp(s);
  const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
  expect(verified.differences).toEqual([]);
  expect((await counts(s)).fills).toBe(fillEvents);
  const replayed = await replayPositions(s.store, { kind: 'time', time: new Date('2100-01-01T00:00:00Z') });
  const sizes = await s.db.query<{ size: string }>(
    `select size::text as size from ${s.base}.positions order by venue, account, instrument, side`,
  );
  expect(sizes.rows.map((r) => r.size)).toEqual(replayed.positions.map((p) => p.size.toString()));
};

const givenHistory = async (s: Subject) => {
  const result = await appendHistory(s.store, generateHistory({ seed: 11, events: 600 }));
  const page = await s.store.readAll({ maxCount: 10_000 });
  return { ...result, fills: page.events.filter((e) => e.type === 'OrderFilled').length };
};

describe('F2: a projection dies between its read-model writes and its checkpoint', () => {
  it('PGlite (a crash simulated by a throw at that point): nothing is kept, and a restart applies the batch once', async () => {
    const s = await openPglite();
    try {
      const history = await givenHistory(s);
      // When the runner dies inside its first batch, after the writes, before the checkpoint
      const runner = createProjectionRunner({
        store: s.store,
        db: s.db,
        logger: silent,
        schema: s.base,
        mode: 'catch-up',
        hooks: {
          beforeCheckpoint: async () => {
            throw new Error('crash');
          },
        },
      });
      runner.start();
      await expect(runner.done).rejects.toThrow(/crash/);
      // Then neither the read models nor the checkpoint moved
      expect(await counts(s)).toEqual({ history: 0, orders: 0, fills: 0, positions: 0 });
      expect((await readProjection(s.db, s.base, 'order-read-models'))!.position).toBe('');
      // And a restart applies everything exactly once
      await expectExactlyOnce(s, history.fills);
    } finally {
      await s.close();
    }
  });

  it.skipIf(!pgf.database.available)(
    'PostgreSQL (a child process killed with SIGKILL while its transaction is open): nothing is kept, and a restart applies the batch once',
    async () => {
      const s = await pgf.open();
      try {
        const history = await givenHistory(s);
        // When a child runner pauses inside its batch transaction and is killed there
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(import.meta.dirname, 'support', 'crash-child.ts'),
            s.url!,
            (s.store as unknown as { schema: string }).schema,
            s.base,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, signal) => resolve(signal)),
        );
        const paused = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes('\n')) resolve(out.trim());
          });
          child.on('exit', () => reject(new Error(`child exited before pausing: ${out}`)));
        });
        expect(paused).toMatch(/^paused \d+ /);
        // (while it is paused, its writes are invisible to everyone else)
        expect(await counts(s)).toEqual({ history: 0, orders: 0, fills: 0, positions: 0 });
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        // Then neither the read models nor the checkpoint moved
        expect(await counts(s)).toEqual({ history: 0, orders: 0, fills: 0, positions: 0 });
        expect((await readProjection(s.db, s.base, 'order-read-models'))!.position).toBe('');
        // And a restart (which waits for the dead child's lock to go) applies everything exactly once
        await expectExactlyOnce(s, history.fills);
      } finally {
        await s.close();
      }
    },
    60_000,
  );
});

const requested = (orderId: string): OrderEvent =>
  OrderEventSchema.parse({
    type: 'OrderRequested',
    data: {
      orderId,
      order: orderParams({ orderId, instrument: BITGET_BTCUSDT, amount: '0.01', price: '60000' }),
    },
  });

describe.skipIf(!pgf.database.available)(
  'F4: a writing transaction held open while later ones commit',
  () => {
    it('the live projection skips nothing: it waits for the held event, then catches up; a rolled-back append leaves no trace', async () => {
      const s = await pgf.open();
      const runner = createProjectionRunner({ store: s.store, db: s.db, logger: silent, schema: s.base });
      runner.start();
      const client = new pg.Client({ connectionString: s.url });
      const rollbackClient = new pg.Client({ connectionString: s.url });
      await client.connect();
      await rollbackClient.connect();
      try {
        const schema = (s.store as unknown as { schema: string }).schema;
        const appendSql = buildQueries(schema).append;
        const held = randomUUID();
        const rolledBack = randomUUID();
        const later = randomUUID();
        const raw = (orderId: string) => {
          const e = encodeOrderEvent(requested(orderId), meta('2026-11-21T12:00:00.000Z'));
          return [
            orderStreamId(orderId),
            '-1',
            [randomUUID()],
            [e.type],
            jsonArrayText([JSON.stringify(e.data)]),
            jsonArrayText([JSON.stringify(e.metadata)]),
          ];
        };
        // Given an append whose transaction stays open, and one that will be rolled back
        await client.query('begin');
        await client.query(appendSql, raw(held));
        await rollbackClient.query('begin');
        await rollbackClient.query(appendSql, raw(rolledBack));
        // When a later append commits
        const { position } = await s.store.append(
          orderStreamId(later),
          [{ id: randomUUID(), ...encodeOrderEvent(requested(later), meta('2026-11-21T12:00:01.000Z')) }],
          { expectedRevision: 'no_stream' },
        );
        // Then the projection does not pass it while the earlier transaction is open
        await expect(runner.whenCaughtUp(position, 500)).rejects.toBeInstanceOf(CatchUpTimeoutError);
        await rollbackClient.query('rollback');
        await client.query('commit');
        // And once it ends, both committed orders are there, in $all order, and the rolled-back one is not
        await runner.whenCaughtUp(position, 10_000);
        const rows = await s.db.query<{ order_id: string }>(
          `select order_id::text as order_id from ${s.base}.order_history order by global_position`,
        );
        expect(rows.rows.map((r) => r.order_id)).toEqual([held, later]);
        const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
        expect(verified.differences).toEqual([]);
      } finally {
        await client.end();
        await rollbackClient.end();
        await runner.stop();
        await s.close();
      }
    }, 60_000);
  },
);
