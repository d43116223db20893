import type { EventStore } from '../application/ports/event-store.ts';
import { StreamNotFoundError } from '../application/ports/event-store.ts';
import type { Instrument } from '../domain/instrument.ts';
import { CASH_STREAM_PREFIX } from '../domain/ledger/contract.ts';
import { EventMetadataSchema } from '../domain/metadata.ts';
import { ORDER_STREAM_PREFIX, type OrderParams, orderStreamId } from '../domain/order/contract.ts';
import { evolve } from '../domain/order/decider.ts';
import { initialState, type OrderState } from '../domain/order/state.ts';
import { applyFill, emptyPosition, type Position } from '../domain/position/position.ts';
import { deliveredPosition, deliverySide } from './deliveries.ts';
import {
  isCashEvent,
  isOrderEvent,
  type ProjectedCashEvent,
  type ProjectedEvent,
  toProjectedEvent,
  toProjectedItem,
} from './events.ts';
import { positionFillOf, positionKeyOf, positionKeyText, tradeKeyText } from './position-fills.ts';

/**
 * As-of replay: the state of an order, or all positions, as they stood at a time or at a global
 * position, computed from the events themselves (not from the read models): stream or `$all`
 * reads up to the bound, through `decodeOrderEvent`, `evolve` and `applyFill`.
 *
 * The bound is inclusive. A time bound selects the events the OMS had recorded by then
 * (`metadata.recordedAt <= time`); a position bound the events at or before it in `$all`.
 */
export type AsOf<P> =
  | { readonly kind: 'time'; readonly time: Date }
  | { readonly kind: 'position'; readonly position: P };

/** `2026-01-05T12:00:00Z` (ISO-8601 with a time zone) or a position as the store serializes it. */
export const parseAsOf = <P>(text: string, store: EventStore<P>): AsOf<P> => {
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const time = new Date(text);
    if (!Number.isNaN(time.getTime())) return { kind: 'time', time };
  }
  try {
    return { kind: 'position', position: store.positions.parse(text) };
  } catch {
    throw new RangeError(
      `--as-of takes an ISO-8601 time with a zone (2026-01-05T12:00:00Z) or a position of this store (e.g. ${store.positions.serialize(store.positions.start)}): ${JSON.stringify(text)}`,
    );
  }
};

const within = <P>(store: EventStore<P>, asOf: AsOf<P>, e: ProjectedEvent, position: P): boolean =>
  asOf.kind === 'time'
    ? Date.parse(e.metadata.recordedAt) <= asOf.time.getTime()
    : store.positions.compare(position, asOf.position) <= 0;

export interface OrderReplay {
  readonly state: OrderState;
  /** Events applied (at or before the bound). */
  readonly events: number;
  readonly lastRevision: bigint | undefined;
  readonly lastPosition: string | undefined;
}

export const replayOrder = async <P>(
  store: EventStore<P>,
  orderId: string,
  asOf: AsOf<P>,
): Promise<OrderReplay> => {
  let recorded: Awaited<ReturnType<EventStore<P>['readStream']>>;
  try {
    recorded = await store.readStream(orderStreamId(orderId));
  } catch (error) {
    if (error instanceof StreamNotFoundError)
      return { state: initialState, events: 0, lastRevision: undefined, lastPosition: undefined };
    throw error;
  }
  let state: OrderState = initialState;
  let events = 0;
  let lastRevision: bigint | undefined;
  let lastPosition: string | undefined;
  for (const r of recorded) {
    const e = toProjectedEvent(r, store.positions);
    if (!within(store, asOf, e, r.position)) continue;
    state = evolve(state, e.event);
    events += 1;
    lastRevision = e.revision;
    lastPosition = e.position;
  }
  return { state, events, lastRevision, lastPosition };
};

/** What positions need of an order: kept small (one interned instrument per symbol). */
type OrderBrief = Pick<OrderParams, 'account' | 'side' | 'positionMode' | 'tradeSide'> & {
  readonly instrument: Instrument;
};

export interface PositionsReplay {
  readonly positions: readonly Position[];
  readonly events: number;
  /** The last position scanned. */
  readonly position: string;
}

