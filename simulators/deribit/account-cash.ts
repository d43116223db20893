import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { logWire, type SettlementRecord } from './cash-ledger.ts';
import { depositEntry, transferEntry, withdrawalEntry } from './ledger-entries.ts';
import { refuse } from './rpc-failure.ts';
import { SettlingSimVenue } from './settlement.ts';
import type { SimAccount, Wire } from './venue-types.ts';

/**
 * Cash that comes and goes (the control surface; Deribit's wallet is not simulated): deposits,
 * withdrawals and transfers between the venue's accounts (Deribit's subaccount transfers), each a
 * transaction-log entry (`deposit`, `withdrawal`, `transfer`, with the `info` of the OpenAPI
 * file's examples). A first start opens the ledger with the configured balances as deposits.
 */
export class CashSimVenue extends SettlingSimVenue {
  /**
   * A first start: each account's configured balances become opening deposits (so that the log's
   * changes add up to the balance), and instruments already past their expiry are expired.
   */
  openLedger(): void {
    if (this.ledger.entries.length > 0) return;
    const now = this.options.now();
    for (const instrument of this.instruments.values())
      if (instrument.expirationTimestamp <= now) this.delivered.add(instrument.name);
    for (const account of this.accounts.values()) {
      for (const [currency, amount] of [...account.balances]) {
        account.balances.set(currency, ZERO);
        if (!amount.isZero()) this.#deposit(account, currency, amount);
      }
    }
    this.ledgerDirty = true;
  }

  /** A deposit from outside; returns its log entry. */
  deposit(accountId: number, currency: string, amount: Decimal): Wire {
    this.#check(currency, amount);
    return this.#deposit(this.account(accountId), currency, amount);
  }

