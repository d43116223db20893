import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { EngineCore } from './engine-core.ts';
import { type Account, LIVE, type SimOrder } from './engine-types.ts';
import { refuse } from './errors.ts';
import type { SimPosition } from './positions.ts';
import type { DetailQuery, FillsQuery, OrderListQuery } from './protocol.ts';
import { compareIds } from './records.ts';

/** What clients read from the local Bitget: an order's detail, order lists and fills, paged as Bitget pages them. */
export abstract class EngineQueries extends EngineCore {
  // ----------------------------------------------------------------------------------------------
  // Queries
  // ----------------------------------------------------------------------------------------------

  detail(account: Account, query: DetailQuery): SimOrder {
    this.checkProduct(query.productType, query.symbol);
    if (query.orderId === undefined && query.clientOid === undefined) throw refuse.missing('orderId');
    const order = this.find(account, query.symbol, query.orderId, query.clientOid);
    if (order === undefined) throw refuse.orderNotFound();
    return order;
  }

  listOrders(account: Account, query: OrderListQuery, which: 'pending' | 'history') {
    this.checkProductType(query.productType);
    const limit = Math.min(Number(query.limit ?? '100'), 100);
    const matching = [...account.orders.values()]
      .filter((order) => (which === 'pending' ? LIVE.has(order.status) : !LIVE.has(order.status)))
      .filter((order) => query.symbol === undefined || order.symbol === query.symbol)
      .filter((order) => query.orderId === undefined || order.orderId === query.orderId)
      .filter((order) => query.clientOid === undefined || order.clientOid === query.clientOid)
      .filter((order) => query.status === undefined || order.status === query.status)
      .filter((order) => query.idLessThan === undefined || compareIds(order.orderId, query.idLessThan) < 0)
      .filter((order) => query.startTime === undefined || order.cTime >= Number(query.startTime))
      .filter((order) => query.endTime === undefined || order.cTime <= Number(query.endTime))
      .sort((a, b) => compareIds(b.orderId, a.orderId));
    const page = matching.slice(0, limit);
    return { orders: page, endId: page.length > 0 ? page[page.length - 1]?.orderId : undefined };
  }

  listTrades(account: Account, query: FillsQuery) {
    this.checkProductType(query.productType);
    const limit = Math.min(Number(query.limit ?? '100'), 100);
    const matching = account.trades
      .filter((trade) => query.symbol === undefined || trade.symbol === query.symbol)
      .filter((trade) => query.orderId === undefined || trade.orderId === query.orderId)
      .filter((trade) => query.idLessThan === undefined || compareIds(trade.tradeId, query.idLessThan) < 0)
      .filter((trade) => query.startTime === undefined || trade.at >= Number(query.startTime))
      .filter((trade) => query.endTime === undefined || trade.at <= Number(query.endTime))
      .sort((a, b) => compareIds(b.tradeId, a.tradeId));
    const page = matching.slice(0, limit);
    return { trades: page, endId: page.length > 0 ? page[page.length - 1]?.tradeId : undefined };
  }

  close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.immediates.clear();
  }

  positionsOf(account: Account, symbol?: string): SimPosition[] {
    return account.positions.list().filter((position) => symbol === undefined || position.symbol === symbol);
  }
  available(account: Account): Decimal {
    let used = ZERO;
    for (const position of account.positions.list()) {
      used = used.plus(position.openValue.div(this.leverageOf(account, position.symbol)));
    }
    for (const order of account.orders.values()) {
      if (!LIVE.has(order.status) || order.reduceOnly) continue;
      const price = order.price ?? this.markPrice(order.symbol);
      used = used.plus(order.size.minus(order.filled).times(price).div(order.leverage));
    }
    return account.equity.minus(used);
  }
}