/** Positions folded from order events the way the projection folds them: each trade once. */
const positionsFold = () => {
  const instruments = new Map<string, Instrument>();
  const orders = new Map<string, OrderBrief>();
  const trades = new Set<string>();
  const positions = new Map<string, Position>();

  const created = (orderId: string, o: OrderParams) => {
    if (orders.has(orderId)) return; // as evolve: a second creation changes nothing
    const key = `${o.instrument.venue}\u0000${o.instrument.symbol}\u0000${JSON.stringify(o.instrument)}`;
    const instrument = instruments.get(key) ?? o.instrument;
    instruments.set(key, instrument);
    orders.set(orderId, {
      account: o.account,
      side: o.side,
      positionMode: o.positionMode,
      tradeSide: o.tradeSide,
      instrument,
    });
  };

  const filled = (orderId: string, fill: Parameters<typeof positionFillOf>[1]) => {
    const brief = orders.get(orderId);
    if (brief === undefined) return; // a fill of an order never created (as the projection)
    const order = brief as unknown as OrderParams;
    const trade = tradeKeyText(order, fill);
    if (trades.has(trade)) return;
    trades.add(trade);
    const key = positionKeyOf(order);
    const text = positionKeyText(key);
    const position = positions.get(text) ?? emptyPosition(key, brief.instrument);
    positions.set(text, applyFill(position, positionFillOf(order, fill)).position);
  };

  /** A delivery closes its position at the delivery price, as the projection does (deliveries.ts). */
  const delivered = ({ movement: m }: ProjectedCashEvent) => {
    if (m.kind !== 'delivery' || m.symbol === undefined || m.price === undefined) return;
    const key = { venue: m.venue, account: m.account, symbol: m.symbol, side: deliverySide(m.venueType) };
    const text = positionKeyText(key);
    const current = positions.get(text);
    if (current === undefined || current.size.isZero()) return;
    positions.set(text, deliveredPosition(current, m.price, m.at));
  };

  return {
    delivered,
    take: ({ orderId, event }: ProjectedEvent) => {
      if (event.type === 'OrderRequested' || event.type === 'ExternalOrderDiscovered') {
        created(orderId, event.data.order);
      } else if (event.type === 'OrderFilled') {
        filled(orderId, event.data.fill);
      }
    },
    positions,
  };
};

/** Whether an event recorded with this metadata is within a time bound (always, for a position bound). */
const recordedWithin = <P>(asOf: AsOf<P>, metadata: unknown): boolean => {
  if (asOf.kind !== 'time') return true;
  const recordedAt = EventMetadataSchema.shape.recordedAt.safeParse(
    (metadata as { recordedAt?: unknown }).recordedAt,
  );
  return recordedAt.success && Date.parse(recordedAt.data) <= asOf.time.getTime();
};

export const replayPositions = async <P>(
  store: EventStore<P>,
  asOf: AsOf<P>,
  options: { pageSize?: number; onProgress?: (events: number) => void } = {},
): Promise<PositionsReplay> => {
  const pageSize = options.pageSize ?? 2000;
  const fold = positionsFold();
  const positions = fold.positions;
  const pastAsOf = (position: P) =>
    asOf.kind === 'position' && store.positions.compare(position, asOf.position) > 0;
  let after = store.positions.start;
  let events = 0;
  for (;;) {
    const page = await store.readAll({
      after,
      maxCount: pageSize,
      filter: { streamPrefixes: [ORDER_STREAM_PREFIX, CASH_STREAM_PREFIX] },
    });
    for (const r of page.events) {
      if (pastAsOf(r.position)) break;
      const item = toProjectedItem(r, store.positions);
      if (!isOrderEvent(item)) {
        // Each delivery once (a movement recorded twice has one id: the store keeps it once).
        if (isCashEvent(item) && recordedWithin(asOf, r.metadata)) fold.delivered(item);
        continue;
      }
      if (!within(store, asOf, item, r.position)) continue;
      events += 1;
      fold.take(item);
    }
    options.onProgress?.(events);
    after = page.lastScanned;
    const beyond = asOf.kind === 'position' && store.positions.compare(after, asOf.position) >= 0;
    if (page.isEnd || beyond) break;
  }
  const sorted = [...positions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  return { positions: sorted, events, position: store.positions.serialize(after) };
};
