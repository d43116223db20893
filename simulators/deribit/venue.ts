import { currencyOf } from './instruments.ts';
import { flatPosition } from './position-accounting.ts';
import { refuse } from './rpc-failure.ts';
import {
  isTriggerType,
  orderWire,
  type SimOrder,
  type SimTrade,
  type SimTriggerType,
  tradeWire,
} from './wire-objects.ts';

/**
 * The exchange inside the local Deribit: accounts, orders, a matching engine per instrument and
 * positions. No sockets here (see `server.ts`); every change is reported through `onChange` as
 * Deribit would notify it.
 *
 * The market: each instrument has a mark price that tests move, and a synthetic book around it
 * (`levels` price levels each side, `levelDepth` each, the best ones `spreadTicks` ticks from the
 * mark). Incoming orders take the synthetic liquidity; resting orders fill when the mark moves
 * through them (`setMarkPrice`) or when a synthetic taker trades against them (`trade`). Orders of
 * different accounts do not match each other.
 */

import { SimVenueMarket } from './venue-market.ts';
import type {
  ClosePosition,
  Direction,
  Edit,
  EditFields,
  OrderEntry,
  PlaceOutcome,
  TradesByInstrument,
  Wire,
} from './venue-types.ts';

export type { BookSettings, ChangeSet, PlaceOutcome, SimAccount, SimVenueOptions } from './venue-types.ts';

/** Whether an order is open, as an open-order query of `type` lists it. */
function openOfType(order: SimOrder, type: string): boolean {
  if (order.state === 'open') return type === 'all' || type === 'limit' || type === order.orderType;
  if (order.state !== 'untriggered') return false;
  const family = order.orderType.startsWith('stop') ? 'stop' : 'take';
  return (
    type === 'all' ||
    type === 'trigger_all' ||
    type === order.orderType ||
    type === family ||
    type === `${family}_all`
  );
}

/** How far back Deribit's recent trade store reaches (a day). */
const RECENT_TRADES_MS = 24 * 3_600_000;

/** The local Deribit's operations: order entry, edits and cancels, and what clients read. */
export class SimVenue extends SimVenueMarket {
  // ----------------------------------------------------------------------------------------------
  // Order entry
  // ----------------------------------------------------------------------------------------------

  place(accountId: number, direction: Direction, p: OrderEntry, connectionId?: number): PlaceOutcome {
    // `valid_until`: the matching engine must not start on it later than this.
    if (p.valid_until !== undefined && this.options.now() > p.valid_until) throw refuse.timedOut();
    const type = p.type;
    if (isTriggerType(type))
      return this.placeTriggerOrder(accountId, direction, { ...p, type }, connectionId);
    const account = this.account(accountId);
    const instrument = this.instrument(p.instrument_name);
    if (p.type !== 'limit' && p.type !== 'market') {
      throw refuse.notImplemented(`${p.type} orders are not simulated`);
    }
    const amount = this.amountOf(instrument, p.amount, p.contracts);
    if (p.type === 'limit' && p.price === undefined) {
      throw refuse.invalidParams('price', 'price is required for limit orders');
    }
    if (p.price !== undefined && p.type === 'limit') this.checkPrice(instrument, p.price, 'price');
    if (p.post_only && (p.type !== 'limit' || p.time_in_force !== 'good_til_cancelled')) {
      throw refuse.invalidParams('post_only', 'post_only requires a good_til_cancelled limit order');
    }
    if (p.reduce_only && this.reducible(account, instrument, direction).isZero()) {
      throw refuse.otherReject('reduce_only');
    }
    const book = this.book(instrument.name);
    let price =
      p.type === 'limit' && p.price !== undefined
        ? this.clamped(instrument.name, direction, p.price)
        : book.liquidity.farthest(direction);
    if (p.post_only && book.liquidity.crosses(direction, price)) {
      if (p.reject_post_only) throw refuse.postOnlyReject();
      price = this.repriced(book, direction);
    }
    if (!p.reduce_only && this.options.enforceMargin !== false) {
      this.checkFunds(account, instrument, direction, amount, price);
    }
    const order = this.newOrder(account, instrument, {
      direction,
      orderType: p.type,
      price,
      amount,
      timeInForce: p.time_in_force,
      postOnly: p.post_only,
      rejectPostOnly: p.post_only && p.reject_post_only,
      reduceOnly: p.reduce_only,
      label: p.label ?? '',
      connectionId,
    });
    return this.enter(book, order);
  }

