import type { Decimal } from '../domain/decimal.ts';
import type { EntrySource } from '../domain/ledger/entries.ts';
import { OrderEventSchema } from '../domain/order/contract.ts';
import { evolve } from '../domain/order/decider.ts';
import { exists, initialState, type OrderState } from '../domain/order/state.ts';
import { isTerminal } from '../domain/order/transitions.ts';
import { nothingStaged, type Staged, segmentsOf, stageOver } from './batch-segments.ts';
import type { SqlRunner } from './db/read-model-db.ts';
import { applyCashToPositions } from './deliveries.ts';
import { isCashEvent, isMarkEvent, isOrderEvent, type ProjectedEvent, type ProjectedItem } from './events.ts';
import { type KnownPosition, writeFillsAndPositions } from './fill-positions.ts';
import { tradeKeyText } from './position-fills.ts';
import { movementKey, writeCashMovements } from './read-models/cash-movements.ts';
import type { FillCandidate } from './read-models/fills.ts';
import { writeLedgerPostings } from './read-models/ledger-postings.ts';
import { writeMarks } from './read-models/marks.ts';
import * as orderHistory from './read-models/order-history.ts';
import { copyNewOrders, type OrderEntry, writeOrders } from './read-models/orders.ts';
import type { PositionEntry } from './read-models/positions.ts';

/**
 * The order read models as one projection: `order_history`, `orders`, `fills` and `positions` are
 * written together, batch by batch, under one checkpoint (a fill and the position it moves can
 * never disagree). Each table's rows and SQL live in `read-models/<table>.ts`, the fills and
 * positions step in `fill-positions.ts`, the cash movements' in `deliveries.ts`; this file is the
 * flow of a batch (cut into segments by `batch-segments.ts` where a cash movement precedes order
 * events):
 *
 * 1. the state of the orders the batch touches: from the cache of recent live orders, or folded
 *    from their `order_history` rows in the same transaction (so it is exactly what is committed);
 *    in a large batch, an order whose first event there is its revision 0 is presumed new (no
 *    query: in a rebuild that is nearly every order);
 * 2. each event, in `$all` order, through the domain's `evolve`, unless the order's row already
 *    has that revision (idempotence);
 * 3. set-based writes, one statement per table (queued on a batch runner: they go out together, with
 *    the checkpoint, as one statement): history rows, which also check the presumption of
 *    step 1 (a row already there undoes the history write, to a savepoint, and the batch is
 *    evolved again from states folded from the database); order rows; the new fills (each trade
 *    once), each with what it did to its position (domain `applyFill`: the PnL it realized, the
 *    size after it); then the positions they moved and their history. A large batch (rebuild,
 *    verify, catch-up after downtime: `copyThreshold` history rows) writes by COPY the history,
 *    the rows of orders known to be new, and its fills (a trade already there fails that COPY, to
 *    a savepoint: then the insert); the rest by insert or upsert from JSON.
 *
 * The caches change only after the transaction commits (`commit`); `reset` forgets them after a
 * rollback or a checkpoint conflict.
 */
export const ORDER_PROJECTION = 'order-read-models';

export interface StagedBatch {
  readonly orders: ReadonlyMap<string, OrderEntry>;
  readonly positions: ReadonlyMap<string, PositionEntry>;
  /** The ledger's cash balances the batch moved (`cashAccountKey`). */
  readonly balances: ReadonlyMap<string, Decimal>;
  readonly events: number;
}

export interface OrderProjectionOptions {
  /** Live orders kept in memory between batches (least recently used beyond it are reloaded). */
  readonly maxCachedOrders?: number;
  /**
   * A batch of at least this many events presumes new the orders starting in it, and if it writes
   * at least this many history rows loads them, its new orders and its fills by COPY (rebuild,
   * catch-up after downtime); smaller ones (live) read and write by statements. Default 500.
   */
  readonly copyThreshold?: number;
  /**
   * The base schema's `batch_guard` (`checkpoint.ts`): given, a smaller batch on a batch runner presumes
   * new the orders whose revision 0 it holds, and the guard fails its statement should a history row
   * be there (the batch is then made again with `presumeNew: false`).
   */
  readonly guard?: string;
}

export interface OrderProjection {
  apply(
    tx: SqlRunner,
    schema: string,
    items: readonly ProjectedItem[],
    options?: { presumeNew?: boolean },
  ): Promise<StagedBatch>;
  commit(staged: StagedBatch): void;
  reset(): void;
  readonly cachedOrders: number;
}

