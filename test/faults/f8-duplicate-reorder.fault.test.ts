import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import type { VenueReport } from '../../application/ports/venue.ts';
import { until } from '../support/until.ts';
import { orderViolations } from './support/invariants.ts';
import { omsPositions, venuePositions } from './support/positions.ts';
import { faultSeeds, type Rng, rng, withSeed } from './support/random.ts';
import { type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues, venueOrdersOf } from './support/venues.ts';

/**
 * F8: duplicated and reordered acks, fills and cancels.
 *
 * The venues push each report twice, hold some back and deliver them in reverse order, and
 * (Deribit) push before replying, while the service places, fills, amends and cancels orders on
 * both. Afterwards every venue report the service received is delivered to it again, duplicated
 * and shuffled (seeded). Pass: every order's recorded history folds through legal transitions
 * only, never goes backwards (a closed order stays closed, filled never decreases), filled never
 * exceeds the amount, no trade counts twice; each order ends as the venue has it and positions
 * equal the venues'; and the replay of everything appends no event at all (idempotent).
 */
let venues: LocalVenues;
let svc: InProcessService;
const log = memoryLogger('warn');
const received: { venue: string; report: VenueReport }[] = [];

beforeAll(async () => {
  venues = await startLocalVenues();
  svc = await startInProcessService(venues, { logger: log.logger });
  for (const adapter of svc.adapters)
    adapter.reports$.subscribe((report) => received.push({ venue: adapter.venue, report }));
  await svc.trading();
});

afterAll(async () => {
  await svc?.stop();
  await venues?.close();
});

async function eventCount(): Promise<number> {
  let count = 0;
  let after: SqlPosition | undefined;
  for (;;) {
    const page = await svc.store.readAll({ ...(after && { after }), maxCount: 1000 });
    count += page.events.length;
    if (page.isEnd) return count;
    after = page.lastScanned;
  }
}

function shuffle<T>(r: Rng, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const SETTLED = new Set(['open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired']);

describe('F8: duplicated and reordered acks, fills and cancels', () => {
  it.each(faultSeeds(3, 800))(
    'idempotent, never backwards, filled within the amount (seed %i)',
    async (seed) =>
      withSeed('F8', seed, async () => {
        const r = rng(seed);
        received.length = 0;
        const d = venues.deribit.faults;
        const b = venues.bitget.faults;
        d.duplicatePushes(r.int(5, 40));
        d.reorderPushes(r.int(2, 6));
        d.pushesBeforeReply(r.chance(0.5));
        b.duplicatePushes(r.int(5, 40));
        b.reorderPushes(r.int(2, 6));

        const dMark = venues.deribit.markPrice('BTC-PERPETUAL');
        const bMark = Number(venues.bitget.markPrice('BTCUSDT').toString());
        const orders: { orderId: string; clientOrderId: string; venue: 'deribit' | 'bitget' }[] = [];
        for (let i = 0; i < r.int(3, 6); i++) {
          const market = r.chance(0.25);
          const venue = r.pick(['deribit', 'bitget'] as const);
          const body =
            venue === 'deribit'
              ? {
                  venue,
                  symbol: 'BTC-PERPETUAL',
                  side: 'buy',
                  type: market ? 'market' : 'limit',
                  amount: String(10 * r.int(2, 8)),
                  ...(!market && { price: dMark.minus(r.int(1, 10) * 10).toString() }),
                }
              : {
                  venue,
                  symbol: 'BTCUSDT',
                  side: 'buy',
                  type: market ? 'market' : 'limit',
                  amount: (0.001 * r.int(2, 9)).toFixed(3),
                  ...(!market && { price: String(Math.round(bMark * (1 - r.int(1, 5) / 1000))) }),
                };
          const reply = await svc.api.place(body, `f8-${seed}-${i}`);
          orders.push({ orderId: reply.order.orderId, clientOrderId: reply.order.clientOrderId, venue });
        }
        // Partial and full fills, amends and cancels, all with pushes doubled and reordered
        for (let step = 0; step < r.int(4, 8); step++) {
          const o = r.pick(orders);
          const roll = r.next();
          if (roll < 0.3)
            venues.deribit.trade('BTC-PERPETUAL', { side: 'sell', amount: String(10 * r.int(1, 6)) });
          else if (roll < 0.5) {
            venues.bitget.setMarkPrice('BTCUSDT', String(Math.round(bMark * 0.994)), {
              liquidity: (0.001 * r.int(1, 8)).toFixed(3),
            });
            venues.bitget.setMarkPrice('BTCUSDT', String(bMark));
          } else if (roll < 0.75) {
            const view = await svc.api.order(o.orderId);
            if (view.status === 'open' && view.price !== null) {
              const price =
                o.venue === 'deribit'
                  ? dMark.minus(r.int(11, 30) * 10).toString()
                  : String(Math.round(bMark * (1 - r.int(6, 20) / 1000)));
              await svc.api.amend(o.orderId, { price }).catch(() => undefined);
            }
          } else {
            await svc.api.cancel(o.orderId).catch(() => undefined);
          }
        }
        // Held-back pushes are released; everything settles.
        d.reset();
        b.reset();
        await until('every order to settle', async () => {
          for (const o of orders) {
            const view = await svc.api.order(o.orderId);
            if (!SETTLED.has(view.status) || view.unresolved !== null) return false;
          }
          return true;
        });

        // Never backwards, legal transitions only, filled within the amount, no trade twice
        for (const o of orders) {
          expect(orderViolations(await svc.running.handler.load(o.orderId)), o.orderId).toEqual([]);
        }
        // As the venue has it: each order (one venue order: not replaced by a Bitget amend), and positions
        await svc.running.readModelCaughtUp();
        for (const o of orders) {
          const view = await svc.api.order(o.orderId);
          if (view.venueOrderIds.length !== 1) continue;
          const [atVenue] = venueOrdersOf(venues, o.venue, o.clientOrderId);
          expect(view.filled, o.orderId).toBe(atVenue?.filled);
          const venueStatus =
            atVenue?.status === 'open' && atVenue.filled !== '0' ? 'partially_filled' : atVenue?.status;
          expect(view.status, o.orderId).toBe(venueStatus);
        }
        await until('the OMS positions to equal the venues', async () => {
          await svc.running.readModelCaughtUp();
          const ours = JSON.stringify(Object.entries(await omsPositions(svc.api)).sort());
          const theirs = JSON.stringify(Object.entries(venuePositions(venues)).sort());
          return ours === theirs;
        });

        // Everything delivered again, twice, shuffled: nothing new is recorded
        await svc.running.readModelCaughtUp();
        const before = await eventCount();
        const entries = svc.running.registry.entries();
        const again = shuffle(r, [...received, ...received]);
        for (const { venue, report } of again) {
          const entry = entries.find((e) => e.adapter.venue === venue);
          if (entry) await svc.running.ingestion.ingest(entry, report, 'venue');
        }
        expect(await eventCount()).toBe(before);
        for (const o of orders) {
          expect(orderViolations(await svc.running.handler.load(o.orderId)), o.orderId).toEqual([]);
        }
      }),
    60_000,
  );
});
