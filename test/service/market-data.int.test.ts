import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeribitAdapter, type DeribitAdapter } from '../../adapters/venues/deribit/adapter.ts';
import { InstrumentsUnavailableError, MarketData } from '../../application/venues/market-data.ts';
import type { VenueEntry } from '../../application/venues/venue-registry.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';

const logger = pino({ level: 'silent' });
let sim: LocalDeribit;
let adapter: DeribitAdapter;
let entry: VenueEntry;

beforeAll(async () => {
  sim = await startLocalDeribit({
    credentials: [{ clientId: 'md', clientSecret: 'md-secret', account: 'main' }],
  });
  adapter = createDeribitAdapter({
    account: 'main',
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    credentials: { clientId: 'md', clientSecret: 'md-secret' },
    logger,
  });
  await adapter.connect();
  entry = { key: 'deribit/main', adapter };
});

afterAll(async () => {
  await adapter?.close();
  await sim?.close();
});

const listings = () => sim.requestCount('public/get_instruments');

describe('market data shared by the service', () => {
  it('lists a venue’s instruments once for many concurrent callers', async () => {
    const market = new MarketData({ now: Date.now });
    const before = listings();
    const found = await Promise.all(
      ['BTC-PERPETUAL', 'ETH-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC-PERPETUAL'].map((s) =>
        market.instrument(entry, s),
      ),
    );
    expect(found.map((i) => i?.symbol)).toEqual([
      'BTC-PERPETUAL',
      'ETH-PERPETUAL',
      'ETH_USDC-PERPETUAL',
      'BTC-PERPETUAL',
    ]);
    expect(listings() - before).toBe(1);
  });

  it('retries a refused listing (a read: safe to repeat) and succeeds', async () => {
    const market = new MarketData({ now: Date.now, retryDelayMs: 10 });
    // Two refusals armed: a single attempt would throw; the third attempt lists.
    sim.faults.failNext(10028, { method: 'public/get_instruments', closeAfter: false, count: 2 });
    expect((await market.instrument(entry, 'BTC-PERPETUAL'))?.symbol).toBe('BTC-PERPETUAL');
  });

  it('gives up after its attempts with a typed error, and asks again on the next call', async () => {
    const market = new MarketData({ now: Date.now, retryDelayMs: 10, attempts: 3 });
    sim.faults.failNext(10028, { method: 'public/get_instruments', closeAfter: false, count: 3 });
    await expect(market.instrument(entry, 'BTC-PERPETUAL')).rejects.toBeInstanceOf(
      InstrumentsUnavailableError,
    );
    expect((await market.instrument(entry, 'BTC-PERPETUAL'))?.symbol).toBe('BTC-PERPETUAL');
  });

  it('does not list again for an unknown symbol before the refresh floor has passed', async () => {
    let now = 1_000_000;
    const market = new MarketData({ now: () => now, refreshFloorMs: 60_000 });
    await market.instrument(entry, 'BTC-PERPETUAL');
    const before = listings();
    expect(await market.instrument(entry, 'NOPE-PERPETUAL')).toBeUndefined();
    expect(listings() - before).toBe(0);
    now += 60_000;
    expect(await market.instrument(entry, 'NOPE-PERPETUAL')).toBeUndefined();
    expect(listings() - before).toBe(1);
  });
});
