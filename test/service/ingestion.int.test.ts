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
import type { VenueAdapter } from '../../adapters/venues/port.ts';
import { exists } from '../../domain/order/state.ts';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import { createPgliteReadModelDb } from '../../projections/db/pglite.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let store: PgliteEventStore;
let sim: LocalDeribit;
let adapter: VenueAdapter;
let running: RunningService<SqlPosition>;

beforeAll(async () => {
  sim = await startLocalDeribit({
    credentials: [{ clientId: 'ing', clientSecret: 'ing-secret', account: 'main' }],
    minHeartbeatIntervalSec: 0.05,
  });
  store = await openPgliteEventStore();
  adapter = createDeribitAdapter({
    account: 'main',
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    credentials: { clientId: 'ing', clientSecret: 'ing-secret' },
    logger,
  });
  running = await startService({
    store,
    readModelDb: createPgliteReadModelDb(store.db),
    adapters: [adapter],
    accounts: [{ venue: 'deribit', account: 'main', positionMode: 'one_way' }],
    limits: PreTradeLimitsSchema.parse({}),
    logger,
  });
  const deadline = Date.now() + 10_000;
  while (!running.registry.statuses()[0]?.trading) {
    if (Date.now() > deadline) throw new Error('venue never started trading');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

afterAll(async () => {
  await running?.stop();
  await store?.close();
  await sim?.close();
});

describe('ingestion of a fill for an order whose placement reply never came (F1)', () => {
  it('records the venue’s acceptance with the fill: the filled order knows its venue id', async () => {
    // Given an order recorded and sent by a process that died before it recorded the reply
    running.processor.stop();
    running.ingestion.stop();
    const placed = await running.service.place(
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
    const recorded = (await running.handler.load(orderId)).state;
    if (!exists(recorded)) throw new Error('not recorded');
    const sent = await adapter.place(recorded.order);
    if (sent.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(sent)}`);
    const [fill] = sent.fills;
    if (!fill) throw new Error('a market order fills on entry');

    // When the next process learns of it from the venue's fills (reconciliation)
    const entry = running.registry.entries()[0];
    if (!entry) throw new Error('no venue');
    await running.ingestion.fill(entry, fill, 'reconciliation');

    // Then the order is filled and carries the venue's order id
    const after = (await running.handler.load(orderId)).state;
    expect(exists(after) && after.status).toBe('filled');
    expect(exists(after) && after.venueOrderId).toBe(sent.venueOrderId);
  });
});
