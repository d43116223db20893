import type { Logger } from 'pino';
import type { Decimal } from '../../domain/decimal.ts';
import { ZERO } from '../../domain/decimal.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { exists } from '../../domain/order/state.ts';
import type { Ingestion } from '../ingestion/ingestion.ts';
import type { OrderHandler } from '../orders/order-handler.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { MarketData } from '../venues/market-data.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';

export interface PositionDifference {
  symbol: string;
  side: string;
  oms: string;
  venue: string;
}

export interface ReconciliationReport {
  venue: string;
  account: string;
  startedAt: string;
  finishedAt: string;
  openOrdersAtVenue: number;
  /** Events appended from what the venue knew and the OMS did not (source `reconciliation`). */
  eventsAppended: number;
  /** Orders still waiting for the venue, handed to the submission processor to resolve. */
  ordersToResolve: string[];
  positionDifferences: PositionDifference[];
}

export interface ReconcilerOptions<P> {
  handler: OrderHandler<P>;
  ingestion: Ingestion<P>;
  readModel: ServiceReadModel;
  registry: VenueRegistry;
  market: MarketData;
  logger: Logger;
  now: () => number;
  /** Brings the read models up to date with everything recorded so far. */
  readModelCaughtUp: () => Promise<void>;
  /** Orders with a request the venue has not answered: the submission processor resolves them. */
  resolve: (orderId: string) => void;
  /** How far before the last recorded fill to ask the venue for fills again. */
  fillLookbackMs?: number;
  /** With no fill recorded yet, how far back to ask. */
  initialFillWindowMs?: number;
}

/**
 * Brings the OMS in line with a venue, at start-up and after every reconnect, before new orders
 * go to it: open orders, the fate of orders we think live, recent fills and positions. Whatever
 * the venue knows and the OMS does not is appended (source `reconciliation`); position
 * differences that remain are reported.
 */
export class Reconciler<P> {
  readonly #o: ReconcilerOptions<P>;

  constructor(options: ReconcilerOptions<P>) {
    this.#o = options;
  }

  async reconcile(entry: VenueEntry): Promise<ReconciliationReport> {
    const { adapter } = entry;
    const startedAt = new Date(this.#o.now()).toISOString();

    await this.#o.readModelCaughtUp();
    const instruments = new Map((await this.#o.market.instruments(entry)).map((i) => [i.symbol, i]));
    const open = await this.#openOrders(entry);
    const live = await this.#fateOfLiveOrders(entry, open.ids);
    const venuePositions = await adapter.positions();
    const fills = await this.#missedFills(entry, instruments, live.symbols, venuePositions);

    // 4. Positions: what remains different after the above is reported, not papered over.
    await this.#o.readModelCaughtUp();
    const ours = await this.#o.readModel.positionSizes(adapter.venue, adapter.account);
    const differences = comparePositions(
      ours.map((p) => ({ key: `${p.symbol}/${p.side}`, size: p.size })),
      venuePositions.map((p) => ({ key: `${p.symbol}/${p.side}`, size: p.size })),
    );

    for (const orderId of live.toResolve) this.#o.resolve(orderId);
    const report: ReconciliationReport = {
      venue: adapter.venue,
      account: adapter.account,
      startedAt,
      finishedAt: new Date(this.#o.now()).toISOString(),
      openOrdersAtVenue: open.count,
      eventsAppended: open.appended + live.appended + fills,
      ordersToResolve: live.toResolve,
      positionDifferences: differences,
    };
    const log =
      differences.length > 0
        ? this.#o.logger.warn.bind(this.#o.logger)
        : this.#o.logger.info.bind(this.#o.logger);
    log({ reconciliation: report }, 'reconciled with the venue');
    this.#o.registry.reconciled(entry, differences.length);
    return report;
  }

  /** 1. Orders open at the venue. */
  async #openOrders(entry: VenueEntry) {
    const open = await entry.adapter.openOrders();
    let appended = 0;
    for (const snapshot of open)
      appended += await this.#o.ingestion.orderUpdate(entry, snapshot, 'reconciliation');
    return { ids: new Set(open.map((o) => o.venueOrderId)), count: open.length, appended };
  }

  /** 2. Orders we think live that the venue no longer lists as open: learn their fate. */
  async #fateOfLiveOrders(entry: VenueEntry, openIds: ReadonlySet<string>) {
    const { adapter } = entry;
    const live = await this.#o.readModel.liveOrders(adapter.venue, adapter.account);
    const toResolve: string[] = [];
    let appended = 0;
    for (const ref of live) {
      if (ref.venueOrderIds.some((id) => openIds.has(id))) continue;
      const loaded = await this.#o.handler.load(ref.orderId);
      if (!exists(loaded.state)) continue;
      const venueOrderId = loaded.state.venueOrderId;
      const snapshot =
        venueOrderId === undefined
          ? undefined
          : await adapter.getOrder(loaded.state.order.instrument, venueOrderId);
      if (snapshot) appended += await this.#o.ingestion.orderUpdate(entry, snapshot, 'reconciliation');
      else toResolve.push(ref.orderId);
    }
    return { symbols: new Set<string>(live.map((o) => o.symbol)), toResolve, appended };
  }

  /** 3. Fills the OMS may have missed (while disconnected), on every instrument it has a stake in. */
  async #missedFills(
    entry: VenueEntry,
    instruments: ReadonlyMap<string, Instrument>,
    symbols: Set<string>,
    venuePositions: readonly { symbol: string; size: Decimal }[],
  ): Promise<number> {
    const { adapter } = entry;
    for (const p of venuePositions) if (!p.size.isZero()) symbols.add(p.symbol);
    const omsPositions = await this.#o.readModel.positionSizes(adapter.venue, adapter.account);
    for (const p of omsPositions) if (!p.size.isZero()) symbols.add(p.symbol);
    if (instruments.size <= 20) for (const symbol of instruments.keys()) symbols.add(symbol);
    const lastFill = await this.#o.readModel.lastFillTime(adapter.venue, adapter.account);
    const since = new Date(
      lastFill
        ? Date.parse(lastFill) - (this.#o.fillLookbackMs ?? 3_600_000)
        : this.#o.now() - (this.#o.initialFillWindowMs ?? 86_400_000),
    ).toISOString();
    let appended = 0;
    for (const symbol of symbols) {
      const instrument = instruments.get(symbol);
      if (!instrument) continue;
      for (const fill of await adapter.fills({ instrument, since })) {
        appended += await this.#o.ingestion.fill(entry, fill, 'reconciliation');
      }
    }
    return appended;
  }
}

function comparePositions(
  oms: readonly { key: string; size: Decimal }[],
  venue: readonly { key: string; size: Decimal }[],
): PositionDifference[] {
  const ours = new Map(oms.map((p) => [p.key, p.size]));
  const theirs = new Map(venue.map((p) => [p.key, p.size]));
  const differences: PositionDifference[] = [];
  for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(key) ?? ZERO;
    const b = theirs.get(key) ?? ZERO;
    if (!a.eq(b)) {
      const [symbol = key, side = 'net'] = key.split('/');
      differences.push({ symbol, side, oms: a.toString(), venue: b.toString() });
    }
  }
  return differences;
}
