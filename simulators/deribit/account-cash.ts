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
    const account = this.#readable(accountId, subaccountId);
    return this.ledger.transactionLog(account, p);
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

  #readable(accountId: number, subaccountId: number | undefined): SimAccount {
    if (subaccountId === undefined) return this.account(accountId);
    const account = this.accounts.get(subaccountId);
    if (account === undefined) throw refuse.invalidParams('subaccount_id', 'unknown subaccount');
    return account;
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
