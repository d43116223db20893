import { Decimal, min, ZERO } from '../../domain/decimal.ts';
import { byPriceTime, type LevelFill, SyntheticBook } from '../matching/synthetic-book.ts';
import { currencyOf, isInverse, type SimInstrument } from './instruments.ts';
import { applyTrade, flatPosition, type SimPosition, type TradeEffect } from './position-accounting.ts';
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

import {
  type Book,
  type Direction,
  FEE_DECIMALS,
  liquidityOf,
  type PlaceOutcome,
  type SimAccount,
  type SimVenueOptions,
} from './venue-types.ts';

/** How the kernel ranks a resting order: side, limit price, arrival. */
export const rankOf = (order: SimOrder) => ({
  side: order.direction,
  price: order.price,
  arrival: order.priority,
});

/**
 * The local Deribit's state and matching: accounts, books around the marks, orders and trades; an
 * order's entry into the book, what it takes and what rests, fills at their price and fee, and the
 * change each operation reports. The market controls and account checks are in `venue-market.ts`,
 * what clients call in `venue.ts`.
 */
export abstract class SimVenueCore {
  protected readonly instruments = new Map<string, SimInstrument>();
  protected readonly books = new Map<string, Book>();
  protected readonly accounts = new Map<number, SimAccount>();
  protected readonly orders = new Map<string, SimOrder>();
  protected readonly trades: SimTrade[] = [];
  protected orderNumber: number;
  protected tradeNumber: number;
  protected priority = 0;

  protected readonly options: SimVenueOptions;

  constructor(options: SimVenueOptions) {
    this.options = options;
    for (const instrument of options.instruments) {
      this.instruments.set(instrument.name, instrument);
      const settings = { levelDepth: instrument.levelDepth, spreadTicks: 1, levels: 20 };
      const book: Book = {
        instrument,
        mark: instrument.initialMark,
        liquidity: new SyntheticBook(() => book.mark, instrument.tickSize, liquidityOf(settings)),
        lastPrice: undefined,
        tradeSeq: 0,
      };
      this.books.set(instrument.name, book);
    }
    for (const account of options.accounts) this.accounts.set(account.id, account);
    this.orderNumber = options.idBase;
    this.tradeNumber = options.idBase;
  }

  // ----------------------------------------------------------------------------------------------
  // Matching
  // ----------------------------------------------------------------------------------------------

  protected newOrder(
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
  protected enter(book: Book, order: SimOrder): PlaceOutcome {
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
    if (trades.length > 0) this.afterMove(book.instrument.name);
    return { order: orderWire(order), trades: trades.map(tradeWire) };
  }

  /** The market of an instrument moved (its mark, its index, a trade): trigger orders may fire. */
  protected afterMove(_name: string): void {}

  /** What the synthetic book could give this order now (for fill-or-kill). */
  protected takeable(book: Book, order: SimOrder): Decimal {
    const total = book.liquidity.takeable(
      order.direction,
      order.orderType === 'limit' ? order.price : undefined,
    );
    const account = this.account(order.accountId);
    return order.reduceOnly ? min(total, this.reducible(account, book.instrument, order.direction)) : total;
  }

  /** The order takes synthetic liquidity, best level first, within its limit price. */
  protected take(book: Book, order: SimOrder): SimTrade[] {
    const account = this.account(order.accountId);
    let wanted = order.amount.minus(order.filled);
    // A reduce-only order takes no more than the position it reduces.
    if (order.reduceOnly) wanted = min(wanted, this.reducible(account, book.instrument, order.direction));
    if (wanted.lte(0)) return [];
    const limit = order.orderType === 'limit' ? order.price : undefined;
    return book.liquidity.plan(order.direction, wanted, limit).map(({ price, size }: LevelFill) => {
      book.liquidity.consume(price, size);
      return this.fill(book, account, order, size, price, 'T');
    });
  }

  /** Resting orders filled as makers at their own price (price-time priority), up to `limit` in total. */
  protected fillResting(book: Book, candidates: SimOrder[], limit: Decimal | undefined): Decimal {
    const sorted = [...candidates].sort(byPriceTime(rankOf));
    let budget = limit;
    let total = ZERO;
    const changed: ChangesByAccount = new Map();
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
      noteChange(changed, account.id, order, trade);
    }
    this.reportChanges(book, changed);
    return total;
  }

  /** One change per account for what an operation did to its orders (one push of their trades). */
  protected reportChanges(book: Book, changed: ChangesByAccount): void {
    for (const [accountId, entry] of changed) {
      this.report(this.account(accountId), book.instrument, entry.orders, entry.trades);
    }
  }

