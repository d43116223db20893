import { Decimal, isMultipleOf, min, ZERO } from '../../domain/decimal.ts';
import { crossedAt, type LevelFill } from '../matching/synthetic-book.ts';
import { cashFigures } from './account-figures.ts';
import { FundingBook } from './funding.ts';
import { amountStepOf, currencyOf, instrumentWire, isInverse, type SimInstrument } from './instruments.ts';
import { refuse } from './rpc-failure.ts';

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

import { type ChangesByAccount, noteChange, rankOf, SimVenueCore } from './venue-core.ts';
import {
  type BookSettings,
  bookSettingsOf,
  type Direction,
  liquidityOf,
  OPTION_SHORT_MARGIN,
  type SimAccount,
  type Wire,
} from './venue-types.ts';

const PRICE_LIMIT_BELOW = new Decimal('0.985');
const PRICE_LIMIT_ABOVE = new Decimal('1.015');

/**
 * The local Deribit's market (instruments, marks, the synthetic book, takers and bulk fills a test
 * drives) and its account checks (amounts and prices on the grid, funds, the account summary).
 */
export abstract class SimVenueMarket extends SimVenueCore {
  /** Index prices and the perpetuals' funding (`public/get_index_price`, `get_funding_rate_*`). */
  readonly funding = new FundingBook({
    now: () => this.options.now(),
    instruments: () => this.instruments.values(),
    mark: (name) => this.book(name).mark,
  });

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
      .map((i) => instrumentWire(i));
  }

  mark(name: string): Decimal {
    return this.book(name).mark;
  }

  /**
   * The ticker's `min_price` and `max_price`: for a future, 1.5% either side of the mark on the
   * tick grid (as Deribit's own BTC-PERPETUAL example: mark 36288.31, 35744.73 to 36833.4); for an
   * option, the far ends of the synthetic book.
   */
  priceLimits(name: string): { min: Decimal; max: Decimal } {
    const book = this.book(name);
    if (book.instrument.kind !== 'future') {
      return { min: book.liquidity.farthest('sell'), max: book.liquidity.farthest('buy') };
    }
    const tick = book.instrument.tickSize;
    return {
      min: book.mark.times(PRICE_LIMIT_BELOW).div(tick).ceil().times(tick),
      max: book.mark.times(PRICE_LIMIT_ABOVE).div(tick).floor().times(tick),
    };
  }

  /** Price protection: a buy above `max_price` is clamped to it, a sell below `min_price` likewise. */
  protected clamped(name: string, direction: Direction, price: Decimal): Decimal {
    const { min, max } = this.priceLimits(name);
    if (direction === 'buy' && price.gt(max)) return max;
    if (direction === 'sell' && price.lt(min)) return min;
    return price;
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
      index_price: this.funding.indexOf(instrument),
      estimated_delivery_price: this.funding.indexOf(instrument),
      settlement_price: book.mark,
      ...(instrument.kind === 'future' &&
        instrument.settlementPeriod === 'perpetual' && {
          current_funding: this.funding.rateNow(instrument),
          funding_8h: this.funding.rateNow(instrument),
          interest_value: ZERO,
        }),
      last_price: book.lastPrice ?? null,
      best_bid_price: bid,
      best_ask_price: ask,
      best_bid_amount: book.liquidity.settings.levelDepth,
      best_ask_amount: book.liquidity.settings.levelDepth,
      min_price: this.priceLimits(name).min,
      max_price: this.priceLimits(name).max,
      open_interest: ZERO,
      stats: { volume: ZERO, price_change: null, low: null, high: null },
    };
  }

  setBook(name: string, settings: Partial<BookSettings>): void {
    const book = this.book(name);
    book.liquidity.configure(liquidityOf({ ...bookSettingsOf(book.liquidity.settings), ...settings }));
    this.options.onMarket?.(name);
  }

  /** Sets an index price (`btc_usd`): the premium of its perpetuals' marks over it sets their funding. */
  setIndexPrice(indexName: string, price: Decimal): void {
    for (const instrument of this.funding.setIndex(indexName, price))
      this.options.onMarket?.(instrument.name);
  }

  /** Best synthetic quotes. */
  quotes(name: string): { bid: Decimal; ask: Decimal } {
    return this.book(name).liquidity.best();
  }

  /**
   * Moves the mark. The synthetic book follows; resting orders it crosses fill at their own price
   * (makers), best price first, up to `fillLimit` in total (all of them when not given).
   */
  setMarkPrice(name: string, price: Decimal, fillLimit?: Decimal): void {
    const book = this.book(name);
    this.funding.before(book.instrument);
    book.mark = price;
    book.liquidity.reset();
    this.funding.moved(book.instrument);
    const { buys, sells } = crossedAt(this.restingOrders(name), rankOf, book.liquidity.best());
    this.fillResting(book, [...buys, ...sells], fillLimit);
    this.options.onMarket?.(name);
    this.afterMove(name);
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
    const changed: ChangesByAccount = new Map();
    let fills = 0;
    for (const order of resting) {
      const account = this.account(order.accountId);
      let size = min(amount, order.amount.minus(order.filled));
      if (order.reduceOnly) size = min(size, this.reducible(account, book.instrument, order.direction));
      if (size.lte(0)) continue;
      const trade = this.fill(book, account, order, size, order.price, 'M');
      fills += 1;
      noteChange(changed, account.id, order, trade);
    }
    this.reportChanges(book, changed);
    return fills;
  }

  // ----------------------------------------------------------------------------------------------
  // Checks
  // ----------------------------------------------------------------------------------------------

  /** The order amount from `amount` or `contracts`, on the instrument's grid. */
  protected amountOf(
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

  protected checkPrice(instrument: SimInstrument, price: Decimal, param: string): void {
    if (price.lte(0)) throw refuse.invalidParams(param, 'must be a positive number');
    if (!isMultipleOf(price, instrument.tickSize))
      throw refuse.priceWrongTick(instrument.tickSize.toString());
  }

  /**
   * Initial margin in the settlement currency: futures notional / max leverage; a bought option
   * its premium; a sold option 0.15 coin per contract.
   */
  protected marginOf(
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
   * What the account's funds in `currency` are made of: the cash balance, the session's realized
   * and unrealized PnL, the equity (`account-figures.ts`), and the initial margin of its positions
   * at the mark and of its open orders at their price.
   */
  protected funds(account: SimAccount, currency: string) {
    const figures = cashFigures(
      account,
      currency,
      (name) => this.instrument(name),
      (name) => this.book(name).mark,
    );
    let positionMargin = ZERO;
    for (const [name, position] of account.positions) {
      const held = this.instrument(name);
      if (held.settlementCurrency !== currency || position.size.isZero()) continue;
      const side: Direction = position.size.isPositive() ? 'buy' : 'sell';
      positionMargin = positionMargin.plus(
        this.marginOf(held, side, position.size.abs(), this.book(name).mark),
      );
    }
    let orderMargin = ZERO;
    for (const order of this.accountOrders(account.id)) {
      if (order.state !== 'open' || order.reduceOnly || order.instrument.settlementCurrency !== currency)
        continue;
      orderMargin = orderMargin.plus(
        this.marginOf(order.instrument, order.direction, order.amount.minus(order.filled), order.price),
      );
    }
    return { ...figures, positionMargin, orderMargin };
  }

  /** Margin of the positions and open orders, and of the new order, against cash plus the session's realized PnL. */
  protected checkFunds(
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
    if (used.gt(f.balance.plus(f.sessionRpl))) throw refuse.notEnoughFunds();
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
      session_upl: f.sessionUpl,
      session_rpl: f.sessionRpl,
      futures_session_upl: f.futuresUpl,
      futures_session_rpl: f.futuresRpl,
      options_session_upl: f.optionsUpl,
      options_session_rpl: f.optionsRpl,
      total_pl: f.totalPl,
      futures_pl: f.futuresPl,
      options_pl: f.optionsPl,
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
    const levels = book.liquidity.levels(depth);
    const side = (found: readonly LevelFill[]) => found.map(({ price, size }) => [price, size] as const);
    const asks = side(levels.asks);
    const bids = side(levels.bids);
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
}
