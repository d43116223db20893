import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues, venueOrdersOf } from './support/venues.ts';

/**
 * F5: the venue accepts the order but the reply is lost or comes too late.
 *
 * The whole service (in process, both venues) places orders through its API while the venue
 * carries the placement out and the reply never arrives: dropped (Deribit), delayed past the
 * request deadline (both), the connection closed after the venue took it (Deribit over
 * WebSocket, so its pushes are lost too; Bitget REST), or closed before the venue took it
 * (Deribit: the send never landed). Seeds pick the venue, the fault and the order.
 * Pass: the client is never told "rejected"; the outcome is recorded as unknown, then resolved
 * by the client id (Deribit label, Bitget clientOid): the order ends open or filled with the
 * venue's id, and the venue holds exactly one order under that client id, in the same state.
 */
let venues: LocalVenues;
let svc: InProcessService;
const log = memoryLogger('warn');

beforeAll(async () => {
  venues = await startLocalVenues();
  svc = await startInProcessService(venues, {
    logger: log.logger,
    adapters: venues.adapters(log.logger, {
      deribit: { requestTimeoutMs: 1_000 },
      bitget: { requestTimeoutMs: 1_000 },
    }),
    // A short valid_until window, so that a send that never landed is proven absent quickly.
    service: {
      submission: { submitWindowMs: 2_000, clockSkewMs: 500 },
      // Every seed loses a reply: three in a row would pause the venue (F9 tests that), not here.
      venueFailureThreshold: 1_000,
    },
  });
  await svc.trading();
});

afterAll(async () => {
  await svc?.stop();
  await venues?.close();
});

const PLACE_PATH = '/api/v2/mix/order/place-order';

describe('F5: the venue accepts the order, the reply is lost', () => {
  it.each(faultSeeds(6, 500))(
    'unknown, then resolved by client id: exactly one order (seed %i)',
    async (seed) =>
      withSeed('F5', seed, async () => {
        const r = rng(seed);
        const venue = r.pick(['deribit', 'bitget'] as const);
        const market = r.chance(0.3);
        const side = r.pick(['buy', 'sell'] as const);
        const method = side === 'buy' ? 'private/buy' : 'private/sell';
        let fault: string;
        if (venue === 'deribit') {
          fault = r.pick(['drop', 'delay', 'close-after', 'close-before']);
          if (fault === 'drop') venues.deribit.faults.dropReply({ method });
          if (fault === 'delay') venues.deribit.faults.delayReply(1_500, { method });
          if (fault === 'close-after') venues.deribit.faults.closeOnRequest({ method, process: true });
          if (fault === 'close-before') venues.deribit.faults.closeOnRequest({ method, process: false });
        } else {
          fault = r.pick(['lose', 'delay']);
          if (fault === 'lose') venues.bitget.faults.loseReplies(1, { path: PLACE_PATH });
          else venues.bitget.faults.delayReplies(1_500, 1, { path: PLACE_PATH });
        }
        const mark = Number(
          (venue === 'deribit'
            ? venues.deribit.markPrice('BTC-PERPETUAL')
            : venues.bitget.markPrice('BTCUSDT')
          ).toString(),
        );
        const price = String(Math.round(mark * (side === 'buy' ? 0.97 : 1.03)));
        const body = {
          venue,
          symbol: venue === 'deribit' ? 'BTC-PERPETUAL' : 'BTCUSDT',
          side,
          type: market ? 'market' : 'limit',
          amount: venue === 'deribit' ? String(10 * r.int(1, 5)) : (0.001 * r.int(1, 5)).toFixed(3),
          ...(!market && { price }),
        };

        // When the order is placed and the venue's reply is lost
        const reply = await svc.api.place(body, `f5-${seed}`);
        const { orderId, clientOrderId } = reply.order;

        // Then the client is not told it was rejected...
        expect(reply.order.status, `${fault}: first answer`).not.toBe('rejected');
        // ...the order resolves by its client id to what the venue holds
        const settled = await until(
          `the order to resolve (${venue}, ${fault})`,
          async () => {
            const view = await svc.api.order(orderId);
            return (view.status === 'open' || view.status === 'filled') && view.unresolved === null && view;
          },
          20_000,
        ).catch(async (error: Error) => {
          const view = await svc.api.order(orderId);
          const events = (await svc.api.history(orderId)).map((e) => `${e.type}/${e.source}`);
          error.message += `\norder: ${JSON.stringify(view)}\nhistory: ${events.join(', ')}\nvenue: ${JSON.stringify(venueOrdersOf(venues, venue, clientOrderId))}\nlog: ${log.lines.slice(-5).join('\n')}`;
          throw error;
        });
        const history = await svc.api.history(orderId);
        const types = history.map((e) => e.type);
        expect(types, `${fault}: ${types.join(', ')}`).toContain('OrderOutcomeUnknown');
        expect(types).not.toContain('OrderRejected');
        const atVenue = venueOrdersOf(venues, venue, clientOrderId);
        expect(atVenue, `${fault}: orders at the venue`).toHaveLength(1);
        expect(settled.venueOrderId).toBe(atVenue[0]?.venueOrderId);
        expect(settled.status).toBe(atVenue[0]?.status);
      }),
    30_000,
  );
});
