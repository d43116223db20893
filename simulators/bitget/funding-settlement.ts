import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { fundingIntervalMs } from './contracts.ts';
import type { Account, SimOrder } from './engine-types.ts';
import { FundingRates, nextFundingTime } from './funding.ts';
import { LedgerEngine } from './ledger-engine.ts';

/** A funding time of a contract. */
interface FundingTime {
  at: number;
  symbol: string;
}

/**
 * Funding charged and paid at each funding time, from Bitget's description of it ("Contract Fund
 * Fee", support article 360053300511; back-office.md): every position held at that moment pays or
 * receives `rate × size × mark` (its value at the mark); when the rate is positive the longs pay
 * and the shorts receive, when negative the other way; in hedge mode each leg on its own. Each is
 * one bill `contract_settle_fee` (the document's funding type) per position, `amount` signed, `fee`
 * 0, taken from or added to the wallet balance, and accumulated in the position's `totalFee`
 * (which a client reads on `all-position`, or on the next positions push). The
 * rate is the one in force at the funding time (recorded: `history-fund-rate` serves it), the mark
 * the one at that time.
 *
 * The venue processes what the clock made due when it next looks at the time (`settleDue`: on
 * every request, on a timer, when the simulated clock is moved, and before anything changes the
 * market or an account), every funding time in order, once: `settledUntil` is the time up to which
 * it is done, and a contract's funding time with a recorded rate is done too. A jump of the clock
 * over many funding times charges each of them in turn.
 */
export abstract class FundingEngine extends LedgerEngine {
  /** The market's index prices and funding rates. */
  readonly funding = new FundingRates(
    () => this.now(),
    (symbol) => this.markPrice(symbol),
    (symbol) => {
      const contract = this.contract(symbol);
      return contract ? fundingIntervalMs(contract) : 8 * 3_600_000;
    },
  );
  /** Funding times up to here are settled (none before the venue started). */
  protected settledUntil = this.now();
  #settling = false;

  /** Called before a funding time's bills are posted... */
  protected settling(_time: FundingTime): void {}
  /** ...and after (the durable engine journals them with the rate and `settledUntil` in one write). */
  protected settled(_time: FundingTime, _rate: Decimal): void {}

  /** Settles every funding time the clock made due, in order (nothing when none is). */
  settleDue(): void {
    const now = this.now();
    if (this.#settling || now <= this.settledUntil) return;
    this.#settling = true;
    try {
      for (const time of this.#dueTimes(this.settledUntil, now)) this.#settle(time);
      this.settledUntil = now;
    } finally {
      this.#settling = false;
    }
  }

  /** Anything that trades settles what is due first: a fill never lands before a due funding. */
  protected override trade(
    account: Account,
    order: SimOrder,
    size: Decimal,
    price: Decimal,
    scope: 'taker' | 'maker',
  ): void {
    this.settleDue();
    super.trade(account, order, size, price, scope);
  }

  #dueTimes(after: number, upTo: number): FundingTime[] {
    const due: FundingTime[] = [];
    for (const { symbol } of this.contractList()) {
      const interval = this.funding.intervalMs(symbol);
      for (let at = nextFundingTime(after, interval); at <= upTo; at += interval)
        if (!this.funding.wasSettled(symbol, at)) due.push({ at, symbol });
    }
    return due.sort((a, b) => a.at - b.at || a.symbol.localeCompare(b.symbol));
  }

  /**
   * One funding time: a bill per position held, and the rate recorded. Nothing is pushed: the
   * positions channel pushes when orders are created, filled or cancelled (its document), and
   * Bitget's `account` channel is not simulated.
   */
  #settle(time: FundingTime): void {
    const { at, symbol } = time;
    const rate = this.funding.rateAt(symbol, at);
    const mark = this.markPrice(symbol);
    this.settling(time);
    for (const account of this.accounts.values()) {
      for (const position of account.positions.list()) {
        if (position.symbol !== symbol) continue;
        const value = rate.times(position.total).times(mark);
        const amount = position.holdSide === 'long' ? value.neg() : value;
        if (amount.isZero()) continue;
        position.totalFee = position.totalFee?.plus(amount) ?? amount;
        this.post(account, { businessType: 'contract_settle_fee', symbol, amount, fee: ZERO, at });
      }
    }
    this.funding.recordSettled(symbol, at, rate);
    // Kept with this funding time's bills: everything before it is settled, and it is for this
    // contract (its recorded rate says so); another contract's at the same time may not be yet.
    this.settledUntil = at - 1;
    this.settled(time, rate);
  }
}
