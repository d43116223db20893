import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { orderIdForKey } from '../../adapters/service/ids.ts';
import { createOrderHandler, type OrderHandler } from '../../adapters/service/order-handler.ts';
import { type OrderCommand, orderStreamId } from '../../domain/order/contract.ts';
import { exists } from '../../domain/order/state.ts';
import { command, placeData, report } from '../domain/fixtures.ts';

let store: PgliteEventStore;
let handler: OrderHandler<SqlPosition>;

beforeAll(async () => {
  store = await openPgliteEventStore();
  handler = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await store.close();
});

const withKey = (
  cmd: OrderCommand,
  idempotencyKey: string,
  commandId = `cmd-${idempotencyKey}`,
): OrderCommand => ({
  ...cmd,
  metadata: { ...cmd.metadata, idempotencyKey, commandId },
});
const placeWithKey = (key: string, overrides: Record<string, unknown> = {}) =>
  withKey(
    command({ type: 'PlaceOrder', data: placeData({ orderId: orderIdForKey(key), ...overrides }) }),
    key,
  );

describe('the order command handler', () => {
  it('appends the decided events to the order stream, with deterministic ids and metadata', async () => {
    // Given nothing, When a placement is handled
    const result = await handler.handle(placeWithKey('k-1'));
    // Then OrderRequested is stored with its metadata
    expect(result).toMatchObject({ ok: true, kind: 'applied' });
    const stored = await store.readStream(orderStreamId(orderIdForKey('k-1')));
    expect(stored.map((e) => e.type)).toEqual(['OrderRequested']);
    expect(stored[0]?.metadata).toMatchObject({
      idempotencyKey: 'k-1',
      schemaVersion: 1,
      causationId: 'cmd-k-1',
    });
  });

  it('returns the first result when a placement is retried with the same key, and stores nothing more', async () => {
    const first = await handler.handle(placeWithKey('k-2'));
    const retry = await handler.handle(placeWithKey('k-2', {}));
    expect(retry).toMatchObject({ ok: true, kind: 'replayed' });
    expect(first.ok && retry.ok && retry.position).toEqual(first.ok && first.position);
    expect(await store.readStream(orderStreamId(orderIdForKey('k-2')))).toHaveLength(1);
  });

  it('refuses the same key with another payload', async () => {
    await handler.handle(placeWithKey('k-3'));
    const other = await handler.handle(placeWithKey('k-3', { price: '61000' }));
    expect(other).toMatchObject({
      ok: false,
      kind: 'idempotency_conflict',
      error: { code: 'IDEMPOTENCY_KEY_REUSED' },
    });
    expect(await store.readStream(orderStreamId(orderIdForKey('k-3')))).toHaveLength(1);
  });

  it('refuses what the domain refuses, and writes nothing', async () => {
    const refused = await handler.handle(placeWithKey('k-4', { price: '60000.3' }));
    expect(refused).toMatchObject({
      ok: false,
      kind: 'refused',
      error: { code: 'INVALID_ORDER', field: 'price' },
    });
    await expect(store.readStream(orderStreamId(orderIdForKey('k-4')))).rejects.toMatchObject({
      code: 'STREAM_NOT_FOUND',
    });
  });

  it('records a duplicate report as nothing', async () => {
    const orderId = orderIdForKey('k-5');
    await handler.handle(placeWithKey('k-5'));
    const accept = (n: number) =>
      withKey(
        { ...report.accepted('v-5'), data: { orderId, venueOrderId: 'v-5' } } as OrderCommand,
        `acc-${n}`,
      );
    expect(await handler.handle(accept(1))).toMatchObject({ kind: 'applied' });
    expect(await handler.handle(accept(2))).toMatchObject({ kind: 'unchanged' });
    expect(await store.readStream(orderStreamId(orderId))).toHaveLength(2);
  });

  it('serializes concurrent commands on one order: each fill once, none lost', async () => {
    const orderId = orderIdForKey('k-6');
    await handler.handle(placeWithKey('k-6'));
    const fills = Array.from({ length: 10 }, (_, i) => ({
      ...report.fill(`t-${i % 5}`, '10'),
      data: { ...report.fill(`t-${i % 5}`, '10').data, orderId },
    })) as OrderCommand[];
    await Promise.all(fills.map((f) => handler.handle(f)));
    const { state } = await handler.load(orderId);
    expect(exists(state) && state.filled.toString()).toBe('50');
    const stored = await store.readStream(orderStreamId(orderId));
    expect(stored.filter((e) => e.type === 'OrderFilled')).toHaveLength(5);
  });
});
