import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubmissionProcessor } from '../../application/submission/submission.ts';
import { orderStreamId } from '../../domain/order/contract.ts';
import { memoryLogger } from '../faults/support/service.ts';
import { until } from '../support/until.ts';
import { buyBelowMark, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'sweep' });
});

afterAll(async () => svc?.close());

/** A second submission processor on the service's parts, sweeping every 100 ms, logging to memory. */
function sweepingProcessor() {
  const { logger, lines } = memoryLogger('warn');
  const processor = new SubmissionProcessor({
    store: svc.store,
    handler: svc.running.handler,
    registry: svc.running.registry,
    logger,
    now: Date.now,
    startedAt: Date.now(),
    // Short send windows: an order it did not record itself is looked up, and only sent once any
    // earlier send could no longer land.
    submitWindowMs: 500,
    clockSkewMs: 100,
    pendingOrders: async () => {
      await svc.running.readModelCaughtUp();
      return svc.running.readModel.ordersNeedingWork();
    },
    sweepIntervalMs: 100,
  });
  return { processor, lines };
}

describe('the submission sweep', () => {
  it('sends an order with a request pending that no step was ever scheduled for, and says so', async () => {
    // Given an order recorded while no submission processor ran (nothing sent)
    svc.running.processor.stop();
    const placed = await buyBelowMark(svc, 'sweep-1', { below: 2000, waitMs: 0 });
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    const { orderId, clientOrderId } = placed.value.order;
    const events = await svc.store.readStream(orderStreamId(orderId));
    expect(svc.sim.orders().filter((o) => o.label === clientOrderId)).toHaveLength(0);

    // When a processor starts after that order's events, not told of it, with a sweep
    const { processor, lines } = sweepingProcessor();
    processor.start(events.at(-1)!.position, []);
    try {
      // Then the sweep finds it: it reaches the venue once and is acknowledged
      const view = await until('the order to be acknowledged', async () => {
        const r = await svc.running.service.getOrder(orderId);
        return r.ok && r.value.status === 'open' ? r.value : undefined;
      });
      expect(svc.sim.orders().filter((o) => o.label === clientOrderId)).toHaveLength(1);
      expect(view.venueOrderId).not.toBeNull();
      // And the operator is told that an order had been left without a step
      expect(lines.some((line) => line.includes(orderId) && line.includes('the sweep resumed it'))).toBe(
        true,
      );
    } finally {
      processor.stop();
    }
  });

  it('reports a step that runs longer than its interval (a venue that is slow to answer)', async () => {
    // Given an order recorded while no submission processor ran, and a venue slow to answer it
    svc.running.processor.stop();
    const placed = await buyBelowMark(svc, 'sweep-2', { below: 2100, waitMs: 0 });
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    const { orderId } = placed.value.order;
    svc.sim.faults.delayReply(800, { method: 'private/buy' });

    // When a processor works on it
    const { processor, lines } = sweepingProcessor();
    processor.start(undefined, [orderId]);
    try {
      // Then the slow step is reported while it runs, and the order is acknowledged
      await until('the slow step to be reported', () =>
        lines.some((line) => line.includes(orderId) && line.includes('submission step still running')),
      );
      await until('the order to be acknowledged', async () => {
        const r = await svc.running.service.getOrder(orderId);
        return r.ok && r.value.status === 'open';
      });
    } finally {
      processor.stop();
    }
  });
});
