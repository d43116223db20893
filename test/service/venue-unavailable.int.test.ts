import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { PlaceOrderRequestSchema } from '../../adapters/service/requests.ts';
import { type RunningService, startService } from '../../adapters/service/service.ts';
import { createDeribitAdapter } from '../../adapters/venues/deribit/adapter.ts';
import { type LocalDeribit, startLocalDeribit } from '../../adapters/venues/deribit/local/server.ts';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import { createPgliteReadModelDb } from '../../projections/db/pglite.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let store: PgliteEventStore;
let sim: LocalDeribit;
let running: RunningService<SqlPosition>;

beforeAll(async () => {
  sim = await startLocalDeribit({
    credentials: [{ clientId: 'vu', clientSecret: 'vu-secret', account: 'main' }],
    minHeartbeatIntervalSec: 0.05,
  });
  store = await openPgliteEventStore();
  // Given a venue that refuses its instrument listing (rate limit) from the start
  sim.faults.failNext(10028, { method: 'public/get_instruments', closeAfter: false, count: 1_000 });
  running = await startService({
    store,
    readModelDb: createPgliteReadModelDb(store.db),
    adapters: [
      createDeribitAdapter({
        account: 'main',
        wsUrl: sim.wsUrl,
        httpUrl: sim.httpUrl,
        credentials: { clientId: 'vu', clientSecret: 'vu-secret' },
        logger,
      }),
    ],
    accounts: [{ venue: 'deribit', account: 'main', positionMode: 'one_way' }],
    limits: PreTradeLimitsSchema.parse({}),
    logger,
  });
});

async function trading(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!running.registry.statuses()[0]?.trading) {
    if (Date.now() > deadline) throw new Error('venue never started trading');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterAll(async () => {
  await running?.stop();
  await store?.close();
  await sim?.close();
});

describe('a venue that does not answer its instrument list', () => {
  it('is VENUE_UNAVAILABLE for a new order (503), not an internal error, nothing is recorded, and it recovers', async () => {
    // When an order is placed while the venue still refuses its listing
    const request = PlaceOrderRequestSchema.parse({
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'market',
      amount: '10',
    });
    const result = await running.service.place(request, { idempotencyKey: 'vu-1' });
    // Then it is refused as the venue being unavailable; nothing was sent
    expect(result).toMatchObject({ ok: false, error: { code: 'VENUE_UNAVAILABLE' } });
    expect(sim.orders()).toHaveLength(0);
    expect(running.registry.statuses()[0]?.trading).toBe(false);

    // And once the venue answers again, the service lists it (once, for every part), reconciles and trades
    sim.faults.reset();
    await trading();
    const retry = await running.service.place(request, { idempotencyKey: 'vu-1' });
    expect(retry.ok && retry.value.order.status).toBe('filled');
  });
});
