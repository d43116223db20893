import { Decimal, ZERO } from '../../domain/decimal.ts';
import { type CashFigures, cashFigures } from './account-figures.ts';
import { CashLedger, type SettlementType, toCash } from './cash-ledger.ts';
import { fundingOf } from './funding.ts';
import { instrumentWire, type SimInstrument } from './instruments.ts';
import { sessionEntry, tradeEntries } from './ledger-entries.ts';
import {
  closeAt,
  flatPosition,
  type SimPosition,
  sessionRpl,
  sessionUpl,
  type TradeEffect,
} from './position-accounting.ts';
import { refuse } from './rpc-failure.ts';
import { TriggeringSimVenue } from './trigger-orders.ts';
import type {
  Direction,
  OrderEntry,
  PlaceOutcome,
  SimAccount,
  SimVenueOptions,
  Wire,
} from './venue-types.ts';
import { positionWire, type SimTrade } from './wire-objects.ts';

/**
 * The local Deribit's cash over time, from Deribit's documents (back-office.md, the OpenAPI file's
 * `transaction_log`, `settlement` and `position`, the futures contract specifications):
 * - perpetual funding accrues continuously into the position's session (`fundingOf`), at the rate
 *   in force: the rate changes only when a mark or an index moves, and everything accrues up to
 *   that instant first; no fee;
 * - the daily settlement at 08:00 UTC books each position's session into the cash balance: its
 *   realized PnL (trading and funding) and its unrealized PnL at the mark, which becomes the
 *   settlement price the next session is measured from (`average_price` is left alone); one
 *   `settlement` log entry and one settlement-history record per position held or with a session;
 *   good-til-day orders are cancelled (`book_state` "settlement");
 * - at an instrument's expiry its open orders are cancelled, its positions close at the delivery
 *   price with no trade (a `delivery` entry and record) and it is listed as expired;
 * - every fill is a `trade` entry (its fee).
 * Amounts booked are rounded to 1e-8; the rest of a settled session stays in the next session.
 * Everything due is processed in time order when the venue next looks at the clock (`catchUp`).
 */

const DAY_MS = 86_400_000;
const SETTLEMENT_AT_MS = 8 * 3_600_000;

/** The daily settlement instants (08:00 UTC) in (from, to]. */
export function settlementTimes(from: number, to: number): number[] {
  const times: number[] = [];
  let at = (Math.floor((from - SETTLEMENT_AT_MS) / DAY_MS) + 1) * DAY_MS + SETTLEMENT_AT_MS;
  for (; at <= to; at += DAY_MS) times.push(at);
  return times;
}

const isSettlementTime = (at: number) => (at - SETTLEMENT_AT_MS) % DAY_MS === 0;
const isPerpetual = (i: SimInstrument) => i.kind === 'future' && i.settlementPeriod === 'perpetual';

/** The delivery price: the index for a future; an option's value at the index (in its price unit). */
export function deliveryPrice(instrument: SimInstrument, index: Decimal): Decimal {
  if (instrument.kind !== 'option' || instrument.strike === undefined) return index;
  const strike = instrument.strike;
  const intrinsic = Decimal.max(
    ZERO,
    instrument.optionType === 'put' ? strike.minus(index) : index.minus(strike),
  );
  return instrument.quoteCurrency === instrument.baseCurrency ? intrinsic.div(index) : intrinsic;
}

export interface SettlementOptions extends SimVenueOptions {
  /** Book the session's unrealized PnL at the daily settlement (Deribit's documents: yes; default true). */
  settleUnrealized?: boolean;
  /** An account's cash in a currency changed outside an order's change (settlement, deposit...). */
  onCash?: (accountId: number, currency: string) => void;
}

export class SettlingSimVenue extends TriggeringSimVenue {
  readonly ledger: CashLedger;
  /** Everything due up to this instant was processed (journaled when an event was). */
  settledUntil: number;
  /** Instruments delivered (expired). */
  protected readonly delivered = new Set<string>();
  /** The price of each instrument's last settlement or delivery. */
  protected readonly settlementPrices = new Map<string, Decimal>();
  /** Something the journal's `ledger` entry keeps changed. */
  protected ledgerDirty = false;
  readonly #settle: SettlementOptions;

  constructor(options: SettlementOptions) {
    super(options);
    this.#settle = options;
    this.ledger = new CashLedger(
      options.idBase,
      (account, currency) => this.figures(account, currency).equity,
    );
    this.settledUntil = options.now();
  }

  figures(account: SimAccount, currency: string): CashFigures {
    return cashFigures(
      account,
      currency,
      (name) => this.instrument(name),
      (name) => this.book(name).mark,
    );
  }

  // ----------------------------------------------------------------------------------------------
  // Time
  // ----------------------------------------------------------------------------------------------

