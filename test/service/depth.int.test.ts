import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { parseDecimal, ZERO } from '../../domain/decimal.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { until } from '../support/until.ts';
import {
  type ServiceOnLocalDeribit,
  type ServiceOnOneVenue,
  startServiceOnLocalBitget,
  startServiceOnLocalDeribit,
} from './support.ts';

// A taker order larger than the top of the book, through the OMS, on both local venues: it fills
// level by level at a worse average price, and the OMS's position math (average entry, realized
// PnL, fees) comes out exactly as the venue's own accounting reports it.

const d = parseDecimal;

async function marketThenFilled(
  svc: { running: ServiceOnOneVenue['running'] },
  body: Record<string, unknown>,
  key: string,
) {
  const placed = await until('the venue to trade', async () => {
    const result = await svc.running.service.place(PlaceOrderRequestSchema.parse(body), {
      idempotencyKey: key,
    });
    return result.ok ? result.value : undefined;
  });
  return until(`order ${placed.order.orderId} to fill`, async () => {
    const order = await svc.running.service.getOrder(placed.order.orderId);
    return order.ok && order.value.status === 'filled' ? order.value : undefined;
  });
}

describe('on the local Bitget, with 0.004 BTC at each level', () => {
  const credentials = { apiKey: 'depth-key', secretKey: 'depth-secret', passphrase: 'depth-pass' };
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

  it('fills a market buy of 0.01 over three asks, then a sell over three bids; the OMS agrees with the venue', async () => {
    const mark = sim.markPrice('BTCUSDT');
    sim.setDepth('BTCUSDT', '0.004');
    const order = {
      venue: 'bitget',
      symbol: 'BTCUSDT',
      type: 'market',
      amount: '0.01',
      marginMode: 'crossed',
    };
    // When a market buy of 0.01 arrives
    const bought = await marketThenFilled(svc, { ...order, side: 'buy' }, 'depth-buy');
    // Then it took 0.004 at the mark, 0.004 a tick up and 0.002 two ticks up
    const expectedAverage = mark
      .times('0.004')
      .plus(mark.plus('0.1').times('0.004'))
      .plus(mark.plus('0.2').times('0.002'))
      .div('0.01');
    expect(d(bought.averagePrice ?? '0').toString()).toBe(expectedAverage.toString());
    expect(d(bought.averagePrice ?? '0').gt(mark)).toBe(true);
    await svc.running.readModelCaughtUp();
    const [long] = await svc.running.readModel.positions({ venue: 'bitget', includeFlat: false });
    const [venueLong] = sim.positions();
    expect([long?.size, d(long?.averageEntry ?? '0').toString()]).toEqual([
      String(venueLong?.total),
      d(String(venueLong?.openPriceAvg)).toString(),
    ]);

    // When a market sell of 0.01 closes it (the book is whole again once the mark moves)
    sim.setMarkPrice('BTCUSDT', mark);
    await marketThenFilled(svc, { ...order, side: 'sell' }, 'depth-sell');
    // Then the OMS's realized PnL and fees are the venue's, to the last digit
    await svc.running.readModelCaughtUp();
    const [flat] = await svc.running.readModel.positions({ venue: 'bitget', includeFlat: true });
    const trades = sim.trades();
    const venueProfit = trades.reduce((sum, t) => sum.plus(d(String(t.profit))), ZERO);
    const venueFees = trades.reduce(
      (sum, t) => sum.plus(d(String((t.feeDetail as { totalFee: string }[])[0]?.totalFee)).abs()),
      ZERO,
    );
    expect(trades).toHaveLength(6);
    expect(flat?.size).toBe('0');
    expect(d(flat?.realizedPnl ?? '').toString()).toBe(venueProfit.toString());
    expect(d(flat?.fees.USDT ?? '').toString()).toBe(venueFees.toString());
    expect(venueProfit.isNegative()).toBe(true);
  });
});

describe('on the local Deribit, with 10 USD at each level of BTC-PERPETUAL', () => {
  let svc: ServiceOnLocalDeribit;
  beforeAll(async () => {
    svc = await startServiceOnLocalDeribit({ clientId: 'depth' });
  });
  afterAll(async () => svc?.close());

  it('fills a market buy of 30 over three asks, then a sell; the OMS agrees with the venue', async () => {
    svc.sim.setBook('BTC-PERPETUAL', { levelDepth: '10' });
    const { ask } = svc.sim.quotes('BTC-PERPETUAL');
    const order = { venue: 'deribit', symbol: 'BTC-PERPETUAL', type: 'market', amount: '30' };
    // When a market buy of 30 USD arrives
    const bought = await marketThenFilled(svc, { ...order, side: 'buy' }, 'depth-buy');
    // Then it paid three ask levels, the average above the best ask
    expect(d(bought.averagePrice ?? '0').gt(ask)).toBe(true);
    await svc.running.readModelCaughtUp();
    const [long] = await svc.running.readModel.positions({ venue: 'deribit', includeFlat: false });
    const [venueLong] = svc.sim.positions();
    expect(long?.size).toBe(String(venueLong?.size));

    // When a market sell of 30 closes it (the book whole again)
    svc.sim.setMarkPrice('BTC-PERPETUAL', svc.sim.markPrice('BTC-PERPETUAL'));
    await marketThenFilled(svc, { ...order, side: 'sell' }, 'depth-sell');
    // Then the OMS's realized PnL (in BTC) is the venue's
    await svc.running.readModelCaughtUp();
    const [flat] = await svc.running.readModel.positions({ venue: 'deribit', includeFlat: true });
    const [venueFlat] = svc.sim.positions();
    expect(flat?.size).toBe('0');
    // Inverse PnL goes through quotients (1/price); the venue's average price and the OMS's entry cost
    // divide in different orders, so they agree to the precision of the division: 30 decimal places
    // of a bitcoin here, far beyond the 1e-8 BTC the venue's statements show.
    const atDivision = (value: string) => d(value).toDecimalPlaces(30).toString();
    expect(atDivision(flat?.realizedPnl ?? '')).toBe(atDivision(String(venueFlat?.realized_profit_loss)));
    expect(d(flat?.realizedPnl ?? '').isNegative()).toBe(true);
  });
});
