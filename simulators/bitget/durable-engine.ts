import { type Decimal, ZERO } from '../../domain/decimal.ts';
import type { SimBill } from './bills.ts';
import type { Account, Push, SimOrder, SimTrade } from './engine-types.ts';
import { FundingEngine } from './funding-settlement.ts';
import type { SimPlan } from './plan-types.ts';
import type { SimPosition } from './positions.ts';

type Entry = [string, unknown];

/**
 * The local Bitget with a memory: its state as journal entries (see `../state-journal.ts`), the
 * entries each push touched (every change of an order, a plan, a fill or a position is pushed, at once),
 * the entries of each new bill and of each funding settlement, and the state restored from them at
 * start. Orders, trades and bills keep their ids, and ids go on after the last one issued: none is
 * issued twice across restarts; funding times up to `settledUntil` are never charged again, and
 * those that fell due while the venue was down are charged when it next looks at the clock.
 */
export class DurableEngine extends FundingEngine {
  #sink: ((entries: Entry[]) => void) | undefined;
  #lastId: () => bigint = () => 0n;
  /** The entries of the funding time being settled, written together once it is. */
  #batch: Entry[] | undefined;

  /** Where the entries of new bills and settlements go (`lastId`: the latest id issued). */
  journalTo(sink: (entries: Entry[]) => void, lastId: () => bigint): void {
    this.#sink = sink;
    this.#lastId = lastId;
  }

