import type { Decimal } from '../../domain/decimal.ts';
import { Engine } from './engine.ts';
import type { Account, PosMode, SimOrder } from './engine-types.ts';
import { BitgetFailure, refuse } from './errors.ts';
import { planPushRecord } from './plan-records.ts';
import type { PlanBook, SimPlan, TriggerType } from './plan-types.ts';
import type { PlaceOrderBody, SetPositionModeBody } from './protocol.ts';
import { compareIds } from './records.ts';

/** At most this many plans fire after one market event (each fires once: a guard, never reached). */
const MAX_FIRINGS = 10_000;

/**
 * The local Bitget's plan (trigger) orders: where they are kept, and how they fire.
 *
 * A `normal_plan` fires when its reference price (the mark for `mark_price`, the latest trade
 * price for `fill_price`, the mark before any trade) reaches the trigger price from the side it
 * was on when the plan was placed or last modified. Plans are checked after every mark move and
 * every new order (which is when trades happen), and right after a placement or a modify. When
 * one fires, its status becomes `executed` (pushed on `orders-algo` first), then the venue places
 * the order through the same checks as place-order, under an orderId and a clientOid of its own;
 * when that placement is refused the plan ends `fail_execute` instead. A fired order that trades
 * may fire other plans: they fire in turn, oldest first, until none is due. A live plan reserves
 * no margin.
 */
export abstract class PlanTriggers extends Engine {
  readonly #books = new Map<string, PlanBook>();
  readonly #lastTrades = new Map<string, Decimal>();
  #settling = false;

  /** The account's plans. */
  protected planBook(account: Account): PlanBook {
    let book = this.#books.get(account.apiKey);
    if (book === undefined) {
      book = { plans: new Map(), byClientOid: new Map() };
      this.#books.set(account.apiKey, book);
    }
    return book;
  }

  protected addPlan(account: Account, plan: SimPlan): void {
    const book = this.planBook(account);
    book.plans.set(plan.orderId, plan);
    book.byClientOid.set(plan.clientOid, plan.orderId);
  }

  /** The order a plan placed when it fired (none before, or when the placement was refused). */
  executedOrder(account: Account, plan: SimPlan): SimOrder | undefined {
    if (plan.executeClientOid === undefined) return undefined;
    const orderId = account.byClientOid.get(plan.executeClientOid);
    return orderId === undefined ? undefined : account.orders.get(orderId);
  }

