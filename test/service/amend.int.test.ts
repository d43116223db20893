import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.ts';
import { until } from '../support/until.ts';
import { restingBuy, type ServiceOnLocalDeribit, startServiceOnLocalDeribit } from './support.ts';

let svc: ServiceOnLocalDeribit;
/** A service whose venue pushes are not recorded: only the venue's replies and lookups count. */
let repliesOnly: ServiceOnLocalDeribit;

beforeAll(async () => {
  [svc, repliesOnly] = await Promise.all([
    startServiceOnLocalDeribit({ clientId: 'amend', adapter: { requestTimeoutMs: 1_000 } }),
    startServiceOnLocalDeribit({ clientId: 'amend-replies' }),
  ]);
  repliesOnly.running.ingestion.stop();
});

afterAll(async () => Promise.all([svc?.close(), repliesOnly?.close()]));

const settled = (svc: ServiceOnLocalDeribit, orderId: string) =>
  until('the amend to settle', async () => {
    const r = await svc.running.service.getOrder(orderId);
    return r.ok && r.value.status === 'open' && r.value.unresolved === null ? r.value : undefined;
  });

describe('amends whose answers repeat earlier ones (Deribit private/edit)', () => {
  it('settles an amend back to an earlier price: the venue’s answer is a new fact, not a repeat', async () => {
    // Given a resting order amended to a price, then to another
    const { orderId } = await restingBuy(repliesOnly, 'amend-back');
    const base = repliesOnly.sim.markPrice('BTC-PERPETUAL').minus(3000).toDecimalPlaces(0);
    for (const price of [base.minus(10), base.minus(20)]) {
      const amended = await repliesOnly.running.service.amend(orderId, { price });
      expect(amended.ok && amended.value.order.status).toBe('open');
    }

    // When it is amended back to the first of them
    await repliesOnly.running.service.amend(orderId, { price: base.minus(10) });

    // Then that amend settles too: open at that price, one acceptance per amend in the history
    const order = await settled(repliesOnly, orderId);
    expect(new Decimal(order.price!).eq(base.minus(10))).toBe(true);
    const history = await repliesOnly.running.service.history(orderId);
    const types = history.ok ? history.value.map((e) => e.type) : [];
    expect(types.filter((t) => t === 'OrderAmendAccepted')).toHaveLength(3);
  });

  it('settles a second amend refused with the same code and message as the first', async () => {
    // Given a resting order whose first amend the venue refused
    const { orderId } = await restingBuy(repliesOnly, 'amend-refused-twice');
    const price = repliesOnly.sim.markPrice('BTC-PERPETUAL').minus(3050).toDecimalPlaces(0);
    repliesOnly.sim.faults.failNext(10009, { method: 'private/edit' });
    await repliesOnly.running.service.amend(orderId, { price });
    await settled(repliesOnly, orderId);

    // When the next amend is refused the same way
    repliesOnly.sim.faults.failNext(10009, { method: 'private/edit' });
    await repliesOnly.running.service.amend(orderId, { price: price.minus(5) });

    // Then it settles as well: back to open, each refusal in the history
    await settled(repliesOnly, orderId);
    const history = await repliesOnly.running.service.history(orderId);
    const types = history.ok ? history.value.map((e) => e.type) : [];
    expect(types.filter((t) => t === 'OrderAmendRejected')).toHaveLength(2);
  });
});

describe('an amend whose reply is lost (Deribit private/edit)', () => {
  it.each([0, 2])('is resolved by looking the order up, after %i accepted amends', async (before) => {
    // Given a resting order, amended `before` times already
    const { orderId } = await restingBuy(svc, `amend-unknown-${before}`);
    const base = svc.sim.markPrice('BTC-PERPETUAL').minus(3000).toDecimalPlaces(0);
    for (let i = 1; i <= before; i++) {
      const amended = await svc.running.service.amend(orderId, { price: base.minus(10 * i) });
      expect(amended.ok && amended.value.order.status).toBe('open');
    }

    // When the venue carries out the next edit but its reply never comes
    const price = base.minus(100);
    svc.sim.faults.dropReply({ method: 'private/edit' });
    await svc.running.service.amend(orderId, { price });

    // Then the order settles open at the new price, nothing left unresolved
    const order = await settled(svc, orderId);
    expect(new Decimal(order.price!).eq(price)).toBe(true);
    const atVenue = svc.sim.orders().find((o) => o.label === order.clientOrderId);
    expect(atVenue?.price.eq(price)).toBe(true);
  });
});
