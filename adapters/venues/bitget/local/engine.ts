import { type Decimal, isMultipleOf, min, parseDecimal, ZERO } from '../../../../domain/decimal.ts';
import { type LocalContract, tickOf } from './contracts.ts';
import { refuse } from './errors.ts';
import { type HoldSide, type MarginMode, openPriceAvg, PositionBook, type SimPosition } from './positions.ts';
import type {
  BatchCancelBody,
  CancelAllBody,
  CancelOrderBody,
  ClosePositionsBody,
  DetailQuery,
  FillsQuery,
  ModifyOrderBody,
  OrderListQuery,
  PlaceOrderBody,
  SetPositionModeBody,
} from './protocol.ts';

/**
 * The local Bitget's exchange: accounts with a position mode, orders, a matching engine against a
 * synthetic book around the mark price, fills, positions, and the pushes they cause.
 *
 * The synthetic book: a taker order (market, or a limit that crosses the mark) trades at the mark
 * against `depth` of liquidity; a resting limit order trades, as maker at its own price, when the
 * mark moves through it, against the liquidity that move brings (all of it unless the test says how
 * much: that is how a test makes an order fill partially). Orders of the account never trade with
 * each other.
 */

export type PosMode = 'one_way_mode' | 'hedge_mode';
export type OrderStatus = 'live' | 'partially_filled' | 'filled' | 'canceled';
export type Force = 'gtc' | 'ioc' | 'fok' | 'post_only';
export type Side = 'buy' | 'sell';

export interface EngineConfig {
  productType: string;
  marginCoin: string;
  /** Seed 003: "ignore tradeSide in one-way mode"; recorded traffic shows 40774 instead. */
  tradeSideInOneWay: 'ignore' | 'reject';
  /** Seed 003: the reply to a reduce-only order that made Bitget cancel older ones has no orderId. */
  omitOrderIdAfterReduceOnlyAdjust: boolean;
  /** Modify creates the replacement asynchronously, after this delay (0: right after the reply). */
  modifyReplaceDelayMs: number;
  /** How empty order and fill lists are written: `null` (as Bitget does for entrustedList) or `[]`. */
  emptyListAs: 'null' | 'empty';
  /** The orders push spells the client id `clientOid` (recorded traffic) or `clientOId` (doc example). */
  clientOidSpelling: 'clientOid' | 'clientOId';
  initialBalance: Decimal;
  defaultLeverage: number;
  /** Taker liquidity at the mark, per order. */
  defaultDepth: Decimal;
}

export interface SimOrder {
  orderId: string;
  clientOid: string;
  symbol: string;
  marginMode: MarginMode;
  marginCoin: string;
  size: Decimal;
  price: Decimal | undefined;
  /** Bitget's side: the trade direction in one-way mode, the position leg in hedge mode. */
  side: Side;
  /** Hedge mode only. */
  tradeSide: 'open' | 'close' | undefined;
  posMode: PosMode;
  orderType: 'limit' | 'market';
  force: Force;
  reduceOnly: boolean;
  presetStopSurplusPrice: Decimal | undefined;
  presetStopLossPrice: Decimal | undefined;
  presetStopSurplusExecutePrice: Decimal | undefined;
  presetStopLossExecutePrice: Decimal | undefined;
  stpMode: string;
  leverage: number;
  status: OrderStatus;
  filled: Decimal;
  filledValue: Decimal;
  /** Fees paid (positive). Reported negative, as Bitget does. */
  fee: Decimal;
  profit: Decimal;
  cancelReason: string | undefined;
  orderSource: 'normal' | 'market';
  cTime: number;
  uTime: number;
  seq: number;
}

export interface SimTrade {
  tradeId: string;
  orderId: string;
  symbol: string;
  side: Side;
  tradeSide: string;
  posMode: PosMode;
  orderType: 'limit' | 'market';
  price: Decimal;
  size: Decimal;
  profit: Decimal;
  scope: 'taker' | 'maker';
  fee: Decimal;
  at: number;
}

