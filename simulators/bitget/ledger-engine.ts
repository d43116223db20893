import { type Decimal, ZERO } from '../../domain/decimal.ts';
import {
  type BillBusinessType,
  billRecord,
  NON_FINANCIAL,
  type SimBill,
  tradeBusinessType,
} from './bills.ts';
import type { Account, PosMode, SimOrder } from './engine-types.ts';
import { refuse } from './errors.ts';
import { KEEP_MS } from './funding.ts';
import { PlanEngine } from './plan-orders.ts';
import { compareIds } from './records.ts';

/** The widest window a bill query may name (startTime to endTime): 30 days. */
const MAX_WINDOW_MS = 30 * 24 * 3_600_000;
/** Page size: 20 by default, at most 100. */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** A bill query once parsed (`bill-routes.ts`). */
export interface BillQuery {
  productType: string;
  symbol?: string;
  coin?: string;
  businessType?: BillBusinessType;
  onlyFunding?: 'yes' | 'no';
  idLessThan?: string;
  startTime?: string;
  endTime?: string;
  limit?: string;
}

/** A movement of an account's balance before it is a bill. */
export interface Movement {
  businessType: BillBusinessType;
  symbol: string;
  amount: Decimal;
  fee: Decimal;
  at: number;
}

/**
 * The local Bitget's cash ledger: every change of an account's wallet balance is a bill (see
 * `bills.ts`), and the wallet balance (`account.equity`) is the last bill's `balance`. An account
 * starts with its initial balance as a transfer in from the spot account (`trans_from_exchange`),
 * so that its bills add up to its balance from the first one. Fills are billed here; transfers come
 * from the control surface; funding from `funding-settlement.ts`.
 */
export abstract class LedgerEngine extends PlanEngine {
  readonly #ledgers = new Map<string, SimBill[]>();

  /** Called with every new bill (the durable engine journals it). */
  protected billed(_account: Account, _bill: SimBill): void {}

  override addAccount(apiKey: string, posMode: PosMode): Account {
    const account = super.addAccount(apiKey, posMode);
    this.#ledgers.set(apiKey, []);
    const opening = account.equity;
    account.equity = ZERO;
    if (opening.gt(0)) this.post(account, this.#transfer('trans_from_exchange', opening));
    return account;
  }

  /** The account's bills, oldest first. */
  billsOf(account: Account): readonly SimBill[] {
    return this.#ledgers.get(account.apiKey) ?? [];
  }

  /** Takes back bills kept across a restart (the wallet balance is the last one's). */
  protected restoreBills(account: Account, bills: SimBill[]): void {
    bills.sort((a, b) => compareIds(a.billId, b.billId));
    this.#ledgers.set(account.apiKey, bills);
    const last = bills.at(-1);
    if (last) account.equity = last.balance;
  }

  /** Books a movement: a bill with the balance after it, which becomes the wallet balance. */
  protected post(account: Account, movement: Movement): SimBill {
    const ledger = this.#ledgers.get(account.apiKey) ?? [];
    const previous = ledger.at(-1)?.balance ?? ZERO;
    const bill: SimBill = {
      billId: this.newId(),
      symbol: movement.symbol,
      businessType: movement.businessType,
      coin: this.config.marginCoin,
      amount: movement.amount,
      fee: movement.fee,
      balance: previous.plus(movement.amount).plus(movement.fee),
      cTime: movement.at,
    };
    ledger.push(bill);
    this.#ledgers.set(account.apiKey, ledger);
    account.equity = bill.balance;
    this.billed(account, bill);
    return bill;
  }

  /** A fill is billed: its realized PnL as `amount`, its fee (negative) as `fee`. */
  protected override trade(
    account: Account,
    order: SimOrder,
    size: Decimal,
    price: Decimal,
    scope: 'taker' | 'maker',
  ): void {
    const before = account.trades.length;
    super.trade(account, order, size, price, scope);
    const trade = account.trades[before];
    if (trade === undefined) return;
    this.post(account, {
      businessType: tradeBusinessType(order),
      symbol: trade.symbol,
      amount: trade.profit,
      fee: trade.fee.neg(),
      at: trade.at,
    });
  }

  /** A transfer in from the spot account (`trans_from_exchange`). */
  transferIn(account: Account, amount: Decimal): SimBill {
    if (amount.lte(0)) throw refuse.invalid('amount', 'must be positive');
    return this.post(account, this.#transfer('trans_from_exchange', amount));
  }

  /** A transfer out to the spot account (`trans_to_exchange`); refused above the available balance. */
  transferOut(account: Account, amount: Decimal): SimBill {
    if (amount.lte(0)) throw refuse.invalid('amount', 'must be positive');
    if (amount.gt(this.available(account))) throw refuse.insufficientBalance();
    return this.post(account, this.#transfer('trans_to_exchange', amount.neg()));
  }

  #transfer(businessType: BillBusinessType, amount: Decimal): Movement {
    return { businessType, symbol: '', amount, fee: ZERO, at: this.now() };
  }

  /**
   * `account/bill`: the account's bills newest first, `limit` (20, at most 100) a page, older pages
   * by `idLessThan` = the previous page's `endId`; filters `symbol`, `coin`, `businessType`,
   * `onlyFunding`; within `startTime`..`endTime` (at most 30 days apart when both are given) and
   * the last 90 days ("It only supports to get the data within 90days").
   */
  listBills(account: Account, query: BillQuery): { bills: Record<string, string>[]; endId: string | null } {
    const { from, to } = this.#window(query);
    const limit = Math.min(Math.max(Number(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
    if (query.productType.toUpperCase() !== this.config.productType) return { bills: [], endId: null };
    const coin = query.coin?.toUpperCase();
    const matching = this.billsOf(account).filter(
      (bill) =>
        bill.cTime >= from &&
        bill.cTime <= to &&
        (query.symbol === undefined || bill.symbol === query.symbol.toUpperCase()) &&
        (coin === undefined || bill.coin === coin) &&
        (query.businessType === undefined || bill.businessType === query.businessType) &&
        (query.onlyFunding !== 'yes' || !NON_FINANCIAL.has(bill.businessType)) &&
        (query.idLessThan === undefined || compareIds(bill.billId, query.idLessThan) < 0),
    );
    const page = matching.reverse().slice(0, limit);
    return { bills: page.map(billRecord), endId: page.at(-1)?.billId ?? null };
  }

  #window(query: BillQuery): { from: number; to: number } {
    const start = query.startTime === undefined ? undefined : Number(query.startTime);
    const end = query.endTime === undefined ? undefined : Number(query.endTime);
    if (start !== undefined && end !== undefined) {
      if (start > end) throw refuse.invalid('startTime', 'must not be after endTime');
      if (end - start > MAX_WINDOW_MS)
        throw refuse.invalid('endTime', 'the interval between startTime and endTime should be <= 30 days');
    }
    const floor = this.now() - KEEP_MS;
    return { from: Math.max(start ?? floor, floor), to: end ?? Number.POSITIVE_INFINITY };
  }
}
