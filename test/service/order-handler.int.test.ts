import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { orderIdForKey } from '../../application/orders/ids.ts';
import { createOrderHandler, type OrderHandler } from '../../application/orders/order-handler.ts';
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
  it('appends the decided events to the order stream, with their metadata', async () => {
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

describe('the order handler’s cache of folded orders', () => {
  const onOrder = (cmd: OrderCommand, orderId: string, commandId: string): OrderCommand =>
    ({
      ...cmd,
      data: { ...(cmd.data as object), orderId },
      metadata: { ...cmd.metadata, commandId, source: 'venue' },
    }) as OrderCommand;

  it('decides again on the stream when another process appended since: the expected revision catches it', async () => {
    // Given an order placed through handler A (A keeps its state), then accepted through B
    const other = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
    const orderId = orderIdForKey('c-1');
    await handler.handle(placeWithKey('c-1'));
    await other.handle(onOrder(report.accepted('v-c1'), orderId, 'c-1-acc'));
    // When A records a fill
    const filled = await handler.handle(onOrder(report.fill('t-c1', '10'), orderId, 'c-1-fill'));
    // Then it was appended after B's acceptance, and A's state includes both
    expect(filled).toMatchObject({ ok: true, kind: 'applied' });
    const stored = await store.readStream(orderStreamId(orderId));
    expect(stored.map((e) => e.type)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
    const { state, revision } = await handler.load(orderId);
    expect(revision).toBe(2n);
    expect(exists(state) && [state.venueOrderId, state.filled.toString()]).toEqual(['v-c1', '10']);
  });

  it('answers a placement another process recorded, and the venue answered since, as a replay, never as new', async () => {
    // Given an order placed by an earlier process A (its key, hence its ids) and accepted since
    const earlier = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
    const orderId = orderIdForKey('c-5');
    await earlier.handle(placeWithKey('c-5'));
    await earlier.handle(onOrder(report.accepted('v-c5'), orderId, 'c-5-acc'));
    // When a new process (nothing in memory) is asked to place it again with the same key
    const restarted = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
    const retry = await restarted.handle(placeWithKey('c-5'));
    // Then it is a replay (the order may already be at the venue: nothing may send it as new),
    // nothing more is stored, and the order is known as it is: accepted
    expect(retry).toMatchObject({ ok: true, kind: 'replayed' });
    const stored = await store.readStream(orderStreamId(orderId));
    expect(stored.map((e) => e.type)).toEqual(['OrderRequested', 'OrderAccepted']);
    const { state, revision } = await restarted.load(orderId);
    expect(revision).toBe(1n);
    expect(exists(state) && state.status).toBe('open');
  });

  it('answers a placement another process recorded and has not sent yet as a replay too', async () => {
    // Given an order recorded by an earlier process A, with nothing else since
    const earlier = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
    await earlier.handle(placeWithKey('c-6'));
    // When a new process is asked to place it again with the same key
    const restarted = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
    const retry = await restarted.handle(placeWithKey('c-6'));
    // Then it is a replay: A may have sent it before it stopped, so it must be looked up, not sent as new
    expect(retry).toMatchObject({ ok: true, kind: 'replayed' });
    expect(await store.readStream(orderStreamId(orderIdForKey('c-6')))).toHaveLength(1);
  });

  it('does not trust a refusal decided on a state another process has moved on from', async () => {
    // Given an order A knows as pending_new, which B has since recorded as accepted
    const other = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
    const orderId = orderIdForKey('c-2');
    await handler.handle(placeWithKey('c-2'));
    await other.handle(onOrder(report.accepted('v-c2'), orderId, 'c-2-acc'));
    // When A is asked to amend it (refused on pending_new, allowed on open)
    const amend = command({ type: 'AmendOrder', data: { orderId, amendment: { price: '61000' } } });
    const result = await handler.handle({
      ...amend,
      metadata: { ...amend.metadata, commandId: 'c-2-amend' },
    });
    // Then the amend is decided on the stream as it is: requested
    expect(result).toMatchObject({ ok: true, kind: 'applied' });
    const stored = await store.readStream(orderStreamId(orderId));
    expect(stored.map((e) => e.type)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderAmendRequested']);
  });

  it('appends a batch of reports on one order in one append: each fill once, a repeated one unchanged', async () => {
    // Given a placed order
    const orderId = orderIdForKey('c-3');
    await handler.handle(placeWithKey('c-3'));
    // When its acceptance and fills (one of them twice) are handled together
    const results = await handler.handleAll([
      onOrder(report.accepted('v-c3'), orderId, 'c-3-acc'),
      onOrder(report.fill('t-c3-1', '10'), orderId, 'c-3-f1'),
      onOrder(report.fill('t-c3-2', '20'), orderId, 'c-3-f2'),
      onOrder(report.fill('t-c3-1', '10'), orderId, 'c-3-f1'),
    ]);
    // Then three events are appended by one append (one position), the repeated fill is unchanged
    expect(results.map((r) => r.kind)).toEqual(['applied', 'applied', 'applied', 'unchanged']);
    const positions = results.flatMap((r) => (r.ok && r.kind === 'applied' ? [r.position] : []));
    expect(
      new Set(positions.map((p) => JSON.stringify(p, (_, v) => (typeof v === 'bigint' ? `${v}` : v)))).size,
    ).toBe(1);
    const stored = await store.readStream(orderStreamId(orderId));
    expect(stored.map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      'OrderFilled',
      'OrderFilled',
    ]);
    const { state } = await handler.load(orderId);
    expect(exists(state) && state.filled.toString()).toBe('30');
  });

  it('answers an order it holds in memory exactly as a fresh read of its stream does', async () => {
    // Given an order with a few events, recorded through the handler (so held in memory)
    const orderId = orderIdForKey('c-4');
    await handler.handle(placeWithKey('c-4'));
    await handler.handleAll([
      onOrder(report.accepted('v-c4'), orderId, 'c-4-acc'),
      onOrder(report.fill('t-c4-1', '10.5', '60000.25'), orderId, 'c-4-f1'),
    ]);
    const amend = command({
      type: 'AmendOrder',
      data: { orderId, amendment: { price: '60500.5', amount: '200' } },
    });
    await handler.handle({ ...amend, metadata: { ...amend.metadata, commandId: 'c-4-amend' } });
    await handler.handle(
      onOrder(report.amendAccepted({ price: '60500.5', amount: '200' }), orderId, 'c-4-amended'),
    );
    const cancel = command({ type: 'CancelOrder', data: { orderId } });
    await handler.handle({ ...cancel, metadata: { ...cancel.metadata, commandId: 'c-4-cancel' } });
    await handler.handle(onOrder(report.cancelled(), orderId, 'c-4-cancelled'));
    // When it is loaded from memory, and by a handler that reads the stream
    const cached = await handler.load(orderId);
    const read = await createOrderHandler({ store, logger: pino({ level: 'silent' }) }).load(orderId);
    // Then both agree on state, revision, events and ids
    expect(cached.events.map((e) => e.event.type)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      'OrderFilled',
      'OrderAmendRequested',
      'OrderAmendAccepted',
      'OrderCancelRequested',
      'OrderCancelled',
    ]);
    expect(cached.revision).toBe(read.revision);
    expect(JSON.stringify(cached.state)).toBe(JSON.stringify(read.state));
    const strip = (l: typeof read) =>
      l.events.map((e) => ({
        event: e.event,
        metadata: e.metadata,
        id: e.recorded.id,
        revision: e.recorded.revision,
      }));
    expect(strip(cached)).toEqual(strip(read));
  });
});
