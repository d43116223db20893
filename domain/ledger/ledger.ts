import { z } from 'zod';
import { type Decimal, exactSum, ZERO } from '../decimal.ts';

/**
 * The back office's double-entry ledger, per venue account and currency. Every entry is balanced
 * (its postings sum to zero: debits positive, credits negative) and names what caused it: one of
 * our fills, or a cash movement the venue reports (funding, a settlement, a delivery, a transfer, a
 * correction). Trades are posted from our own fills; the venue's trade entries are what the daily
 * reconciliation compares them with.
 *
 * Accounts (the `cash` one is the venue's cash balance; the others say why it moved):
 * - `cash`: what the venue holds for us (Deribit `balance`, Bitget wallet balance);
 * - `unsettled_pnl`: PnL realized but not yet in cash (Deribit moves futures' session PnL and
 *   funding into cash at its daily settlement; Bitget pays each close at once);
 * - `trading_pnl`, `funding`, `settlement` (deliveries, expiries), `fees`, `transfers`
 *   (deposits, withdrawals, transfers), `corrections`: income, costs and equity movements.
 */

export const LEDGER_ACCOUNTS = [
  'cash',
  'unsettled_pnl',
  'trading_pnl',
  'funding',
  'settlement',
  'fees',
  'transfers',
  'corrections',
] as const;
export const LedgerAccountSchema = z.enum(LEDGER_ACCOUNTS);
export type LedgerAccount = z.infer<typeof LedgerAccountSchema>;

/** Debit positive, credit negative. */
export interface Posting {
  account: LedgerAccount;
  amount: Decimal;
}

/** When PnL reaches the cash balance: at each close (Bitget), or at the venue's settlement (Deribit). */
export type CashModel = 'immediate' | 'session';

/** The kinds of cash movement a venue reports, normalized. */
export const CashMovementKindSchema = z.enum([
  'trade',
  'funding',
  'settlement',
  'delivery',
  'deposit',
  'withdrawal',
  'transfer',
  'liquidation',
  'correction',
  'other',
]);
export type CashMovementKind = z.infer<typeof CashMovementKindSchema>;

/** A venue's cash movement, as the adapter reads it (Deribit transaction log, Bitget bills). */
export interface CashMovement {
  kind: CashMovementKind;
  /** The change of the cash balance it made (Deribit `change`; Bitget `amount` + `fee`). */
  change: Decimal;
  /** The funding part of the change (Deribit settlement `interest_pl`; a Bitget funding bill: all of it). */
  funding?: Decimal;
  /** The delivery or settlement PnL part (Deribit delivery `profit_loss`), when the venue says. */
  settlementPnl?: Decimal;
}

/** A fill's cash effect: the PnL it realized and the fee it paid, in the account's currency. */
export interface FillCash {
  realized: Decimal;
  /** Positive: paid. */
  fee: Decimal;
}

export function isBalanced(postings: readonly Posting[]): boolean {
  return exactSum(postings.map((p) => p.amount)).isZero();
}

/** Postings of a fill: its PnL to cash at once (immediate) or to unsettled PnL (session); its fee from cash. */
export function fillPostings(fill: FillCash, model: CashModel): Posting[] {
  const pnlTo: LedgerAccount = model === 'immediate' ? 'cash' : 'unsettled_pnl';
  return compact([
    { account: pnlTo, amount: fill.realized },
    { account: 'trading_pnl', amount: fill.realized.neg() },
    { account: 'fees', amount: fill.fee },
    { account: 'cash', amount: fill.fee.neg() },
  ]);
}

/**
 * Postings of a venue cash movement, or none for a trade or a liquidation (posted from our fills;
 * the venue's entry is checked against them). The cash leg is always the venue's `change`.
 */
export function movementPostings(movement: CashMovement, model: CashModel): Posting[] {
  const { change } = movement;
  switch (movement.kind) {
    case 'trade':
    case 'liquidation':
      return [];
    case 'funding':
      // Bitget pays funding into cash at each funding time.
      return compact([cash(change), { account: 'funding', amount: change.neg() }]);
    case 'settlement':
    case 'delivery': {
      // Deribit: the session's PnL (already posted to unsettled PnL by the fills), its funding
      // and a delivery's PnL move into cash.
      const funding = movement.funding ?? ZERO;
      const settled = movement.settlementPnl ?? ZERO;
      const fromUnsettled = change.minus(funding).minus(settled);
      return compact([
        cash(change),
        { account: 'funding', amount: funding.neg() },
        { account: 'settlement', amount: settled.neg() },
        { account: model === 'session' ? 'unsettled_pnl' : 'settlement', amount: fromUnsettled.neg() },
      ]);
    }
    case 'deposit':
    case 'withdrawal':
    case 'transfer':
      return compact([cash(change), { account: 'transfers', amount: change.neg() }]);
    case 'correction':
    case 'other':
      return compact([cash(change), { account: 'corrections', amount: change.neg() }]);
  }
}

const cash = (amount: Decimal): Posting => ({ account: 'cash', amount });

/** Zero postings dropped, postings to one account merged. */
function compact(postings: readonly Posting[]): Posting[] {
  const merged = new Map<LedgerAccount, Decimal>();
  for (const p of postings) {
    const before = merged.get(p.account);
    merged.set(p.account, before === undefined ? p.amount : exactSum([before, p.amount]));
  }
  return [...merged]
    .filter(([, amount]) => !amount.isZero())
    .map(([account, amount]) => ({ account, amount }));
}

/** Balances per account after postings (debit positive). */
export function balancesOf(postings: Iterable<Posting>): Map<LedgerAccount, Decimal> {
  const balances = new Map<LedgerAccount, Decimal>();
  for (const p of postings) balances.set(p.account, (balances.get(p.account) ?? ZERO).plus(p.amount));
  return balances;
}

/**
 * A statement's components over a period, from the postings in it: what moved the cash. They
 * satisfy `cashChange = trading + funding + settlement − fees + transfers + corrections −
 * unsettledChange` exactly (every entry is balanced).
 */
export interface StatementComponents {
  cashChange: Decimal;
  trading: Decimal;
  funding: Decimal;
  settlement: Decimal;
  fees: Decimal;
  transfers: Decimal;
  corrections: Decimal;
  /** PnL realized in the period but not (yet) in cash, less what earlier periods' settled. */
  unsettledChange: Decimal;
}

export function statementOf(postings: Iterable<Posting>): StatementComponents {
  const b = balancesOf(postings);
  const of = (account: LedgerAccount) => b.get(account) ?? ZERO;
  return {
    cashChange: of('cash'),
    trading: of('trading_pnl').neg(),
    funding: of('funding').neg(),
    settlement: of('settlement').neg(),
    fees: of('fees'),
    transfers: of('transfers').neg(),
    corrections: of('corrections').neg(),
    unsettledChange: of('unsettled_pnl'),
  };
}
