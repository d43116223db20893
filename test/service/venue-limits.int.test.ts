import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import {
  type ServiceOnLocalDeribit,
  type ServiceOnOneVenue,
  startServiceOnLocalBitget,
  startServiceOnLocalDeribit,
} from './support.ts';

// With no limit configured by the desk, an absurd order is still refused by the OMS, from the
// instrument's own limits (Bitget's largest orders and price limit ratios around the mark,
// Deribit's max_price and min_price): nothing is recorded, nothing reaches the venue.

const credentials = { apiKey: 'limits-key', secretKey: 'limits-secret', passphrase: 'limits-pass' };

describe('the local Bitget, with the default limits only', () => {
  let sim: LocalBitget;
  let svc: ServiceOnOneVenue;

  beforeAll(async () => {
    sim = await startLocalBitget({ credentials });
    svc = await startServiceOnLocalBitget(sim, credentials);
  });

  afterAll(async () => {
    await svc?.close();
    await sim?.close();
  });

  const place = (fields: Record<string, string>) =>
    svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        ...fields,
      }),
    );

  it('Given a 5% buy limit ratio, when a buy 8% above the mark is placed, then it is refused: PRICE_OUTSIDE_BAND', async () => {
    const price = sim.markPrice('BTCUSDT').times(1.08).toDecimalPlaces(1).toString();

    const placed = await place({ amount: '0.01', price });

    expect(placed.ok ? 'accepted' : placed.error.code).toBe('PRICE_OUTSIDE_BAND');
    expect(sim.orders(credentials.apiKey)).toHaveLength(0);
  });

  it('Given a 5% sell limit ratio, when a sell 8% below the mark is placed, then it is refused', async () => {
    const price = sim.markPrice('BTCUSDT').times(0.92).toDecimalPlaces(1).toString();

    const placed = await place({ side: 'sell', amount: '0.01', price });

    expect(placed.ok ? 'accepted' : placed.error.code).toBe('PRICE_OUTSIDE_BAND');
    expect(sim.orders(credentials.apiKey)).toHaveLength(0);
  });

  it('Given a largest market order of 220 BTC, when 221 are sent at market, then it is refused: AMOUNT_ABOVE_LIMIT', async () => {
    const placed = await place({ type: 'market', amount: '221' });

    expect(placed.ok ? 'accepted' : placed.error.code).toBe('AMOUNT_ABOVE_LIMIT');
    expect(placed.ok || placed.error.message).toContain('220');
    expect(sim.orders(credentials.apiKey)).toHaveLength(0);
  });

  it('Given those limits, a buy 1% above the mark goes through', async () => {
    const price = sim.markPrice('BTCUSDT').times(1.01).toDecimalPlaces(1).toString();

    const placed = await place({ amount: '0.01', price });

    expect(placed.ok).toBe(true);
  });
});

describe('the local Deribit, with the default limits only', () => {
  let svc: ServiceOnLocalDeribit;

  beforeAll(async () => {
    svc = await startServiceOnLocalDeribit({ clientId: 'venue-limits' });
  });

  afterAll(async () => svc?.close());

  it('Given the ticker’s max_price, when a buy above it is placed, then it is refused: PRICE_OUTSIDE_BAND', async () => {
    const instrument = (await svc.adapter.instruments()).find((i) => i.symbol === 'BTC-PERPETUAL');
    if (!instrument) throw new Error('no BTC-PERPETUAL');
    const { maxBuyPrice } = await svc.adapter.referencePrices(instrument);
    if (!maxBuyPrice) throw new Error('the ticker gave no max_price');
    const price = maxBuyPrice.plus(parseDecimal('100')).toString();

    const placed = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'deribit',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'limit',
        amount: '10',
        price,
      }),
    );

    expect(placed.ok ? 'accepted' : placed.error.code).toBe('PRICE_OUTSIDE_BAND');
    expect(svc.sim.orders()).toHaveLength(0);
  });
});