  #deposit(account: SimAccount, currency: string, amount: Decimal): Wire {
    const tx = `local-deposit-${this.ledger.nextId + 1}`;
    const entry = this.ledger.append(
      account,
      depositEntry(currency, amount, this.options.now(), addressOf(account, currency), tx),
    );
    this.#cashMoved(account, currency);
    return logWire(account, entry);
  }

  /** A withdrawal, within the available withdrawal funds (session profits wait for the settlement). */
  withdraw(accountId: number, currency: string, amount: Decimal): Wire {
    this.#check(currency, amount);
    const account = this.account(accountId);
    this.#checkWithdrawable(account, currency, amount);
    const tx = `local-withdrawal-${this.ledger.nextId + 1}`;
    const entry = this.ledger.append(
      account,
      withdrawalEntry(currency, amount, this.options.now(), addressOf(account, currency), tx),
    );
    this.#cashMoved(account, currency);
    return logWire(account, entry);
  }

  /** A transfer between two of the venue's accounts; returns both entries. */
  transfer(fromId: number, toId: number, currency: string, amount: Decimal): { from: Wire; to: Wire } {
    this.#check(currency, amount);
    const from = this.account(fromId);
    const to = this.account(toId);
    if (from.id === to.id) throw new Error('a transfer needs two different accounts');
    this.#checkWithdrawable(from, currency, amount);
    const now = this.options.now();
    const out = this.ledger.append(from, transferEntry(currency, amount.neg(), now, to));
    const into = this.ledger.append(to, transferEntry(currency, amount, now, from));
    this.#cashMoved(from, currency);
    this.#cashMoved(to, currency);
    return { from: logWire(from, out), to: logWire(to, into) };
  }

  // ----------------------------------------------------------------------------------------------
  // Reading the ledger
  // ----------------------------------------------------------------------------------------------

  /** `private/get_transaction_log` of the account (or of `subaccount_id`, another of the venue's accounts). */
  transactionLog(
    accountId: number,
    p: { currency: string; start: number; end: number; query?: string; count: number; continuation?: number },
    subaccountId?: number,
  ): Wire {
    return this.ledger.transactionLog(this.account(this.readableAccount(accountId, subaccountId)), p);
  }

  /** `private/get_settlement_history_by_currency` / `_by_instrument`. */
  settlementHistory(
    accountId: number,
    of: { currency: string } | { instrument: string },
    p: { type?: string; count: number; from?: number; searchStart?: number },
  ): Wire {
    if ('instrument' in of) this.instrument(of.instrument);
    const matches =
      'instrument' in of
        ? (s: SettlementRecord) => s.instrumentName === of.instrument
        : (s: SettlementRecord) => s.currency === of.currency;
    return this.ledger.settlementHistory(this.account(accountId).id, { ...p, matches });
  }

  // ----------------------------------------------------------------------------------------------
  // The main account and its subaccounts
  // ----------------------------------------------------------------------------------------------

  /** The main account: the first configured; every other account is one of its subaccounts. */
  get mainAccountId(): number {
    return Math.min(...this.accounts.keys());
  }

  /**
   * Whose data a call that names `subaccount_id` reads: the caller's own; another account's only
   * when the caller is the main account (Deribit's `mainaccount` scope), else `13021 forbidden`.
   * One subaccount's keys never read another's.
   */
  readableAccount(callerId: number, subaccountId: number | undefined): number {
    const caller = this.account(callerId);
    if (subaccountId === undefined || subaccountId === caller.id) return caller.id;
    if (caller.id !== this.mainAccountId) throw refuse.forbidden('subaccount_id needs the main account');
    if (!this.accounts.has(subaccountId)) throw refuse.invalidParams('subaccount_id', 'unknown subaccount');
    return subaccountId;
  }

  /**
   * `private/get_subaccounts`: from the main account, every account; from a subaccount, the main
   * account's name and type only, and its own full details. `with_portfolio` adds each listed
   * account's balances (its own, never another subaccount's to a subaccount).
   */
  subaccounts(callerId: number, withPortfolio: boolean): Wire[] {
    const caller = this.account(callerId);
    const main = this.mainAccountId;
    const typeOf = (a: SimAccount) => (a.id === main ? 'main' : 'subaccount');
    const full = (a: SimAccount): Wire => ({
      id: a.id,
      username: a.name,
      system_name: a.name,
      type: typeOf(a),
      email: `${a.name}@local.deribit`,
      is_password: false,
      login_enabled: false,
      receive_notifications: false,
      security_keys_enabled: false,
      security_keys_assignments: [],
      margin_model: 'segregated_sm',
      ...(withPortfolio && {
        portfolio: Object.fromEntries(
          this.currencies().map((currency) => [currency.toLowerCase(), this.#portfolio(a.id, currency)]),
        ),
      }),
    });
    if (caller.id === main) return [...this.accounts.values()].map(full);
    const mainAccount = this.account(main);
    return [
      { id: main, username: mainAccount.name, system_name: mainAccount.name, type: 'main' },
      full(caller),
    ];
  }

  #portfolio(accountId: number, currency: string): Wire {
    const s = this.accountSummary(accountId, currency);
    const fields = [
      'additional_reserve',
      'spot_reserve',
      'available_funds',
      'available_withdrawal_funds',
      'balance',
      'equity',
      'initial_margin',
      'maintenance_margin',
      'margin_balance',
    ];
    return { ...Object.fromEntries(fields.map((f) => [f, s[f] ?? ZERO])), currency: currency.toLowerCase() };
  }

  #check(currency: string, amount: Decimal): void {
    if (!this.currencies().includes(currency)) throw new Error(`the venue holds no ${currency}`);
    if (amount.lte(0)) throw new Error(`an amount must be positive (${amount})`);
  }

  #checkWithdrawable(account: SimAccount, currency: string, amount: Decimal): void {
    const available = this.accountSummary(account.id, currency).available_withdrawal_funds as Decimal;
    if (amount.gt(available))
      throw new Error(`${account.name} can withdraw ${available} ${currency}, not ${amount}`);
  }

  #cashMoved(account: SimAccount, currency: string): void {
    this.onCash(account.id, currency);
  }
}

/** The account's (made up) deposit address in a currency. */
function addressOf(account: SimAccount, currency: string): string {
  return `local-${currency.toLowerCase()}-${account.id}`;
}
