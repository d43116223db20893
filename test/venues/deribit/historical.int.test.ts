import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeribitAdapter } from '../../../adapters/venues/deribit/options.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { adapterFor, instrumentNamed, RawClient, startSim } from './support.ts';

const DAY = 24 * 3_600_000;
let clock = Date.parse('2026-12-01T12:00:00Z');
let sim: LocalDeribit;
let adapter: DeribitAdapter;

beforeAll(async () => {
  sim = await startSim({ now: () => clock });
  adapter = adapterFor(sim, { now: () => clock }).adapter;
  await adapter.connect();
});

afterAll(async () => {
  await adapter?.close();
  await sim?.close();
});

describe("Deribit's recent and historical trade stores", () => {
  it('fills since a time older than a day come from the historical store too: each trade once', async () => {
    const instrument = instrumentNamed(await adapter.instruments(), 'BTC-PERPETUAL');
    // Given a trade two days ago and one now
    const first = clock;
    const raw = await RawClient.open(sim.wsUrl);
    try {
      await raw.auth();
      await raw.call('private/buy', { instrument_name: 'BTC-PERPETUAL', amount: 10, type: 'market' });
      clock += 2 * DAY;
      await raw.auth();
      await raw.call('private/buy', { instrument_name: 'BTC-PERPETUAL', amount: 20, type: 'market' });

      // Then the recent store alone has only today's trade (as Deribit keeps a day)
      const recent = await raw.call('private/get_user_trades_by_instrument', {
        instrument_name: 'BTC-PERPETUAL',
        start_timestamp: first - 3_600_000,
        count: 100,
      });
      expect((recent.result as { trades: unknown[] }).trades).toHaveLength(1);
    } finally {
      raw.close();
    }

    // When the adapter asks for the fills since before the first trade
    const fills = await adapter.fills({ instrument, since: new Date(first - 3_600_000).toISOString() });

    // Then both trades are there, oldest first, each once
    expect(fills.map((f) => f.amount.toString())).toEqual(['10', '20']);
  });
});