  /** `private/close_position`: a reduce-only order for the whole position (no label: Deribit takes none). */
  closePosition(accountId: number, p: ClosePosition, connectionId?: number): PlaceOutcome {
    const account = this.account(accountId);
    const instrument = this.instrument(p.instrument_name);
    const position = account.positions.get(instrument.name) ?? flatPosition();
    if (position.size.isZero()) throw refuse.otherReject('no_position');
    if (p.type === 'limit' && p.price === undefined) {
      throw refuse.invalidParams('price', 'price is required for limit orders');
    }
    if (p.type === 'limit' && p.price !== undefined) this.checkPrice(instrument, p.price, 'price');
    const direction: Direction = position.size.isPositive() ? 'sell' : 'buy';
    const book = this.book(instrument.name);
    const order = this.newOrder(account, instrument, {
      direction,
      orderType: p.type,
      price: p.type === 'limit' && p.price !== undefined ? p.price : book.liquidity.farthest(direction),
      amount: position.size.abs(),
      timeInForce: 'good_til_cancelled',
      postOnly: false,
      rejectPostOnly: false,
      reduceOnly: true,
      label: '',
      connectionId,
    });
    return this.enter(book, order);
  }

  edit(accountId: number, p: Edit): PlaceOutcome {
    const order = this.ownOrder(accountId, p.order_id);
    return this.editOrder(order, p);
  }

  editByLabel(accountId: number, label: string, instrumentName: string, p: EditFields): PlaceOutcome {
    this.instrument(instrumentName);
    const open = this.accountOrders(accountId).filter(
      (o) => o.label === label && o.instrument.name === instrumentName && o.state === 'open',
    );
    if (open.length === 0) throw refuse.orderNotFound();
    if (open.length > 1) throw refuse.nonUniqueLabel();
    return this.editOrder(open[0]!, p);
  }

  /** Trigger orders (stop and take): see `trigger-orders.ts`. */
  protected placeTriggerOrder(
    _accountId: number,
    _direction: Direction,
    p: OrderEntry & { type: SimTriggerType },
    _connectionId?: number,
  ): PlaceOutcome {
    throw refuse.notImplemented(`${p.type} orders are not simulated`);
  }

  protected editTriggerOrder(_order: SimOrder, _p: EditFields): PlaceOutcome {
    throw refuse.notOpenOrder();
  }

  protected editOrder(order: SimOrder, p: EditFields): PlaceOutcome {
    if (order.state === 'untriggered') return this.editTriggerOrder(order, p);
    if (order.state !== 'open') throw refuse.notOpenOrder();
    const instrument = order.instrument;
    const amount =
      p.amount !== undefined || p.contracts !== undefined
        ? this.amountOf(instrument, p.amount, p.contracts)
        : order.amount;
    if (amount.lte(order.filled)) {
      throw refuse.invalidParams('amount', `must be above the filled amount ${order.filled}`);
    }
    const asked =
      p.price === undefined ? order.price : this.clamped(instrument.name, order.direction, p.price);
    if (p.price !== undefined) this.checkPrice(instrument, p.price, 'price');
    const postOnly = p.post_only ?? order.postOnly;
    const rejectPostOnly = postOnly && (p.reject_post_only ?? order.rejectPostOnly);
    const book = this.book(instrument.name);
    const now = this.options.now();
    if (postOnly && book.liquidity.crosses(order.direction, asked) && rejectPostOnly) {
      // Deribit cancels a post-only order whose edit would take liquidity.
      this.cancelOrder(order, 'edit_post_only_reject');
      return { order: orderWire(order), trades: [] };
    }
    const price =
      postOnly && book.liquidity.crosses(order.direction, asked)
        ? this.repriced(book, order.direction)
        : asked;
    const reduceOnly = p.reduce_only ?? order.reduceOnly;
    if (!reduceOnly && amount.gt(order.amount)) {
      const account = this.account(order.accountId);
      this.checkFunds(account, instrument, order.direction, amount.minus(order.amount), price);
    }
    if (!price.eq(order.price) || amount.gt(order.amount)) order.priority = ++this.priority;
    order.amount = amount;
    order.price = price;
    order.postOnly = postOnly;
    order.rejectPostOnly = rejectPostOnly;
    order.reduceOnly = reduceOnly;
    order.replaced = true;
    order.updatedAt = now;
    return this.enter(book, order);
  }

  cancel(accountId: number, orderId: string): Wire {
    const order = this.ownOrder(accountId, orderId);
    if (order.state !== 'open' && order.state !== 'untriggered') throw refuse.notOpenOrder();
    this.cancelOrder(order, 'user_request');
    return orderWire(order);
  }

  cancelAllByInstrument(accountId: number, instrumentName: string): number {
    this.instrument(instrumentName);
    return this.cancelWhere(accountId, (o) => o.instrument.name === instrumentName, 'user_request');
  }

