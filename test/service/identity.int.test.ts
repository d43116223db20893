import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalOrderId } from '../../application/ingestion/external.ts';
import { exists } from '../../domain/order/state.ts';
import { until } from '../support/until.ts';
import { RawClient } from '../venues/deribit/support.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;
let outsider: RawClient | undefined;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'identity', adapter: { heartbeatIntervalSec: 10 } });
});

afterAll(async () => {
  outsider?.close();
  await svc?.close();
});

describe('the identity of venue orders', () => {
  it('a venue order placed outside the OMS with the label of one of our orders is external; ours stays as the venue has it', async () => {
    // Given our order resting at the venue
    const ours = await restingBuy(svc, 'identity-1', { amount: '10' });

    // When someone else places an order on the account with the same label (Deribit labels are
    // not unique), and it fills at once
    outsider = await RawClient.open(svc.sim.wsUrl);
    await outsider.call('public/auth', {
      grant_type: 'client_credentials',
      client_id: 'identity',
      client_secret: 'identity-secret',
    });
    const placed = await outsider.call('private/buy', {
      instrument_name: 'BTC-PERPETUAL',
      amount: 20,
      type: 'market',
      label: ours.clientOrderId,
    });
    const foreignId = (placed.result as { order: { order_id: string } }).order.order_id;

    // Then the foreign venue order is recorded as an external order with its fill
    const externalId = externalOrderId('deribit', 'main', foreignId);
    const external = await until('the external order to be recorded, filled', async () => {
      const loaded = await svc.running.handler.load(externalId);
      return exists(loaded.state) && loaded.state.status === 'filled' ? loaded.state : undefined;
    });
    expect(external.order.intent).toBe('external');
    expect(external.venueOrderId).toBe(foreignId);
    expect(external.filled.toString()).toBe('20');

    // And our order is untouched: still open, for 10, unfilled, with its own venue id, and the
    // reuse of its label is an anomaly on it
    const mine = await until('the anomaly on our order', async () => {
      const loaded = await svc.running.handler.load(ours.orderId);
      return exists(loaded.state) && loaded.state.anomalies > 0 ? loaded : undefined;
    });
    if (!exists(mine.state)) throw new Error('our order vanished');
    expect(mine.state.status).toBe('open');
    expect(mine.state.order.amount.toString()).toBe('10');
    expect(mine.state.filled.isZero()).toBe(true);
    expect(mine.state.venueOrderIds).toEqual([ours.venueOrderId]);
    const anomaly = mine.events.find((e) => e.event.type === 'OrderAnomalyDetected');
    expect(JSON.stringify(anomaly?.event.data)).toContain(foreignId);
    expect(mine.state.anomalies).toBe(1);
    // And a break says so, until an operator looks at it
    const reuse = await until('the break', async () =>
      (await svc.running.reconciliation.breaks('open')).find((b) => b.kind === 'client_id_reused'),
    );
    expect(reuse).toMatchObject({ orderId: ours.orderId, subject: foreignId });
  });
});
