import type {
  ReferencePrices,
  VenueFill,
  VenueOrderSnapshot,
  VenuePosition,
} from '../../../application/ports/venue.ts';
import { type Decimal, ONE } from '../../../domain/decimal.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { BitgetContext } from './context.ts';
import { PAGE, PATH } from './endpoints.ts';
import { toInstrument } from './mapping.ts';
import { BitgetRequestError } from './outcomes.ts';
import type { BitgetPlans } from './plans.ts';
import type { BitgetEndpointGroup } from './rate-limiter.ts';
import type { RestFailure } from './rest-client.ts';
import {
  ContractListSchema,
  ContractSchema,
  FillListSchema,
  FillSchema,
  OrderListSchema,
  PositionListSchema,
  PositionSchema,
  RestOrderSchema,
  SymbolPriceListSchema,
} from './wire.ts';

/** An order looked up: found, not found (undefined), or the lookup failed. */
export type Detail =
  | { ok: true; order: VenueOrderSnapshot | undefined }
  | { ok: false; failure: RestFailure };

export interface BitgetQueries {
  /** `order/detail` by orderId or clientOid; "not found" is an answer, not a failure. */
  detail(instrument: Instrument, by: { orderId: string } | { clientOid: string }): Promise<Detail>;
  findByClientOrderId(instrument: Instrument, clientOrderId: string): Promise<VenueOrderSnapshot[]>;
  getOrder(instrument: Instrument, venueOrderId: string): Promise<VenueOrderSnapshot | undefined>;
  openOrders(instrument?: Instrument): Promise<VenueOrderSnapshot[]>;
  orderHistory(instrument?: Instrument): Promise<VenueOrderSnapshot[]>;
  fills(query: { instrument: Instrument; venueOrderId?: string; since?: string }): Promise<VenueFill[]>;
  positions(): Promise<VenuePosition[]>;
  positionsOf(instrument: Instrument): Promise<VenuePosition[]>;
  instruments(): Promise<Instrument[]>;
  markPrice(instrument: Instrument): Promise<Decimal>;
  referencePrices(instrument: Instrument): Promise<ReferencePrices>;
}

