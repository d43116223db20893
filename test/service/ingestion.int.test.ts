import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { exists } from '../../domain/order/state.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'ing' });
});

afterAll(async () => svc?.close());

describe('ingestion of a fill for an order whose placement reply never came (F1)', () => {
  it('records the venue’s acceptance with the fill: the filled order knows its venue id', async () => {
    // Given an order recorded and sent by a process that died before it recorded the reply
    svc.running.processor.stop();
    svc.running.ingestion.stop();
    const placed = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'market',
        amount: '20',
      }),
      { idempotencyKey: 'ingest-1', waitMs: 0 },
    );
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    const orderId = placed.value.order.orderId;
    const recorded = (await svc.running.handler.load(orderId)).state;
    if (!exists(recorded)) throw new Error('not recorded');
    const sent = await svc.adapter.place(recorded.order);
    if (sent.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(sent)}`);
    const [fill] = sent.fills;
    if (!fill) throw new Error('a market order fills on entry');

    // When the next process learns of it from the venue's fills (reconciliation)
    const entry = svc.running.registry.entries()[0];
    if (!entry) throw new Error('no venue');
    await svc.running.ingestion.fill(entry, fill, 'reconciliation');

    // Then the order is filled and carries the venue's order id
    const after = (await svc.running.handler.load(orderId)).state;
    expect(exists(after) && after.status).toBe('filled');
    expect(exists(after) && after.venueOrderId).toBe(sent.venueOrderId);
  });
});