  protected fill(
    book: Book,
    account: SimAccount,
    order: SimOrder,
    amount: Decimal,
    price: Decimal,
    liquidity: 'M' | 'T',
  ): SimTrade {
    const instrument = book.instrument;
    const now = this.options.now();
    this.beforePositionChange(account, instrument, now);
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
      orderType: order.orderType === 'market' ? 'market' : 'limit',
      state: order.state,
      label: order.label,
      markPrice: book.mark,
      profitLoss: effect.realized,
      reduceOnly: order.reduceOnly,
      postOnly: order.postOnly,
      tickDirection,
    };
    this.trades.push(trade);
    this.afterFill(account, trade, effect);
    return trade;
  }

  /** A position is about to change at `at` (a fill): what accrues over time accrues up to then. */
  protected beforePositionChange(_account: SimAccount, _instrument: SimInstrument, _at: number): void {}

  /** A fill was made: its fee (and option premium) is cash (see `settlement.ts`). */
  protected afterFill(_account: SimAccount, _trade: SimTrade, _effect: TradeEffect): void {}

  /** A position as `get_positions` and `user.changes` write it. */
  protected positionView(instrument: SimInstrument, position: SimPosition): Record<string, unknown> {
    return positionWire(instrument, position, this.book(instrument.name).mark);
  }

  /**
   * Fees in the settlement currency: futures q/p × rate (inverse) or q × p × rate (linear);
   * options `rate` per contract, capped at 12.5% of the premium. Rounded to 8 decimals.
   */
  protected feeOf(instrument: SimInstrument, amount: Decimal, price: Decimal, liquidity: 'M' | 'T'): Decimal {
    const rate = liquidity === 'M' ? instrument.makerCommission : instrument.takerCommission;
    let fee: Decimal;
    if (instrument.kind === 'option') {
      fee = min(rate.times(amount), amount.times(price).times('0.125'));
    } else {
      fee = isInverse(instrument) ? amount.div(price).times(rate) : amount.times(price).times(rate);
    }
    return fee.toDecimalPlaces(FEE_DECIMALS, Decimal.ROUND_HALF_UP);
  }

  protected cancelOrder(order: SimOrder, reason: string): void {
    order.state = 'cancelled';
    order.cancelReason = reason;
    order.updatedAt = this.options.now();
    this.report(this.account(order.accountId), order.instrument, [order], []);
  }

  protected cancelWhere(accountId: number, predicate: (order: SimOrder) => boolean, reason: string): number {
    const open = this.accountOrders(accountId).filter(
      (o) => (o.state === 'open' || o.state === 'untriggered') && predicate(o),
    );
    for (const order of open) this.cancelOrder(order, reason);
    return open.length;
  }

  protected report(
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
      position: this.positionView(instrument, position),
    });
    if (trades.length > 0) this.options.onMarket?.(instrument.name);
  }

  // ----------------------------------------------------------------------------------------------
  // Synthetic book
  // ----------------------------------------------------------------------------------------------

  /** Post-only re-pricing: one tick inside the opposite best quote. */
  protected repriced(book: Book, direction: Direction): Decimal {
    const tick = book.instrument.tickSize;
    const { bid, ask } = book.liquidity.best();
    return direction === 'buy' ? ask.minus(tick) : bid.plus(tick);
  }

  protected restingOrders(instrumentName: string): SimOrder[] {
    return [...this.orders.values()].filter(
      (o) => o.instrument.name === instrumentName && o.state === 'open' && o.orderType === 'limit',
    );
  }

  /** How much an order of `direction` can reduce the account's position. */
  protected reducible(account: SimAccount, instrument: SimInstrument, direction: Direction): Decimal {
    const size = (account.positions.get(instrument.name) ?? flatPosition()).size;
    if (direction === 'sell' && size.gt(0)) return size;
    if (direction === 'buy' && size.lt(0)) return size.abs();
    return ZERO;
  }

  /** Open orders of an account, as the simulator holds them (for tests and the control surface). */
  accountOrders(accountId: number): SimOrder[] {
    return [...this.orders.values()].filter((o) => o.accountId === accountId);
  }

  protected ownOrder(accountId: number, orderId: string): SimOrder {
    const order = this.orders.get(orderId);
    if (order === undefined) throw refuse.orderNotFound();
    if (order.accountId !== accountId) throw refuse.notOwnerOfOrder();
    return order;
  }

  protected account(accountId: number): SimAccount {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw refuse.authorizationRequired();
    return account;
  }

  protected book(name: string): Book {
    const book = this.books.get(name);
    if (book === undefined) throw refuse.invalidInstrument();
    return book;
  }
}

/** The orders and trades an operation touched, per account. */
export type ChangesByAccount = Map<number, { orders: SimOrder[]; trades: SimTrade[] }>;

export function noteChange(
  changed: ChangesByAccount,
  accountId: number,
  order: SimOrder,
  trade: SimTrade,
): void {
  const entry = changed.get(accountId) ?? { orders: [], trades: [] };
  entry.orders.push(order);
  entry.trades.push(trade);
  changed.set(accountId, entry);
}