export interface Account {
  apiKey: string;
  uid: string;
  posMode: PosMode;
  /** Wallet balance: deposits + realized profits − fees. */
  equity: Decimal;
  leverage: Map<string, number>;
  orders: Map<string, SimOrder>;
  byClientOid: Map<string, string>;
  /** clientOids of modify replacements not created yet: already taken. */
  reserved: Set<string>;
  trades: SimTrade[];
  positions: PositionBook;
}

export type PushChannel = 'orders' | 'fill' | 'positions';
export interface Push {
  apiKey: string;
  channel: PushChannel;
  data: Record<string, unknown>[];
}

const LIVE: ReadonlySet<OrderStatus> = new Set(['live', 'partially_filled']);

export class Engine {
  readonly config: EngineConfig;
  private readonly contracts: Map<string, LocalContract>;
  private readonly marks = new Map<string, Decimal>();
  private readonly depth = new Map<string, Decimal>();
  private readonly accounts = new Map<string, Account>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly emit: (push: Push) => void;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private seq = 0;

  constructor(args: {
    contracts: readonly LocalContract[];
    config: EngineConfig;
    now: () => number;
    newId: () => string;
    emit: (push: Push) => void;
  }) {
    this.config = args.config;
    this.contracts = new Map(args.contracts.map((contract) => [contract.symbol, contract]));
    for (const contract of args.contracts) this.marks.set(contract.symbol, contract.initialMark);
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

  /** Taker liquidity at the mark for each new order. */
  depthOf(symbol: string): Decimal {
    return this.depth.get(symbol) ?? this.config.defaultDepth;
  }

  setDepth(symbol: string, depth: Decimal) {
    this.depth.set(symbol, depth);
  }

  /**
   * Moves the mark. Resting orders the move crosses trade as makers at their own price, best price
   * first then oldest first, against `liquidity` (unlimited when not given) on each side.
   */
  setMarkPrice(symbol: string, price: Decimal, liquidity?: Decimal) {
    if (!this.contracts.has(symbol)) throw new Error(`unknown symbol ${symbol}`);
    this.marks.set(symbol, price);
    for (const account of this.accounts.values()) {
      const crossing = [...account.orders.values()].filter(
        (order) =>
          order.symbol === symbol &&
          LIVE.has(order.status) &&
          order.price !== undefined &&
          (this.buys(order) ? order.price.gte(price) : order.price.lte(price)),
      );
      const buys = crossing
        .filter((order) => this.buys(order))
        .sort((a, b) => (b.price ?? ZERO).comparedTo(a.price ?? ZERO) || a.seq - b.seq);
      const sells = crossing
        .filter((order) => this.sells(order))
        .sort((a, b) => (a.price ?? ZERO).comparedTo(b.price ?? ZERO) || a.seq - b.seq);
      for (const side of [buys, sells]) {
        let budget = liquidity;
        for (const order of side) {
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
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Orders
  // ----------------------------------------------------------------------------------------------

  placeOrder(account: Account, body: PlaceOrderBody): { orderId: string | undefined; clientOid: string } {
    const contract = this.checkProduct(body.productType, body.symbol, body.marginCoin);
    if (body.clientOid !== undefined && !/^[\x21-\x7e]{1,50}$/.test(body.clientOid))
      throw refuse.clientOidInvalid();
    if (body.clientOid !== undefined && this.clientOidTaken(account, body.clientOid))
      throw refuse.duplicateClientOid();
    if (body.orderType === 'limit' && body.price === undefined) throw refuse.missing('price');
    const size = parseDecimal(body.size);
    const price =
      body.orderType === 'limit' && body.price !== undefined ? parseDecimal(body.price) : undefined;
    this.checkGrid(contract, size, price ?? this.markPrice(contract.symbol));

    // Position mode: hedge orders say open or close; one-way orders have no tradeSide.
    const hedge = account.posMode === 'hedge_mode';
    if (hedge && body.tradeSide === undefined) throw refuse.unilateralMismatch();
    if (!hedge && body.tradeSide !== undefined && this.config.tradeSideInOneWay === 'reject') {
      throw refuse.unilateralMismatch();
    }
    const tradeSide = hedge ? body.tradeSide : undefined;
    // reduceOnly applies to one-way mode only.
    const reduceOnly = !hedge && body.reduceOnly === 'YES';
    const side = body.side;
    const marginMode = body.marginMode;
    const existing = hedge
      ? account.positions.get(contract.symbol, side === 'buy' ? 'long' : 'short')
      : account.positions.net(contract.symbol);
    if (existing && existing.marginMode !== marginMode) throw refuse.marginModeMismatch(existing.marginMode);

    // Closing orders: a closing hedge order or a one-way reduce-only order needs a position to close.
    let adjusted: SimOrder[] = [];
    if (hedge && tradeSide === 'close') {
      const leg = account.positions.get(contract.symbol, side === 'buy' ? 'long' : 'short');
      if (leg === undefined) throw refuse.noPositionToClose();
      const reserved = this.closingOrders(account, contract.symbol, side).reduce(
        (total, order) => total.plus(order.size.minus(order.filled)),
        ZERO,
      );
      // Seed 003: in hedge mode a close that does not fit next to the resting closes is refused.
      if (size.plus(reserved).gt(leg.total)) throw refuse.insufficientPosition();
    }
    if (reduceOnly) {
      const position = account.positions.get(contract.symbol, side === 'buy' ? 'short' : 'long');
      if (position === undefined) throw refuse.noPositionToClose();
      if (size.gt(position.total)) throw refuse.insufficientPosition();
      // Seed 003: older reduce-only orders are cancelled, oldest first, until everything fits.
      const resting = this.closingOrders(account, contract.symbol, side).sort((a, b) => a.seq - b.seq);
      let total = resting.reduce((sum, order) => sum.plus(order.size.minus(order.filled)), size);
      for (const order of resting) {
        if (total.lte(position.total)) break;
        total = total.minus(order.size.minus(order.filled));
        adjusted.push(order);
      }
    }

    // Margin for the part that opens.
    const opening = this.openingSize(account, contract.symbol, side, tradeSide, reduceOnly, size);
    if (opening.gt(0)) {
      const leverage = this.leverageOf(account, contract.symbol);
      const needed = opening.times(price ?? this.markPrice(contract.symbol)).div(leverage);
      if (needed.gt(this.available(account))) throw refuse.insufficientBalance();
    }

    const at = this.now();
    const order: SimOrder = {
      orderId: this.newId(),
      clientOid: body.clientOid ?? this.newId(),
      symbol: contract.symbol,
      marginMode,
      marginCoin: body.marginCoin,
      size,
      price,
      side,
      tradeSide,
      posMode: account.posMode,
      orderType: body.orderType,
      force: body.orderType === 'market' ? 'gtc' : (body.force ?? 'gtc'),
      reduceOnly: reduceOnly || (hedge && tradeSide === 'close'),
      presetStopSurplusPrice: optional(body.presetStopSurplusPrice),
      presetStopLossPrice: optional(body.presetStopLossPrice),
      presetStopSurplusExecutePrice: optional(body.presetStopSurplusExecutePrice),
      presetStopLossExecutePrice: optional(body.presetStopLossExecutePrice),
      stpMode: body.stpMode ?? 'none',
      leverage: this.leverageOf(account, contract.symbol),
      status: 'live',
      filled: ZERO,
      filledValue: ZERO,
      fee: ZERO,
      profit: ZERO,
      cancelReason: undefined,
      orderSource: body.orderType === 'market' ? 'market' : 'normal',
      cTime: at,
      uTime: at,
      seq: ++this.seq,
    };
    for (const older of adjusted) this.cancelInternal(account, older, 'reduce_only_cancel');
    this.insert(account, order);
    adjusted = adjusted.length > 0 && this.config.omitOrderIdAfterReduceOnlyAdjust ? adjusted : [];
    return { orderId: adjusted.length > 0 ? undefined : order.orderId, clientOid: order.clientOid };
  }

  cancelOrder(account: Account, body: CancelOrderBody): { orderId: string; clientOid: string } {
    this.checkProduct(body.productType, body.symbol, body.marginCoin);
    if (body.orderId === undefined && body.clientOid === undefined) throw refuse.missing('orderId');
    const order = this.find(account, body.symbol, body.orderId, body.clientOid);
    if (order === undefined) throw refuse.cancelNotFound();
    if (!LIVE.has(order.status)) throw refuse.noOrderToCancel();
    this.cancelInternal(account, order, 'normal_cancel');
    return { orderId: order.orderId, clientOid: order.clientOid };
  }

  /**
   * Bitget's modify: preset TP/SL in place; a new size and price cancel the order and replace it
   * under the new clientOid, after the reply, which carries no order id (the replacement has none
   * yet) and the new clientOid.
   */
  modifyOrder(account: Account, body: ModifyOrderBody): { orderId?: string; clientOid: string } {
    const contract = this.checkProduct(body.productType, body.symbol, body.marginCoin);
    if (body.orderId === undefined && body.clientOid === undefined) throw refuse.missing('orderId');
    const order = this.find(account, body.symbol, body.orderId, body.clientOid);
    if (order === undefined || !LIVE.has(order.status)) throw refuse.modifyNotFound();
    const replaces = body.newSize !== undefined || body.newPrice !== undefined;
    if (!replaces) {
      // Take-profit / stop-loss only: changed in place; sending one of the two drops the other.
      if (body.newPresetStopSurplusPrice === undefined && body.newPresetStopLossPrice === undefined) {
        throw refuse.missing('newSize');
      }
      order.presetStopSurplusPrice = optional(body.newPresetStopSurplusPrice);
      order.presetStopLossPrice = optional(body.newPresetStopLossPrice);
      order.uTime = this.now();
      this.pushOrder(account, order);
      return { orderId: order.orderId, clientOid: order.clientOid };
    }
    if (body.newSize === undefined || body.newPrice === undefined) throw refuse.sizeAndPriceTogether();
    if (body.newClientOid === undefined) throw refuse.newClientOidRequired();
    if (!/^[\x21-\x7e]{1,50}$/.test(body.newClientOid)) throw refuse.clientOidInvalid();
    if (this.clientOidTaken(account, body.newClientOid)) throw refuse.duplicateClientOid();
    if (order.orderType !== 'limit' || order.status !== 'live' || !order.filled.isZero())
      throw refuse.notModifiable();
    const size = parseDecimal(body.newSize);
    const price = parseDecimal(body.newPrice);
    this.checkGrid(contract, size, price);

    // Cancel and replace, after the reply: the new orderId is not known to the caller yet.
    const newClientOid = body.newClientOid;
    account.reserved.add(newClientOid);
    const replace = () => {
      account.reserved.delete(newClientOid);
      if (!LIVE.has(order.status) || !order.filled.isZero()) return;
      this.cancelInternal(account, order, 'modify_cancel');
      const at = this.now();
      const replacement: SimOrder = {
        ...order,
        orderId: this.newId(),
        clientOid: newClientOid,
        size,
        price,
        presetStopSurplusPrice:
          body.newPresetStopSurplusPrice !== undefined
            ? parseDecimal(body.newPresetStopSurplusPrice)
            : order.presetStopSurplusPrice,
        presetStopLossPrice:
          body.newPresetStopLossPrice !== undefined
            ? parseDecimal(body.newPresetStopLossPrice)
            : order.presetStopLossPrice,
        status: 'live',
        filled: ZERO,
        filledValue: ZERO,
        fee: ZERO,
        profit: ZERO,
        cancelReason: undefined,
        cTime: at,
        uTime: at,
        seq: ++this.seq,
      };
      this.insert(account, replacement);
    };
    if (this.config.modifyReplaceDelayMs <= 0) {
      // Right after the reply is written, before any later request is read.
      const immediate = setImmediate(() => {
        this.immediates.delete(immediate);
        replace();
      });
      this.immediates.add(immediate);
    } else {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        replace();
      }, this.config.modifyReplaceDelayMs);
      this.timers.add(timer);
    }
    return { clientOid: newClientOid };
  }

  batchCancel(account: Account, body: BatchCancelBody) {
    if (body.symbol === undefined) throw refuse.missing('symbol');
    this.checkProduct(body.productType, body.symbol, body.marginCoin);
    const targets =
      body.orderIdList ??
      [...account.orders.values()]
        .filter((order) => order.symbol === body.symbol && LIVE.has(order.status))
        .map((order) => ({ orderId: order.orderId, clientOid: undefined }));
    return this.cancelEach(account, body.symbol, targets);
  }

  cancelAll(account: Account, body: CancelAllBody) {
    this.checkProductType(body.productType);
    const targets = [...account.orders.values()]
      .filter((order) => LIVE.has(order.status))
      .map((order) => ({ orderId: order.orderId, symbol: order.symbol }));
    const successList: { orderId: string; clientOid: string }[] = [];
    for (const target of targets) {
      const order = account.orders.get(target.orderId);
      if (order === undefined || !LIVE.has(order.status)) continue;
      this.cancelInternal(account, order, 'normal_cancel');
      successList.push({ orderId: order.orderId, clientOid: order.clientOid });
    }
    return { successList, failureList: [] };
  }

  closePositions(account: Account, body: ClosePositionsBody) {
    this.checkProductType(body.productType);
    const hedge = account.posMode === 'hedge_mode';
    const targets = account.positions
      .list()
      .filter((position) => body.symbol === undefined || position.symbol === body.symbol)
      .filter((position) => !hedge || body.holdSide === undefined || position.holdSide === body.holdSide);
    if (targets.length === 0) throw refuse.noPositionToClose();
    const successList: { orderId: string; clientOid: string }[] = [];
    for (const position of targets) {
      const at = this.now();
      const side: Side = hedge
        ? position.holdSide === 'long'
          ? 'buy'
          : 'sell'
        : position.holdSide === 'long'
          ? 'sell'
          : 'buy';
      const order: SimOrder = {
        orderId: this.newId(),
        clientOid: this.newId(),
        symbol: position.symbol,
        marginMode: position.marginMode,
        marginCoin: this.config.marginCoin,
        size: position.total,
        price: undefined,
        side,
        tradeSide: hedge ? 'close' : undefined,
        posMode: account.posMode,
        orderType: 'market',
        force: 'gtc',
        reduceOnly: true,
        presetStopSurplusPrice: undefined,
        presetStopLossPrice: undefined,
        presetStopSurplusExecutePrice: undefined,
        presetStopLossExecutePrice: undefined,
        stpMode: 'none',
        leverage: this.leverageOf(account, position.symbol),
        status: 'live',
        filled: ZERO,
        filledValue: ZERO,
        fee: ZERO,
        profit: ZERO,
        cancelReason: undefined,
        orderSource: 'market',
        cTime: at,
        uTime: at,
        seq: ++this.seq,
      };
      this.insert(account, order);
      successList.push({ orderId: order.orderId, clientOid: order.clientOid });
    }
    return { successList, failureList: [] };
  }

  setPositionMode(account: Account, body: SetPositionModeBody): { posMode: PosMode } {
    this.checkProductType(body.productType);
    const hasOrders = [...account.orders.values()].some((order) => LIVE.has(order.status));
    if (body.posMode !== account.posMode && (hasOrders || !account.positions.isEmpty())) {
      throw refuse.positionModeLocked();
    }
    account.posMode = body.posMode;
    return { posMode: account.posMode };
  }

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

  leverageOf(account: Account, symbol: string): number {
    return account.leverage.get(symbol) ?? this.config.defaultLeverage;
  }

  unrealized(position: SimPosition): Decimal {
    const mark = this.markPrice(position.symbol);
    const direction = position.holdSide === 'long' ? 1 : -1;
    return mark.minus(openPriceAvg(position)).times(position.total).times(direction);
  }

  close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.immediates.clear();
  }

  // ----------------------------------------------------------------------------------------------
  // Internals
  // ----------------------------------------------------------------------------------------------

  private checkProductType(productType: string) {
    if (productType.toUpperCase() !== this.config.productType)
      throw refuse.invalid('productType', 'is not supported');
  }

  private checkProduct(productType: string, symbol: string, marginCoin?: string): LocalContract {
    this.checkProductType(productType);
    const contract = this.contracts.get(symbol.toUpperCase());
    if (contract === undefined) throw refuse.symbolNotFound();
    if (marginCoin !== undefined && marginCoin.toUpperCase() !== this.config.marginCoin) {
      throw refuse.invalid('marginCoin', 'is not supported');
    }
    return contract;
  }

  /** Size and price on the contract's grid, above its minimums (43006, 45110, 40808, 41103). */
  private checkGrid(contract: LocalContract, size: Decimal, price: Decimal) {
    if (size.decimalPlaces() > contract.volumePlace || !isMultipleOf(size, contract.sizeMultiplier)) {
      throw refuse.sizeScale(size.toString(), contract.volumePlace);
    }
    if (price.decimalPlaces() > contract.pricePlace || !isMultipleOf(price, tickOf(contract)))
      throw refuse.priceScale();
    if (size.lt(contract.minTradeNum)) throw refuse.belowMinSize(contract.minTradeNum.toString());
    if (size.times(price).lt(contract.minTradeUSDT))
      throw refuse.belowMinNotional(contract.minTradeUSDT.toString());
  }

  private clientOidTaken(account: Account, clientOid: string): boolean {
    return account.byClientOid.has(clientOid) || account.reserved.has(clientOid);
  }

  private find(account: Account, symbol: string, orderId?: string, clientOid?: string): SimOrder | undefined {
    // orderId wins over clientOid.
    const id = orderId ?? (clientOid !== undefined ? account.byClientOid.get(clientOid) : undefined);
    const order = id === undefined ? undefined : account.orders.get(id);
    return order && order.symbol === symbol.toUpperCase() ? order : undefined;
  }

  /** Resting closing orders of a symbol in the direction `side` (hedge closes / one-way reduce-only). */
  private closingOrders(account: Account, symbol: string, side: Side): SimOrder[] {
    return [...account.orders.values()].filter(
      (order) => order.symbol === symbol && LIVE.has(order.status) && order.reduceOnly && order.side === side,
    );
  }

  private openingSize(
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
  private directionSide(order: SimOrder): Side {
    if (order.posMode === 'hedge_mode' && order.tradeSide === 'close')
      return order.side === 'buy' ? 'sell' : 'buy';
    return order.side;
  }
  private buys(order: SimOrder) {
    return this.directionSide(order) === 'buy';
  }
  private sells(order: SimOrder) {
    return this.directionSide(order) === 'sell';
  }

  /** How much of the order may still trade: closing orders never take a position past zero. */
  private capacity(account: Account, order: SimOrder): Decimal {
    const remaining = order.size.minus(order.filled);
    if (!order.reduceOnly) return remaining;
    const position =
      order.posMode === 'hedge_mode'
        ? account.positions.get(order.symbol, order.side === 'buy' ? 'long' : 'short')
        : account.positions.get(order.symbol, order.side === 'buy' ? 'short' : 'long');
    return min(remaining, position?.total ?? ZERO);
  }

  private insert(account: Account, order: SimOrder) {
    account.orders.set(order.orderId, order);
    account.byClientOid.set(order.clientOid, order.orderId);
    this.pushOrder(account, order);
    this.takeLiquidity(account, order);
  }

  /** A new order against the synthetic book: taker fills at the mark, then rest or cancel. */
  private takeLiquidity(account: Account, order: SimOrder) {
    const mark = this.markPrice(order.symbol);
    const buy = this.buys(order);
    const marketable =
      order.orderType === 'market' ||
      (order.price !== undefined && (buy ? order.price.gte(mark) : order.price.lte(mark)));
    if (!marketable) {
      if (order.force === 'ioc' || order.force === 'fok')
        this.cancelInternal(account, order, `${order.force}_cancel`);
      return;
    }
    if (order.force === 'post_only') {
      this.cancelInternal(account, order, 'post_only_cancel');
      return;
    }
    const cap = this.capacity(account, order);
    const available = min(cap, this.depth.get(order.symbol) ?? this.config.defaultDepth);
    const remaining = order.size.minus(order.filled);
    if (order.force === 'fok' && available.lt(remaining)) {
      this.cancelInternal(account, order, 'fok_cancel');
      return;
    }
    if (available.gt(0)) this.trade(account, order, available, mark, 'taker');
    if (!LIVE.has(order.status)) return;
    if (order.orderType === 'market') this.cancelInternal(account, order, 'market_cancel');
    else if (order.force === 'ioc') this.cancelInternal(account, order, 'ioc_cancel');
  }

  /** One execution: the order, the position, the balance, and the three pushes. */
  private trade(account: Account, order: SimOrder, size: Decimal, price: Decimal, scope: 'taker' | 'maker') {
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
  private dropStaleClosingOrders(account: Account, symbol: string) {
    for (const order of account.orders.values()) {
      if (order.symbol !== symbol || !order.reduceOnly || !LIVE.has(order.status)) continue;
      if (this.capacity(account, order).isZero()) this.cancelInternal(account, order, 'reduce_only_cancel');
    }
  }

  private cancelInternal(account: Account, order: SimOrder, reason: string) {
    order.status = 'canceled';
    order.cancelReason = reason;
    order.uTime = this.now();
    this.pushOrder(account, order);
  }

  private cancelEach(account: Account, symbol: string, targets: { orderId?: string; clientOid?: string }[]) {
    const successList: { orderId: string; clientOid: string }[] = [];
    const failureList: { orderId: string; clientOid: string; errorMsg: string; errorCode: string }[] = [];
    for (const target of targets) {
      const order = this.find(account, symbol, target.orderId, target.clientOid);
      if (order === undefined || !LIVE.has(order.status)) {
        const failure = order === undefined ? refuse.cancelNotFound() : refuse.noOrderToCancel();
        failureList.push({
          orderId: target.orderId ?? '',
          clientOid: target.clientOid ?? '',
          errorMsg: failure.message,
          errorCode: failure.code,
        });
        continue;
      }
      this.cancelInternal(account, order, 'normal_cancel');
      successList.push({ orderId: order.orderId, clientOid: order.clientOid });
    }
    return { successList, failureList };
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
      data: account.positions.list().map((position) => this.positionRecord(account, position, 'ws')),
    });
  }

  positionRecord(account: Account, position: SimPosition, where: 'rest' | 'ws'): Record<string, unknown> {
    const leverage = this.leverageOf(account, position.symbol);
    const margin = position.openValue.div(leverage);
    const common = {
      marginCoin: this.config.marginCoin,
      holdSide: position.holdSide,
      openDelegateSize: '0',
      marginSize: margin.toString(),
      available: position.total.toString(),
      locked: '0',
      total: position.total.toString(),
      achievedProfits: position.achievedProfits.toString(),
      openPriceAvg: openPriceAvg(position).toString(),
      marginMode: position.marginMode,
      posMode: account.posMode,
      unrealizedPL: this.unrealized(position).toString(),
      liquidationPrice: '0',
      keepMarginRate: '0.004',
      markPrice: this.markPrice(position.symbol).toString(),
      breakEvenPrice: openPriceAvg(position).toString(),
      totalFee: position.totalFee.toString(),
      deductedFee: '0',
      marginRatio: '0',
      autoMargin: 'off',
      cTime: String(position.cTime),
      uTime: String(position.uTime),
    };
    return where === 'ws'
      ? {
          posId: position.posId,
          instId: position.symbol,
          ...common,
          frozen: '0',
          leverage,
          unrealizedPLR: '0',
          marginRate: '0',
        }
      : { symbol: position.symbol, ...common, leverage: String(leverage) };
  }
}

function optional(value: string | undefined): Decimal | undefined {
  return value === undefined ? undefined : parseDecimal(value);
}

/** Bitget ids are 19-digit integers: compared as numbers. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One-way orders report buy_single / sell_single; hedge orders open / close. */
function tradeSideText(order: SimOrder): string {
  if (order.posMode === 'hedge_mode') return order.tradeSide ?? 'open';
  return `${order.side}_single`;
}

function posSideOf(order: SimOrder): string {
  if (order.posMode === 'one_way_mode') return 'net';
  return order.side === 'buy' ? 'long' : 'short';
}

const feeText = (fee: Decimal) => (fee.isZero() ? '0' : fee.neg().toString());

/** The order as `order/detail` (`state`) or the order lists (`status`) write it. */
export function orderRecord(order: SimOrder, where: 'detail' | 'list'): Record<string, unknown> {
  const priceAvg = order.filled.isZero() ? '' : order.filledValue.div(order.filled).toString();
  return {
    symbol: order.symbol,
    size: order.size.toString(),
    orderId: order.orderId,
    clientOid: order.clientOid,
    baseVolume: order.filled.toString(),
    quoteVolume: order.filledValue.toString(),
    fee: feeText(order.fee),
    price: order.price?.toString() ?? '',
    priceAvg,
    [where === 'detail' ? 'state' : 'status']: order.status,
    side: order.side,
    force: order.force,
    totalProfits: order.profit.toString(),
    posSide: posSideOf(order),
    marginCoin: order.marginCoin,
    presetStopSurplusPrice: order.presetStopSurplusPrice?.toString() ?? '',
    presetStopLossPrice: order.presetStopLossPrice?.toString() ?? '',
    leverage: String(order.leverage),
    marginMode: order.marginMode,
    reduceOnly: order.reduceOnly ? 'YES' : 'NO',
    enterPointSource: 'API',
    tradeSide: tradeSideText(order),
    posMode: order.posMode,
    orderType: order.orderType,
    orderSource: order.orderSource,
    cancelReason: order.cancelReason ?? '',
    stpMode: order.stpMode,
    cTime: String(order.cTime),
    uTime: String(order.uTime),
  };
}

/** The `orders` channel item: `status`, cumulative `accBaseVolume`, and the fill's fields on a fill. */
export function orderPushRecord(
  order: SimOrder,
  trade: SimTrade | undefined,
  clientOidSpelling: 'clientOid' | 'clientOId',
): Record<string, unknown> {
  const priceAvg = order.filled.isZero() ? '0' : order.filledValue.div(order.filled).toString();
  return {
    orderId: order.orderId,
    [clientOidSpelling]: order.clientOid,
    instId: order.symbol,
    side: order.side,
    posSide: posSideOf(order),
    tradeSide: tradeSideText(order),
    posMode: order.posMode,
    orderType: order.orderType,
    force: order.force,
    price: order.price?.toString() ?? '0',
    size: order.size.toString(),
    notionalUsd: order.size.times(order.price ?? trade?.price ?? ZERO).toString(),
    status: order.status,
    accBaseVolume: order.filled.toString(),
    priceAvg,
    leverage: String(order.leverage),
    marginCoin: order.marginCoin,
    marginMode: order.marginMode,
    reduceOnly: order.reduceOnly ? 'yes' : 'no',
    enterPointSource: 'API',
    feeDetail: [{ feeCoin: order.marginCoin, fee: feeText(order.fee) }],
    stpMode: order.stpMode,
    presetStopSurplusPrice: order.presetStopSurplusPrice?.toString() ?? '',
    presetStopLossPrice: order.presetStopLossPrice?.toString() ?? '',
    ...(order.cancelReason !== undefined && { cancelReason: order.cancelReason }),
    ...(trade && {
      tradeId: trade.tradeId,
      baseVolume: trade.size.toString(),
      fillPrice: trade.price.toString(),
      fillTime: String(trade.at),
      fillFee: feeText(trade.fee),
      fillFeeCoin: order.marginCoin,
      fillNotionalUsd: trade.size.times(trade.price).toString(),
      tradeScope: trade.scope === 'taker' ? 'T' : 'M',
      pnl: trade.profit.toString(),
    }),
    cTime: String(order.cTime),
    uTime: String(order.uTime),
  };
}

/** A trade as the `fill` channel and the `fills` endpoint write it. */
export function fillRecord(trade: SimTrade): Record<string, unknown> {
  return {
    tradeId: trade.tradeId,
    symbol: trade.symbol,
    orderId: trade.orderId,
    price: trade.price.toString(),
    baseVolume: trade.size.toString(),
    quoteVolume: trade.size.times(trade.price).toString(),
    side: trade.side,
    orderType: trade.orderType,
    tradeSide: trade.tradeSide,
    posMode: trade.posMode,
    profit: trade.profit.toString(),
    tradeScope: trade.scope,
    enterPointSource: 'API',
    feeDetail: [{ deduction: 'no', feeCoin: 'USDT', totalDeductionFee: '0', totalFee: feeText(trade.fee) }],
    cTime: String(trade.at),
    uTime: String(trade.at),
  };
}

export type { HoldSide };
