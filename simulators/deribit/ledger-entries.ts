import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { type NewEntry, type SettlementType, toCash } from './cash-ledger.ts';
import type { SimInstrument } from './instruments.ts';
import { type SimPosition, sessionRpl, sessionUpl, type TradeEffect } from './position-accounting.ts';
import type { SimTrade } from './wire-objects.ts';

/**
 * The transaction-log entries the local Deribit makes, with the fields the OpenAPI file's
 * `transaction_log` names (and its example entries' shapes: `side` `"-"` and nulls for what does
 * not apply to a deposit or a transfer; `info` by type).
 */

const isPerpetual = (i: SimInstrument) => i.kind === 'future' && i.settlementPeriod === 'perpetual';

/** What the `query` parameter finds an instrument's entries by. */
function instrumentKeywords(instrument: SimInstrument): string[] {
  return [instrument.kind, ...(isPerpetual(instrument) ? ['perpetual'] : []), instrument.name.toLowerCase()];
}

/** Fields of entries that concern no instrument (deposits, withdrawals, transfers). */
const NO_INSTRUMENT = {
  instrument_name: null,
  position: null,
  side: '-',
  price: null,
  trade_id: null,
  order_id: null,
  interest_pl: null,
};

/**
 * A trade's entries: one per trade, two when it closes the position and opens one the other way
 * (`close …` then `open …`, as the OpenAPI example splits trade 28349; the fee shared pro rata).
 * `change` is minus the fee (futures PnL is cash only at the settlement); `cashflow` the session PnL
 * the part realized, waiting for the settlement (`profit_as_cashflow`); `commission` its fee.
 */
export function tradeEntries(
  trade: SimTrade,
  effect: TradeEffect,
  market: { mark: Decimal; index: Decimal },
): NewEntry[] {
  const instrument = trade.instrument;
  const after = effect.position;
  const opened = trade.amount.minus(effect.closed);
  const closeFee = opened.isZero() ? trade.fee : toCash(trade.fee.times(effect.closed).div(trade.amount));
  const parts = [
    { side: 'close', amount: effect.closed, fee: closeFee, cashflow: effect.realized },
    { side: 'open', amount: opened, fee: trade.fee.minus(closeFee), cashflow: ZERO },
  ].filter((part) => part.amount.gt(0));
  const role = trade.liquidity === 'M' ? 'maker' : 'taker';
  const perContract = instrument.kind === 'option' ? null : instrument.contractSize;
  return parts.map((part) => ({
    currency: instrument.settlementCurrency,
    type: 'trade',
    timestamp: trade.timestamp,
    change: part.fee.neg(),
    cashflow: part.cashflow,
    commission: part.fee,
    fields: {
      instrument_name: instrument.name,
      trade_id: trade.tradeId,
      order_id: trade.orderId,
      side: `${part.side} ${trade.direction}`,
      amount: part.amount,
      contracts: perContract === null ? part.amount : part.amount.div(perContract),
      price: trade.price,
      price_currency: instrument.quoteCurrency,
      position: part.side === 'close' && opened.gt(0) ? ZERO : after.size,
      mark_price: market.mark,
      index_price: market.index,
      user_role: role,
      fee_role: role,
      profit_as_cashflow: true,
      interest_pl: isPerpetual(instrument) ? after.sessionFunding : ZERO,
      session_rpl: sessionRpl(after),
      session_upl: sessionUpl(instrument, after, market.mark),
      info: 'Source: api',
    },
    keywords: [
      'trade',
      part.side,
      trade.direction,
      role,
      ...instrumentKeywords(instrument),
      trade.tradeId.toLowerCase(),
      trade.orderId.toLowerCase(),
    ],
  }));
}

/** What a daily settlement or a delivery books for one position. */
export interface SessionBooking {
  type: SettlementType;
  at: number;
  instrument: SimInstrument;
  /** The position before (its size is the settlement record's `position`). */
  before: SimPosition;
  /** The position after (0 after a delivery). */
  after: SimPosition;
  /** The settlement price (the mark) or the delivery price. */
  price: Decimal;
  mark: Decimal;
  index: Decimal;
  /** The session's realized PnL (trading and funding) and unrealized PnL at `price`, as settled. */
  sessionRpl: Decimal;
  sessionUpl: Decimal;
  /** The funding part of `change`. */
  funding: Decimal;
  change: Decimal;
}

/** The settlement's or the delivery's entry (`info` as the OpenAPI example's settlement entry). */
export function sessionEntry(b: SessionBooking): NewEntry {
  const size = b.before.size;
  const side =
    b.type === 'delivery'
      ? size.isZero()
        ? '-'
        : `close ${size.isPositive() ? 'sell' : 'buy'}`
      : size.isZero()
        ? '-'
        : size.isPositive()
          ? 'long'
          : 'short';
  return {
    currency: b.instrument.settlementCurrency,
    type: b.type,
    timestamp: b.at,
    change: b.change,
    commission: null,
    fields: {
      instrument_name: b.instrument.name,
      trade_id: null,
      order_id: null,
      side,
      amount: size.abs(),
      price: b.price,
      price_currency: b.instrument.quoteCurrency,
      position: b.after.size,
      mark_price: b.mark,
      index_price: b.index,
      settlement_price: b.price,
      interest_pl: b.funding,
      total_interest_pl: b.funding,
      session_rpl: b.sessionRpl,
      session_upl: b.sessionUpl,
      info: { settlement_price: b.price, floating_pl: b.sessionUpl },
    },
    keywords: [b.type, ...side.split(' ').filter((w) => w !== '-'), ...instrumentKeywords(b.instrument)],
  };
}

/** A deposit (`info` as the OpenAPI example's: transaction, deposit type, address). */
export function depositEntry(
  currency: string,
  amount: Decimal,
  at: number,
  address: string,
  tx: string,
): NewEntry {
  return {
    currency,
    type: 'deposit',
    timestamp: at,
    change: amount,
    commission: ZERO,
    fields: { ...NO_INSTRUMENT, info: { transaction: tx, deposit_type: 'wallet', addr: address } },
    keywords: ['deposit', address.toLowerCase()],
  };
}

export function withdrawalEntry(
  currency: string,
  amount: Decimal,
  at: number,
  address: string,
  tx: string,
): NewEntry {
  return {
    currency,
    type: 'withdrawal',
    timestamp: at,
    change: amount.neg(),
    commission: ZERO,
    fields: { ...NO_INSTRUMENT, info: { transaction: tx, addr: address } },
    keywords: ['withdrawal', address.toLowerCase()],
  };
}

/** One side of a transfer between accounts of the venue (the OpenAPI example's subaccount transfer). */
export function transferEntry(
  currency: string,
  change: Decimal,
  at: number,
  other: { id: number; name: string },
): NewEntry {
  return {
    currency,
    type: 'transfer',
    timestamp: at,
    change,
    commission: ZERO,
    fields: {
      ...NO_INSTRUMENT,
      info: { transfer_type: 'subaccount', other_user_id: other.id, other_user: other.name },
    },
    keywords: ['transfer', other.name.toLowerCase()],
  };
}
