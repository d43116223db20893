import type { Decimal } from '../../domain/decimal.ts';
import type { Account, Push, SimOrder, SimTrade } from './engine-types.ts';
import { PlanEngine } from './plan-orders.ts';
import type { SimPlan } from './plan-types.ts';
import type { SimPosition } from './positions.ts';

type Entry = [string, unknown];

/**
 * The local Bitget with a memory: its state as journal entries (see `../state-journal.ts`), the
 * entries each push touched (every change of an order, a plan, a fill or a position is pushed, at once),
 * and the state restored from them at start. Orders and trades keep their ids, and ids go on after
 * the last one issued: none is issued twice across restarts.
 */
export class DurableEngine extends PlanEngine {
  /** Every entry of the state worth keeping; `lastId`: the latest id issued. */
  entries(lastId: bigint): Entry[] {
    const entries: Entry[] = [this.#ids(lastId), ...this.#marks()];
    for (const account of this.accounts.values()) {
      entries.push(this.#account(account));
      for (const order of account.orders.values()) entries.push(this.#order(account, order));
      for (const trade of account.trades) entries.push(this.#trade(account, trade));
      for (const plan of this.plansOf(account)) entries.push(this.#plan(account, plan));
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
    for (const [key, value] of entries) {
      const [kind, first = '', ...rest] = key.split(':');
      const v = value as Record<string, unknown>;
      const account = this.accounts.get(first);
      if (kind === 'ids') this.seq = Math.max(this.seq, Number(v.seq));
      else if (kind === 'mark' && this.contracts.has(first)) this.marks.set(first, value as Decimal);
      else if (kind === 'account' && account) this.#restoreAccount(account, v);
      else if (kind === 'order' && account) {
        const order = v as unknown as SimOrder;
        account.orders.set(order.orderId, order);
        account.byClientOid.set(order.clientOid, order.orderId);
      } else if (kind === 'trade' && account && rest.length > 0)
        account.trades.push(v as unknown as SimTrade);
      else if (kind === 'plan' && account && rest.length > 0) this.addPlan(account, v as unknown as SimPlan);
    }
    this.rememberLastTrades();
  }

  #ids(lastId: bigint): Entry {
    return ['ids', { lastId, seq: this.seq }];
  }

  #marks(): Entry[] {
    return [...this.marks].map(([symbol, mark]) => [`mark:${symbol}`, mark]);
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
