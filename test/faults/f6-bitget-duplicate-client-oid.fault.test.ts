import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VenueAdapter } from '../../application/ports/venue.ts';
import { until } from '../support/until.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues, venueOrdersOf } from './support/venues.ts';

/**
 * F6: Bitget answers 40786 (duplicate clientOid) on a retry.
 *
 * The placement is carried out but its reply is lost (or comes after the deadline); the lookup
 * by clientOid that follows lags behind the matching engine and finds nothing (Bitget's order
 * detail is not always current), so the service sends the order again, with the same clientOid.
 * Bitget refuses it with 40786. (Its WebSocket pushes are held back meanwhile, or they would
 * resolve the order first.) Seeds pick the order (limit or market, side, size) and the fault.
 * Pass: the existing order is adopted (open or filled, with its venue id and fills), never marked
 * rejected; Bitget saw exactly the two placements (00000, then 40786) and holds one order.
 */
const PLACE_PATH = '/api/v2/mix/order/place-order';
let venues: LocalVenues;
let svc: InProcessService;
let lagging = 0;
const log = memoryLogger('warn');

/** The next `lagging` lookups by client id answer "no such order", as a lagging order detail. */
function withLaggingLookups(adapter: VenueAdapter): VenueAdapter {
  const find = adapter.findByClientOrderId.bind(adapter);
  return Object.assign(adapter, {
    findByClientOrderId: async (...args: Parameters<VenueAdapter['findByClientOrderId']>) => {
      if (lagging > 0) {
        lagging -= 1;
        return [];
      }
      return find(...args);
    },
  });
}

beforeAll(async () => {
  venues = await startLocalVenues();
  const [deribit, bitget] = venues.adapters(log.logger, { bitget: { requestTimeoutMs: 1_000 } });
  if (!deribit || !bitget) throw new Error('two adapters');
  svc = await startInProcessService(venues, {
    logger: log.logger,
    adapters: [deribit, withLaggingLookups(bitget)],
    // Every seed loses a reply: three in a row would pause the venue (F9 tests that), not here.
    service: { venueFailureThreshold: 1_000 },
  });
  await svc.trading();
});

afterEach(() => {
  venues.bitget.faults.reset();
  lagging = 0;
});

afterAll(async () => {
  await svc?.stop();
  await venues?.close();
});

describe('F6: a retried submission meets Bitget 40786', () => {
  it.each(faultSeeds(3, 600))(
    'adopts the existing order, never rejects it (seed %i)',
    async (seed) =>
      withSeed('F6', seed, async () => {
        // Lost replies in a row pause a venue until a probe answers (F9): start from a trading one.
        await svc.trading();
        const r = rng(seed);
        const side = r.pick(['buy', 'sell'] as const);
        const market = r.chance(0.4);
        const fault = r.pick(['lose', 'delay']);
        const mark = Number(venues.bitget.markPrice('BTCUSDT').toString());
        const body = {
          venue: 'bitget',
          symbol: 'BTCUSDT',
          side,
          type: market ? 'market' : 'limit',
          amount: (0.001 * r.int(1, 9)).toFixed(3),
          ...(!market && { price: String(Math.round(mark * (side === 'buy' ? 0.98 : 1.02))) }),
        };
        const requestsBefore = venues.bitget.requests().length;
        if (fault === 'lose') venues.bitget.faults.loseReplies(1, { path: PLACE_PATH });
        else venues.bitget.faults.delayReplies(1_500, 1, { path: PLACE_PATH });
        lagging = 1;
        // The WebSocket is slow too (its pushes held back): only the lookup and the resend can tell.
        venues.bitget.faults.reorderPushes(1_000);

        // When the reply is lost, the lookup finds nothing, and the order is sent again
        const reply = await svc.api.place(body, `f6-${seed}`);
        const { orderId, clientOrderId } = reply.order;
        const settled = await until('the order to be adopted', async () => {
          const view = await svc.api.order(orderId);
          return (view.status === 'open' || view.status === 'filled') && view.unresolved === null && view;
        });
        venues.bitget.faults.reset();

        // Then Bitget saw the placement twice, the second refused as a duplicate clientOid...
        const places = venues.bitget
          .requests()
          .slice(requestsBefore)
          .filter((q) => q.path === PLACE_PATH)
          .map((q) => q.code);
        expect(places).toEqual(['00000', '40786']);
        // ...and the service adopted the order it had: one order, never rejected
        const types = (await svc.api.history(orderId)).map((e) => e.type);
        expect(types).not.toContain('OrderRejected');
        expect(types).toContain('OrderOutcomeUnknown');
        const atVenue = venueOrdersOf(venues, 'bitget', clientOrderId);
        expect(atVenue).toHaveLength(1);
        expect(settled.venueOrderId).toBe(atVenue[0]?.venueOrderId);
        expect(settled.status).toBe(atVenue[0]?.status);
        if (market) expect(settled.filled).toBe(body.amount);
      }),
    30_000,
  );
});
