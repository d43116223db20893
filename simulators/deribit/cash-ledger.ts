import { Decimal, ZERO } from '../../domain/decimal.ts';
import type { SimAccount, Wire } from './venue-types.ts';

/**
 * The local Deribit's cash ledger: every change of an account's cash balance (Deribit's `balance`)
 * is one transaction-log entry (`private/get_transaction_log`, the OpenAPI file's
 * `transaction_log`): `change` is the cash change, `balance` the cash after it, `user_seq` the
 * account's sequence; the balance moves only here. The settlement history
 * (`private/get_settlement_history_by_*`, the OpenAPI file's `settlement`) is kept beside it.
 *
 * Invariant (checked by the tests): for every account and currency, the entries' `balance`s chain
 * (`balance[i] = balance[i−1] + change[i]`), and their changes sum to the balance, to the last digit.
 */

export type LogType = 'trade' | 'settlement' | 'delivery' | 'deposit' | 'withdrawal' | 'transfer';
export type SettlementType = 'settlement' | 'delivery';

export interface LogEntry {
  /** Unique in the venue (Deribit's `id`), increasing in the order entries are made. */
  id: number;
  /** The account's own sequence (Deribit's `user_seq`), across currencies. */
  userSeq: number;
  accountId: number;
  currency: string;
  type: LogType;
  timestamp: number;
  change: Decimal;
  cashflow: Decimal;
  balance: Decimal;
  equity: Decimal;
  commission: Decimal | null;
  /** The entry's other fields as Deribit writes them (they depend on its type). */
  fields: Wire;
  /** What the `query` parameter matches (lower case): type, side words, role, kind, ids, address. */
  keywords: string[];
}

export interface SettlementRecord {
  id: number;
  accountId: number;
  currency: string;
  type: SettlementType;
  timestamp: number;
  instrumentName: string;
  /** Position size at the event (amount unit: USD for inverse futures). */
  position: Decimal;
  markPrice: Decimal;
  indexPrice: Decimal;
  /** What moved into cash: the session's PnL and funding (the log entry's `change`). */
  sessionProfitLoss: Decimal;
  /** The unrealized PnL booked (settlement) or the PnL of closing at the delivery price (delivery). */
  profitLoss: Decimal;
  funding: Decimal;
}

/** What an entry to be made says; the ledger adds the ids, the balance and the equity. */
export interface NewEntry {
  currency: string;
  type: LogType;
  timestamp: number;
  change: Decimal;
  /** Default: the change. */
  cashflow?: Decimal;
  commission: Decimal | null;
  fields: Wire;
  keywords: string[];
}

/** Entries kept to be journaled (see `durable-venue.ts`). */
export interface LedgerChanges {
  entries: LogEntry[];
  settlements: SettlementRecord[];
  accounts: Set<number>;
}

/** Amounts the ledger books are rounded to satoshi (1e-8), as the venue's statements show them. */
export const CASH_DECIMALS = 8;
export const toCash = (value: Decimal): Decimal =>
  value.toDecimalPlaces(CASH_DECIMALS, Decimal.ROUND_HALF_UP);

export class CashLedger {
  readonly entries: LogEntry[] = [];
  readonly settlements: SettlementRecord[] = [];
  nextId: number;
  nextSettlementId = 1;
  readonly userSeqs = new Map<number, number>();
  #changes: LedgerChanges = { entries: [], settlements: [], accounts: new Set() };
  readonly #equityOf: (account: SimAccount, currency: string) => Decimal;

  constructor(idBase: number, equityOf: (account: SimAccount, currency: string) => Decimal) {
    this.nextId = idBase;
    this.#equityOf = equityOf;
  }

  /** Books an entry: the account's cash in its currency moves by `change`. */
  append(account: SimAccount, entry: NewEntry): LogEntry {
    const balance = (account.balances.get(entry.currency) ?? ZERO).plus(entry.change);
    account.balances.set(entry.currency, balance);
    const userSeq = (this.userSeqs.get(account.id) ?? 0) + 1;
    this.userSeqs.set(account.id, userSeq);
    const logged: LogEntry = {
      id: ++this.nextId,
      userSeq,
      accountId: account.id,
      currency: entry.currency,
      type: entry.type,
      timestamp: entry.timestamp,
      change: entry.change,
      cashflow: entry.cashflow ?? entry.change,
      balance,
      equity: this.#equityOf(account, entry.currency),
      commission: entry.commission,
      fields: entry.fields,
      keywords: entry.keywords,
    };
    this.entries.push(logged);
    this.#changes.entries.push(logged);
    this.#changes.accounts.add(account.id);
    return logged;
  }

