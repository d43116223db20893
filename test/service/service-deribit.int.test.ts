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

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  sim = await startLocalDeribit({
    credentials: [{ clientId: 'svc', clientSecret: 'svc-secret', account: 'main' }],
    minHeartbeatIntervalSec: 0.05,
  });
  store = await openPgliteEventStore();
  const adapter = createDeribitAdapter({
    account: 'main',
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    credentials: { clientId: 'svc', clientSecret: 'svc-secret' },
    heartbeatIntervalSec: 10,
    logger,
  });
  running = await startService({
    store,
    readModelDb: createPgliteReadModelDb(store.db),
    adapters: [adapter],
    accounts: [{ venue: 'deribit', account: 'main', positionMode: 'one_way' }],
    limits: PreTradeLimitsSchema.parse({ priceBand: '0.1' }),
    logger,
  });
  await until(() => running.registry.statuses()[0]?.trading || undefined, 'the venue to trade');
});

afterAll(async () => {
  await running?.stop();
  await store?.close();
  await sim?.close();
});

describe('the order service on the local Deribit', () => {
  it('places a resting limit order: recorded, sent with its label, acknowledged, in the read model', async () => {
    const mark = sim.markPrice('BTC-PERPETUAL');
    const price = mark.minus(1000).toString();
    const result = await running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'limit',
        amount: '100',
        price,
      }),
      { idempotencyKey: 'svc-1' },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.value.order).toMatchObject({ status: 'open', amount: '100', filled: '0', price });
    const atVenue = sim.orders().find((o) => o.label === result.value.order.clientOrderId);
    expect(atVenue).toBeDefined();

    await running.readModelCaughtUp();
    const page = await running.readModel.listOrders({ limit: 10 });
    expect(page.orders.map((o) => o.orderId)).toContain(result.value.order.orderId);
  });

  it('answers a retried placement with the first result and sends nothing twice', async () => {
    const request = PlaceOrderRequestSchema.parse({
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'limit',
      amount: '50',
      price: sim.markPrice('BTC-PERPETUAL').minus(2000).toString(),
    });
    const first = await running.service.place(request, { idempotencyKey: 'svc-2' });
    const second = await running.service.place(request, { idempotencyKey: 'svc-2' });
    expect(first.ok && second.ok && second.value.replayed).toBe(true);
    const label = first.ok ? first.value.order.clientOrderId : '';
    expect(sim.orders().filter((o) => o.label === label)).toHaveLength(1);
  });

  it('fills a market order and builds the position from its fills', async () => {
    const result = await running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'ETH-PERPETUAL',
        side: 'buy',
        type: 'market',
        amount: '10',
      }),
      { idempotencyKey: 'svc-3' },
    );
    expect(result.ok && result.value.order.status).toBe('filled');
    await running.readModelCaughtUp();
    const positions = await running.readModel.positions({ venue: 'deribit', includeFlat: false });
    expect(positions.find((p) => p.symbol === 'ETH-PERPETUAL')).toMatchObject({ size: '10', side: 'net' });
  });

  it('cancels an open order at the venue', async () => {
    const placed = await running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'sell',
        type: 'limit',
        amount: '20',
        price: sim.markPrice('BTC-PERPETUAL').plus(1000).toString(),
      }),
    );
    if (!placed.ok) throw new Error(JSON.stringify(placed.error));
    const cancelled = await running.service.cancel(placed.value.order.orderId);
    expect(cancelled.ok && cancelled.value.order.status).toBe('cancelled');
    const atVenue = sim.orders().find((o) => o.label === placed.value.order.clientOrderId);
    expect(atVenue?.state).toBe('cancelled');
  });

  it('refuses a price outside the band before anything is recorded', async () => {
    const result = await running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'limit',
        amount: '10',
        price: sim.markPrice('BTC-PERPETUAL').times(2).toString(),
      }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'PRICE_OUTSIDE_BAND' } });
  });
});
