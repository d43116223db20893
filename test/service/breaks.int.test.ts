import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDeribit, startLocalDeribit } from '../../adapters/venues/deribit/local/server.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;
let restarted: LocalDeribit | undefined;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'breaks', adapter: { heartbeatIntervalSec: 10 } });
});

afterAll(async () => {
  await svc?.close();
  await restarted?.close();
});

describe('reconciliation breaks', () => {
  it('an order the venue no longer knows is a break (the order is not guessed), until an operator resolves it', async () => {
    // Given an order resting at the venue
    const order = await restingBuy(svc, 'breaks-1');
    const { port } = svc.sim;

    // When the venue comes back without it (it restarted and lost its state)
    await svc.sim.close();
    restarted = await startLocalDeribit({
      port,
      seed: 7,
      credentials: [{ clientId: 'breaks', clientSecret: 'breaks-secret', account: 'main' }],
      minHeartbeatIntervalSec: 0.05,
    });
    await until(
      'the service to reconnect and reconcile',
      () => {
        const report = svc.running.reconciliations()[0];
        return report?.ordersUnknownAtVenue.includes(order.orderId);
      },
      20_000,
    );

    // Then the order is a break with both sides' figures, and stays as recorded
    const [found] = await svc.running.reconciliation.breaks('open');
    expect(found).toMatchObject({
      venue: 'deribit',
      account: 'main',
      kind: 'order_unknown_at_venue',
      orderId: order.orderId,
      theirs: 'no such order',
      status: 'open',
    });
    expect(found!.ours).toContain(order.venueOrderId);
    const loaded = await svc.running.handler.load(order.orderId);
    expect(loaded.state.status).toBe('open');

    // And a run on demand finds the same break again, without recording it twice
    const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'deribit' });
    expect(report!.openBreaks).toBe(1);
    expect(await svc.running.reconciliation.breaks()).toHaveLength(1);

    // When an operator resolves it, with a reason
    const resolved = await svc.running.reconciliation.resolveBreak(
      found!.breakId,
      'venue restarted; order confirmed gone by phone',
      'ops-alice',
    );

    // Then it is resolved, with who and why, and nothing is open any more
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: {
        resolution: 'operator',
        by: 'ops-alice',
        reason: 'venue restarted; order confirmed gone by phone',
      },
    });
    expect(await svc.running.reconciliation.breaks('open')).toEqual([]);
    // And resolving it again finds no open break
    expect(
      await svc.running.reconciliation.resolveBreak(found!.breakId, 'again', 'ops-alice'),
    ).toBeUndefined();
  });
});
