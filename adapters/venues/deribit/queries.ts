import type { z } from 'zod';
import type {
  OpenOrdersBesides,
  ReferencePrices,
  UnreadableWhat,
  VenueAdapter,
  VenueFill,
  VenueOrderSnapshot,
} from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { RecordedResting } from '../../../domain/order/resting.ts';
import { readEachPaced, readSingle } from '../read-each.ts';
import { DeribitRpcError, parseReply } from './errors.ts';
import { currencyOf, domainInstrument, orderSnapshot, venueFill, venuePosition } from './mapping.ts';
import { createOpenOrdersScreen } from './open-orders-screen.ts';
import type { DeribitContext } from './options.ts';
import {
  describeIssues,
  ListSchema,
  TickerSchema,
  TradeSeqSchema,
  TradesByInstrumentSchema,
  TradesByOrderSchema,
  WireInstrumentSchema,
  WireOrderSchema,
  WirePositionSchema,
  WireTradeSchema,
} from './schemas.ts';
import type { RpcReply } from './ws-rpc.ts';

/** Deribit's queries: instruments, mark price, orders (by id, by label, open), fills, positions. */
export type DeribitQueries = Pick<
  VenueAdapter,
  | 'instruments'
  | 'markPrice'
  | 'referencePrices'
  | 'findByClientOrderId'
  | 'getOrder'
  | 'openOrders'
  | 'openOrdersBesides'
  | 'fills'
  | 'positions'
>;

type Request = (method: string, params: Record<string, unknown>) => Promise<RpcReply>;

const PAGE = 1000;

const oldestFirst = (fills: VenueFill[]): VenueFill[] =>
  [...fills].sort((a, b) => a.executedAt.localeCompare(b.executedAt));

/** Deribit's recent store holds a day of trades; older ones are read with `historical: true`. */
const RECENT_TRADES_MS = 24 * 3_600_000;

