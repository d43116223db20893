import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { until } from '../support/until.ts';
import { omsPositions, venuePositions } from './support/positions.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues, venueOrdersOf } from './support/venues.ts';

/**
 * F7: the WebSocket drops while fills happen.
 *
 * Resting orders on both venues; then (seeded) some fill, the venues' sockets are cut (Deribit
 * terminates its connections and refuses new ones; Bitget drops its private sockets and refuses
 * upgrades), sometimes in the same tick as a fill, so its pushes die with the socket; more fills
 * happen while the service cannot hear them; then the venues take connections again.
 * Pass: the service pauses trading while disconnected; after reconnect and reconciliation
 * (backfill), the OMS's positions equal the venues', each order's filled amount equals the
 * venue's, every venue trade is recorded exactly once (no duplicate trade id in `$all`).
 */
let venues: LocalVenues;
let svc: InProcessService;
const log = memoryLogger('warn');

beforeAll(async () => {
  venues = await startLocalVenues();
  svc = await startInProcessService(venues, {
    logger: log.logger,
    adapters: venues.adapters(log.logger, {
      deribit: { reconnect: { initialDelayMs: 50, maxDelayMs: 500, factor: 2 } },
      bitget: { ws: { backoffInitialMs: 50, backoffMaxMs: 500 } },
    }),
  });
  await svc.trading();
});

afterAll(async () => {
  await svc?.stop();
  await venues?.close();
});

async function fillTradeIds(): Promise<string[]> {
  const ids: string[] = [];
  let after: SqlPosition | undefined;
  for (;;) {
    const page = await svc.store.readAll({ ...(after && { after }), maxCount: 1000 });
    for (const e of page.events) {
      if (e.type === 'OrderFilled') ids.push((e.data as { fill: { tradeId: string } }).fill.tradeId);
    }
    if (page.isEnd) return ids;
    after = page.lastScanned;
  }
}

const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());

describe('F7: the WebSocket drops while fills happen', () => {
  it.each(faultSeeds(3, 700))(
    'after reconnect and backfill, positions equal the venues’, no trade twice (seed %i)',
    async (seed) =>
      withSeed('F7', seed, async () => {
        const r = rng(seed);
        const dMark = venues.deribit.markPrice('BTC-PERPETUAL');
        const bMark = Number(venues.bitget.markPrice('BTCUSDT').toString());
        // Resting buys on both venues, a little under the mark.
        const orders: { orderId: string; clientOrderId: string; venue: 'deribit' | 'bitget' }[] = [];
        for (let i = r.int(2, 4); i > 0; i--) {
          const d = await svc.api.place(
            {
              venue: 'deribit',
              symbol: 'BTC-PERPETUAL',
              side: 'buy',
              type: 'limit',
              amount: String(10 * r.int(2, 6)),
              price: dMark.minus(r.int(1, 20) * 10).toString(),
            },
            `f7-${seed}-d${i}`,
          );
          const b = await svc.api.place(
            {
              venue: 'bitget',
              symbol: 'BTCUSDT',
              side: 'buy',
              type: 'limit',
              amount: (0.001 * r.int(2, 9)).toFixed(3),
              price: String(Math.round(bMark * (1 - r.int(1, 9) / 1000))),
            },
            `f7-${seed}-b${i}`,
          );
          for (const o of [d, b]) {
            expect(o.order.status).toBe('open');
            orders.push({
              orderId: o.order.orderId,
              clientOrderId: o.order.clientOrderId,
              venue: o.order.venue as 'deribit' | 'bitget',
            });
          }
        }
        const deribitFill = () =>
          venues.deribit.trade('BTC-PERPETUAL', { side: 'sell', amount: String(10 * r.int(1, 8)) });
        const bitgetFill = () => {
          venues.bitget.setMarkPrice('BTCUSDT', String(Math.round(bMark * (1 - r.int(1, 10) / 1000))), {
            liquidity: (0.001 * r.int(1, 12)).toFixed(3),
          });
          venues.bitget.setMarkPrice('BTCUSDT', String(bMark));
        };

        // Some fills while connected
        if (r.chance(0.5)) deribitFill();
        if (r.chance(0.5)) bitgetFill();
        // The sockets drop, sometimes in the same tick as a fill (its pushes die with them)
        if (r.chance(0.5)) deribitFill();
        if (r.chance(0.5)) bitgetFill();
        venues.deribit.faults.refuseConnections(true);
        venues.bitget.faults.blockWebSockets(true);
        venues.deribit.faults.closeConnections();
        venues.bitget.faults.dropPrivateSockets();
        await until('both venues to pause', () => svc.running.registry.statuses().every((s) => !s.trading));
        // Fills the service cannot hear
        for (let i = r.int(1, 3); i > 0; i--) {
          deribitFill();
          bitgetFill();
        }
        expect(svc.running.registry.statuses().every((s) => !s.trading)).toBe(true);
        // The venues take connections again: reconnect, reconcile, trade
        venues.deribit.faults.refuseConnections(false);
        venues.bitget.faults.blockWebSockets(false);
        await svc.trading();
        await svc.running.readModelCaughtUp();

        // Positions equal the venues'
        await until('the positions to match the venues', async () => {
          await svc.running.readModelCaughtUp();
          const ours = await omsPositions(svc.api);
          const theirs = venuePositions(venues);
          return sorted(ours) === sorted(theirs);
        }).catch(async (error: Error) => {
          error.message += `\nOMS: ${JSON.stringify(await omsPositions(svc.api))}\nvenues: ${JSON.stringify(venuePositions(venues))}`;
          throw error;
        });
        // Each order's filled amount is the venue's
        for (const o of orders) {
          const [atVenue] = venueOrdersOf(venues, o.venue, o.clientOrderId);
          const view = await svc.api.order(o.orderId);
          expect(view.filled, `${o.venue} ${o.orderId}`).toBe(atVenue?.filled);
          expect(view.status, `${o.venue} ${o.orderId}`).toBe(
            atVenue?.status === 'open' && atVenue.filled !== '0' ? 'partially_filled' : atVenue?.status,
          );
        }
        // Every venue trade once, none twice
        const ids = await fillTradeIds();
        expect(ids.length).toBe(new Set(ids).size);
        const venueTrades = [
          ...venues.deribit.trades().map((t) => t.tradeId),
          ...venues.bitget.trades().map((t) => String(t.tradeId)),
        ];
        expect(new Set(ids)).toEqual(new Set(venueTrades));
        const reports = svc.running.reconciliations();
        expect(reports.flatMap((rep) => rep.positionDifferences)).toEqual([]);
      }),
    60_000,
  );
});
