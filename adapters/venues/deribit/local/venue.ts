import type { z } from 'zod';
import { Decimal, isMultipleOf, min, ZERO } from '../../../../domain/decimal.ts';
import type {
  ClosePositionParamsSchema,
  EditParamsSchema,
  OrderEntryParamsSchema,
  TradesByInstrumentParamsSchema,
} from '../requests.ts';
import { amountStepOf, currencyOf, instrumentWire, isInverse, type SimInstrument } from './instruments.ts';
import { applyTrade, flatPosition, floatingPnl, type SimPosition } from './position-accounting.ts';
import { refuse } from './rpc-failure.ts';
import {
  orderWire,
  positionWire,
  type SimOrder,
  type SimTimeInForce,
  type SimTrade,
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

type OrderEntry = z.output<typeof OrderEntryParamsSchema>;
type ClosePosition = z.output<typeof ClosePositionParamsSchema>;
type Edit = z.output<typeof EditParamsSchema>;
type EditFields = Pick<
  Edit,
  'amount' | 'contracts' | 'price' | 'post_only' | 'reject_post_only' | 'reduce_only'
>;
type TradesByInstrument = z.output<typeof TradesByInstrumentParamsSchema>;
type Direction = 'buy' | 'sell';
type Wire = Record<string, unknown>;

export interface SimAccount {
  id: number;
  name: string;
  clientId: string;
  clientSecret: string;
  /** Deposits per currency. */
  balances: Map<string, Decimal>;
  positions: Map<string, SimPosition>;
  fees: Map<string, Decimal>;
}

/** What changed for one account in one instrument in one operation (Deribit's `user.changes`). */
export interface ChangeSet {
  accountId: number;
  instrument: SimInstrument;
  orders: Wire[];
  trades: Wire[];
  position: Wire;
}

export interface BookSettings {
  /** Amount at each synthetic level, in the instrument's amount unit. */
  levelDepth: Decimal;
  /** Distance of the best synthetic quotes from the mark, in ticks. */
  spreadTicks: number;
  /** Synthetic levels on each side. */
  levels: number;
}

interface Book {
  instrument: SimInstrument;
  mark: Decimal;
  settings: BookSettings;
  /** Synthetic liquidity taken at each price since the mark last moved. */
  consumed: Map<string, Decimal>;
  lastPrice: Decimal | undefined;
  tradeSeq: number;
}

export interface SimVenueOptions {
  instruments: SimInstrument[];
  accounts: SimAccount[];
  now: () => number;
  onChange: (change: ChangeSet) => void;
  /** First order / trade number (derived from the seed). */
  idBase: number;
  /** Check funds (margin of positions and open orders) on each new order (default true). */
  enforceMargin?: boolean;
  /** The market of an instrument moved (its mark, a trade, its book's settings): public feeds follow. */
  onMarket?: (instrument: string) => void;
}

export interface PlaceOutcome {
  order: Wire;
  trades: Wire[];
}

const OPTION_SHORT_MARGIN = new Decimal('0.15');
const FEE_DECIMALS = 8;

export class SimVenue {
  private readonly instruments = new Map<string, SimInstrument>();
  private readonly books = new Map<string, Book>();
  private readonly accounts = new Map<number, SimAccount>();
  private readonly orders = new Map<string, SimOrder>();
  private readonly trades: SimTrade[] = [];
  private orderNumber: number;
  private tradeNumber: number;
  private priority = 0;

  private readonly options: SimVenueOptions;

  constructor(options: SimVenueOptions) {
    this.options = options;
    for (const instrument of options.instruments) {
      this.instruments.set(instrument.name, instrument);
      this.books.set(instrument.name, {
        instrument,
        mark: instrument.initialMark,
        settings: { levelDepth: instrument.levelDepth, spreadTicks: 1, levels: 20 },
        consumed: new Map(),
        lastPrice: undefined,
        tradeSeq: 0,
      });
    }
    for (const account of options.accounts) this.accounts.set(account.id, account);
    this.orderNumber = options.idBase;
    this.tradeNumber = options.idBase;
  }

  // ----------------------------------------------------------------------------------------------
  // Instruments and market
  // ----------------------------------------------------------------------------------------------

  instrument(name: string): SimInstrument {
    const instrument = this.instruments.get(name);
    if (instrument === undefined) throw refuse.invalidInstrument();
    return instrument;
  }

  listInstruments(currency: string, kind: string | undefined): Wire[] {
    return [...this.instruments.values()]
      .filter((i) => currency === 'any' || currencyOf(i) === currency || i.baseCurrency === currency)
      .filter((i) => kind === undefined || kind === 'any' || i.kind === kind)
      .map(instrumentWire);
  }

  mark(name: string): Decimal {
    return this.book(name).mark;
  }

  /** `public/ticker`. */
  ticker(name: string): Wire {
    const book = this.book(name);
    const instrument = book.instrument;
    const { bid, ask } = this.quotes(name);
    return {
      timestamp: this.options.now(),
      state: 'open',
      instrument_name: instrument.name,
      mark_price: book.mark,
      index_price: book.mark,
      settlement_price: book.mark,
      last_price: book.lastPrice ?? null,
      best_bid_price: bid,
      best_ask_price: ask,
      best_bid_amount: book.settings.levelDepth,
      best_ask_amount: book.settings.levelDepth,
      min_price: this.levelPrice(book, 'sell', book.settings.levels - 1),
      max_price: this.levelPrice(book, 'buy', book.settings.levels - 1),
      open_interest: ZERO,
      stats: { volume: ZERO, price_change: null, low: null, high: null },
    };
  }

  setBook(name: string, settings: Partial<BookSettings>): void {
    const book = this.book(name);
    book.settings = { ...book.settings, ...settings };
    book.consumed.clear();
    this.options.onMarket?.(name);
  }

  /** Best synthetic quotes. */
  quotes(name: string): { bid: Decimal; ask: Decimal } {
    const book = this.book(name);
    return { bid: this.levelPrice(book, 'sell', 0), ask: this.levelPrice(book, 'buy', 0) };
  }

  /**
   * Moves the mark. The synthetic book follows; resting orders it crosses fill at their own price
   * (makers), best price first, up to `fillLimit` in total (all of them when not given).
   */
  setMarkPrice(name: string, price: Decimal, fillLimit?: Decimal): void {
    const book = this.book(name);
    book.mark = price;
    book.consumed.clear();
    const ask = this.levelPrice(book, 'buy', 0);
    const bid = this.levelPrice(book, 'sell', 0);
    const crossed = this.restingOrders(name).filter((order) =>
      order.direction === 'buy' ? order.price.gte(ask) : order.price.lte(bid),
    );
    this.fillResting(book, crossed, fillLimit);
    this.options.onMarket?.(name);
  }

  /**
   * A synthetic taker trades `amount` against the resting orders of every account on the other
   * side, best price first then time priority, no worse than `price` when given.
   * Returns the amount filled.
   */
  trade(name: string, takerSide: Direction, amount: Decimal, price?: Decimal): Decimal {
    const book = this.book(name);
    const makerSide: Direction = takerSide === 'buy' ? 'sell' : 'buy';
    const eligible = this.restingOrders(name).filter(
      (order) =>
        order.direction === makerSide &&
        (price === undefined || (takerSide === 'buy' ? order.price.lte(price) : order.price.gte(price))),
    );
    return this.fillResting(book, eligible, amount);
  }

  /**
   * Every resting limit order of the instrument (of `side` when given) gets one maker fill of
   * `amount` (or what it has left) at its own price, as if that many takers came at once: one
   * change per account, so one push of their trades. Returns the number of fills.
   */
  fillEach(name: string, amount: Decimal, side?: Direction): number {
    const book = this.book(name);
    const resting = this.restingOrders(name).filter((o) => side === undefined || o.direction === side);
    const changed = new Map<number, { orders: SimOrder[]; trades: SimTrade[] }>();
    let fills = 0;
    for (const order of resting) {
      const account = this.account(order.accountId);
      let size = min(amount, order.amount.minus(order.filled));
      if (order.reduceOnly) size = min(size, this.reducible(account, book.instrument, order.direction));
      if (size.lte(0)) continue;
      const trade = this.fill(book, account, order, size, order.price, 'M');
      fills += 1;
      const entry = changed.get(account.id) ?? { orders: [], trades: [] };
      entry.orders.push(order);
      entry.trades.push(trade);
      changed.set(account.id, entry);
    }
    for (const [accountId, entry] of changed) {
      this.report(this.account(accountId), book.instrument, entry.orders, entry.trades);
    }
    return fills;
  }

  // ----------------------------------------------------------------------------------------------
  // Order entry
  // ----------------------------------------------------------------------------------------------

  place(accountId: number, direction: Direction, p: OrderEntry, connectionId?: number): PlaceOutcome {
    // `valid_until`: the matching engine must not start on it later than this.
    if (p.valid_until !== undefined && this.options.now() > p.valid_until) throw refuse.timedOut();
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
    let price = p.type === 'limit' && p.price !== undefined ? p.price : this.marketBound(book, direction);
    if (p.post_only && this.crosses(book, direction, price)) {
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
      price: p.type === 'limit' && p.price !== undefined ? p.price : this.marketBound(book, direction),
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

  private editOrder(order: SimOrder, p: EditFields): PlaceOutcome {
    if (order.state !== 'open') throw refuse.notOpenOrder();
    const instrument = order.instrument;
    const amount =
      p.amount !== undefined || p.contracts !== undefined
        ? this.amountOf(instrument, p.amount, p.contracts)
        : order.amount;
    if (amount.lte(order.filled)) {
      throw refuse.invalidParams('amount', `must be above the filled amount ${order.filled}`);
    }
    const asked = p.price ?? order.price;
    if (p.price !== undefined) this.checkPrice(instrument, p.price, 'price');
    const postOnly = p.post_only ?? order.postOnly;
    const rejectPostOnly = postOnly && (p.reject_post_only ?? order.rejectPostOnly);
    const book = this.book(instrument.name);
    const now = this.options.now();
    if (postOnly && this.crosses(book, order.direction, asked) && rejectPostOnly) {
      // Deribit cancels a post-only order whose edit would take liquidity.
      this.cancelOrder(order, 'edit_post_only_reject');
      return { order: orderWire(order), trades: [] };
    }
    const price =
      postOnly && this.crosses(book, order.direction, asked) ? this.repriced(book, order.direction) : asked;
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
    if (order.state !== 'open') throw refuse.notOpenOrder();
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

  openOrders(accountId: number, filter: { instrument?: string; kind?: string }): Wire[] {
    if (filter.instrument !== undefined) this.instrument(filter.instrument);
    return this.accountOrders(accountId)
      .filter(
        (o) =>
          o.state === 'open' &&
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

  tradesByInstrument(accountId: number, p: TradesByInstrument): { trades: Wire[]; has_more: boolean } {
    this.instrument(p.instrument_name);
    const matching = this.trades.filter(
      (t) =>
        t.accountId === accountId &&
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
      .map(({ instrument, position }) => positionWire(instrument, position, this.book(instrument.name).mark));
  }

  position(accountId: number, instrumentName: string): Wire {
    const instrument = this.instrument(instrumentName);
    const position = this.account(accountId).positions.get(instrumentName) ?? flatPosition();
    return positionWire(instrument, position, this.book(instrumentName).mark);
  }

  /** Open orders of an account, as the simulator holds them (for tests and the control surface). */
  accountOrders(accountId: number): SimOrder[] {
    return [...this.orders.values()].filter((o) => o.accountId === accountId);
  }

  accountTrades(accountId: number): SimTrade[] {
    return this.trades.filter((t) => t.accountId === accountId);
  }

  // ----------------------------------------------------------------------------------------------
  // Matching
  // ----------------------------------------------------------------------------------------------

  private newOrder(
    account: SimAccount,
    instrument: SimInstrument,
    fields: {
      direction: Direction;
      orderType: 'limit' | 'market';
      price: Decimal;
      amount: Decimal;
      timeInForce: SimTimeInForce;
      postOnly: boolean;
      rejectPostOnly: boolean;
      reduceOnly: boolean;
      label: string;
      connectionId: number | undefined;
    },
  ): SimOrder {
    const now = this.options.now();
    const order: SimOrder = {
      orderId: `${currencyOf(instrument)}-${++this.orderNumber}`,
      accountId: account.id,
      instrument,
      filled: ZERO,
      fillValue: ZERO,
      state: 'open',
      createdAt: now,
      updatedAt: now,
      replaced: false,
      cancelReason: undefined,
      priority: ++this.priority,
      ...fields,
    };
    this.orders.set(order.orderId, order);
    return order;
  }

  /** An order arriving (new or edited): it takes what it can, then rests or is cancelled. */
  private enter(book: Book, order: SimOrder): PlaceOutcome {
    const account = this.account(order.accountId);
    const trades: SimTrade[] = [];
    const fok = order.timeInForce === 'fill_or_kill';
    if (!fok || this.takeable(book, order).gte(order.amount.minus(order.filled))) {
      trades.push(...this.take(book, order));
    }
    const immediate = order.orderType === 'market' || fok || order.timeInForce === 'immediate_or_cancel';
    if (order.state === 'open' && immediate) {
      // The unfilled rest of a market, IOC or FOK order is cancelled at once.
      order.state = 'cancelled';
      order.updatedAt = this.options.now();
    }
    this.report(account, book.instrument, [order], trades);
    return { order: orderWire(order), trades: trades.map(tradeWire) };
  }

  /** What the synthetic book could give this order now (for fill-or-kill). */
  private takeable(book: Book, order: SimOrder): Decimal {
    let total = ZERO;
    for (let level = 0; level < book.settings.levels; level++) {
      const price = this.levelPrice(book, order.direction, level);
      if (order.orderType === 'limit' && this.beyond(order.direction, price, order.price)) break;
      total = total.plus(this.available(book, price));
    }
    const account = this.account(order.accountId);
    return order.reduceOnly ? min(total, this.reducible(account, book.instrument, order.direction)) : total;
  }

  /** The order takes synthetic liquidity, best level first, within its limit price. */
  private take(book: Book, order: SimOrder): SimTrade[] {
    const account = this.account(order.accountId);
    const trades: SimTrade[] = [];
    for (let level = 0; level < book.settings.levels; level++) {
      let remaining = order.amount.minus(order.filled);
      if (order.reduceOnly)
        remaining = min(remaining, this.reducible(account, book.instrument, order.direction));
      if (remaining.lte(0)) break;
      const price = this.levelPrice(book, order.direction, level);
      if (order.orderType === 'limit' && this.beyond(order.direction, price, order.price)) break;
      const amount = min(remaining, this.available(book, price));
      if (amount.lte(0)) continue;
      book.consumed.set(price.toString(), (book.consumed.get(price.toString()) ?? ZERO).plus(amount));
      trades.push(this.fill(book, account, order, amount, price, 'T'));
    }
    return trades;
  }

  /** Resting orders filled as makers at their own price, up to `limit` in total. */
  private fillResting(book: Book, candidates: SimOrder[], limit: Decimal | undefined): Decimal {
    const sorted = [...candidates].sort((a, b) => {
      if (!a.price.eq(b.price)) {
        // Best price first: highest bid, lowest ask.
        const better = a.direction === 'buy' ? b.price.comparedTo(a.price) : a.price.comparedTo(b.price);
        if (better !== 0) return better;
      }
      return a.priority - b.priority;
    });
    let budget = limit;
    let total = ZERO;
    const changed = new Map<number, { orders: SimOrder[]; trades: SimTrade[] }>();
    for (const order of sorted) {
      if (budget?.lte(0)) break;
      const account = this.account(order.accountId);
      let amount = order.amount.minus(order.filled);
      if (order.reduceOnly) amount = min(amount, this.reducible(account, book.instrument, order.direction));
      if (budget !== undefined) amount = min(amount, budget);
      if (amount.lte(0)) continue;
      const trade = this.fill(book, account, order, amount, order.price, 'M');
      total = total.plus(amount);
      if (budget !== undefined) budget = budget.minus(amount);
      const entry = changed.get(account.id) ?? { orders: [], trades: [] };
      entry.orders.push(order);
      entry.trades.push(trade);
      changed.set(account.id, entry);
    }
    for (const [accountId, entry] of changed) {
      this.report(this.account(accountId), book.instrument, entry.orders, entry.trades);
    }
    return total;
  }

  private fill(
    book: Book,
    account: SimAccount,
    order: SimOrder,
    amount: Decimal,
    price: Decimal,
    liquidity: 'M' | 'T',
  ): SimTrade {
    const instrument = book.instrument;
    const now = this.options.now();
    const position = account.positions.get(instrument.name) ?? flatPosition();
    const effect = applyTrade(instrument, position, order.direction, amount, price);
    account.positions.set(instrument.name, effect.position);
    const fee = this.feeOf(instrument, amount, price, liquidity);
    const feeCurrency = instrument.settlementCurrency;
    account.fees.set(feeCurrency, (account.fees.get(feeCurrency) ?? ZERO).plus(fee));

    order.filled = order.filled.plus(amount);
    order.fillValue = order.fillValue.plus(isInverse(instrument) ? amount.div(price) : amount.times(price));
    if (order.filled.gte(order.amount)) order.state = 'filled';
    order.updatedAt = now;

    const last = book.lastPrice;
    const tickDirection: SimTrade['tickDirection'] =
      last === undefined || price.gt(last) ? 0 : price.lt(last) ? 2 : 1;
    book.lastPrice = price;
    const trade: SimTrade = {
      tradeId: `${currencyOf(instrument)}-${++this.tradeNumber}`,
      tradeSeq: ++book.tradeSeq,
      orderId: order.orderId,
      accountId: account.id,
      instrument,
      timestamp: now,
      direction: order.direction,
      price,
      amount,
      fee,
      feeCurrency,
      liquidity,
      orderType: order.orderType,
      state: order.state,
      label: order.label,
      markPrice: book.mark,
      profitLoss: effect.realized,
      reduceOnly: order.reduceOnly,
      postOnly: order.postOnly,
      tickDirection,
    };
    this.trades.push(trade);
    return trade;
  }

  /**
   * Fees in the settlement currency: futures q/p × rate (inverse) or q × p × rate (linear);
   * options `rate` per contract, capped at 12.5% of the premium. Rounded to 8 decimals.
   */
  private feeOf(instrument: SimInstrument, amount: Decimal, price: Decimal, liquidity: 'M' | 'T'): Decimal {
    const rate = liquidity === 'M' ? instrument.makerCommission : instrument.takerCommission;
    let fee: Decimal;
    if (instrument.kind === 'option') {
      fee = min(rate.times(amount), amount.times(price).times('0.125'));
    } else {
      fee = isInverse(instrument) ? amount.div(price).times(rate) : amount.times(price).times(rate);
    }
    return fee.toDecimalPlaces(FEE_DECIMALS, Decimal.ROUND_HALF_UP);
  }

  private cancelOrder(order: SimOrder, reason: string): void {
    order.state = 'cancelled';
    order.cancelReason = reason;
    order.updatedAt = this.options.now();
    this.report(this.account(order.accountId), order.instrument, [order], []);
  }

  private cancelWhere(accountId: number, predicate: (order: SimOrder) => boolean, reason: string): number {
    const open = this.accountOrders(accountId).filter((o) => o.state === 'open' && predicate(o));
    for (const order of open) this.cancelOrder(order, reason);
    return open.length;
  }

  private report(
    account: SimAccount,
    instrument: SimInstrument,
    orders: SimOrder[],
    trades: SimTrade[],
  ): void {
    const position = account.positions.get(instrument.name) ?? flatPosition();
    this.options.onChange({
      accountId: account.id,
      instrument,
      orders: orders.map(orderWire),
      trades: trades.map(tradeWire),
      position: positionWire(instrument, position, this.book(instrument.name).mark),
    });
    if (trades.length > 0) this.options.onMarket?.(instrument.name);
  }

  // ----------------------------------------------------------------------------------------------
  // Synthetic book
  // ----------------------------------------------------------------------------------------------

  /** Price of synthetic level `level` that an order of `direction` takes (asks for buys, bids for sells). */
  private levelPrice(book: Book, direction: Direction, level: number): Decimal {
    const tick = book.instrument.tickSize;
    const offset = tick.times(book.settings.spreadTicks + level);
    if (direction === 'buy') return book.mark.plus(offset).div(tick).ceil().times(tick);
    const bid = book.mark.minus(offset).div(tick).floor().times(tick);
    return bid.gt(0) ? bid : tick;
  }

  private available(book: Book, price: Decimal): Decimal {
    const left = book.settings.levelDepth.minus(book.consumed.get(price.toString()) ?? ZERO);
    return left.gt(0) ? left : ZERO;
  }

  /** True when `price` is worse for the order than its `limit`. */
  private beyond(direction: Direction, price: Decimal, limit: Decimal): boolean {
    return direction === 'buy' ? price.gt(limit) : price.lt(limit);
  }

  private crosses(book: Book, direction: Direction, price: Decimal): boolean {
    return direction === 'buy'
      ? price.gte(this.levelPrice(book, 'buy', 0))
      : price.lte(this.levelPrice(book, 'sell', 0));
  }

  /** Post-only re-pricing: one tick inside the opposite best quote. */
  private repriced(book: Book, direction: Direction): Decimal {
    const tick = book.instrument.tickSize;
    return direction === 'buy'
      ? this.levelPrice(book, 'buy', 0).minus(tick)
      : this.levelPrice(book, 'sell', 0).plus(tick);
  }

  /** The worst price a market order may reach: the far end of the synthetic book. */
  private marketBound(book: Book, direction: Direction): Decimal {
    return this.levelPrice(book, direction, book.settings.levels - 1);
  }

  private restingOrders(instrumentName: string): SimOrder[] {
    return [...this.orders.values()].filter(
      (o) => o.instrument.name === instrumentName && o.state === 'open' && o.orderType === 'limit',
    );
  }

  // ----------------------------------------------------------------------------------------------
  // Checks
  // ----------------------------------------------------------------------------------------------

  /** The order amount from `amount` or `contracts`, on the instrument's grid. */
  private amountOf(
    instrument: SimInstrument,
    amount: Decimal | undefined,
    contracts: Decimal | undefined,
  ): Decimal {
    const perContract = instrument.kind === 'option' ? new Decimal(1) : instrument.contractSize;
    const fromContracts = contracts?.times(perContract);
    if (amount !== undefined && fromContracts !== undefined && !amount.eq(fromContracts)) {
      throw refuse.invalidParams('contracts', 'amount and contracts do not match');
    }
    const value = amount ?? fromContracts;
    if (value === undefined) throw refuse.invalidParams('amount', 'amount or contracts is required');
    if (value.lte(0)) throw refuse.invalidParams('amount', 'must be a positive number');
    if (value.lt(instrument.minTradeAmount)) throw refuse.qtyTooLow(instrument.minTradeAmount.toString());
    const step = amountStepOf(instrument);
    if (!isMultipleOf(value, step)) {
      if (instrument.kind === 'option') {
        throw refuse.invalidParams('amount', `must be a multiple of ${step}`);
      }
      throw refuse.nonIntegerContractAmount(step.toString());
    }
    return value;
  }

  private checkPrice(instrument: SimInstrument, price: Decimal, param: string): void {
    if (price.lte(0)) throw refuse.invalidParams(param, 'must be a positive number');
    if (!isMultipleOf(price, instrument.tickSize))
      throw refuse.priceWrongTick(instrument.tickSize.toString());
  }

  /** How much an order of `direction` can reduce the account's position. */
  private reducible(account: SimAccount, instrument: SimInstrument, direction: Direction): Decimal {
    const size = (account.positions.get(instrument.name) ?? flatPosition()).size;
    if (direction === 'sell' && size.gt(0)) return size;
    if (direction === 'buy' && size.lt(0)) return size.abs();
    return ZERO;
  }

  /**
   * Initial margin in the settlement currency: futures notional / max leverage; a bought option
   * its premium; a sold option 0.15 coin per contract.
   */
  private marginOf(
    instrument: SimInstrument,
    direction: Direction,
    amount: Decimal,
    price: Decimal,
  ): Decimal {
    if (instrument.kind === 'option') {
      return direction === 'buy' ? amount.times(price) : amount.times(OPTION_SHORT_MARGIN);
    }
    const notional = isInverse(instrument) ? amount.div(price) : amount.times(price);
    return notional.div(instrument.maxLeverage);
  }

  /**
   * What the account's funds in `currency` are made of: deposits less fees plus realized PnL
   * (balance), with the open positions' floating PnL (equity), and the initial margin of its
   * positions at the mark and of its open orders at their price.
   */
  private funds(account: SimAccount, currency: string) {
    let balance = (account.balances.get(currency) ?? ZERO).minus(account.fees.get(currency) ?? ZERO);
    let floating = ZERO;
    let positionMargin = ZERO;
    for (const [name, position] of account.positions) {
      const held = this.instrument(name);
      if (held.settlementCurrency !== currency) continue;
      balance = balance.plus(position.realizedPnl);
      if (position.size.isZero()) continue;
      const mark = this.book(name).mark;
      floating = floating.plus(floatingPnl(held, position, mark));
      const side: Direction = position.size.isPositive() ? 'buy' : 'sell';
      positionMargin = positionMargin.plus(this.marginOf(held, side, position.size.abs(), mark));
    }
    let orderMargin = ZERO;
    for (const order of this.accountOrders(account.id)) {
      if (order.state !== 'open' || order.reduceOnly || order.instrument.settlementCurrency !== currency)
        continue;
      orderMargin = orderMargin.plus(
        this.marginOf(order.instrument, order.direction, order.amount.minus(order.filled), order.price),
      );
    }
    return { balance, floating, equity: balance.plus(floating), positionMargin, orderMargin };
  }

  private checkFunds(
    account: SimAccount,
    instrument: SimInstrument,
    direction: Direction,
    amount: Decimal,
    price: Decimal,
  ): void {
    const f = this.funds(account, instrument.settlementCurrency);
    const used = this.marginOf(instrument, direction, amount, price)
      .plus(f.positionMargin)
      .plus(f.orderMargin);
    if (used.gt(f.balance)) throw refuse.notEnoughFunds();
  }

  /** `private/get_account_summary`: the account's funds in one currency, as Deribit reports them. */
  accountSummary(accountId: number, currency: string): Wire {
    const account = this.account(accountId);
    if (!this.currencies().includes(currency)) throw refuse.invalidParams('currency', 'unknown currency');
    const f = this.funds(account, currency);
    const initial = f.positionMargin.plus(f.orderMargin);
    // Deribit: maintenance margin is a fraction of the initial; here half of it.
    const maintenance = f.positionMargin.div(2);
    const available = Decimal.max(f.equity.minus(initial), ZERO);
    return {
      currency,
      balance: f.balance,
      equity: f.equity,
      margin_balance: f.equity,
      available_funds: available,
      available_withdrawal_funds: Decimal.max(Decimal.min(f.balance, available), ZERO),
      initial_margin: initial,
      maintenance_margin: maintenance,
      projected_initial_margin: initial,
      projected_maintenance_margin: maintenance,
      session_upl: f.floating,
      session_rpl: ZERO,
      total_pl: f.floating,
      futures_pl: f.floating,
      options_pl: ZERO,
      delta_total: ZERO,
      fee_balance: ZERO,
      spot_reserve: ZERO,
      margin_model: 'segregated_sm',
      portfolio_margining_enabled: false,
      cross_collateral_enabled: false,
      limits: {},
      id: account.id,
      username: account.name,
      type: 'main',
      system_name: account.name,
      creation_timestamp: 0,
    };
  }

  /** The settlement currencies of the listed instruments (what `public/get_currencies` lists). */
  currencies(): string[] {
    return [...new Set([...this.instruments.values()].map((i) => i.settlementCurrency))].sort();
  }

  /** `public/get_order_book`: the synthetic levels (less what was taken since the mark moved), best first. */
  orderBook(name: string, depth: number): Wire {
    const book = this.book(name);
    const levels = Math.min(depth, book.settings.levels);
    const side = (direction: Direction) =>
      Array.from({ length: levels }, (_, level) => {
        const price = this.levelPrice(book, direction, level);
        return [price, this.available(book, price)] as const;
      }).filter(([, amount]) => amount.gt(0));
    const asks = side('buy');
    const bids = side('sell');
    return {
      ...this.ticker(name),
      bids,
      asks,
      change_id: book.tradeSeq,
      best_bid_price: bids[0]?.[0] ?? null,
      best_bid_amount: bids[0]?.[1] ?? ZERO,
      best_ask_price: asks[0]?.[0] ?? null,
      best_ask_amount: asks[0]?.[1] ?? ZERO,
    };
  }

  private ownOrder(accountId: number, orderId: string): SimOrder {
    const order = this.orders.get(orderId);
    if (order === undefined) throw refuse.orderNotFound();
    if (order.accountId !== accountId) throw refuse.notOwnerOfOrder();
    return order;
  }

  private account(accountId: number): SimAccount {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw refuse.authorizationRequired();
    return account;
  }

  private book(name: string): Book {
    const book = this.books.get(name);
    if (book === undefined) throw refuse.invalidInstrument();
    return book;
  }
}