const loadOrders = async (
  tx: SqlRunner,
  schema: string,
  orderIds: readonly string[],
): Promise<Map<string, OrderEntry>> => {
  const loaded = new Map<string, OrderEntry>();
  if (orderIds.length === 0) return loaded;
  const rows = await orderHistory.readHistoryOf(tx, schema, orderIds);
  let i = 0;
  while (i < rows.length) {
    const orderId = rows[i]!.order_id;
    let state: OrderState = initialState;
    const first = rows[i]!;
    let last = first;
    for (; i < rows.length && rows[i]!.order_id === orderId; i++) {
      last = rows[i]!;
      state = evolve(state, OrderEventSchema.parse({ type: last.type, data: last.data }));
    }
    if (exists(state)) {
      loaded.set(orderId, {
        state,
        lastRevision: BigInt(last.revision),
        lastPosition: last.global_position,
        createdAt: first.recorded_at.toISOString(),
        updatedAt: last.recorded_at.toISOString(),
      });
    }
  }
  return loaded;
};

export const createOrderProjection = (options: OrderProjectionOptions = {}): OrderProjection => {
  const maxCachedOrders = options.maxCachedOrders ?? 20_000;
  const copyThreshold = options.copyThreshold ?? 500;
  let orders = new Map<string, OrderEntry>();
  let positions = new Map<string, PositionEntry>();
  let balances = new Map<string, Decimal>(); // each ledger account's cash after its last posting

  /** Step 2: each event through evolve, in order, from the states known before the batch. */
  const evolveBatch = (
    events: readonly ProjectedEvent[],
    loaded: ReadonlyMap<string, OrderEntry>,
    earlier: Staged,
  ) => {
    const staged = new Map<string, OrderEntry>();
    const history: ProjectedEvent[] = [];
    const fills: FillCandidate[] = [];
    const seenTrades = new Set<string>();
    for (const e of events) {
      const before =
        staged.get(e.orderId) ??
        earlier.orders.get(e.orderId) ??
        orders.get(e.orderId) ??
        loaded.get(e.orderId);
      if (before !== undefined && e.revision <= before.lastRevision) continue; // applied already
      history.push(e);
      const state = evolve(before?.state ?? initialState, e.event);
      if (!exists(state)) continue; // an event of an order never created: kept in the history only
      staged.set(e.orderId, {
        state,
        lastRevision: e.revision,
        lastPosition: e.position,
        createdAt: before?.createdAt ?? e.metadata.recordedAt,
        updatedAt: e.metadata.recordedAt,
      });
      if (e.event.type === 'OrderFilled' && before !== undefined) {
        const trade = tradeKeyText(state.order, e.event.data.fill);
        if (seenTrades.has(trade)) continue;
        seenTrades.add(trade);
        fills.push({
          orderId: e.orderId,
          revision: e.revision,
          order: state.order,
          fill: e.event.data.fill,
          recordedAt: e.metadata.recordedAt,
          position: e.position,
        });
      }
    }
    return { staged, history, fills };
  };

  /**
   * Which orders of the batch must be read from the database. In a large batch, or where the database
   * checks it (`guard`), an order whose first event here is its stream's revision 0 has no history
   * yet (the checkpoint is below that event): no query for it. The history write checks it.
   */
  const ordersToLoad = (events: readonly ProjectedEvent[], checked: boolean, earlier: Staged) => {
    const presume = events.length >= copyThreshold || checked;
    const missing = new Set<string>();
    const presumedNew = new Set<string>();
    const firstSeen = new Set<string>();
    for (const e of events) {
      if (firstSeen.has(e.orderId)) continue;
      firstSeen.add(e.orderId);
      if (earlier.orders.has(e.orderId) || orders.has(e.orderId)) continue;
      if (presume && e.revision === 0n) presumedNew.add(e.orderId);
      else missing.add(e.orderId);
    }
    return { missing: [...missing], presumedNew };
  };

  /**
   * The history first: any of its rows already there means some of these events were applied before
   * (the same batch again), so the orders presumed new may not be. Then the history write is undone
   * (savepoint), those orders are folded from the database and the batch evolved again, exactly as if
   * nothing had been presumed. Then the orders' rows.
   */
  const writeHistoryAndOrders = async (
    tx: SqlRunner,
    schema: string,
    events: readonly ProjectedEvent[],
    presumeNew: boolean,
    earlier: Staged,
  ) => {
    const checking = presumeNew && tx.defer !== undefined && options.guard !== undefined;
    const { missing, presumedNew } = ordersToLoad(events, checking, earlier);
    let batch = evolveBatch(events, await loadOrders(tx, schema, missing), earlier);
    const copy = tx.copyFrom !== undefined && batch.history.length >= copyThreshold;
    // Unguarded, the rows are queued with the batch's other writes (checked by the guard there).
    const guarded = copy || (!checking && presumedNew.size > 0);
    if (guarded) await tx.exec('savepoint order_history_write');
    else if (presumedNew.size > 0) orderHistory.addNewOrderHistory(tx, schema, batch.history, options.guard!);
    else await orderHistory.addOrderHistory(tx, schema, batch.history);
    const fresh = !guarded || (await orderHistory.writeNewOrderHistory(tx, schema, batch.history, copy));
    if (guarded && fresh) await tx.exec('release savepoint order_history_write');
    if (guarded && !fresh) {
      await tx.exec('rollback to savepoint order_history_write');
      batch = evolveBatch(events, await loadOrders(tx, schema, [...missing, ...presumedNew]), earlier);
      await orderHistory.addOrderHistory(tx, schema, batch.history);
    }
    if (copy && fresh) {
      // Orders presumed new, now known to be (no history, so no row): their rows by COPY.
      const created = new Map<string, OrderEntry>();
      const updated = new Map<string, OrderEntry>();
      for (const [orderId, entry] of batch.staged)
        (presumedNew.has(orderId) ? created : updated).set(orderId, entry);
      await copyNewOrders(tx, schema, created);
      await writeOrders(tx, schema, updated);
    } else {
      await writeOrders(tx, schema, batch.staged);
    }
    return { ...batch, copy };
  };

  /**
   * One segment of a batch (`batch-segments.ts`): states of the touched orders, each event through
   * evolve in order, then set-based writes; `earlier` is what the batch's segments before it staged.
   */
  const applySegment = async (
    tx: SqlRunner,
    schema: string,
    items: readonly ProjectedItem[],
    presumeNew: boolean,
    earlier: Staged,
  ): Promise<StagedBatch> => {
    const events = items.filter(isOrderEvent);
    const { staged, history, fills, copy } = await writeHistoryAndOrders(
      tx,
      schema,
      events,
      presumeNew,
      earlier,
    );
    // A position as the segments before this one left it, else as the last committed batch did.
    const before: KnownPosition = (text) => earlier.positions.get(text) ?? positions.get(text);
    const { positions: stagedPositions, posted } = await writeFillsAndPositions(
      tx,
      schema,
      fills,
      copy,
      before,
    );
    // Venue cash movements (the ledger ingester's events): their own table, in the same transaction;
    // a delivery closes its position, funding goes to its position's funding PnL.
    const cashEvents = items.filter(isCashEvent);
    const newMovements = await writeCashMovements(tx, schema, cashEvents);
    const known = (text: string) => stagedPositions.get(text) ?? before(text);
    for (const [text, entry] of await applyCashToPositions(tx, schema, cashEvents, newMovements, known)) {
      stagedPositions.set(text, entry);
    }
    // The ledger: the fills' entries and the new movements', in `$all` order.
    const movements = cashEvents.filter((e) =>
      newMovements.has(movementKey(e.movement.venue, e.movement.account, e.movement.venueEntryId)),
    );
    const sources: EntrySource[] = [
      ...posted,
      ...movements.map((e) => ({ cause: 'movement' as const, movement: e.movement, position: e.position })),
    ].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    const ledger = await writeLedgerPostings(tx, schema, sources, {
      known: (k) => earlier.balances.get(k) ?? balances.get(k),
      copy,
    });
    // Recorded marks: their own table.
    const markEvents = items.filter(isMarkEvent);
    await writeMarks(tx, schema, markEvents);
    const applied = history.length + newMovements.size + markEvents.length;
    return { orders: staged, positions: stagedPositions, balances: ledger.balances, events: applied };
  };

  const apply: OrderProjection['apply'] = async (tx, schema, items, { presumeNew = true } = {}) => {
    const segments = segmentsOf(items);
    if (segments.length === 1) return applySegment(tx, schema, items, presumeNew, nothingStaged());
    const staged = nothingStaged();
    let events = 0;
    for (const segment of segments) {
      const applied = await applySegment(tx, schema, segment, presumeNew, staged);
      stageOver(staged, applied);
      events += applied.events;
    }
    return { ...staged, events };
  };

  const commit = (staged: StagedBatch) => {
    for (const [orderId, entry] of staged.orders) {
      orders.delete(orderId);
      // Finished orders leave the cache: a late report reloads them from their history.
      if (!isTerminal(entry.state.status)) orders.set(orderId, entry);
    }
    if (orders.size > maxCachedOrders) {
      for (const orderId of orders.keys()) {
        orders.delete(orderId);
        if (orders.size <= maxCachedOrders) break;
      }
    }
    for (const [key, entry] of staged.positions) positions.set(key, entry);
    for (const [key, balance] of staged.balances) balances.set(key, balance);
  };

  return {
    apply,
    commit,
    reset: () => {
      orders = new Map();
      positions = new Map();
      balances = new Map();
    },
    get cachedOrders() {
      return orders.size;
    },
  };
};
