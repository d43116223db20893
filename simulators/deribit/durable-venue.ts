import { TriggeringSimVenue } from './trigger-orders.ts';
import type { ChangeSet } from './venue.ts';
import { type BookSettings, bookSettingsOf, liquidityOf } from './venue-types.ts';
import type { SimOrder, SimTrade } from './wire-objects.ts';

type Entry = [string, unknown];

/**
 * The local Deribit with a memory: its state as journal entries (see `../state-journal.ts`), the
 * entries each change touched, and the state restored from them at start. Orders keep their ids,
 * trades their ids and sequence numbers, and the counters go on from where they were: no id is
 * issued twice across restarts. Connections are not kept: an order restored has none (so no
 * cancel-on-disconnect applies to it), as a venue forgets sessions but not orders.
 */
export class DurableSimVenue extends TriggeringSimVenue {
  /** Every entry of the state worth keeping. */
  entries(): Entry[] {
    return [
      this.#ids(),
      ...[...this.books.keys()].map((name) => this.#book(name)),
      ...[...this.accounts.values()].map((account) => this.#account(account.id)),
      ...[...this.orders.values()].map((order) => this.#order(order)),
      ...this.trades.map((trade) => this.#trade(trade)),
    ];
  }

  /** The entries one change touched (its orders, trades, account, book, and the counters). */
  changedEntries(change: ChangeSet): Entry[] {
    const entries: Entry[] = [
      this.#ids(),
      this.#account(change.accountId),
      this.#book(change.instrument.name),
    ];
    for (const wire of change.orders) {
      const order = this.orders.get(String(wire.order_id));
      if (order) entries.push(this.#order(order));
    }
    const tradeIds = new Set(change.trades.map((wire) => String(wire.trade_id)));
    for (let i = this.trades.length - 1; i >= 0 && tradeIds.size > 0; i--) {
      const trade = this.trades[i]!;
      if (tradeIds.delete(trade.tradeId)) entries.push(this.#trade(trade));
    }
    return entries;
  }

  /** The book entry of an instrument whose market moved. */
  bookEntry(name: string): Entry[] {
    return this.books.has(name) ? [this.#book(name)] : [];
  }

  /** Takes back the state the entries describe (instruments and accounts no longer configured are left out). */
  restore(entries: ReadonlyMap<string, unknown>): void {
    const trades: SimTrade[] = [];
    for (const [key, value] of entries) {
      const [kind, ...rest] = key.split(':');
      const id = rest.join(':');
      const v = value as Record<string, unknown>;
      if (kind === 'ids') this.#restoreIds(v);
      else if (kind === 'book') this.#restoreBook(id, v);
      else if (kind === 'account') this.#restoreAccount(id, v);
      else if (kind === 'order') this.#restoreOrder(v);
      else if (kind === 'trade') {
        const links = this.#links(v);
        if (links) trades.push({ ...(v as unknown as SimTrade), ...links });
      }
    }
    this.trades.push(...trades);
  }

  #ids(): Entry {
    return ['ids', { orderNumber: this.orderNumber, tradeNumber: this.tradeNumber, priority: this.priority }];
  }

  #book(name: string): Entry {
    const book = this.book(name);
    const { mark, lastPrice, tradeSeq } = book;
    return [`book:${name}`, { mark, settings: bookSettingsOf(book.liquidity.settings), lastPrice, tradeSeq }];
  }

  #account(accountId: number): Entry {
    const { name, balances, positions, fees } = this.account(accountId);
    return [`account:${name}`, { balances, positions, fees }];
  }

  #order(order: SimOrder): Entry {
    const account = this.account(order.accountId).name;
    return [
      `order:${order.orderId}`,
      { ...order, account, instrument: order.instrument.name, connectionId: undefined },
    ];
  }

  #trade(trade: SimTrade): Entry {
    const account = this.account(trade.accountId).name;
    return [`trade:${trade.tradeId}`, { ...trade, account, instrument: trade.instrument.name }];
  }

  #restoreIds(v: Record<string, unknown>): void {
    this.orderNumber = Math.max(this.orderNumber, Number(v.orderNumber));
    this.tradeNumber = Math.max(this.tradeNumber, Number(v.tradeNumber));
    this.priority = Math.max(this.priority, Number(v.priority));
  }

  #restoreBook(name: string, v: Record<string, unknown>): void {
    const book = this.books.get(name);
    if (!book) return;
    Object.assign(book, { mark: v.mark, lastPrice: v.lastPrice, tradeSeq: v.tradeSeq });
    book.liquidity.configure(liquidityOf(v.settings as BookSettings));
  }

  #restoreAccount(name: string, v: Record<string, unknown>): void {
    const account = [...this.accounts.values()].find((a) => a.name === name);
    if (!account) return;
    Object.assign(account, { balances: v.balances, positions: v.positions, fees: v.fees });
  }

  #restoreOrder(v: Record<string, unknown>): void {
    const links = this.#links(v);
    if (!links) return;
    const order = { ...(v as unknown as SimOrder), ...links, connectionId: undefined };
    this.orders.set(order.orderId, order);
  }

  /** The instrument and account an order or trade belongs to now (by name; ids follow the configuration). */
  #links(v: Record<string, unknown>) {
    const instrument = this.instruments.get(String(v.instrument));
    const account = [...this.accounts.values()].find((a) => a.name === v.account);
    return instrument && account ? { instrument, accountId: account.id } : undefined;
  }
}
