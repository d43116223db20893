import { type Decimal, isMultipleOf, min, ZERO } from '../../domain/decimal.ts';
import { crossedAt, SyntheticBook } from '../matching/synthetic-book.ts';
import { type LocalContract, tickOf } from './contracts.ts';
import {
  type Account,
  type EngineConfig,
  LIVE,
  type PosMode,
  type Push,
  type Side,
  type SimOrder,
  type SimTrade,
} from './engine-types.ts';
import { refuse } from './errors.ts';
import { openPriceAvg, PositionBook, type SimPosition } from './positions.ts';
import { fillRecord, orderPushRecord, positionRecord, tradeSideText } from './records.ts';

/** Levels on each side of a Bitget book. */
const BOOK_LEVELS = 100;

/**
 * The local Bitget's exchange state and the mechanics every operation shares (the operations
 * clients call are in `engine.ts`): accounts with a position mode, the market (marks, the book of
 * the shared kernel `../matching/synthetic-book.ts`), grid and product checks, matching, trades,
 * positions and their pushes. A taker takes the levels one by one, no further than its limit; a
 * resting limit order trades as maker at its own price when the mark moves through it, against the
 * liquidity that move brings (all unless a test says how much). The account's orders never meet.
 */
export abstract class EngineCore {
  readonly config: EngineConfig;
  protected readonly contracts: Map<string, LocalContract>;
  protected readonly marks = new Map<string, Decimal>();
  protected readonly books = new Map<string, SyntheticBook>();
  protected readonly accounts = new Map<string, Account>();
  protected readonly now: () => number;
  protected readonly newId: () => string;
  protected readonly emit: (push: Push) => void;
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected readonly immediates = new Set<NodeJS.Immediate>();
  protected seq = 0;

  constructor(args: {
    contracts: readonly LocalContract[];
    config: EngineConfig;
    now: () => number;
    newId: () => string;
    emit: (push: Push) => void;
  }) {
    this.config = args.config;
    this.contracts = new Map(args.contracts.map((contract) => [contract.symbol, contract]));
    for (const contract of args.contracts) {
      this.marks.set(contract.symbol, contract.initialMark);
      const mark = () => this.markPrice(contract.symbol);
      // Bitget's book: the best ask at the mark, the best bid a tick under it.
      const liquidity = {
        levelDepth: args.config.defaultDepth,
        levels: BOOK_LEVELS,
        askTicks: 0,
        bidTicks: 1,
      };
      this.books.set(contract.symbol, new SyntheticBook(mark, tickOf(contract), liquidity));
    }
    this.now = args.now;
    this.newId = args.newId;
    this.emit = args.emit;
  }

  // ----------------------------------------------------------------------------------------------
  // Accounts and market
  // ----------------------------------------------------------------------------------------------

  addAccount(apiKey: string, posMode: PosMode): Account {
    const account: Account = {
      apiKey,
      uid: this.newId().slice(0, 10),
      posMode,
      equity: this.config.initialBalance,
      leverage: new Map(),
      orders: new Map(),
      byClientOid: new Map(),
      reserved: new Set(),
      trades: [],
      positions: new PositionBook(this.newId),
    };
    this.accounts.set(apiKey, account);
    return account;
  }