  /** Every entry of the state worth keeping; `lastId`: the latest id issued. */
  entries(lastId: bigint): Entry[] {
    const entries: Entry[] = [this.#ids(lastId), ...this.#marks(), this.#settledUntil()];
    for (const settled of this.funding.settledRates()) entries.push(this.#rate(settled));
    for (const account of this.accounts.values()) {
      entries.push(this.#account(account));
      for (const order of account.orders.values()) entries.push(this.#order(account, order));
      for (const trade of account.trades) entries.push(this.#trade(account, trade));
      for (const plan of this.plansOf(account)) entries.push(this.#plan(account, plan));
      for (const bill of this.billsOf(account)) entries.push(this.#bill(account, bill));
    }
    return entries;
  }

  /** The entries a push touched: its orders, plans or trades, the account and its positions, marks and ids. */
  entriesFor(push: Push, lastId: bigint): Entry[] {
    const account = this.accounts.get(push.apiKey);
    if (!account) return [];
    const entries: Entry[] = [this.#ids(lastId), ...this.#marks(), this.#account(account)];
    for (const record of push.data) {
      const order = account.orders.get(String(record.orderId));
      if (push.channel === 'orders' && order) entries.push(this.#order(account, order));
      const plan = this.planBook(account).plans.get(String(record.orderId));
      if (push.channel === 'orders-algo' && plan) entries.push(this.#plan(account, plan));
      if (push.channel === 'fill') {
        const trade = account.trades.findLast((t) => t.tradeId === String(record.tradeId));
        if (trade) entries.push(this.#trade(account, trade));
      }
    }
    return entries;
  }

  /** Takes back the state the entries describe (accounts no longer configured are left out). */
  restore(entries: ReadonlyMap<string, unknown>): void {
    const bills = new Map<Account, SimBill[]>();
    const restored = new Set<Account>();
    for (const [key, value] of entries) {
      const [kind = '', first = '', ...rest] = key.split(':');
      const v = value as Record<string, unknown>;
      if (this.#restoreMarket(kind, first, value)) continue;
      const account = this.accounts.get(first);
      if (account === undefined) continue;
      if (kind === 'account') {
        this.#restoreAccount(account, v);
        restored.add(account);
      } else if (kind === 'order') {
        const order = v as unknown as SimOrder;
        account.orders.set(order.orderId, order);
        account.byClientOid.set(order.clientOid, order.orderId);
      } else if (rest.length === 0) continue;
      else if (kind === 'trade') account.trades.push(v as unknown as SimTrade);
      else if (kind === 'plan') this.addPlan(account, v as unknown as SimPlan);
      else if (kind === 'bill') bills.set(account, [...(bills.get(account) ?? []), v as unknown as SimBill]);
    }
    for (const account of restored) this.#restoreLedger(account, bills.get(account));
    this.rememberLastTrades();
  }

  /** Ids, marks, index prices, settled funding: true when the entry was one of those. */
  #restoreMarket(kind: string, symbol: string, value: unknown): boolean {
    const v = value as Record<string, unknown>;
    const listed = this.contracts.has(symbol);
    if (kind === 'ids') this.seq = Math.max(this.seq, Number(v.seq));
    else if (kind === 'mark' && listed) this.marks.set(symbol, value as Decimal);
    else if (kind === 'index' && listed) this.funding.restoreIndex(symbol, value as Decimal);
    else if (kind === 'settled') this.settledUntil = Number(v.settledUntil);
    else if (kind === 'fundrate' && listed)
      this.funding.recordSettled(symbol, Number(v.fundingTime), v.rate as Decimal);
    else return ['ids', 'mark', 'index', 'settled', 'fundrate'].includes(kind);
    return true;
  }

  /** The index prices and marks, to keep after a control moves them. */
  marketEntries(): Entry[] {
    return this.#marks();
  }

  protected override billed(account: Account, bill: SimBill): void {
    const entries: Entry[] = [this.#account(account), this.#bill(account, bill)];
    if (this.#batch) this.#batch.push(...entries);
    else this.#sink?.([this.#ids(this.#lastId()), ...entries]);
  }

  protected override settling(): void {
    this.#batch = [];
  }

  /** A funding time's bills, its rate and `settledUntil` in one write: all of it is kept, or none. */
  protected override settled(time: { at: number; symbol: string }, rate: Decimal): void {
    const batch = this.#batch ?? [];
    this.#batch = undefined;
    const settled = { symbol: time.symbol, fundingTime: time.at, rate };
    this.#sink?.([this.#ids(this.#lastId()), ...batch, this.#rate(settled), this.#settledUntil()]);
  }

  /** The account's bills; a state kept before bills existed starts them with its balance as a transfer in. */
  #restoreLedger(account: Account, bills: SimBill[] | undefined): void {
    const balance = account.equity;
    this.restoreBills(account, bills ?? []);
    if (bills !== undefined) return;
    account.equity = ZERO;
    if (balance.gt(0)) this.transferIn(account, balance);
  }

  #ids(lastId: bigint): Entry {
    return ['ids', { lastId, seq: this.seq }];
  }

  #marks(): Entry[] {
    return [
      ...[...this.marks].map(([symbol, mark]): Entry => [`mark:${symbol}`, mark]),
      ...this.funding.indices().map(([symbol, index]): Entry => [`index:${symbol}`, index]),
    ];
  }

  #settledUntil(): Entry {
    return ['settled', { settledUntil: this.settledUntil }];
  }

  #rate(settled: { symbol: string; fundingTime: number; rate: Decimal }): Entry {
    return [`fundrate:${settled.symbol}:${settled.fundingTime}`, settled];
  }

  #account(account: Account): Entry {
    const { uid, posMode, equity, leverage, reserved } = account;
    return [
      `account:${account.apiKey}`,
      { uid, posMode, equity, leverage, reserved, positions: account.positions.list() },
    ];
  }

  #order(account: Account, order: SimOrder): Entry {
    return [`order:${account.apiKey}:${order.orderId}`, order];
  }

  #trade(account: Account, trade: SimTrade): Entry {
    return [`trade:${account.apiKey}:${trade.tradeId}`, trade];
  }

  #plan(account: Account, plan: SimPlan): Entry {
    return [`plan:${account.apiKey}:${plan.orderId}`, plan];
  }

  #bill(account: Account, bill: SimBill): Entry {
    return [`bill:${account.apiKey}:${bill.billId}`, bill];
  }

  #restoreAccount(account: Account, v: Record<string, unknown>): void {
    Object.assign(account, {
      uid: v.uid,
      posMode: v.posMode,
      equity: v.equity,
      leverage: v.leverage,
      reserved: v.reserved,
    });
    account.positions.restore(v.positions as SimPosition[]);
  }
}