export function createDeribitQueries(
  { config, account, logger, unreadable, now }: DeribitContext,
  request: Request,
): DeribitQueries {
  /**
   * A list read element by element, giving the event loop turns (a venue's open orders run to
   * thousands): the unreadable ones go to `reports$`, the others are returned.
   */
  const each = async <S extends z.ZodType, T>(
    method: string,
    what: UnreadableWhat,
    elements: readonly unknown[],
    schema: S,
    map: (parsed: z.output<S>, raw: unknown) => T[],
  ): Promise<T[]> => {
    const options = { venue: 'deribit', account, what, source: method, describe: describeIssues } as const;
    const read = await readEachPaced(elements, schema, options, map);
    for (const item of read.unreadable)
      logger.error({ method, issues: item.error }, 'deribit: unreadable object');
    unreadable(read.unreadable);
    return read.items;
  };
  const orders = (method: string, elements: readonly unknown[]): Promise<VenueOrderSnapshot[]> =>
    each(method, 'order', elements, WireOrderSchema, (order, raw) => [orderSnapshot(account, order, raw)]);
  const orderList = (method: string, result: unknown): Promise<VenueOrderSnapshot[]> =>
    orders(method, parseReply(ListSchema, result, method));
  const tradeList = (method: string, elements: readonly unknown[]): Promise<VenueFill[]> =>
    each(method, 'fill', elements, WireTradeSchema, (trade, raw) => [venueFill(account, trade, raw)]);

  async function instruments(): Promise<Instrument[]> {
    const method = 'public/get_instruments';
    const reply = await request(method, { currency: 'any', expired: false });
    // One instrument the domain cannot describe does not hide the others (`each` keeps it).
    return each(
      method,
      'instrument',
      parseReply(ListSchema, reply.result, method),
      WireInstrumentSchema,
      (wire) => {
        const instrument = domainInstrument(wire);
        return instrument === undefined ? [] : [instrument];
      },
    );
  }

  async function referencePrices(instrument: Instrument): Promise<ReferencePrices> {
    const method = 'public/ticker';
    const reply = await request(method, { instrument_name: instrument.symbol });
    const ticker = parseReply(TickerSchema, reply.result, method);
    return {
      mark: ticker.mark_price,
      ...(ticker.max_price !== undefined && { maxBuyPrice: ticker.max_price }),
      ...(ticker.min_price !== undefined && { minSellPrice: ticker.min_price }),
    };
  }

  async function findByClientOrderId(instrument: Instrument, clientOrderId: string) {
    const method = 'private/get_order_state_by_label';
    const reply = await request(method, { currency: currencyOf(instrument), label: clientOrderId });
    return (await orderList(method, reply.result)).filter((order) => order.symbol === instrument.symbol);
  }

  async function getOrder(_instrument: Instrument, venueOrderId: string) {
    const method = 'private/get_order_state';
    try {
      const reply = await request(method, { order_id: venueOrderId });
      const source = { venue: 'deribit', account, what: 'order', source: method } as const;
      const read = () =>
        orderSnapshot(account, parseReply(WireOrderSchema, reply.result, method), reply.result);
      return readSingle(read, reply.result, source, unreadable);
    } catch (error) {
      if (error instanceof DeribitRpcError && error.venueCode === 10004) return undefined;
      throw error;
    }
  }

  const screen = createOpenOrdersScreen(config.openOrdersScreenFrom);

  async function openOrders(instrument?: Instrument) {
    const [method, params] =
      instrument === undefined
        ? ['private/get_open_orders', {}]
        : ['private/get_open_orders_by_instrument', { instrument_name: instrument.symbol, type: 'all' }];
    const reply = await request(method, params);
    return orderList(method, reply.result);
  }

  async function openOrdersBesides(
    recorded: ReadonlyMap<string, RecordedResting>,
  ): Promise<OpenOrdersBesides> {
    const method = 'private/get_open_orders';
    const reply = await request(method, {});
    const elements = parseReply(ListSchema, reply.result, method);
    const { kept, asRecorded } = await screen({ account, elements, recorded });
    return { orders: await orders(method, kept), asRecorded };
  }

  async function fillsOfOrder(venueOrderId: string): Promise<VenueFill[]> {
    const method = 'private/get_user_trades_by_order';
    const reply = await request(method, { order_id: venueOrderId, sorting: 'asc' });
    return oldestFirst(await tradeList(method, parseReply(TradesByOrderSchema, reply.result, method)));
  }

  /**
   * Every trade of an instrument since a time: from Deribit's historical store too when the window
   * reaches further back than its recent one (a day), then from the recent store; each trade once.
   */
  async function fillsSince(instrument: Instrument, since: string | undefined): Promise<VenueFill[]> {
    const start = since === undefined ? 0 : Date.parse(since);
    if (Number.isNaN(start)) throw new RangeError(`fills: since is not an ISO-8601 time: ${since}`);
    const older = start < now() - RECENT_TRADES_MS ? await fillsFromStore(instrument, start, true) : [];
    const recent = await fillsFromStore(instrument, start, false);
    const seen = new Set(older.map((f) => f.tradeId));
    return oldestFirst([...older, ...recent.filter((f) => !seen.has(f.tradeId))]);
  }

  /** The trades of one of Deribit's stores since `start`, page by page (by trade sequence). */
  async function fillsFromStore(
    instrument: Instrument,
    start: number,
    historical: boolean,
  ): Promise<VenueFill[]> {
    const method = 'private/get_user_trades_by_instrument';
    const fills: VenueFill[] = [];
    const page = {
      instrument_name: instrument.symbol,
      count: PAGE,
      sorting: 'asc',
      ...(historical && { historical }),
    };
    let params: Record<string, unknown> = { ...page, start_timestamp: start };
    for (let n = 0; n < 1000; n++) {
      const reply = await request(method, params);
      const parsed = parseReply(TradesByInstrumentSchema, reply.result, method);
      fills.push(...(await tradeList(method, parsed.trades)));
      // The next page starts after the page's last trade, readable or not.
      const last = TradeSeqSchema.safeParse(parsed.trades.at(-1));
      if (!parsed.has_more || !last.success || last.data.trade_seq === undefined) break;
      params = { ...page, start_seq: last.data.trade_seq + 1 };
    }
    return fills;
  }

  async function positions() {
    const method = 'private/get_positions';
    const reply = await request(method, { currency: 'any' });
    return each(
      method,
      'position',
      parseReply(ListSchema, reply.result, method),
      WirePositionSchema,
      (position, raw) => [venuePosition(account, position, raw)],
    );
  }

  return {
    instruments,
    markPrice: async (instrument) => (await referencePrices(instrument)).mark,
    referencePrices,
    findByClientOrderId,
    getOrder,
    openOrders,
    openOrdersBesides,
    fills: (query) =>
      query.venueOrderId !== undefined
        ? fillsOfOrder(query.venueOrderId)
        : fillsSince(query.instrument, query.since),
    positions,
  };
}
