import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

// Amends pass the same pre-trade checks as placements, on the order's new terms: a limit that
// would refuse the order as placed refuses the amend, and nothing reaches the venue.

let svc: ServiceOnLocalDeribit;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({
    clientId: 'amend-limits',
    // Prices 3000 below the mark are within the band: 10% of a mark near 60-100k.
    limits: { maxAmount: { 'deribit:BTC-PERPETUAL': '1000' }, maxNotional: '900', priceBand: '0.1' },
  });
});

afterAll(async () => svc?.close());

/** Given a resting buy of 10 USD, when it is amended with `amendment`, then it is refused with `code`. */
async function refusedAmend(
  key: string,
  amendment: { price?: Decimal; amount?: Decimal },
  code: string,
  resting?: { orderId: string; venueOrderId: string },
) {
  const { orderId, venueOrderId } = resting ?? (await restingBuy(svc, key));

  const amended = await svc.running.service.amend(orderId, amendment);

  expect(amended.ok ? 'accepted' : amended.error.code).toBe(code);
  // Nothing was recorded as requested, nothing reached the venue.
  const history = await svc.running.service.history(orderId);
  expect(history.ok && history.value.map((e) => e.type)).not.toContain('OrderAmendRequested');
  const atVenue = svc.sim.orders().find((o) => o.orderId === venueOrderId);
  expect(atVenue?.amount.toString()).toBe('10');
  return orderId;
}

describe('an amend over a limit is refused before anything is recorded or sent', () => {
  it('an amount above the instrument’s maximum: AMOUNT_ABOVE_LIMIT', async () => {
    await refusedAmend('amend-amount', { amount: new Decimal(5000) }, 'AMOUNT_ABOVE_LIMIT');
  });

  it('a notional above the maximum at the new amount: NOTIONAL_ABOVE_LIMIT', async () => {
    await refusedAmend('amend-notional', { amount: new Decimal(950) }, 'NOTIONAL_ABOVE_LIMIT');
  });

  it('a price outside the band around the mark: PRICE_OUTSIDE_BAND', async () => {
    const far = svc.sim.markPrice('BTC-PERPETUAL').times(0.5).toDecimalPlaces(0);
    await refusedAmend('amend-band', { price: far }, 'PRICE_OUTSIDE_BAND');
  });

  it('any amend of an order that adds risk while the kill switch is engaged: KILL_SWITCH_ENGAGED', async () => {
    const resting = await restingBuy(svc, 'amend-kill-switch');
    await svc.running.service.setKillSwitch({ engaged: true, reason: 'amend test', cancelAll: false }, 'ops');
    try {
      const price = svc.sim.markPrice('BTC-PERPETUAL').minus(3100).toDecimalPlaces(0);
      await refusedAmend('amend-kill-switch', { price }, 'KILL_SWITCH_ENGAGED', resting);
    } finally {
      await svc.running.service.setKillSwitch({ engaged: false, reason: 'done', cancelAll: false }, 'ops');
    }
  });

  it('while an amend within every limit is sent and accepted', async () => {
    const { orderId } = await restingBuy(svc, 'amend-within');
    const amended = await svc.running.service.amend(orderId, { amount: new Decimal(20) });
    expect(amended.ok && amended.value.order.amount).toBe('20');
  });
});
