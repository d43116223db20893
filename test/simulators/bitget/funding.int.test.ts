import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDecimal } from '../../../domain/decimal.ts';
import { fundingRate, nextFundingTime } from '../../../simulators/bitget/funding.ts';
import { type LocalBitget, startLocalBitget } from '../../../simulators/bitget/server.ts';

/**
 * The local Bitget's index prices and funding, read from Bitget's documents and checked with an
 * independent client (ccxt): `current-fund-rate`, `funding-time`, `history-fund-rate`, the index
 * in `symbol-price` and the tickers.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 4, 9, 0, 0); // an hour after the 08:00 funding
let clock = T0;
let sim: LocalBitget;
let ex: InstanceType<typeof ccxt.bitget>;

beforeAll(async () => {
  const credentials = { apiKey: 'funding-key', secretKey: 'funding-secret', passphrase: 'funding-pass' };
  sim = await startLocalBitget({ credentials, now: () => clock });
  ex = new ccxt.bitget({ options: { defaultType: 'swap' } });
  for (const key of Object.keys(ex.urls.api))
    if (typeof ex.urls.api[key] === 'string') ex.urls.api[key] = sim.restUrl;
});

afterAll(async () => {
  await sim?.close();
});

describe('Bitget funding', () => {
  it('is the premium plus the clamped interest: 0.01% with the index at the mark, capped at ±0.3%', () => {
    const mark = parseDecimal('60000');
    expect(fundingRate(mark, mark).toString()).toBe('0.0001');
    expect(fundingRate(mark, parseDecimal('59940')).toFixed(8)).toBe('0.00050100'); // 0.1001% − 0.05%
    expect(fundingRate(mark, parseDecimal('50000')).toString()).toBe('0.003');
    expect(fundingRate(mark, parseDecimal('70000')).toString()).toBe('-0.003');
    expect(nextFundingTime(T0)).toBe(Date.UTC(2026, 11, 4, 16, 0, 0));
  });

  it('Given an index under the mark since 09:00, ccxt reads the rate, the next funding time and the history', async () => {
    // Given
    const mark = sim.markPrice('BTCUSDT');
    const index = mark.times('0.999').toDecimalPlaces(1);
    sim.setIndexPrice('BTCUSDT', index);
    const rate = fundingRate(mark, index);

    // When the 16:00 funding has passed
    clock = Date.UTC(2026, 11, 4, 17, 0, 0);

    // Then
    const current = await ex.fetchFundingRate('BTC/USDT:USDT');
    expect(current.fundingRate).toBeCloseTo(rate.toNumber(), 12);
    expect(current.fundingTimestamp).toBe(Date.UTC(2026, 11, 5, 0, 0, 0));
    const history = await ex.fetchFundingRateHistory('BTC/USDT:USDT');
    const byTime = new Map(history.map((h) => [h.timestamp, h.fundingRate]));
    expect(byTime.get(Date.UTC(2026, 11, 4, 16, 0, 0))).toBeCloseTo(rate.toNumber(), 12);
    expect(byTime.get(Date.UTC(2026, 11, 4, 8, 0, 0))).toBeCloseTo(0.0001, 12); // before the index moved
    const ticker = await ex.fetchTicker('BTC/USDT:USDT');
    expect(ticker.indexPrice).toBe(index.toNumber());
    expect(clock - T0).toBe(8 * HOUR);
  });
});