  /** Processes, in time order, what became due since the venue last looked: funding, settlements, deliveries. */
  catchUp(now: number = this.options.now()): void {
    if (now <= this.settledUntil) return;
    for (const at of this.dueTimes(this.settledUntil, now)) {
      this.accrueAll(at);
      this.deliverDue(at);
      if (isSettlementTime(at)) this.settleAll(at);
      this.settledUntil = at;
      this.ledgerDirty = true;
    }
    this.accrueAll(now);
    this.settledUntil = now;
  }

  /** Settlement instants and expiries in (from, to], in order. */
  protected dueTimes(from: number, to: number): number[] {
    const times = new Set(settlementTimes(from, to));
    for (const instrument of this.instruments.values()) {
      const expiry = instrument.expirationTimestamp;
      if (!this.delivered.has(instrument.name) && expiry > from && expiry <= to) times.add(expiry);
    }
    return [...times].sort((a, b) => a - b);
  }

  /** Funding of every perpetual position up to `at`. */
  protected accrueAll(at: number): void {
    for (const account of this.accounts.values())
      for (const [name, position] of account.positions)
        this.accrue(account, this.instrument(name), position, at);
  }

  /** Funding of one position up to `at`, at the rate and index in force since it last accrued. */
  protected accrue(account: SimAccount, instrument: SimInstrument, position: SimPosition, at: number): void {
    if (!isPerpetual(instrument)) return;
    const from = position.fundingAt;
    if (from !== undefined && at <= from) return;
    const funding =
      from === undefined
        ? ZERO
        : fundingOf(
            instrument,
            position.size,
            this.funding.indexOf(instrument),
            this.funding.rateNow(instrument),
            at - from,
          );
    account.positions.set(instrument.name, {
      ...position,
      fundingAt: at,
      sessionFunding: position.sessionFunding.plus(funding),
    });
    if (!funding.isZero()) this.ledger.touched(account.id);
  }

  protected override beforePositionChange(account: SimAccount, instrument: SimInstrument, at: number): void {
    this.accrue(account, instrument, account.positions.get(instrument.name) ?? flatPosition(), at);
  }