  account(apiKey: string): Account | undefined {
    return this.accounts.get(apiKey);
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  contractList(): LocalContract[] {
    return [...this.contracts.values()];
  }

  contract(symbol: string): LocalContract | undefined {
    return this.contracts.get(symbol);
  }

  markPrice(symbol: string): Decimal {
    const mark = this.marks.get(symbol);
    if (mark === undefined) throw new Error(`unknown symbol ${symbol}`);
    return mark;
  }

  /** The synthetic book of a contract (see book.ts). */
  book(symbol: string): SyntheticBook {
    const book = this.books.get(symbol);
    if (book === undefined) throw new Error(`unknown symbol ${symbol}`);
    return book;
  }

  /** Taker liquidity at each level of the book. */
  depthOf(symbol: string): Decimal {
    return this.book(symbol).settings.levelDepth;
  }

  setDepth(symbol: string, depth: Decimal) {
    this.book(symbol).configure({ levelDepth: depth });
  }

  /**
   * Moves the mark. Resting orders the move crosses trade as makers at their own price, best price
   * first then oldest first, against `liquidity` (unlimited when not given) on each side.
   */
  setMarkPrice(symbol: string, price: Decimal, liquidity?: Decimal) {
    if (!this.contracts.has(symbol)) throw new Error(`unknown symbol ${symbol}`);
    this.marks.set(symbol, price);
    this.book(symbol).reset();
    for (const account of this.accounts.values()) {
      const { buys, sells } = this.crossedBy(account, symbol, price);
      for (const side of [buys, sells]) this.fillCrossed(account, side, price, liquidity);
    }
  }

  /** The account's resting orders a mark at `price` crosses, by side, best price then oldest first. */
  protected crossedBy(account: Account, symbol: string, price: Decimal) {
    const resting = [...account.orders.values()].filter(
      (order): order is SimOrder & { price: Decimal } =>
        order.symbol === symbol && LIVE.has(order.status) && order.price !== undefined,
    );
    const rank = (order: SimOrder & { price: Decimal }) => ({
      side: this.directionSide(order),
      price: order.price,
      arrival: order.seq,
    });
    return crossedAt(resting, rank, { bid: price, ask: price });
  }

  /** Crossed orders trade as makers at their own price, against `liquidity` (all when not given). */
  protected fillCrossed(account: Account, orders: readonly SimOrder[], price: Decimal, liquidity?: Decimal) {
    let budget = liquidity;
    for (const order of orders) {
      if (!LIVE.has(order.status)) continue;
      const cap = this.capacity(account, order);
      if (cap.isZero()) {
        this.cancelInternal(account, order, 'reduce_only_cancel');
        continue;
      }
      const size = budget === undefined ? cap : min(cap, budget);
      if (size.isZero()) break;
      this.trade(account, order, size, order.price ?? price, 'maker');
      if (budget !== undefined) budget = budget.minus(size);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Internals
  // ----------------------------------------------------------------------------------------------

  protected checkProductType(productType: string) {
    if (productType.toUpperCase() !== this.config.productType)
      throw refuse.invalid('productType', 'is not supported');
  }

  protected checkProduct(productType: string, symbol: string, marginCoin?: string): LocalContract {
    this.checkProductType(productType);
    const contract = this.contracts.get(symbol.toUpperCase());
    if (contract === undefined) throw refuse.symbolNotFound();
    if (marginCoin !== undefined && marginCoin.toUpperCase() !== this.config.marginCoin) {
      throw refuse.invalid('marginCoin', 'is not supported');
    }
    return contract;
  }

  /** Size and price on the contract's grid, above its minimums (43006, 45110, 40808, 41103). */
  protected checkGrid(contract: LocalContract, size: Decimal, price: Decimal) {
    if (size.decimalPlaces() > contract.volumePlace || !isMultipleOf(size, contract.sizeMultiplier)) {
      throw refuse.sizeScale(size.toString(), contract.volumePlace);
    }
    if (price.decimalPlaces() > contract.pricePlace || !isMultipleOf(price, tickOf(contract)))
      throw refuse.priceScale();
    if (size.lt(contract.minTradeNum)) throw refuse.belowMinSize(contract.minTradeNum.toString());
    if (size.times(price).lt(contract.minTradeUSDT))
      throw refuse.belowMinNotional(contract.minTradeUSDT.toString());
  }

  protected clientOidTaken(account: Account, clientOid: string): boolean {
    return account.byClientOid.has(clientOid) || account.reserved.has(clientOid);
  }

  protected find(
    account: Account,
    symbol: string,
    orderId?: string,
    clientOid?: string,
  ): SimOrder | undefined {
    // orderId wins over clientOid.
    const id = orderId ?? (clientOid !== undefined ? account.byClientOid.get(clientOid) : undefined);
    const order = id === undefined ? undefined : account.orders.get(id);
    return order && order.symbol === symbol.toUpperCase() ? order : undefined;
  }

  /** Resting closing orders of a symbol in the direction `side` (hedge closes / one-way reduce-only). */
  protected closingOrders(account: Account, symbol: string, side: Side): SimOrder[] {
    return [...account.orders.values()].filter(
      (order) => order.symbol === symbol && LIVE.has(order.status) && order.reduceOnly && order.side === side,
    );
  }

  protected openingSize(
    account: Account,
    symbol: string,
    side: Side,
    tradeSide: 'open' | 'close' | undefined,
    reduceOnly: boolean,
    size: Decimal,
  ): Decimal {
    if (account.posMode === 'hedge_mode') return tradeSide === 'open' ? size : ZERO;
    if (reduceOnly) return ZERO;
    const opposite = account.positions.get(symbol, side === 'buy' ? 'short' : 'long');
    const rest = size.minus(opposite?.total ?? ZERO);
    return rest.gt(0) ? rest : ZERO;
  }

  /** The trade direction of an order: hedge closes trade against the leg they name. */
  protected directionSide(order: SimOrder): Side {
    if (order.posMode === 'hedge_mode' && order.tradeSide === 'close')
      return order.side === 'buy' ? 'sell' : 'buy';
    return order.side;
  }
  protected buys(order: SimOrder) {
    return this.directionSide(order) === 'buy';
  }
  protected sells(order: SimOrder) {
    return this.directionSide(order) === 'sell';
  }

  /** How much of the order may still trade: closing orders never take a position past zero. */
  protected capacity(account: Account, order: SimOrder): Decimal {
    const remaining = order.size.minus(order.filled);
    if (!order.reduceOnly) return remaining;
    const position =
      order.posMode === 'hedge_mode'
        ? account.positions.get(order.symbol, order.side === 'buy' ? 'long' : 'short')
        : account.positions.get(order.symbol, order.side === 'buy' ? 'short' : 'long');
    return min(remaining, position?.total ?? ZERO);
  }

  protected insert(account: Account, order: SimOrder) {
    account.orders.set(order.orderId, order);
    account.byClientOid.set(order.clientOid, order.orderId);
    this.pushOrder(account, order);
    this.takeLiquidity(account, order);
  }

  /** A new order against the synthetic book: taker fills level by level, then rest or cancel. */
  protected takeLiquidity(account: Account, order: SimOrder) {
    const book = this.book(order.symbol);
    const side = this.directionSide(order);
    const best = book.levelPrice(side, 0);
    const marketable =
      order.orderType === 'market' ||
      (order.price !== undefined && (side === 'buy' ? order.price.gte(best) : order.price.lte(best)));
    if (!marketable) {
      if (order.force === 'ioc' || order.force === 'fok')
        this.cancelInternal(account, order, `${order.force}_cancel`);
      return;
    }
    if (order.force === 'post_only') {
      this.cancelInternal(account, order, 'post_only_cancel');
      return;
    }
    const limit = order.orderType === 'market' ? undefined : order.price;
    const fills = book.plan(side, this.capacity(account, order), limit);
    const available = fills.reduce((sum, fill) => sum.plus(fill.size), ZERO);
    if (order.force === 'fok' && available.lt(order.size.minus(order.filled))) {
      this.cancelInternal(account, order, 'fok_cancel');
      return;
    }
    for (const fill of fills) {
      book.consume(fill.price, fill.size);
      this.trade(account, order, fill.size, fill.price, 'taker');
    }
    if (!LIVE.has(order.status)) return;
    if (order.orderType === 'market') this.cancelInternal(account, order, 'market_cancel');
    else if (order.force === 'ioc') this.cancelInternal(account, order, 'ioc_cancel');
  }

  /** One execution: the order, the position, the balance, and the three pushes. */
  protected trade(
    account: Account,
    order: SimOrder,
    size: Decimal,
    price: Decimal,
    scope: 'taker' | 'maker',
  ) {
    const contract = this.contracts.get(order.symbol);
    if (contract === undefined) return;
    const at = this.now();
    const rate = scope === 'taker' ? contract.takerFeeRate : contract.makerFeeRate;
    const fee = size.times(price).times(rate);
    const change =
      order.posMode === 'hedge_mode'
        ? account.positions.tradeHedge(
            order.symbol,
            order.side === 'buy' ? 'long' : 'short',
            order.tradeSide ?? 'open',
            size,
            price,
            fee,
            order.marginMode,
            at,
          )
        : account.positions.tradeOneWay(order.symbol, order.side, size, price, fee, order.marginMode, at);
    account.equity = account.equity.plus(change.profit).minus(fee);
    const trade: SimTrade = {
      tradeId: this.newId(),
      orderId: order.orderId,
      symbol: order.symbol,
      side: order.side,
      tradeSide: tradeSideText(order),
      posMode: order.posMode,
      orderType: order.orderType,
      price,
      size,
      profit: change.profit,
      scope,
      fee,
      at,
    };
    account.trades.push(trade);
    order.filled = order.filled.plus(size);
    order.filledValue = order.filledValue.plus(size.times(price));
    order.fee = order.fee.plus(fee);
    order.profit = order.profit.plus(change.profit);
    order.status = order.filled.gte(order.size) ? 'filled' : 'partially_filled';
    order.uTime = at;
    this.pushOrder(account, order, trade);
    this.emit({ apiKey: account.apiKey, channel: 'fill', data: [fillRecord(trade)] });
    this.pushPositions(account);
    this.dropStaleClosingOrders(account, order.symbol);
  }

  /** Closing orders whose position is gone are cancelled by the venue. */
  protected dropStaleClosingOrders(account: Account, symbol: string) {
    for (const order of account.orders.values()) {
      if (order.symbol !== symbol || !order.reduceOnly || !LIVE.has(order.status)) continue;
      if (this.capacity(account, order).isZero()) this.cancelInternal(account, order, 'reduce_only_cancel');
    }
  }

  protected cancelInternal(account: Account, order: SimOrder, reason: string) {
    order.status = 'canceled';
    order.cancelReason = reason;
    order.uTime = this.now();
    this.pushOrder(account, order);
  }

  pushOrder(account: Account, order: SimOrder, trade?: SimTrade) {
    this.emit({
      apiKey: account.apiKey,
      channel: 'orders',
      data: [orderPushRecord(order, trade, this.config.clientOidSpelling)],
    });
  }

  pushPositions(account: Account) {
    this.emit({
      apiKey: account.apiKey,
      channel: 'positions',
      data: account.positions.list().map((position) => positionRecord(this, account, position, 'ws')),
    });
  }

  leverageOf(account: Account, symbol: string): number {
    return account.leverage.get(symbol) ?? this.config.defaultLeverage;
  }
  unrealized(position: SimPosition): Decimal {
    const mark = this.markPrice(position.symbol);
    const direction = position.holdSide === 'long' ? 1 : -1;
    return mark.minus(openPriceAvg(position)).times(position.total).times(direction);
  }
}
