import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Decimal } from '../../domain/decimal.ts';
import { ZERO } from '../../domain/decimal.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { matchLedgerToLog, type TradeDifference } from '../../domain/ledger/trade-matching.ts';
import { isRestingStatus, listedAsRecorded, type RecordedResting } from '../../domain/order/resting.ts';
import { exists } from '../../domain/order/state.ts';
import { isTerminal } from '../../domain/order/transitions.ts';
import type { Ingestion } from '../ingestion/ingestion.ts';
import type { ReportOrigin } from '../ingestion/record.ts';
import type { OrderHandler } from '../orders/order-handler.ts';
import type { CashBalance, LiveOrderRef, ServiceReadModel } from '../ports/read-models.ts';
import type { VenueOrderSnapshot } from '../ports/venue.ts';
import { eventLoopPacer } from '../support/pacer.ts';
import type { MarketData } from '../venues/market-data.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';
import { type BreakRecorder, breakIdOf } from './breaks.ts';

export interface PositionDifference {
  symbol: string;
  side: string;
  oms: string;
  venue: string;
}

export interface ReconciliationReport {
  /** This run's id: the causation id of every event it appended and of the breaks it found. */
  runId: string;
  venue: string;
  account: string;
  startedAt: string;
  finishedAt: string;
  openOrdersAtVenue: number;
  /** Of those, the ones the read models held exactly as the venue showed them (nothing to record). */
  openOrdersAsRecorded: number;
  /**
   * Orders we hold live that were recorded after the venue's list of open orders was asked for: not
   * in it for that reason, their fate is the next run's to check (the live path follows them).
   */
  ordersPlacedDuringRun: number;
  /** Events appended from what the venue knew and the OMS did not (source `reconciliation`). */
  eventsAppended: number;
  /** Orders still waiting for the venue, handed to the submission processor to resolve. */
  ordersToResolve: string[];
  positionDifferences: PositionDifference[];
  /** Orders we hold live that the venue does not know: each is a break. */
  ordersUnknownAtVenue: string[];
  /** Breaks open after this run (found now or before, still seen). */
  openBreaks: number;
  /** Breaks this run closed because the venue now agrees. */
  breaksResolved: number;
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
  /** Where what the run cannot explain is recorded. */
  breaks: BreakRecorder<P>;
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
 * differences that remain are reported. Then the cash: our balances against the venue's, and our
 * ledger against the venue's transaction log, trade by trade (domain `matchLedgerToLog`); every
 * difference is a break.
 */
export class Reconciler<P> {
  readonly #o: ReconcilerOptions<P>;

  constructor(options: ReconcilerOptions<P>) {
    this.#o = options;
  }

