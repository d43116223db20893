import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { ApiError } from '../../adapters/http/client.ts';
import { createPgliteReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { Decimal } from '../../domain/decimal.ts';
import { exists } from '../../domain/order/state.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { until } from '../support/until.ts';
import { orderViolations } from './support/invariants.ts';
import { omsPositions, venuePositions } from './support/positions.ts';
import { faultSeeds, withSeed } from './support/random.ts';
import { type InProcessService, memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues, venueOrdersOf } from './support/venues.ts';

/**
 * F11: a model-based test of the whole service (fast-check `fc.commands` / `fc.asyncModelRun`).
 *
 * Random sequences of place (limit, market, a post-only the venue rejects), amend, cancel,
 * partial fill, full fill (the venue's synthetic takers and mark moves), disconnect (the venue
 * cuts the sockets) and restart (a new service process on the same store), on Deribit and Bitget.
 * The model is what the client knows: the orders it placed. After every sequence, once every
 * order has settled, the invariants hold:
 * - position = Σ fills, for every instrument (read model vs the recorded fills);
 * - filled ≤ amount, only legal transitions, never backwards (each order's events folded);
 * - rebuild(events) = live state (`verify`: the read models rebuilt from scratch equal the live);
 * - venue and OMS agree after reconcile (positions; each order's status and filled amount).
 * `F11_RUNS` sequences per seed (CI: 2); `FAULT_RUNS`/`FAULT_SEEDS` pick the seeds.
 */
const RUNS = Number.parseInt(process.env.F11_RUNS ?? '', 10) || 2;

interface Model {
  orders: { key: string; orderId: string; venue: 'deribit' | 'bitget' }[];
  n: number;
}

class System {
  venues!: LocalVenues;
  store!: PgliteEventStore;
  svc!: InProcessService;
  readonly log = memoryLogger('warn');

  async start(): Promise<void> {
    this.venues = await startLocalVenues();
    this.store = await openPgliteEventStore();
    await this.startService();
  }

  async startService(): Promise<void> {
    this.svc = await startInProcessService(this.venues, {
      logger: this.log.logger,
      store: this.store,
      adapters: this.venues.adapters(this.log.logger, {
        deribit: { reconnect: { initialDelayMs: 50, maxDelayMs: 500, factor: 2 } },
        bitget: { ws: { backoffInitialMs: 50, backoffMaxMs: 500 } },
      }),
    });
    await this.svc.trading();
  }

  async stop(): Promise<void> {
    await this.svc?.stop();
    await this.store?.close();
    await this.venues?.close();
  }

  mark(venue: 'deribit' | 'bitget'): number {
    return Number(
      (venue === 'deribit'
        ? this.venues.deribit.markPrice('BTC-PERPETUAL')
        : this.venues.bitget.markPrice('BTCUSDT')
      ).toString(),
    );
  }
}

type Cmd = fc.AsyncCommand<Model, System>;

/** A clear refusal (4xx, or the venue paused): an answer. A 500 or a transport failure is not. */
const refusal = (error: unknown) =>
  error instanceof ApiError && (error.status < 500 || error.code === 'VENUE_PAUSED');
type Venue = 'deribit' | 'bitget';
const venueArb = fc.constantFrom<Venue>('deribit', 'bitget');

class Place implements Cmd {
  readonly venue: Venue;
  readonly side: 'buy' | 'sell';
  readonly kind: 'limit' | 'market' | 'post_only_reject';
  readonly size: number;
  readonly offset: number;
  constructor(
    venue: Venue,
    side: 'buy' | 'sell',
    kind: 'limit' | 'market' | 'post_only_reject',
    size: number,
    offset: number,
  ) {
    this.venue = venue;
    this.side = side;
    this.kind = kind;
    this.size = size;
    this.offset = offset;
  }
  check = () => true;
  async run(m: Model, s: System) {
    m.n += 1;
    const key = `f11-${m.n}`;
    const mark = s.mark(this.venue);
    // post_only_reject: a post-only order priced through the book, which the venue refuses.
    const away = this.kind === 'post_only_reject' ? -0.01 : this.offset / 1000;
    const price = Math.round(mark * (this.side === 'buy' ? 1 - away : 1 + away));
    const body = {
      venue: this.venue,
      symbol: this.venue === 'deribit' ? 'BTC-PERPETUAL' : 'BTCUSDT',
      side: this.side,
      type: this.kind === 'market' ? 'market' : 'limit',
      amount: this.venue === 'deribit' ? String(10 * this.size) : (0.001 * this.size).toFixed(3),
      ...(this.kind !== 'market' && { price: String(price) }),
      ...(this.kind === 'post_only_reject' && { postOnly: true, rejectPostOnly: true }),
    };
    try {
      const reply = await s.svc.api.place(body, key);
      m.orders.push({ key, orderId: reply.order.orderId, venue: this.venue });
    } catch (error) {
      // A refusal before anything is recorded (a pre-trade check, a paused venue) is an answer too.
      if (!refusal(error)) throw error;
    }
  }
  toString = () => `Place(${this.venue} ${this.side} ${this.kind} ${this.size} @${this.offset}‰)`;
}

class Amend implements Cmd {
  readonly index: number;
  readonly offset: number;
  constructor(index: number, offset: number) {
    this.index = index;
    this.offset = offset;
  }
  check = (m: Readonly<Model>) => m.orders.length > 0;
  async run(m: Model, s: System) {
    const o = m.orders[this.index % m.orders.length];
    if (!o) return;
    const view = await s.svc.api.order(o.orderId);
    if (view.status !== 'open' || view.price === null) return;
    const mark = s.mark(o.venue);
    const price = Math.round(mark * (view.side === 'buy' ? 1 - this.offset / 1000 : 1 + this.offset / 1000));
    await s.svc.api.amend(o.orderId, { price: String(price) }).catch((error: unknown) => {
      if (!refusal(error)) throw error;
    });
  }
  toString = () => `Amend(#${this.index} @${this.offset}‰)`;
}

class Cancel implements Cmd {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (m: Readonly<Model>) => m.orders.length > 0;
  async run(m: Model, s: System) {
    const o = m.orders[this.index % m.orders.length];
    if (!o) return;
    await s.svc.api.cancel(o.orderId).catch((error: unknown) => {
      if (!refusal(error)) throw error;
    });
  }
  toString = () => `Cancel(#${this.index})`;
}

class Fill implements Cmd {
  readonly venue: Venue;
  readonly takerSide: 'buy' | 'sell';
  readonly size: number;
  constructor(venue: Venue, takerSide: 'buy' | 'sell', size: number) {
    this.venue = venue;
    this.takerSide = takerSide;
    this.size = size;
  }
  check = () => true;
  async run(_m: Model, s: System) {
    if (this.venue === 'deribit') {
      s.venues.deribit.trade('BTC-PERPETUAL', { side: this.takerSide, amount: String(10 * this.size) });
      return;
    }
    // Bitget: the mark moves through resting orders (taker sells fill buys below), then back.
    const mark = s.mark('bitget');
    const through = this.takerSide === 'sell' ? 0.99 : 1.01;
    s.venues.bitget.setMarkPrice('BTCUSDT', String(Math.round(mark * through)), {
      liquidity: (0.001 * this.size).toFixed(3),
    });
    s.venues.bitget.setMarkPrice('BTCUSDT', String(mark));
  }
  toString = () => `Fill(${this.venue} taker ${this.takerSide} ${this.size})`;
}

class Disconnect implements Cmd {
  readonly venue: Venue;
  constructor(venue: Venue) {
    this.venue = venue;
  }
  check = () => true;
  async run(_m: Model, s: System) {
    const status = () => s.svc.running.registry.statuses().find((v) => v.venue === this.venue);
    const before = status()?.connection.reconnects ?? 0;
    if (this.venue === 'deribit') s.venues.deribit.faults.closeConnections();
    else s.venues.bitget.faults.dropPrivateSockets();
    await until(`${this.venue} to reconnect and trade`, () => {
      const now = status();
      return now !== undefined && now.connection.reconnects > before && now.trading;
    });
  }
  toString = () => `Disconnect(${this.venue})`;
}

class Restart implements Cmd {
  check = () => true;
  async run(_m: Model, s: System) {
    await s.svc.stop();
    await s.startService();
  }
  toString = () => 'Restart';
}

const commands = [
  fc
    .tuple(
      venueArb,
      fc.constantFrom('buy' as const, 'sell' as const),
      fc.constantFrom('limit' as const, 'limit' as const, 'market' as const, 'post_only_reject' as const),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 20 }),
    )
    .map(([v, side, kind, size, offset]) => new Place(v, side, kind, size, offset)),
  fc.tuple(fc.nat(50), fc.integer({ min: 1, max: 30 })).map(([i, offset]) => new Amend(i, offset)),
  fc.nat(50).map((i) => new Cancel(i)),
  fc
    .tuple(venueArb, fc.constantFrom('buy' as const, 'sell' as const), fc.integer({ min: 1, max: 8 }))
    .map(([v, side, size]) => new Fill(v, side, size)),
  venueArb.map((v) => new Disconnect(v)),
  fc.constant(new Restart()),
];

