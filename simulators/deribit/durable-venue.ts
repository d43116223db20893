import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { CashSimVenue } from './account-cash.ts';
import type { LogEntry, SettlementRecord } from './cash-ledger.ts';
import { type SimPosition, withSession } from './position-accounting.ts';
import type { ChangeSet } from './venue.ts';
import { type BookSettings, bookSettingsOf, liquidityOf, type SimAccount } from './venue-types.ts';
import type { SimOrder, SimTrade } from './wire-objects.ts';

type Entry = [string, unknown];

/**
 * The local Deribit with a memory: its state as journal entries (see `../state-journal.ts`), the
 * entries each change touched, and the state restored from them at start. Orders keep their ids,
 * trades their ids and sequence numbers, and the counters go on from where they were: no id is
 * issued twice across restarts. Connections are not kept: an order restored has none (so no
 * cancel-on-disconnect applies to it), as a venue forgets sessions but not orders.
 *
 * The cash ledger too: every transaction-log entry (`log:<id>`) and settlement-history record
 * (`settlement:<id>`) once, and its counters, `settledUntil`, the delivered instruments, the last
 * settlement prices and the index prices set (`ledger`): a restart goes on with the next `user_seq`
 * and processes what became due while it was down, once.
 */
export class DurableSimVenue extends CashSimVenue {
  #legacy = false;

  /** Every entry of the state worth keeping. */
  entries(): Entry[] {
    return [
      this.#ids(),
      ...[...this.books.keys()].map((name) => this.#book(name)),
      ...[...this.accounts.values()].map((account) => this.#account(account.id)),
      ...[...this.orders.values()].map((order) => this.#order(order)),
      ...this.trades.map((trade) => this.#trade(trade)),
      this.#ledger(),
      ...this.ledger.entries.map((entry) => this.#log(entry)),
      ...this.ledger.settlements.map((record) => this.#settlement(record)),
    ];
  }

  /** The entries the cash ledger changed since the last call (new log entries, records, accounts). */
  drain(): Entry[] {
    const changes = this.ledger.drain();
    const any = changes.entries.length + changes.settlements.length + changes.accounts.size > 0;
    if (!any && !this.ledgerDirty) return [];
    this.ledgerDirty = false;
    return [
      this.#ledger(),
      ...[...changes.accounts].map((id) => this.#account(id)),
      ...changes.entries.map((entry) => this.#log(entry)),
      ...changes.settlements.map((record) => this.#settlement(record)),
    ];
  }

  /** The entries one change touched (its orders, trades, account, book, and the counters). */
  changedEntries(change: ChangeSet): Entry[] {
    const entries: Entry[] = [
      this.#ids(),
      this.#account(change.accountId),
      this.#book(change.instrument.name),
    ];
    entries.push(...this.drain());
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
    const logs: LogEntry[] = [];
    const records: SettlementRecord[] = [];
    this.#legacy = [...entries.keys()].some((k) => k.startsWith('account:')) && !entries.has('ledger');
    for (const [key, value] of entries) {
      const [kind, ...rest] = key.split(':');
      const id = rest.join(':');
      const v = value as Record<string, unknown>;
      if (kind === 'ids') this.#restoreIds(v);
      else if (kind === 'book') this.#restoreBook(id, v);
      else if (kind === 'account') this.#restoreAccount(id, v);
      else if (kind === 'order') this.#restoreOrder(v);
      else if (kind === 'ledger') this.#restoreLedger(v);
      else if (kind === 'log' || kind === 'settlement') this.#restoreLedgerItem(kind, v, logs, records);
      else if (kind === 'trade') {
        const links = this.#links(v);
        if (links) trades.push({ ...(v as unknown as SimTrade), ...links });
      }
    }
    this.trades.push(...trades);
    this.ledger.restore(logs, records);
  }

  #ids(): Entry {
    return ['ids', { orderNumber: this.orderNumber, tradeNumber: this.tradeNumber, priority: this.priority }];
  }

  #book(name: string): Entry {
    const book = this.book(name);
    const { mark, lastPrice, tradeSeq } = book;
    return [`book:${name}`, { mark, settings: bookSettingsOf(book.liquidity.settings), lastPrice, tradeSeq }];
  }

  #ledger(): Entry {
    const names = new Map([...this.accounts.values()].map((a) => [a.id, a.name]));
    const userSeqs = new Map(
      [...this.ledger.userSeqs].map(([id, seq]) => [names.get(id) ?? String(id), seq]),
    );
    return [
      'ledger',
      {
        nextId: this.ledger.nextId,
        nextSettlementId: this.ledger.nextSettlementId,
        userSeqs,
        settledUntil: this.settledUntil,
        delivered: [...this.delivered],
        settlementPrices: this.settlementPrices,
        indices: this.funding.setIndices(),
      },
    ];
  }

  #log(entry: LogEntry): Entry {
    const { accountId, ...rest } = entry;
    return [`log:${entry.id}`, { ...rest, account: this.account(accountId).name }];
  }

  #settlement(record: SettlementRecord): Entry {
    const { accountId, ...rest } = record;
    return [`settlement:${record.id}`, { ...rest, account: this.account(accountId).name }];
  }

  #restoreLedger(v: Record<string, unknown>): void {
    this.ledger.nextId = Math.max(this.ledger.nextId, Number(v.nextId));
    this.ledger.nextSettlementId = Math.max(this.ledger.nextSettlementId, Number(v.nextSettlementId));
    for (const [name, seq] of v.userSeqs as Map<string, number>) {
      const account = this.#accountNamed(name);
      if (account) this.ledger.userSeqs.set(account.id, seq);
    }
    this.settledUntil = Number(v.settledUntil);
    for (const name of v.delivered as string[]) this.delivered.add(name);
    for (const [name, price] of v.settlementPrices as Map<string, Decimal>)
      this.settlementPrices.set(name, price);
    this.funding.restoreIndices(v.indices as Map<string, Decimal>);
  }

  /** A log entry or a settlement record, of an account still configured. */
  #restoreLedgerItem(
    kind: 'log' | 'settlement',
    v: Record<string, unknown>,
    logs: LogEntry[],
    records: SettlementRecord[],
  ): void {
    const accountId = this.#accountNamed(v.account)?.id;
    if (accountId === undefined) return;
    if (kind === 'log') logs.push({ ...(v as unknown as LogEntry), accountId });
    else records.push({ ...(v as unknown as SettlementRecord), accountId });
  }

  #accountNamed(name: unknown): SimAccount | undefined {
    return [...this.accounts.values()].find((a) => a.name === name);
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
    const account = this.#accountNamed(name);
    if (!account) return;
    const kept = v.positions as Map<string, SimPosition>;
    const positions = new Map([...kept].map(([instrument, p]) => [instrument, withSession(p)]));
    const balances = new Map(v.balances as Map<string, Decimal>);
    if (this.#legacy) {
      // A state file from before the cash ledger kept deposits, and fees and realized PnL apart:
      // its balance becomes the cash, and the ledger opens with it (`openLedger`).
      for (const [currency, fee] of v.fees as Map<string, Decimal>)
        balances.set(currency, (balances.get(currency) ?? ZERO).minus(fee));
      for (const [instrument, p] of positions) {
        const currency = this.instruments.get(instrument)?.settlementCurrency;
        if (currency !== undefined)
          balances.set(currency, (balances.get(currency) ?? ZERO).plus(p.realizedPnl));
        positions.set(instrument, { ...p, sessionRpl: ZERO, sessionPrice: p.averagePrice });
      }
    }
    Object.assign(account, { balances, positions, fees: v.fees });
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
