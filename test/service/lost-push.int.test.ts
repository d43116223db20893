import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exists } from '../../domain/order/state.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

const INTERVAL_MS = 1_000;
let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({
    clientId: 'lost-push',
    adapter: { heartbeatIntervalSec: 10 },
    reconcileIntervalMs: INTERVAL_MS,
  });
});

afterAll(async () => svc?.close());

describe('continuous reconciliation', () => {
  it('learns a fill whose pushes were lost while the socket stayed up, within one interval', async () => {
    // Given an order resting at the venue
    const order = await restingBuy(svc, 'lost-push-1', { amount: '10', below: 300 });
    const connections = svc.sim.connectionCount();

    // When it fills at the venue and every push about it is lost, the socket staying up
    svc.sim.faults.dropPushes(1_000);
    svc.sim.setMarkPrice('BTC-PERPETUAL', svc.sim.markPrice('BTC-PERPETUAL').minus(1_000));
    await until('the venue to fill it', () =>
      svc.sim.orders().some((o) => o.orderId === order.venueOrderId && o.state === 'filled'),
    );

    // Then the next periodic run learns it: filled, with its fill, from reconciliation
    const loaded = await until(
      'the fill to be learnt',
      async () => {
        const l = await svc.running.handler.load(order.orderId);
        return exists(l.state) && l.state.status === 'filled' ? l : undefined;
      },
      INTERVAL_MS * 3,
    );
    const fill = loaded.events.find((e) => e.event.type === 'OrderFilled');
    expect(fill?.metadata.source).toBe('reconciliation');
    expect(svc.sim.connectionCount()).toBe(connections);
    svc.sim.faults.reset();
  });
});