  async reconcile(entry: VenueEntry): Promise<ReconciliationReport> {
    const { adapter } = entry;
    const runId = randomUUID();
    const startedAt = new Date(this.#o.now()).toISOString();

    await this.#o.readModelCaughtUp();
    const instruments = new Map((await this.#o.market.instruments(entry)).map((i) => [i.symbol, i]));
    const origin = { source: 'reconciliation' as const, causationId: runId };
    const open = await this.#openOrders(entry, instruments, origin);
    const live = await this.#fateOfLiveOrders(entry, open, origin);
    const venuePositions = await adapter.positions();
    const fills = await this.#missedFills(entry, instruments, live.symbols, venuePositions, origin);

    // 4. Positions: what remains different after the above is reported, not papered over.
    await this.#o.readModelCaughtUp();
    const ours = await this.#o.readModel.positionSizes(adapter.venue, adapter.account);
    const differences = comparePositions(
      ours.map((p) => ({ key: `${p.symbol}/${p.side}`, size: p.size })),
      venuePositions.map((p) => ({ key: `${p.symbol}/${p.side}`, size: p.size })),
    );

    // 5. Cash: our balance (the venue's movements we recorded) against the venue's own.
    const cash = (await this.#o.readModel.cashBalances(adapter.venue, adapter.account)).filter(
      (b) => b.theirs !== undefined && !b.theirs.eq(b.ours),
    );
    // 6. Our ledger against the venue's transaction log, trade by trade.
    const ledger = await this.#o.readModel.ledgerTrades(adapter.venue, adapter.account);
    const trades = matchLedgerToLog(ledger.fills, ledger.venueEntries, ledger.coverage);

    for (const orderId of live.toResolve) this.#o.resolve(orderId);
    const breaks = await this.#breaks(entry, runId, live.unknown, differences, cash, trades);
    const report: ReconciliationReport = {
      runId,
      venue: adapter.venue,
      account: adapter.account,
      startedAt,
      finishedAt: new Date(this.#o.now()).toISOString(),
      openOrdersAtVenue: open.count,
      openOrdersAsRecorded: open.asRecorded,
      ordersPlacedDuringRun: live.placedSince,
      eventsAppended: open.appended + live.appended + fills,
      ordersToResolve: live.toResolve,
      positionDifferences: differences,
      ordersUnknownAtVenue: live.unknown.map((u) => u.orderId),
      openBreaks: breaks.open,
      breaksResolved: breaks.resolved,
    };
    const log =
      breaks.open > 0 ? this.#o.logger.warn.bind(this.#o.logger) : this.#o.logger.info.bind(this.#o.logger);
    log({ reconciliation: report }, 'reconciled with the venue');
    this.#o.registry.reconciled(entry, differences.length);
    return report;
  }

  /**
   * What the run could not explain becomes a break (orders the venue does not know, positions that
   * still differ); open breaks of those kinds that the run no longer sees are closed by that evidence.
   */
  async #breaks(
    entry: VenueEntry,
    runId: string,
    unknown: readonly { orderId: string; status: string; venueOrderId: string }[],
    differences: readonly PositionDifference[],
    cash: readonly CashBalance[],
    trades: readonly TradeDifference[],
  ): Promise<{ open: number; resolved: number }> {
    const ref = { venue: entry.adapter.venue, account: entry.adapter.account };
    const facts = [
      ...unknown.map((u) => ({
        kind: 'order_unknown_at_venue' as const,
        subject: u.orderId,
        orderId: u.orderId,
        ours: `${u.status} (venue order ${u.venueOrderId})`,
        theirs: 'no such order',
        message: `order ${u.orderId} is ${u.status} here, but the venue does not know its venue order ${u.venueOrderId}`,
        foundBy: runId,
      })),
      ...differences.map((d) => ({
        kind: 'position_mismatch' as const,
        subject: `${d.symbol}/${d.side}`,
        symbol: d.symbol,
        ours: d.oms,
        theirs: d.venue,
        message: `position ${d.symbol} (${d.side}) is ${d.oms} here and ${d.venue} at the venue`,
        foundBy: runId,
      })),
      ...cash.map((b) => ({
        kind: 'cash_balance_mismatch' as const,
        subject: `cash/${b.currency}`,
        ours: b.ours.toString(),
        theirs: b.theirs?.toString() ?? '',
        message: `the ${b.currency} cash movements recorded sum to ${b.ours}; the venue's balance after its latest is ${b.theirs} (a movement is missing or differs)`,
        foundBy: runId,
      })),
      ...trades.map((t) => ({ ...t, foundBy: runId })),
    ];
    await this.#o.breaks.found(ref, facts);
    const seen = new Set(facts.map((f) => breakIdOf(ref, f.kind, f.subject)));
    const resolved = await this.#o.breaks.recheck(ref, seen, runId);
    return { open: facts.length, resolved };
  }

  /**
   * 1. Orders open at the venue. One the read models hold exactly as the venue shows it (caught up
   * at the start of the run) has nothing to record and is not looked at further: with thousands of
   * orders resting, loading each one's state would read its stream (the handler caches the recent
   * ones only) and every run would take seconds of the service's time. A venue that can
   * (`openOrdersBesides`) compares its list with the orders held resting before the list is read
   * (off the event loop) and names the ones it found as recorded; those are taken as recorded
   * only if the read models, read again after the list, still hold them so, and are looked up one
   * by one otherwise (their record changed while the list was taken).
   */
  async #openOrders(entry: VenueEntry, instruments: ReadonlyMap<string, Instrument>, origin: ReportOrigin) {
    const { adapter } = entry;
    const besides = adapter.openOrdersBesides?.bind(adapter);
    const before = new Map<string, RecordedResting>();
    if (besides !== undefined) {
      for (const ref of await this.#o.readModel.liveOrders(adapter.venue, adapter.account)) {
        const resting = restingOf(ref);
        if (resting !== undefined) before.set(resting[0], resting[1]);
      }
    }
    const listedAt = this.#o.now();
    const listed = besides ? await besides(before) : { orders: await adapter.openOrders(), asRecorded: [] };
    const live = await this.#o.readModel.liveOrders(adapter.venue, adapter.account);
    const recorded = new Map<string, LiveOrderRef>();
    for (const ref of live) if (ref.venueOrderId !== undefined) recorded.set(ref.venueOrderId, ref);
    let appended = 0;
    let asRecorded = 0;
    const pace = eventLoopPacer();
    const record = async (snapshot: VenueOrderSnapshot) => {
      if (recordedAsIs(recorded.get(snapshot.venueOrderId), snapshot)) asRecorded += 1;
      else appended += await this.#o.ingestion.orderUpdate(entry, snapshot, origin);
    };
    for (const snapshot of listed.orders) {
      await pace();
      await record(snapshot);
    }
    for (const venueOrderId of listed.asRecorded) {
      await pace();
      const now = recorded.get(venueOrderId);
      const then = before.get(venueOrderId);
      const ref = now === undefined ? undefined : restingOf(now);
      if (then !== undefined && ref !== undefined && sameRecord(ref[1], then)) {
        asRecorded += 1;
        continue;
      }
      const instrument = now === undefined ? undefined : instruments.get(now.symbol);
      const snapshot = instrument && (await adapter.getOrder(instrument, venueOrderId));
      if (snapshot) await record(snapshot);
    }
    const ids = new Set([...listed.orders.map((o) => o.venueOrderId), ...listed.asRecorded]);
    return { ids, listedAt, live, count: ids.size, asRecorded, appended };
  }

  /**
   * 2. Orders we think live that the venue no longer lists as open: learn their fate. One recorded
   * after the list was asked for is not in it for that reason (with orders flowing, hundreds a run):
   * it is left to the next run, not asked about one by one.
   */
  async #fateOfLiveOrders(
    entry: VenueEntry,
    open: { readonly ids: ReadonlySet<string>; readonly listedAt: number; readonly live: LiveOrderRef[] },
    origin: ReportOrigin,
  ) {
    const { adapter } = entry;
    const { live } = open;
    const toResolve: string[] = [];
    const unknown: { orderId: string; status: string; venueOrderId: string }[] = [];
    let appended = 0;
    let placedSince = 0;
    const pace = eventLoopPacer();
    for (const ref of live) {
      await pace();
      if (ref.venueOrderIds.some((id) => open.ids.has(id))) continue;
      if (Date.parse(ref.createdAt) >= open.listedAt) {
        placedSince += 1;
        continue;
      }
      const loaded = await this.#o.handler.load(ref.orderId);
      // (ended since the read models were read: nothing left to learn)
      if (!exists(loaded.state) || isTerminal(loaded.state.status)) continue;
      const venueOrderId = loaded.state.venueOrderId;
      const snapshot =
        venueOrderId === undefined
          ? undefined
          : await adapter.getOrder(loaded.state.order.instrument, venueOrderId);
      if (snapshot) appended += await this.#o.ingestion.orderUpdate(entry, snapshot, origin);
      else toResolve.push(ref.orderId);
      if (!snapshot && venueOrderId !== undefined) {
        unknown.push({ orderId: ref.orderId, status: loaded.state.status, venueOrderId });
      }
    }
    return { symbols: new Set<string>(live.map((o) => o.symbol)), toResolve, unknown, appended, placedSince };
  }

  /** 3. Fills the OMS may have missed (while disconnected), on every instrument it has a stake in. */
  async #missedFills(
    entry: VenueEntry,
    instruments: ReadonlyMap<string, Instrument>,
    symbols: Set<string>,
    venuePositions: readonly { symbol: string; size: Decimal }[],
    origin: ReportOrigin,
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
    const pace = eventLoopPacer();
    for (const symbol of symbols) {
      const instrument = instruments.get(symbol);
      if (!instrument) continue;
      for (const fill of await adapter.fills({ instrument, since })) {
        await pace();
        appended += await this.#o.ingestion.fill(entry, fill, origin);
      }
    }
    return appended;
  }
}

/**
 * What the read models hold of an order resting at the venue, keyed by its venue order id, for the
 * venue's listing to be compared with; none for an order not resting there as far as the OMS knows
 * (no venue order id yet, a request to the venue unresolved, or not in a resting status).
 */
function restingOf(ref: LiveOrderRef): [string, RecordedResting] | undefined {
  if (ref.venueOrderId === undefined || ref.requestUnresolved || !isRestingStatus(ref.status))
    return undefined;
  return [
    ref.venueOrderId,
    {
      status: ref.status,
      clientOrderId: ref.clientOrderId,
      price: ref.price?.toString(),
      amount: ref.amount.toString(),
      filled: ref.filled.toString(),
    },
  ];
}

const sameRecord = (a: RecordedResting, b: RecordedResting): boolean =>
  a.status === b.status &&
  a.clientOrderId === b.clientOrderId &&
  a.price === b.price &&
  a.amount === b.amount &&
  a.filled === b.filled;

/**
 * Whether the read models hold an order resting exactly as the venue shows it (`listedAsRecorded`),
 * under the same venue order id and with no request to the venue in flight or unresolved. Then the
 * venue's update would record nothing; anything else goes through ingestion.
 */
function recordedAsIs(ref: LiveOrderRef | undefined, snapshot: VenueOrderSnapshot): boolean {
  const resting = ref === undefined ? undefined : restingOf(ref);
  return (
    resting !== undefined && resting[0] === snapshot.venueOrderId && listedAsRecorded(resting[1], snapshot)
  );
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
