import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oms, type ServedOms, serveOms } from '../support/oms-cli.ts';
import { until } from '../support/until.ts';

/**
 * `npm start` killed and started again on the same data directory: the local venues come back as
 * they were left (their state next to the data directory), so an order left resting is still open
 * at the venue, reconciliation finds no break, and it can be cancelled.
 */

let dataDir: string;
let served: ServedOms | undefined;

const cli = (...argv: string[]) => oms(served, ...argv);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oms-restart-'));
});

afterAll(async () => {
  await served?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}-local-venues`, { recursive: true, force: true });
});

describe('npm start, killed and started again', () => {
  it('finds the order it left resting still open at the local venue, with no break', async () => {
    // Given a resting buy on the local Deribit
    served = await serveOms(dataDir);
    // (the venue may still be reconciling right after the start: 503, nothing placed; the key makes a retry safe)
    const placed = await until(
      'the order to be placed',
      async () => {
        const attempt = await cli(
          'place',
          '--venue=deribit',
          '--symbol=BTC-PERPETUAL',
          '--side=buy',
          '--amount=10',
          '--price=58000',
          '--idempotency-key=restart-1',
        );
        return attempt.code === 0 ? attempt : undefined;
      },
      30_000,
    );
    const { order } = JSON.parse(placed.out) as { order: { orderId: string; status: string } };
    expect(order.status).toBe('open');

    // When the service is killed and started again
    await served.stop('SIGKILL');
    served = await serveOms(dataDir);

    // Then reconciliation finds the order at the venue: no break, still open, and it cancels
    // (once the venue is connected again: until then reconcile answers 503)
    await until(
      'a reconciliation',
      async () => ((await cli('reconcile')).code === 0 ? true : undefined),
      30_000,
    );
    const breaks = await cli('breaks');
    expect(JSON.parse(breaks.out)).toEqual([]);
    const shown = await cli('order', order.orderId);
    expect(JSON.parse(shown.out)).toMatchObject({ status: 'open' });
    await until(
      'the cancel to be taken',
      async () => ((await cli('cancel', order.orderId)).code === 0 ? true : undefined),
      30_000,
    );
    await until('the cancel to land', async () => {
      const now = await cli('order', order.orderId);
      return (JSON.parse(now.out) as { status: string }).status === 'cancelled' || undefined;
    });
  }, 150_000);
});