  cancelAll(accountId: number): number {
    return this.cancelWhere(accountId, () => true, 'user_request');
  }

  cancelByLabel(accountId: number, label: string, currency: string | undefined): number {
    return this.cancelWhere(
      accountId,
      (o) => o.label === label && (currency === undefined || currencyOf(o.instrument) === currency),
      'user_request',
    );
  }

  /** Cancel-on-disconnect: the orders a connection placed (or all of the account's). */
  cancelOnDisconnect(accountId: number, connectionId: number | undefined): number {
    return this.cancelWhere(
      accountId,
      (o) => connectionId === undefined || o.connectionId === connectionId,
      'cancel_on_disconnect',
    );
  }

  // ----------------------------------------------------------------------------------------------
  // Queries
  // ----------------------------------------------------------------------------------------------

  orderState(accountId: number, orderId: string): Wire {
    return orderWire(this.ownOrder(accountId, orderId));
  }

  ordersByLabel(accountId: number, currency: string, label: string | undefined): Wire[] {
    return this.accountOrders(accountId)
      .filter((o) => currencyOf(o.instrument) === currency && (label === undefined || o.label === label))
      .map(orderWire);
  }

  /** Open orders; `type` (Deribit's `type` parameter): `all` (default) lists trigger orders too, `limit` none. */
  openOrders(accountId: number, filter: { instrument?: string; kind?: string; type?: string }): Wire[] {
    if (filter.instrument !== undefined) this.instrument(filter.instrument);
    return this.accountOrders(accountId)
      .filter(
        (o) =>
          openOfType(o, filter.type ?? 'all') &&
          (filter.instrument === undefined || o.instrument.name === filter.instrument) &&
          (filter.kind === undefined || filter.kind === 'any' || o.instrument.kind === filter.kind),
      )
      .map(orderWire);
  }

  orderHistory(accountId: number, instrumentName: string, count: number, offset: number): Wire[] {
    this.instrument(instrumentName);
    return this.accountOrders(accountId)
      .filter((o) => o.instrument.name === instrumentName && o.state !== 'open')
      .reverse()
      .slice(offset, offset + count)
      .map(orderWire);
  }

  tradesByOrder(accountId: number, orderId: string, sorting: string): Wire[] {
    const order = this.ownOrder(accountId, orderId);
    const trades = this.trades.filter((t) => t.orderId === order.orderId);
    return (sorting === 'asc' ? trades : [...trades].reverse()).map(tradeWire);
  }

  /**
   * `private/get_user_trades_by_instrument`. Deribit's recent store holds a day of trades; with
   * `historical: true` only the older ones are read (recent data is not included).
   */
  tradesByInstrument(accountId: number, p: TradesByInstrument): { trades: Wire[]; has_more: boolean } {
    this.instrument(p.instrument_name);
    const recentFrom = this.options.now() - RECENT_TRADES_MS;
    const matching = this.trades.filter(
      (t) =>
        t.accountId === accountId &&
        (p.historical ? t.timestamp < recentFrom : t.timestamp >= recentFrom) &&
        t.instrument.name === p.instrument_name &&
        (p.start_seq === undefined || t.tradeSeq >= p.start_seq) &&
        (p.end_seq === undefined || t.tradeSeq <= p.end_seq) &&
        (p.start_timestamp === undefined || t.timestamp >= p.start_timestamp) &&
        (p.end_timestamp === undefined || t.timestamp <= p.end_timestamp),
    );
    const count = Math.min(Math.max(p.count, 1), 1000);
    const ordered = p.sorting === 'asc' ? matching : [...matching].reverse();
    return { trades: ordered.slice(0, count).map(tradeWire), has_more: ordered.length > count };
  }

  positions(accountId: number, currency: string | undefined, kind: string | undefined): Wire[] {
    const account = this.account(accountId);
    return [...account.positions.entries()]
      .map(([name, position]) => ({ instrument: this.instrument(name), position }))
      .filter(({ position }) => position.touched)
      .filter(
        ({ instrument }) =>
          currency === undefined || currency === 'any' || currencyOf(instrument) === currency,
      )
      .filter(({ instrument }) => kind === undefined || kind === 'any' || instrument.kind === kind)
      .map(({ instrument, position }) => this.positionView(instrument, position));
  }

  position(accountId: number, instrumentName: string): Wire {
    const instrument = this.instrument(instrumentName);
    const position = this.account(accountId).positions.get(instrumentName) ?? flatPosition();
    return this.positionView(instrument, position);
  }

  accountTrades(accountId: number): SimTrade[] {
    return this.trades.filter((t) => t.accountId === accountId);
  }
}
