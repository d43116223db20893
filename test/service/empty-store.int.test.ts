import { afterAll, describe, expect, it } from 'vitest';
import { createDeribitAdapter } from '../../adapters/venues/deribit/adapter.ts';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { startLocalBitget } from '../../simulators/bitget/server.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';
import { until } from '../support/until.ts';
import {
  restingBuy,
  type ServiceOnOneVenue,
  startServiceOn,
  startServiceOnLocalBitget,
  testLogger,
} from './support.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const serviceOn = async (sim: LocalDeribit): Promise<ServiceOnOneVenue> => {
  const adapter = createDeribitAdapter({
    logger: testLogger,
    heartbeatIntervalSec: 10,
    account: 'main',
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    credentials: { clientId: 'empty', clientSecret: 'empty-secret' },
  });
  const svc = await startServiceOn(adapter, { venue: 'deribit', account: 'main', positionMode: 'one_way' });
  await svc.trading();
  return svc;
};

const venuePosition = (sim: LocalDeribit): string =>
  String(sim.positions().find((p) => p.instrument_name === 'BTC-PERPETUAL')?.size ?? 0);

describe('a service started on an empty store while orders rest and fill at the venue', () => {
  it('records them as external orders with their fills: its positions equal the venue’s', async () => {
    // Given a first service that left a filled position and a resting order at the venue
    const sim = await startLocalDeribit({
      credentials: [{ clientId: 'empty', clientSecret: 'empty-secret', account: 'main' }],
      minHeartbeatIntervalSec: 0.05,
    });
    closers.push(() => sim.close());
    const first = await serviceOn(sim);
    const filled = await first.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'market',
        amount: '30',
      }),
      { idempotencyKey: 'empty-1' },
    );
    expect(filled.ok, JSON.stringify(filled)).toBe(true);
    const resting = await restingBuy({ ...first, sim }, 'empty-2', { amount: '20', below: 500 });
    await first.close();

    // When a second service starts on an empty store (a lost data directory, a switched store)
    const second = await serviceOn(sim);
    closers.push(() => second.close());

    // Then what rests at the venue is known, and the position equals the venue's
    await second.running.readModelCaughtUp();
    const positionOf = async () =>
      (await second.running.readModel.positions({ includeFlat: true })).find(
        (p) => p.symbol === 'BTC-PERPETUAL',
      )?.size;
    await until(
      'the position from the venue’s fills',
      async () => (await positionOf()) === venuePosition(sim),
    );
    expect(venuePosition(sim)).toBe('30');

    // When the resting order fills at the venue
    sim.setMarkPrice('BTC-PERPETUAL', sim.markPrice('BTC-PERPETUAL').minus(1000));
    await until('the resting order to fill at the venue', () => venuePosition(sim) === '50');

    // Then its fill is recorded too (on an external order), and the positions still agree
    await until('the fill to reach the read models', async () => {
      await second.running.readModelCaughtUp();
      return (await positionOf()) === '50';
    });
    const page = await second.running.readModel.listOrders({ limit: 10 });
    const external = page.orders.find((o) => o.venueOrderId === resting.venueOrderId);
    expect(external).toMatchObject({ intent: 'external', status: 'filled' });
  });
});

describe('the same on Bitget (one-way)', () => {
  it('records what rests and fills at the venue as external orders: positions equal the venue’s', async () => {
    const credentials = { apiKey: 'empty-key', secretKey: 'empty-secret', passphrase: 'empty-pass' };
    const sim = await startLocalBitget({ credentials, positionMode: 'one_way' });
    closers.push(() => sim.close());
    const bitgetService = async () => {
      return startServiceOnLocalBitget(sim, credentials, { limits: { priceBand: '0.1' } });
    };
    const venueSize = () => String(sim.positions().find((p) => p.symbol === 'BTCUSDT')?.total ?? '0');

    // Given a first service that left a position and a resting order at the venue
    const first = await bitgetService();
    const market = await first.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'market',
        amount: '0.02',
      }),
      { idempotencyKey: 'bg-empty-1' },
    );
    expect(market.ok, JSON.stringify(market)).toBe(true);
    const resting = await first.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        amount: '0.01',
        price: sim.markPrice('BTCUSDT').minus(200).toString(),
      }),
      { idempotencyKey: 'bg-empty-2' },
    );
    expect(resting.ok, JSON.stringify(resting)).toBe(true);
    await until('the market order’s position at the venue', () => venueSize() === '0.02');
    await first.close();

    // When a second service starts on an empty store, and the resting order then fills
    const second = await bitgetService();
    closers.push(() => second.close());
    sim.setMarkPrice('BTCUSDT', sim.markPrice('BTCUSDT').minus(400));
    await until('the resting order to fill at the venue', () => venueSize() === '0.03');

    // Then the position equals the venue's
    await until('the position to equal the venue’s', async () => {
      await second.running.readModelCaughtUp();
      const rows = await second.running.readModel.positions({ includeFlat: true });
      return rows.find((p) => p.symbol === 'BTCUSDT')?.size === venueSize();
    });
  });
});