  /** The price a trigger type watches: the mark, or the latest trade (the mark before any trade). */
  referencePrice(symbol: string, type: TriggerType): Decimal {
    const mark = this.markPrice(symbol);
    return type === 'fill_price' ? (this.#lastTrades.get(symbol) ?? mark) : mark;
  }

  /** Which way the reference must go to reach `trigger`: up when the trigger is at or above it. */
  protected directionTo(symbol: string, type: TriggerType, trigger: Decimal): SimPlan['direction'] {
    return trigger.gte(this.referencePrice(symbol, type)) ? 'rise' : 'fall';
  }

  /** The latest trade price of every symbol, from the trades kept across a restart. */
  protected rememberLastTrades(): void {
    const latest = new Map<string, { tradeId: string; price: Decimal }>();
    for (const account of this.accounts.values()) {
      for (const trade of account.trades) {
        const seen = latest.get(trade.symbol);
        if (seen === undefined || compareIds(trade.tradeId, seen.tradeId) > 0)
          latest.set(trade.symbol, trade);
      }
    }
    for (const [symbol, trade] of latest) this.#lastTrades.set(symbol, trade.price);
  }

  pushPlan(account: Account, plan: SimPlan): void {
    this.emit({
      apiKey: account.apiKey,
      channel: 'orders-algo',
      data: [planPushRecord(plan, this.executedOrder(account, plan))],
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Where the engine's operations meet the plans
  // ----------------------------------------------------------------------------------------------

  /** A clientOid is unique among the account's orders and plans together. */
  protected override clientOidTaken(account: Account, clientOid: string): boolean {
    return super.clientOidTaken(account, clientOid) || this.planBook(account).byClientOid.has(clientOid);
  }

  protected override trade(
    account: Account,
    order: SimOrder,
    size: Decimal,
    price: Decimal,
    scope: 'taker' | 'maker',
  ): void {
    super.trade(account, order, size, price, scope);
    this.#lastTrades.set(order.symbol, price);
  }

  override setMarkPrice(symbol: string, price: Decimal, liquidity?: Decimal): void {
    super.setMarkPrice(symbol, price, liquidity);
    this.settlePlans();
  }

  /** Every new order (placed, replacing, closing, or placed by a plan) may have traded. */
  protected override insert(account: Account, order: SimOrder): void {
    super.insert(account, order);
    this.settlePlans();
  }

  /** Live plans count as orders: the position mode cannot change under them. */
  override setPositionMode(account: Account, body: SetPositionModeBody): { posMode: PosMode } {
    const live = [...this.planBook(account).plans.values()].some((plan) => plan.status === 'live');
    if (live && body.posMode !== account.posMode) throw refuse.positionModeLocked();
    return super.setPositionMode(account, body);
  }

  // ----------------------------------------------------------------------------------------------
  // Firing
  // ----------------------------------------------------------------------------------------------

  /** Fires the due plans, oldest first, until none is due (a firing started inside one waits its turn). */
  protected settlePlans(): void {
    if (this.#settling) return;
    this.#settling = true;
    try {
      for (let fired = 0; fired < MAX_FIRINGS; fired++) {
        const due = this.#nextDue();
        if (due === undefined) return;
        this.#fire(due.account, due.plan);
      }
    } finally {
      this.#settling = false;
    }
  }

  #nextDue(): { account: Account; plan: SimPlan } | undefined {
    let next: { account: Account; plan: SimPlan } | undefined;
    for (const account of this.accounts.values()) {
      for (const plan of this.planBook(account).plans.values()) {
        if (plan.status !== 'live' || !this.#reached(plan)) continue;
        if (next === undefined || plan.seq < next.plan.seq) next = { account, plan };
      }
    }
    return next;
  }

  #reached(plan: SimPlan): boolean {
    const reference = this.referencePrice(plan.symbol, plan.triggerType);
    return plan.direction === 'rise' ? reference.gte(plan.triggerPrice) : reference.lte(plan.triggerPrice);
  }

  /**
   * The plan fires: `executed` and pushed, then its order placed; or `fail_execute` (pushed) when
   * place-order's checks refuse that order. The checks run before the push, so that a client sees
   * one final status; should the placement itself still fail, the plan turns `fail_execute` after.
   */
  #fire(account: Account, plan: SimPlan): void {
    const at = this.now();
    plan.triggerTime = at;
    plan.uTime = at;
    const body = this.#orderBody(plan, this.newId());
    if (!this.#accepts(account, body)) {
      plan.status = 'fail_execute';
      this.pushPlan(account, plan);
      return;
    }
    plan.status = 'executed';
    plan.executeClientOid = body.clientOid;
    this.pushPlan(account, plan);
    try {
      this.placeOrder(account, body);
    } catch (error) {
      if (!(error instanceof BitgetFailure)) throw error;
      plan.status = 'fail_execute';
      plan.executeClientOid = undefined;
      plan.uTime = this.now();
      this.pushPlan(account, plan);
    }
  }

  /** Whether place-order's checks accept the order (nothing is changed). */
  #accepts(account: Account, body: PlaceOrderBody): boolean {
    try {
      const terms = this.placementTerms(account, body);
      this.closingRoom(account, terms);
      this.checkOpeningMargin(account, terms);
      return true;
    } catch (error) {
      if (error instanceof BitgetFailure) return false;
      throw error;
    }
  }

  /** The place-order body of the order a plan places: its terms, and its TP/SL as presets. */
  #orderBody(plan: SimPlan, clientOid: string): PlaceOrderBody {
    return {
      symbol: plan.symbol,
      productType: this.config.productType as PlaceOrderBody['productType'],
      marginMode: plan.marginMode,
      marginCoin: plan.marginCoin,
      size: plan.size.toString(),
      price: plan.price?.toString(),
      side: plan.side,
      tradeSide: plan.tradeSide,
      orderType: plan.orderType,
      clientOid,
      reduceOnly: plan.reduceOnly ? 'YES' : 'NO',
      presetStopSurplusPrice: plan.stopSurplus?.triggerPrice.toString(),
      presetStopSurplusExecutePrice: plan.stopSurplus?.executePrice?.toString(),
      presetStopLossPrice: plan.stopLoss?.triggerPrice.toString(),
      presetStopLossExecutePrice: plan.stopLoss?.executePrice?.toString(),
      stpMode: plan.stpMode,
    };
  }

  /** Every plan of the account (live and finished). */
  plansOf(account: Account): SimPlan[] {
    return [...this.planBook(account).plans.values()];
  }
}
