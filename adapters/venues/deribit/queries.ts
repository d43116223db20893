import type { VenueAdapter, VenueFill, VenueOrderSnapshot } from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { DeribitRpcError, parseReply } from './errors.ts';
import { currencyOf, domainInstrument, orderSnapshot, venueFill, venuePosition } from './mapping.ts';
import type { DeribitContext } from './options.ts';
import {
  InstrumentListSchema,
  OrderListSchema,
  PositionListSchema,
  TickerSchema,
  TradesByInstrumentSchema,
  TradesByOrderSchema,
  WireOrderSchema,
} from './schemas.ts';
import type { RpcReply } from './ws-rpc.ts';

/** Deribit's queries: instruments, mark price, orders (by id, by label, open), fills, positions. */
export type DeribitQueries = Pick<
  VenueAdapter,
  'instruments' | 'markPrice' | 'findByClientOrderId' | 'getOrder' | 'openOrders' | 'fills' | 'positions'
>;

type Request = (method: string, params: Record<string, unknown>) => Promise<RpcReply>;

const PAGE = 1000;

const oldestFirst = (fills: VenueFill[]): VenueFill[] =>
  [...fills].sort((a, b) => a.executedAt.localeCompare(b.executedAt));

export function createDeribitQueries({ account, logger }: DeribitContext, request: Request): DeribitQueries {
  const orderList = (method: string, result: unknown): VenueOrderSnapshot[] => {
    const raws = result as unknown[];
    return parseReply(OrderListSchema, result, method).map((order, i) =>
      orderSnapshot(account, order, raws[i]),
    );
  };

  async function instruments(): Promise<Instrument[]> {
    const reply = await request('public/get_instruments', { currency: 'any', expired: false });
    return parseReply(InstrumentListSchema, reply.result, 'public/get_instruments').flatMap((wire) => {
      try {
        const instrument = domainInstrument(wire);
        return instrument === undefined ? [] : [instrument];
      } catch (error) {
        // One instrument the domain cannot describe does not hide the others.
        logger.error(
          { instrument: wire.instrument_name, err: (error as Error).message },
          'deribit: instrument skipped',
        );
        return [];
      }
    });
  }

  async function markPrice(instrument: Instrument) {
    const method = 'public/ticker';
    const reply = await request(method, { instrument_name: instrument.symbol });
    return parseReply(TickerSchema, reply.result, method).mark_price;
  }

  async function findByClientOrderId(instrument: Instrument, clientOrderId: string) {
    const method = 'private/get_order_state_by_label';
    const reply = await request(method, { currency: currencyOf(instrument), label: clientOrderId });
    return orderList(method, reply.result).filter((order) => order.symbol === instrument.symbol);
  }

  async function getOrder(_instrument: Instrument, venueOrderId: string) {
    const method = 'private/get_order_state';
    try {
      const reply = await request(method, { order_id: venueOrderId });
      return orderSnapshot(account, parseReply(WireOrderSchema, reply.result, method), reply.result);
    } catch (error) {
      if (error instanceof DeribitRpcError && error.venueCode === 10004) return undefined;
      throw error;
    }
  }

  async function openOrders(instrument?: Instrument) {
    const [method, params] =
      instrument === undefined
        ? ['private/get_open_orders', {}]
        : ['private/get_open_orders_by_instrument', { instrument_name: instrument.symbol, type: 'all' }];
    const reply = await request(method, params);
    return orderList(method, reply.result);
  }

  async function fillsOfOrder(venueOrderId: string): Promise<VenueFill[]> {
    const method = 'private/get_user_trades_by_order';
    const reply = await request(method, { order_id: venueOrderId, sorting: 'asc' });
    const trades = parseReply(TradesByOrderSchema, reply.result, method);
    const raws = Array.isArray(reply.result)
      ? reply.result
      : ((reply.result as { trades: unknown[] }).trades ?? []);
    return oldestFirst(trades.map((trade, i) => venueFill(account, trade, raws[i])));
  }

  /** Every trade of an instrument since a time, page by page (by trade sequence). */
  async function fillsSince(instrument: Instrument, since: string | undefined): Promise<VenueFill[]> {
    const method = 'private/get_user_trades_by_instrument';
    const start = since === undefined ? 0 : Date.parse(since);
    if (Number.isNaN(start)) throw new RangeError(`fills: since is not an ISO-8601 time: ${since}`);
    const fills: VenueFill[] = [];
    const page = { instrument_name: instrument.symbol, count: PAGE, sorting: 'asc' };
    let params: Record<string, unknown> = { ...page, start_timestamp: start };
    for (let n = 0; n < 1000; n++) {
      const reply = await request(method, params);
      const parsed = parseReply(TradesByInstrumentSchema, reply.result, method);
      const raws = (reply.result as { trades: unknown[] }).trades;
      fills.push(...parsed.trades.map((trade, i) => venueFill(account, trade, raws[i])));
      const last = parsed.trades.at(-1);
      if (!parsed.has_more || last === undefined || last.trade_seq === undefined) break;
      params = { ...page, start_seq: last.trade_seq + 1 };
    }
    return oldestFirst(fills);
  }

  async function positions() {
    const method = 'private/get_positions';
    const reply = await request(method, { currency: 'any' });
    const raws = reply.result as unknown[];
    return parseReply(PositionListSchema, reply.result, method).map((position, i) =>
      venuePosition(account, position, raws[i]),
    );
  }

  return {
    instruments,
    markPrice,
    findByClientOrderId,
    getOrder,
    openOrders,
    fills: (query) =>
      query.venueOrderId !== undefined
        ? fillsOfOrder(query.venueOrderId)
        : fillsSince(query.instrument, query.since),
    positions,
  };
}
