import { type Decimal, ONE, parseDecimal, ZERO } from '../../domain/decimal.ts';
import type { LocalContract } from './contracts.ts';
import { EngineQueries } from './engine-queries.ts';
import { type Account, LIVE, type PosMode, type Side, type SimOrder } from './engine-types.ts';
import { refuse } from './errors.ts';
import type {
  BatchCancelBody,
  CancelAllBody,
  CancelOrderBody,
  ClosePositionsBody,
  ModifyOrderBody,
  PlaceOrderBody,
  SetPositionModeBody,
} from './protocol.ts';
import { optional } from './records.ts';

export type * from './engine-types.ts';
export { LIVE } from './engine-types.ts';
export { fillRecord, orderPushRecord, orderRecord, positionRecord } from './records.ts';

/** A new order's (or a replacement's) fill state: live, nothing filled. */
const UNFILLED = {
  status: 'live',
  filled: ZERO,
  filledValue: ZERO,
  fee: ZERO,
  profit: ZERO,
  cancelReason: undefined,
} as const;

/** A placement's terms once checked. */
interface PlacementTerms {
  contract: LocalContract;
  size: Decimal;
  price: Decimal | undefined;
  hedge: boolean;
  side: Side;
  tradeSide: SimOrder['tradeSide'];
  reduceOnly: boolean;
}

/** The operations clients call on the local Bitget: orders, closes, the position mode, queries. */
export class Engine extends EngineQueries {
  // ----------------------------------------------------------------------------------------------
  // Orders
  // ----------------------------------------------------------------------------------------------

  placeOrder(account: Account, body: PlaceOrderBody): { orderId: string | undefined; clientOid: string } {
    const terms = this.placementTerms(account, body);
    const adjusted = this.closingRoom(account, terms);
    this.checkOpeningMargin(account, terms);
    const order = this.newOrder(account, body, terms);
    for (const older of adjusted) this.cancelInternal(account, older, 'reduce_only_cancel');
    this.insert(account, order);
    const omitted = adjusted.length > 0 && this.config.omitOrderIdAfterReduceOnlyAdjust;
    return { orderId: omitted ? undefined : order.orderId, clientOid: order.clientOid };
  }

  /** The order's terms, checked: clientOid, price, grid, position mode, margin mode. */
  protected placementTerms(account: Account, body: PlaceOrderBody): PlacementTerms {
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
    if (price !== undefined) this.checkPriceLimit(contract, body.side, price);
    // Position mode: hedge orders say open or close; one-way orders have no tradeSide.
    const hedge = account.posMode === 'hedge_mode';
    if (hedge && body.tradeSide === undefined) throw refuse.unilateralMismatch();
    if (!hedge && body.tradeSide !== undefined && this.config.tradeSideInOneWay === 'reject') {
      throw refuse.unilateralMismatch();
    }
    const side = body.side;
    const existing = hedge
      ? account.positions.get(contract.symbol, side === 'buy' ? 'long' : 'short')
      : account.positions.net(contract.symbol);
    if (existing && existing.marginMode !== body.marginMode)
      throw refuse.marginModeMismatch(existing.marginMode);
    // reduceOnly applies to one-way mode only.
    const reduceOnly = !hedge && body.reduceOnly === 'YES';
    return { contract, size, price, hedge, side, tradeSide: hedge ? body.tradeSide : undefined, reduceOnly };
  }

  /** Price protection: a limit price at most the contract's ratio beyond the mark, on the taking side. */
  protected checkPriceLimit(contract: LocalContract, side: Side, price: Decimal): void {
    const mark = this.markPrice(contract.symbol);
    if (side === 'buy' && price.gt(mark.times(ONE.plus(contract.buyLimitPriceRatio))))
      throw refuse.priceOutsideLimit();
    if (side === 'sell' && price.lt(mark.times(ONE.minus(contract.sellLimitPriceRatio))))
      throw refuse.priceOutsideLimit();
  }

  /**
   * Room for a closing order: a closing hedge order or a one-way reduce-only order needs a position
   * to close. Returns the older reduce-only orders that must be cancelled for it to fit (seed 003).
   */
  protected closingRoom(account: Account, t: PlacementTerms): SimOrder[] {
    const symbol = t.contract.symbol;
    if (t.hedge && t.tradeSide === 'close') {
      const leg = account.positions.get(symbol, t.side === 'buy' ? 'long' : 'short');
      if (leg === undefined) throw refuse.noPositionToClose();
      const reserved = this.closingOrders(account, symbol, t.side).reduce(
        (total, order) => total.plus(order.size.minus(order.filled)),
        ZERO,
      );
      // Seed 003: in hedge mode a close that does not fit next to the resting closes is refused.
      if (t.size.plus(reserved).gt(leg.total)) throw refuse.insufficientPosition();
    }
    if (!t.reduceOnly) return [];
    const position = account.positions.get(symbol, t.side === 'buy' ? 'short' : 'long');
    if (position === undefined) throw refuse.noPositionToClose();
    if (t.size.gt(position.total)) throw refuse.insufficientPosition();
    // Seed 003: older reduce-only orders are cancelled, oldest first, until everything fits.
    const resting = this.closingOrders(account, symbol, t.side).sort((a, b) => a.seq - b.seq);
    let total = resting.reduce((sum, order) => sum.plus(order.size.minus(order.filled)), t.size);
    const adjusted: SimOrder[] = [];
    for (const order of resting) {
      if (total.lte(position.total)) break;
      total = total.minus(order.size.minus(order.filled));
      adjusted.push(order);
    }
    return adjusted;
  }

  /** Margin for the part of the order that opens. */
  protected checkOpeningMargin(account: Account, t: PlacementTerms): void {
    const symbol = t.contract.symbol;
    const opening = this.openingSize(account, symbol, t.side, t.tradeSide, t.reduceOnly, t.size);
    if (opening.lte(0)) return;
    const needed = opening.times(t.price ?? this.markPrice(symbol)).div(this.leverageOf(account, symbol));
    if (needed.gt(this.available(account))) throw refuse.insufficientBalance();
  }

  protected newOrder(account: Account, body: PlaceOrderBody, t: PlacementTerms): SimOrder {
    const at = this.now();
    return {
      orderId: this.newId(),
      clientOid: body.clientOid ?? this.newId(),
      symbol: t.contract.symbol,
      marginMode: body.marginMode,
      marginCoin: body.marginCoin,
      size: t.size,
      price: t.price,
      side: t.side,
      tradeSide: t.tradeSide,
      posMode: account.posMode,
      orderType: body.orderType,
      force: body.orderType === 'market' ? 'gtc' : (body.force ?? 'gtc'),
      reduceOnly: t.reduceOnly || (t.hedge && t.tradeSide === 'close'),
      presetStopSurplusPrice: optional(body.presetStopSurplusPrice),
      presetStopLossPrice: optional(body.presetStopLossPrice),
      presetStopSurplusExecutePrice: optional(body.presetStopSurplusExecutePrice),
      presetStopLossExecutePrice: optional(body.presetStopLossExecutePrice),
      stpMode: body.stpMode ?? 'none',
      leverage: this.leverageOf(account, t.contract.symbol),
      ...UNFILLED,
      orderSource: body.orderType === 'market' ? 'market' : 'normal',
      cTime: at,
      uTime: at,
      seq: ++this.seq,
    };
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
    this.checkPriceLimit(contract, order.side, price);

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
        ...UNFILLED,
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
        ...UNFILLED,
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

  protected cancelEach(
    account: Account,
    symbol: string,
    targets: { orderId?: string; clientOid?: string }[],
  ) {
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
}
