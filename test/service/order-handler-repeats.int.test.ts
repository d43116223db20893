import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { createOrderHandler, type OrderHandler } from '../../application/orders/order-handler.ts';
import { type OrderCommand, orderStreamId } from '../../domain/order/contract.ts';
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

/** A venue report as the service records it: its command id derived from the report (here fixed). */
const asReport = (cmd: OrderCommand, commandId: string): OrderCommand => ({
  ...cmd,
  metadata: { ...cmd.metadata, commandId, source: 'reconciliation' },
});

describe('a venue report that the order refuses, delivered again (F1: reconciliation after every restart)', () => {
  it('records its anomaly once; the repeat changes nothing and does not fail', async () => {
    // Given an order the venue accepted as v-1
    const orderId = '3f6c1c1e-8d1a-4e53-9a57-1c2b3d4e5f60';
    await handler.handle(command({ type: 'PlaceOrder', data: placeData({ orderId }) }));
    await handler.handle(
      asReport(
        { ...report.accepted('v-1'), data: { orderId, venueOrderId: 'v-1' } } as OrderCommand,
        'acc-1',
      ),
    );
    // When a report naming another venue id arrives, then again (the same report, the same ids)
    const odd = asReport(
      { ...report.accepted('v-2'), data: { orderId, venueOrderId: 'v-2' } } as OrderCommand,
      'acc-2',
    );
    const first = await handler.handle(odd);
    const again = await createOrderHandler({ store, logger: pino({ level: 'silent' }) }).handle(odd);
    // Then the anomaly is recorded once, and the repeat is nothing new
    expect(first).toMatchObject({ ok: true, kind: 'applied', events: [{ type: 'OrderAnomalyDetected' }] });
    expect(again).toMatchObject({ ok: true, kind: 'unchanged' });
    const types = (await store.readStream(orderStreamId(orderId))).map((e) => e.type);
    expect(types).toEqual(['OrderRequested', 'OrderAccepted', 'OrderAnomalyDetected']);
  });
});