const SETTLED = new Set([
  'open',
  'partially_filled',
  'filled',
  'cancelled',
  'rejected',
  'expired',
  'untriggered',
]);

async function checkInvariants(m: Model, s: System): Promise<void> {
  const { svc } = s;
  await until(
    'every order to settle',
    async () => {
      for (const o of m.orders) {
        const view = await svc.api.order(o.orderId);
        if (!SETTLED.has(view.status) || view.unresolved !== null) return false;
      }
      return true;
    },
    30_000,
  );

  // filled ≤ amount, legal transitions, never backwards; Σ fills per instrument
  const fills: Record<string, Decimal> = {};
  for (const o of m.orders) {
    const loaded = await svc.running.handler.load(o.orderId);
    expect(orderViolations(loaded), o.orderId).toEqual([]);
    if (!exists(loaded.state)) continue;
    const key = `${o.venue}:${loaded.state.order.instrument.symbol}`;
    const sign = loaded.state.order.side === 'buy' ? 1 : -1;
    fills[key] = (fills[key] ?? new Decimal(0)).plus(loaded.state.filled.times(sign));
  }
  const sumOfFills = Object.fromEntries(
    Object.entries(fills)
      .filter(([, v]) => !v.isZero())
      .map(([k, v]) => [k, v.toString()]),
  );
  const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  // position = Σ fills, and venue and OMS agree (after reconciliation)
  await until(
    'positions = Σ fills = the venues’ positions',
    async () => {
      await svc.running.readModelCaughtUp();
      const ours = sorted(await omsPositions(svc.api));
      return ours === sorted(sumOfFills) && ours === sorted(venuePositions(s.venues));
    },
    20_000,
  ).catch(async (error: Error) => {
    error.message += `\nOMS ${sorted(await omsPositions(svc.api))}\nΣ fills ${sorted(sumOfFills)}\nvenues ${sorted(venuePositions(s.venues))}`;
    throw error;
  });
  for (const o of m.orders) {
    const view = await svc.api.order(o.orderId);
    if (view.venueOrderIds.length !== 1) continue;
    const [atVenue] = venueOrdersOf(s.venues, o.venue, view.clientOrderId);
    expect(view.filled, `${o.venue} ${o.orderId}`).toBe(atVenue?.filled ?? '0');
    const venueStatus =
      atVenue?.status === 'open' && atVenue.filled !== '0' ? 'partially_filled' : atVenue?.status;
    expect(view.status, `${o.venue} ${o.orderId}`).toBe(venueStatus ?? 'rejected');
  }
  // rebuild(events) = live state
  const verify = await verifyReadModels({
    store: s.store,
    db: createPgliteReadModelDb(s.store.db),
    logger: s.log.logger,
  });
  expect(verify.differences).toEqual([]);
}

describe('F11: model-based: place, amend, cancel, fills, reject, disconnect, restart', () => {
  it.each(faultSeeds(1, 1100))(
    'position = Σ fills, filled ≤ amount, legal transitions, rebuild = live, venue = OMS (seed %i)',
    async (seed) =>
      withSeed('F11', seed, async () => {
        await fc.assert(
          fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
            const system = new System();
            await system.start();
            try {
              const model: Model = { orders: [], n: 0 };
              await fc.asyncModelRun(() => ({ model, real: system }), cmds);
              await checkInvariants(model, system);
            } finally {
              await system.stop();
            }
          }),
          { seed, numRuns: RUNS, endOnFailure: true },
        );
      }),
    RUNS * 120_000,
  );
});
