import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDecimal } from '../../../domain/decimal.ts';
import { funding8h } from '../../../simulators/deribit/funding.ts';
import type { LocalDeribit } from '../../../simulators/deribit/server.ts';
import { until } from '../../support/until.ts';
import { RawClient, startSim } from '../../venues/deribit/support.ts';

/**
 * The local Deribit's index prices, funding and portfolio channel, read from Deribit's documents:
 * the ticker of a perpetual carries `index_price`, `current_funding` and `funding_8h`;
 * `public/get_index_price`, `public/get_funding_rate_value` (the funding accrued over a period) and
 * `public/get_funding_rate_history` (hourly); `user.portfolio.{currency}` notifies the account
 * summary at once and after every change.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 4, 0, 0, 0);
let clock = T0;
let sim: LocalDeribit;
let client: RawClient;

beforeAll(async () => {
  sim = await startSim({ now: () => clock, enforceRateLimits: false });
  client = await RawClient.open(sim.wsUrl);
  await client.auth();
});

afterAll(async () => {
  client?.close();
  await sim?.close();
});

describe('funding', () => {
  it('is 8-hour premium of the mark over the index, dampened by ±0.025% and capped at ±0.5%', () => {
    const mark = parseDecimal('60000');
    expect(funding8h(mark, mark).toString()).toBe('0');
    expect(funding8h(mark, parseDecimal('59990')).toString()).toBe('0'); // 0.0167%: within the dampener
    expect(funding8h(mark, parseDecimal('59880')).toFixed(10)).toBe('0.0017540080'); // 0.2004% − 0.025%
    expect(funding8h(mark, parseDecimal('50000')).toString()).toBe('0.005'); // capped
    expect(funding8h(mark, parseDecimal('70000')).toString()).toBe('-0.005');
  });

  it('Given an index 0.2% under the mark for four hours, the ticker, the index and the accrued funding say so', async () => {
    // Given the mark of BTC-PERPETUAL and an index under it from T0
    const mark = sim.markPrice('BTC-PERPETUAL');
    const index = mark.times('0.998').toDecimalPlaces(2);
    sim.setIndexPrice('btc_usd', index);
    const rate = funding8h(mark, index);

    // When four hours pass
    clock = T0 + 4 * HOUR;

    // Then
    const ticker = (await client.call('public/ticker', { instrument_name: 'BTC-PERPETUAL' }))
      .result as Record<string, number>;
    expect(ticker.index_price).toBe(index.toNumber());
    expect(ticker.funding_8h).toBeCloseTo(rate.toNumber(), 12);
    expect(ticker.current_funding).toBeCloseTo(rate.toNumber(), 12);
    expect((await client.call('public/get_index_price', { index_name: 'btc_usd' })).result).toEqual({
      index_price: index.toNumber(),
      estimated_delivery_price: index.toNumber(),
    });
    const accrued = await client.call('public/get_funding_rate_value', {
      instrument_name: 'BTC-PERPETUAL',
      start_timestamp: T0,
      end_timestamp: T0 + 4 * HOUR,
    });
    expect(accrued.result as number).toBeCloseTo(rate.div(2).toNumber(), 12);
    const history = (
      await client.call('public/get_funding_rate_history', {
        instrument_name: 'BTC-PERPETUAL',
        start_timestamp: T0 + HOUR,
        end_timestamp: T0 + 4 * HOUR,
      })
    ).result as { timestamp: number; interest_1h: number; interest_8h: number; index_price: number }[];
    expect(history.map((h) => h.timestamp)).toEqual([1, 2, 3, 4].map((h) => T0 + h * HOUR));
    expect(history[0]?.interest_1h).toBeCloseTo(rate.div(8).toNumber(), 12);
    expect(history[0]?.interest_8h).toBeCloseTo(rate.toNumber(), 12);
  });

  it('refuses an unknown index, and funding of an instrument that is not a perpetual', async () => {
    expect((await client.call('public/get_index_price', { index_name: 'doge_usd' })).error?.code).toBe(
      -32602,
    );
    const future = (await client.call('public/get_instruments', { currency: 'BTC', kind: 'future' }))
      .result as {
      instrument_name: string;
      settlement_period: string;
    }[];
    const dated = future.find((i) => i.settlement_period !== 'perpetual');
    if (dated) {
      const refused = await client.call('public/get_funding_rate_value', {
        instrument_name: dated.instrument_name,
        start_timestamp: T0,
        end_timestamp: T0 + HOUR,
      });
      expect(refused.error?.code).toBe(-32602);
    }
  });
});

describe('user.portfolio', () => {
  it('notifies the account summary of the currency at once, and again after a trade', async () => {
    await client.auth(); // the clock moved hours on: a fresh token
    const subscribed = await client.call('private/subscribe', {
      channels: ['user.portfolio.btc', 'user.portfolio.nope'],
    });
    expect(subscribed.result).toEqual(['user.portfolio.btc']);
    const first = await until(
      'a portfolio notification',
      () => client.notifications('user.portfolio.btc')[0],
    );
    expect(first.params).toMatchObject({ data: { currency: 'BTC' } });

    await client.call('private/buy', { instrument_name: 'BTC-PERPETUAL', amount: 10, type: 'market' });

    await until('a second portfolio notification', () => client.notifications('user.portfolio.btc')[1]);
  });
});

describe('deribit_price_index', () => {
  it('notifies the index price at once and when it moves; an unknown index is left out', async () => {
    const subscribed = await client.call('public/subscribe', {
      channels: ['deribit_price_index.btc_usd', 'deribit_price_index.doge_usd'],
    });
    expect(subscribed.result).toEqual(['deribit_price_index.btc_usd']);
    const first = await until(
      'an index notification',
      () => client.notifications('deribit_price_index.btc_usd')[0],
    );
    expect(first.params).toMatchObject({ data: { index_name: 'btc_usd', price: expect.any(Number) } });

    sim.setIndexPrice('btc_usd', '61234.5');

    const moved = await until('a moved index', () =>
      client
        .notifications('deribit_price_index.btc_usd')
        .find((n) => (n.params as { data: { price: number } }).data.price === 61234.5),
    );
    expect(moved).toBeDefined();
  });
});