  record(settlement: Omit<SettlementRecord, 'id'>): SettlementRecord {
    const recorded = { ...settlement, id: this.nextSettlementId++ };
    this.settlements.push(recorded);
    this.#changes.settlements.push(recorded);
    return recorded;
  }

  /** An account whose positions changed outside a client's request (funding, settlement). */
  touched(accountId: number): void {
    this.#changes.accounts.add(accountId);
  }

  /** What changed since the last call (for the journal). */
  drain(): LedgerChanges {
    const changes = this.#changes;
    this.#changes = { entries: [], settlements: [], accounts: new Set() };
    return changes;
  }

  /** Entries and records restored from the journal (in id order). */
  restore(entries: LogEntry[], settlements: SettlementRecord[]): void {
    this.entries.push(...entries.sort((a, b) => a.id - b.id));
    this.settlements.push(...settlements.sort((a, b) => a.id - b.id));
  }

  // ----------------------------------------------------------------------------------------------
  // Queries
  // ----------------------------------------------------------------------------------------------

  /**
   * `private/get_transaction_log`: the account's entries in a currency and a time window, newest
   * first, `count` of them from `continuation` (an entry id: that entry and older ones); the reply's
   * `continuation` is the id of the next older entry, or null when there is none.
   */
  transactionLog(
    account: SimAccount,
    p: { currency: string; start: number; end: number; query?: string; count: number; continuation?: number },
  ): { logs: Wire[]; continuation: number | null } {
    const query = p.query?.trim().toLowerCase();
    const matching = this.entries.filter(
      (e) =>
        e.accountId === account.id &&
        e.currency === p.currency &&
        e.timestamp >= p.start &&
        e.timestamp <= p.end &&
        (p.continuation === undefined || e.id <= p.continuation) &&
        (query === undefined || query === '' || e.keywords.includes(query)),
    );
    const newestFirst = matching.reverse();
    const page = newestFirst.slice(0, p.count);
    const next = newestFirst[p.count];
    return { logs: page.map((e) => logWire(account, e)), continuation: next?.id ?? null };
  }

  /**
   * `private/get_settlement_history_by_currency` / `_by_instrument`: newest first, from
   * `search_start_timestamp` back (the latest timestamp to return), `count` of them from the
   * `continuation` token on; the reply's `continuation` is the token of the next page or null.
   */
  settlementHistory(
    accountId: number,
    p: {
      matches: (record: SettlementRecord) => boolean;
      type?: string;
      count: number;
      /** A decoded continuation token (`readSettlementToken`). */
      from?: number;
      searchStart?: number;
    },
  ): { settlements: Wire[]; continuation: string | null } {
    const from = p.from;
    const matching = this.settlements.filter(
      (s) =>
        s.accountId === accountId &&
        p.matches(s) &&
        (p.type === undefined || s.type === p.type) &&
        (p.searchStart === undefined || s.timestamp <= p.searchStart) &&
        (from === undefined || s.id <= from),
    );
    const newestFirst = matching.reverse();
    const next = newestFirst[p.count];
    return {
      settlements: newestFirst.slice(0, p.count).map(settlementWire),
      continuation: next === undefined ? null : tokenOf(next.id),
    };
  }
}

/** An entry as `get_transaction_log` lists it. */
export function logWire(account: SimAccount, e: LogEntry): Wire {
  return {
    id: e.id,
    user_seq: e.userSeq,
    user_id: account.id,
    username: account.name,
    currency: e.currency,
    type: e.type,
    timestamp: e.timestamp,
    change: e.change,
    cashflow: e.cashflow,
    balance: e.balance,
    equity: e.equity,
    commission: e.commission,
    ...e.fields,
  };
}

/** A record as the settlement history lists it (bankruptcy-only fields left out: none are simulated). */
export function settlementWire(s: SettlementRecord): Wire {
  return {
    type: s.type,
    timestamp: s.timestamp,
    instrument_name: s.instrumentName,
    position: s.position,
    mark_price: s.markPrice,
    index_price: s.indexPrice,
    session_profit_loss: s.sessionProfitLoss,
    profit_loss: s.profitLoss,
    funding: s.funding,
  };
}

/** Deribit's settlement continuation is an opaque string: here the next record's id, encoded. */
function tokenOf(id: number): string {
  return Buffer.from(`settlement:${id}`).toString('base64url');
}

/** The record id a settlement continuation token stands for (undefined: not a token of this venue). */
export function readSettlementToken(token: string): number | undefined {
  const match = /^settlement:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match === null ? undefined : Number(match[1]);
}
