import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { refuse } from './rpc-failure.ts';
import { SimVenue } from './venue.ts';
import type { Direction, EditFields, OrderEntry, PlaceOutcome } from './venue-types.ts';
import { orderWire, type SimOrder, type SimTriggerReference, type SimTriggerType } from './wire-objects.ts';

/**
 * Deribit's trigger orders (stop and take), read from its documents:
 * - `private/buy|sell` with `type` `stop_limit`, `stop_market`, `take_limit` or `take_market`, a
 *   `trigger_price` and a `trigger` (`index_price`, `mark_price` or `last_price`). The order waits
 *   as `untriggered` under an id of its own kind (`SLIB-370`: stop, limit, index, buy; the OpenAPI
 *   file's examples), and counts for no margin until it fires.
 * - A stop buy fires when the reference reaches the trigger price from below, a stop sell from
 *   above; a take buy when it falls to it, a take sell when it rises to it. A trigger price on the
 *   side that would fire at once is refused (10034 `trigger_price_too_high` / 10035 `_too_low`).
 * - Firing: the trigger order becomes `triggered`, and a new limit or market order (a regular
 *   order id, the same label, amount and reduce-only flag, `trigger_order_id` naming the trigger
 *   order) enters the book.
 * - Untriggered orders can be edited (price, amount, trigger price) and cancelled; the open-order
 *   queries list them unless asked for `limit` orders only.
 */
export class TriggeringSimVenue extends SimVenue {
  protected override placeTriggerOrder(
    accountId: number,
    direction: Direction,
    p: OrderEntry & { type: SimTriggerType },
    connectionId?: number,
  ): PlaceOutcome {
    const account = this.account(accountId);
    const instrument = this.instrument(p.instrument_name);
    if (p.trigger_price === undefined)
      throw refuse.invalidParams('trigger_price', 'required for trigger orders');
    if (p.trigger === undefined) throw refuse.invalidParams('trigger', 'required for trigger orders');
    this.checkPrice(instrument, p.trigger_price, 'trigger_price');
    const limit = p.type.endsWith('_limit');
    if (limit && p.price === undefined)
      throw refuse.invalidParams('price', 'price is required for limit orders');
    if (limit && p.price !== undefined) this.checkPrice(instrument, p.price, 'price');
    const amount = this.amountOf(instrument, p.amount, p.contracts);
    const trigger = { reference: p.trigger, price: p.trigger_price };
    this.checkTriggerSide(instrument.name, p.type, direction, trigger);
    const now = this.options.now();
    const order: SimOrder = {
      orderId: `${triggerPrefix(p.type, p.trigger, direction)}-${++this.orderNumber}`,
      accountId: account.id,
      instrument,
      direction,
      orderType: p.type,
      price: p.price ?? trigger.price,
      amount,
      filled: ZERO,
      fillValue: ZERO,
      state: 'untriggered',
      timeInForce: p.time_in_force,
      postOnly: false,
      rejectPostOnly: false,
      reduceOnly: p.reduce_only,
      label: p.label ?? '',
      createdAt: now,
      updatedAt: now,
      replaced: false,
      cancelReason: undefined,
      priority: 0,
      connectionId,
      trigger,
      triggered: false,
    };
    this.orders.set(order.orderId, order);
    this.report(account, instrument, [order], []);
    return { order: orderWire(order), trades: [] };
  }

  protected override editTriggerOrder(
    order: SimOrder,
    p: EditFields & { trigger_price?: Decimal },
  ): PlaceOutcome {
    const instrument = order.instrument;
    const trigger = order.trigger;
    if (trigger === undefined) throw refuse.notOpenOrder();
    if (p.trigger_price !== undefined) {
      this.checkPrice(instrument, p.trigger_price, 'trigger_price');
      const moved = { ...trigger, price: p.trigger_price };
      this.checkTriggerSide(instrument.name, order.orderType as SimTriggerType, order.direction, moved);
      order.trigger = moved;
    }
    if (p.price !== undefined) {
      this.checkPrice(instrument, p.price, 'price');
      order.price = p.price;
    }
    if (p.amount !== undefined || p.contracts !== undefined)
      order.amount = this.amountOf(instrument, p.amount, p.contracts);
    order.replaced = true;
    order.updatedAt = this.options.now();
    this.report(this.account(order.accountId), instrument, [order], []);
    return { order: orderWire(order), trades: [] };
  }

  /** Fires the untriggered orders of the instrument whose trigger the market has reached. */
  protected override afterMove(name: string): void {
    const due = [...this.orders.values()].filter(
      (o) => o.state === 'untriggered' && o.instrument.name === name && o.trigger && this.#reached(o),
    );
    for (const order of due) this.#fire(order);
  }

  #reference(name: string, reference: SimTriggerReference): Decimal {
    const book = this.book(name);
    if (reference === 'last_price') return book.lastPrice ?? book.mark;
    if (reference === 'index_price') return this.funding.indexOf(book.instrument);
    return book.mark;
  }

  /** Whether the order's trigger is reached (a stop buy: the reference at or above it; a take buy: at or below). */
  #reached(order: SimOrder): boolean {
    const trigger = order.trigger!;
    const reference = this.#reference(order.instrument.name, trigger.reference);
    const rising = order.orderType.startsWith('stop') === (order.direction === 'buy');
    return rising ? reference.gte(trigger.price) : reference.lte(trigger.price);
  }

  protected checkTriggerSide(
    name: string,
    type: SimTriggerType,
    direction: Direction,
    trigger: { reference: SimTriggerReference; price: Decimal },
  ): void {
    const reference = this.#reference(name, trigger.reference);
    const rising = type.startsWith('stop') === (direction === 'buy');
    if (rising && trigger.price.lte(reference)) throw refuse.triggerPriceTooLow();
    if (!rising && trigger.price.gte(reference)) throw refuse.triggerPriceTooHigh();
  }

  #fire(trigger: SimOrder): void {
    const account = this.account(trigger.accountId);
    const book = this.book(trigger.instrument.name);
    trigger.state = 'triggered';
    trigger.triggered = true;
    trigger.updatedAt = this.options.now();
    this.report(account, trigger.instrument, [trigger], []);
    const market = trigger.orderType.endsWith('_market');
    const child = this.newOrder(account, trigger.instrument, {
      direction: trigger.direction,
      orderType: market ? 'market' : 'limit',
      price: market
        ? book.liquidity.farthest(trigger.direction)
        : this.clamped(book.instrument.name, trigger.direction, trigger.price),
      amount: trigger.amount,
      timeInForce: market ? 'good_til_cancelled' : trigger.timeInForce,
      postOnly: false,
      rejectPostOnly: false,
      reduceOnly: trigger.reduceOnly,
      label: trigger.label,
      connectionId: trigger.connectionId,
    });
    child.triggerOrderId = trigger.orderId;
    child.trigger = trigger.trigger;
    child.triggered = true;
    this.enter(book, child);
  }
}

/** Deribit's trigger order id prefix: stop/take, limit/market, index/mark/trade price, buy/sell. */
function triggerPrefix(type: SimTriggerType, reference: SimTriggerReference, direction: Direction): string {
  const kind = type.startsWith('stop') ? 'S' : 'T';
  const execution = type.endsWith('_limit') ? 'L' : 'M';
  const on = reference === 'index_price' ? 'I' : reference === 'mark_price' ? 'M' : 'T';
  return `${kind}${execution}${on}${direction === 'buy' ? 'B' : 'S'}`;
}