  /** Before a rate changes (a mark or an index moves), funding accrues at the old one. */
  #beforeRateChange(): void {
    this.accrueAll(this.options.now());
    for (const account of this.accounts.values())
      if ([...account.positions.values()].some((p) => !p.size.isZero())) this.ledger.touched(account.id);
  }

  override setMarkPrice(name: string, price: Decimal, fillLimit?: Decimal): void {
    this.#beforeRateChange();
    super.setMarkPrice(name, price, fillLimit);
  }

  override setIndexPrice(indexName: string, price: Decimal): void {
    this.#beforeRateChange();
    super.setIndexPrice(indexName, price);
    this.ledgerDirty = true; // the index prices set are kept with the ledger
  }

  // ----------------------------------------------------------------------------------------------
  // Settlement and delivery
  // ----------------------------------------------------------------------------------------------

  protected settleAll(at: number): void {
    for (const instrument of this.instruments.values())
      if (!this.delivered.has(instrument.name))
        this.settlementPrices.set(instrument.name, this.book(instrument.name).mark);
    for (const account of this.accounts.values())
      for (const [name, position] of [...account.positions]) {
        if (this.delivered.has(name) || (position.size.isZero() && sessionRpl(position).isZero())) continue;
        this.#settle1(account, this.instrument(name), position, at);
      }
    // Entering the settlement, a book cancels its good-til-day orders (the OpenAPI file's book_state).
    for (const order of [...this.orders.values()])
      if (order.state === 'open' && order.timeInForce === 'good_til_day')
        this.cancelOrder(order, 'settlement');
  }

  #settle1(account: SimAccount, instrument: SimInstrument, position: SimPosition, at: number): void {
    const mark = this.book(instrument.name).mark;
    const upl = sessionUpl(instrument, position, mark);
    const rebase = this.#settle.settleUnrealized !== false;
    const booked = rebase ? upl : ZERO;
    const funding = toCash(position.sessionFunding);
    const pnl = toCash(position.sessionRpl.plus(booked));
    const after: SimPosition = {
      ...position,
      sessionFunding: position.sessionFunding.minus(funding),
      sessionRpl: position.sessionRpl.plus(booked).minus(pnl),
      sessionPrice: rebase && !position.size.isZero() ? mark : position.sessionPrice,
    };
    account.positions.set(instrument.name, after);
    this.#book(account, 'settlement', {
      at,
      instrument,
      before: position,
      after,
      price: mark,
      mark,
      sessionRpl: sessionRpl(position),
      sessionUpl: upl,
      profitLoss: toCash(booked),
      funding,
      change: funding.plus(pnl),
    });
  }

  /** Instruments expiring by `at`: orders cancelled, positions closed at the delivery price, listed as expired. */
  protected deliverDue(at: number): void {
    for (const instrument of this.instruments.values()) {
      if (this.delivered.has(instrument.name) || instrument.expirationTimestamp > at) continue;
      this.delivered.add(instrument.name);
      const price = deliveryPrice(instrument, this.funding.indexOf(instrument));
      this.settlementPrices.set(instrument.name, price);
      for (const order of [...this.orders.values()])
        if (order.instrument === instrument && (order.state === 'open' || order.state === 'untriggered'))
          this.cancelOrder(order, 'settlement');
      for (const account of this.accounts.values()) {
        const position = account.positions.get(instrument.name);
        if (position === undefined || (position.size.isZero() && sessionRpl(position).isZero())) continue;
        this.#deliver(account, instrument, position, price, at);
      }
    }
  }

  #deliver(
    account: SimAccount,
    instrument: SimInstrument,
    position: SimPosition,
    price: Decimal,
    at: number,
  ) {
    const closing = closeAt(instrument, position, price);
    const session = position.sessionRpl.plus(closing.session);
    const funding = toCash(position.sessionFunding);
    const after: SimPosition = {
      ...position,
      size: ZERO,
      averagePrice: ZERO,
      sessionPrice: ZERO,
      realizedPnl: position.realizedPnl.plus(closing.lifetime),
      // The instrument settles no more: the session is booked whole, rounded (the rest is dropped).
      sessionRpl: ZERO,
      sessionFunding: ZERO,
    };
    account.positions.set(instrument.name, after);
    this.#book(account, 'delivery', {
      at,
      instrument,
      before: position,
      after,
      price,
      mark: this.book(instrument.name).mark,
      sessionRpl: session.plus(position.sessionFunding),
      sessionUpl: ZERO,
      profitLoss: toCash(closing.session),
      funding,
      change: funding.plus(toCash(session)),
    });
    this.report(account, instrument, [], []);
  }

  /** The log entry and the settlement-history record of a settlement or a delivery. */
  #book(
    account: SimAccount,
    type: SettlementType,
    b: {
      at: number;
      instrument: SimInstrument;
      before: SimPosition;
      after: SimPosition;
      price: Decimal;
      mark: Decimal;
      sessionRpl: Decimal;
      sessionUpl: Decimal;
      profitLoss: Decimal;
      funding: Decimal;
      change: Decimal;
    },
  ): void {
    const index = this.funding.indexOf(b.instrument);
    this.ledger.append(account, sessionEntry({ ...b, type, index }));
    this.ledger.record({
      accountId: account.id,
      currency: b.instrument.settlementCurrency,
      type,
      timestamp: b.at,
      instrumentName: b.instrument.name,
      position: b.before.size,
      markPrice: b.mark,
      indexPrice: index,
      sessionProfitLoss: b.change,
      profitLoss: b.profitLoss,
      funding: b.funding,
    });
    this.onCash(account.id, b.instrument.settlementCurrency);
  }

  /** The account's cash moved outside an order's change: `user.portfolio` follows. */
  protected onCash(accountId: number, currency: string): void {
    this.#settle.onCash?.(accountId, currency);
  }

  // ----------------------------------------------------------------------------------------------
  // Trades, listing and the wire
  // ----------------------------------------------------------------------------------------------

  protected override afterFill(account: SimAccount, trade: SimTrade, effect: TradeEffect): void {
    const market = {
      mark: this.book(trade.instrument.name).mark,
      index: this.funding.indexOf(trade.instrument),
    };
    for (const entry of tradeEntries(trade, effect, market)) this.ledger.append(account, entry);
  }

  override place(
    accountId: number,
    direction: Direction,
    p: OrderEntry,
    connectionId?: number,
  ): PlaceOutcome {
    if (this.delivered.has(p.instrument_name)) throw refuse.bookClosed();
    return super.place(accountId, direction, p, connectionId);
  }

  /** `public/get_instruments`: the active instruments, or (`expired`) the delivered ones. */
  override listInstruments(currency: string, kind: string | undefined, expired = false): Wire[] {
    return super
      .listInstruments(currency, kind)
      .filter((wire) => this.delivered.has(String(wire.instrument_name)) === expired)
      .map((wire) => (expired ? instrumentWire(this.instrument(String(wire.instrument_name)), true) : wire));
  }

  isDelivered(name: string): boolean {
    return this.delivered.has(name);
  }

  override ticker(name: string): Wire {
    const settled = this.settlementPrices.get(name);
    const ticker = super.ticker(name);
    return {
      ...ticker,
      ...(settled !== undefined && { settlement_price: settled }),
      ...(this.delivered.has(name) && { state: 'delivered' }),
    };
  }

  protected override positionView(instrument: SimInstrument, position: SimPosition): Wire {
    const settlementPrice = this.settlementPrices.get(instrument.name);
    return positionWire(instrument, position, this.book(instrument.name).mark, {
      index: this.funding.indexOf(instrument),
      ...(settlementPrice !== undefined && { settlementPrice }),
    });
  }
}