/** Numeric ids compared as numbers (Bitget ids are 19-digit integers), else as text. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createBitgetQueries(context: BitgetContext, plans: BitgetPlans): BitgetQueries {
  const { rest, dataOf, productType, marginCoin, productTypeOf } = context;

  /** Every page of a list endpoint, newest first, following `endId` (`idLessThan`). */
  async function pages<T>(
    fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; endId: string | undefined }>,
  ): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const { items, endId } = await fetchPage(cursor);
      all.push(...items);
      if (items.length < PAGE || endId === undefined || endId === cursor) break;
      cursor = endId;
    }
    return all;
  }

  async function detail(
    instrument: Instrument,
    by: { orderId: string } | { clientOid: string },
  ): Promise<Detail> {
    const outcome = await rest.call({
      method: 'GET',
      path: PATH.detail,
      group: 'detail',
      query: { symbol: instrument.symbol, productType: productTypeOf(instrument), ...by },
      data: RestOrderSchema,
    });
    if (outcome.ok) return { ok: true, order: context.snapshot(outcome.data) };
    if (outcome.failure.kind === 'venue' && outcome.failure.info.kind === 'not_found') {
      return { ok: true, order: undefined };
    }
    return { ok: false, failure: outcome.failure };
  }

  function listOrders(path: string, group: BitgetEndpointGroup, instrument: Instrument | undefined) {
    return pages(async (cursor) => {
      const query = {
        productType: instrument ? productTypeOf(instrument) : productType,
        symbol: instrument?.symbol,
        limit: String(PAGE),
        idLessThan: cursor,
      };
      const data = await dataOf({ method: 'GET', path, group, query, data: OrderListSchema }, path);
      const receivedAt = new Date(context.now()).toISOString();
      return {
        items: context.readEach('order', path, data.entrustedList, RestOrderSchema, (order) => [
          context.snapshot(order, receivedAt),
        ]),
        endId: data.endId,
      };
    });
  }

  async function fills(query: { instrument: Instrument; venueOrderId?: string; since?: string }) {
    const { instrument } = query;
    const all = await pages(async (cursor) => {
      const params = {
        productType: productTypeOf(instrument),
        symbol: instrument.symbol,
        orderId: query.venueOrderId,
        startTime: query.since === undefined ? undefined : String(Date.parse(query.since)),
        limit: String(PAGE),
        idLessThan: cursor,
      };
      const data = await dataOf(
        { method: 'GET', path: PATH.fills, group: 'fills', query: params, data: FillListSchema },
        'fills',
      );
      return {
        items: context.readEach('fill', 'fills', data.fillList, FillSchema, (fill) => [fill]),
        endId: data.endId,
      };
    });
    const byTrade = new Map(
      all.map((fill) => [fill.tradeId, context.fill(fill, instrument.settlementCurrency)]),
    );
    // Bitget lists newest first; the port wants oldest first.
    return [...byTrade.values()].sort(
      (a, b) => a.executedAt.localeCompare(b.executedAt) || compareIds(a.tradeId, b.tradeId),
    );
  }

  async function positionList(
    path: string,
    group: BitgetEndpointGroup,
    query: Record<string, string>,
    what: string,
  ): Promise<VenuePosition[]> {
    const data = await dataOf({ method: 'GET', path, group, query, data: PositionListSchema }, what);
    return context.readEach('position', what, data, PositionSchema, (position) =>
      position.total.isZero() ? [] : [context.position(position)],
    );
  }

  async function instruments(): Promise<Instrument[]> {
    const data = await dataOf(
      {
        method: 'GET',
        path: PATH.contracts,
        group: 'contracts',
        query: { productType },
        data: ContractListSchema,
        signed: false,
      },
      'contracts',
    );
    return context.readEach('instrument', 'contracts', data, ContractSchema, (contract) => [
      toInstrument(contract, productType),
    ]);
  }

  async function markPrice(instrument: Instrument): Promise<Decimal> {
    const data = await dataOf(
      {
        method: 'GET',
        path: PATH.symbolPrice,
        group: 'symbolPrice',
        query: { symbol: instrument.symbol, productType: productTypeOf(instrument) },
        data: SymbolPriceListSchema,
        signed: false,
      },
      'symbol-price',
    );
    const entry = data.find((item) => item.symbol === instrument.symbol) ?? data[0];
    if (entry === undefined) {
      throw new BitgetRequestError(
        { kind: 'protocol', message: `symbol-price: no price for ${instrument.symbol}`, sent: true },
        'mark price',
      );
    }
    return entry.markPrice;
  }

  /** The mark, and the contract's price limit ratios around it (see the domain's Instrument). */
  async function referencePrices(instrument: Instrument): Promise<ReferencePrices> {
    const mark = await markPrice(instrument);
    const ratio = instrument.priceLimitRatio;
    if (ratio === undefined) return { mark };
    return {
      mark,
      maxBuyPrice: mark.times(ratio.buy.plus(1)),
      minSellPrice: mark.times(ONE.minus(ratio.sell)),
    };
  }

  /** An order with the plan that created it, if one did. */
  async function linked(order: VenueOrderSnapshot): Promise<VenueOrderSnapshot> {
    const triggerOrderId = await plans.linkOf(order.symbol, order.venueOrderId, true);
    return triggerOrderId === undefined ? order : { ...order, triggerOrderId };
  }

  return {
    detail,
    async findByClientOrderId(instrument, clientOrderId) {
      const found = await detail(instrument, { clientOid: clientOrderId });
      if (!found.ok) throw new BitgetRequestError(found.failure, 'order detail by clientOid');
      if (found.order !== undefined) return [found.order];
      // A plan (trigger) order carries its clientOid; the order it places when it fires has its own.
      const plan = await plans.find(instrument.symbol, { clientOid: clientOrderId });
      return plan === undefined ? [] : [plan];
    },
    async getOrder(instrument, venueOrderId) {
      const found = await detail(instrument, { orderId: venueOrderId });
      if (!found.ok) throw new BitgetRequestError(found.failure, 'order detail');
      if (found.order === undefined) return plans.find(instrument.symbol, { orderId: venueOrderId });
      return linked(found.order);
    },
    async openOrders(instrument) {
      const open = await listOrders(PATH.pending, 'pending', instrument);
      const pending = await plans.pending(instrument);
      // One look at each symbol's executed plans ties the orders they created to them.
      for (const symbol of new Set(open.map((order) => order.symbol))) await plans.learnExecuted(symbol);
      const tied = open.map((order) => {
        const triggerOrderId = plans.knownLink(order.venueOrderId);
        return triggerOrderId === undefined ? order : { ...order, triggerOrderId };
      });
      return [...tied, ...pending];
    },
    orderHistory: (instrument) => listOrders(PATH.history, 'history', instrument),
    fills,
    positions: () =>
      positionList(PATH.allPosition, 'allPosition', { productType, marginCoin }, 'all-position'),
    positionsOf: (instrument) =>
      positionList(
        PATH.singlePosition,
        'singlePosition',
        {
          symbol: instrument.symbol,
          productType: productTypeOf(instrument),
          marginCoin: instrument.settlementCurrency,
        },
        'single-position',
      ),
    instruments,
    markPrice,
    referencePrices,
  };
}
