import type { Decimal } from '../../domain/decimal.ts';
import type { SimOrder } from './engine-types.ts';

/**
 * The local Bitget's account bills, as Bitget's v2 document "Get Account Bills"
 * (`GET /api/v2/mix/account/bill`, https://www.bitget.com/api-doc/contract/account/Get-Account-Bill)
 * describes them: one row per movement of the account's balance, `{billId, symbol, amount, fee,
 * feeByCoupon, businessType, coin, balance, cTime}`, `amount` and `fee` signed (negative: out of
 * the account), `balance` the balance after the row. A recorded reply reads
 * `"businessType":"contract_settle_fee","amount":"-0.004992","fee":"0"` (the document's example and
 * ccxt's `fetchFundingHistory` comment); a trade's row carries its realized PnL as `amount` (0 for
 * an opening) and its fee, negative, as `fee`.
 */

/**
 * Every `businessType` the document lists (in its order; the English page, and its mirrors and the
 * zh-CN page, print the same 48 names). The local Bitget writes nine of them: the two transfers,
 * the four hedge-mode trades, `buy` / `sell` and `contract_settle_fee`; a query may name any of
 * them (another name is refused, 40017).
 */
export const BILL_BUSINESS_TYPES = [
  'unknown',
  'trans_from_exchange', // transfer in from the spot account
  'trans_to_exchange', // transfer out to the spot account
  'open_long',
  'open_short',
  'close_long',
  'close_short',
  'force_close_long',
  'force_close_short',
  'contract_settle_fee', // funding fee
  'append_margin',
  'adjust_down_lever_append_margin',
  'reduce_margin',
  'auto_append_margin',
  'cash_gift_issue',
  'cash_gift_recycle',
  'tracking_follow_pay',
  'tracking_follow_back',
  'tracking_trader_income',
  'burst_long_loss_query',
  'burst_short_loss_query',
  'trans_from_contract',
  'trans_to_contract',
  'trans_from_otc',
  'trans_to_otc',
  'buy', // buy in one_way_mode
  'sell', // sell in one_way_mode
  'force_buy',
  'force_sell',
  'burst_buy',
  'burst_sell',
  'bonus_issue',
  'bonus_recycle',
  'bonus_expired',
  'delivery_long',
  'delivery_short',
  'trans_from_cross',
  'trans_to_cross',
  'trans_from_isolated',
  'trans_to_isolated',
  'risk_captital_user_transfer', // sic
  'user_exchange_buy',
  'user_exchange_sell',
  'settle_interest',
  'adl_close_long',
  'adl_close_short',
  'adl_buy_in_single_side_mode',
  'adl_sell_in_single_side_mode',
] as const;
export type BillBusinessType = (typeof BILL_BUSINESS_TYPES)[number];

/** What `onlyFunding=yes` leaves out: "the following four types of non-financial businessType". */
export const NON_FINANCIAL: ReadonlySet<BillBusinessType> = new Set([
  'append_margin',
  'adjust_down_lever_append_margin',
  'reduce_margin',
  'auto_append_margin',
]);

export interface SimBill {
  billId: string;
  /** '' for a transfer. */
  symbol: string;
  businessType: BillBusinessType;
  coin: string;
  /** Signed: realized PnL, funding, a transfer. */
  amount: Decimal;
  /** Signed: the trading fee, negative (paid); 0 otherwise. */
  fee: Decimal;
  /** The balance after this bill: the previous bill's + amount + fee. */
  balance: Decimal;
  cTime: number;
}

/**
 * A fill's business type: hedge mode names the leg and the action (`open_long`, `close_short`...);
 * one-way mode the direction (`buy`, `sell`: "buy in one_way_mode"), also for a fill that closes a
 * position and opens the other way.
 */
export function tradeBusinessType(order: SimOrder): BillBusinessType {
  if (order.posMode === 'one_way_mode') return order.side;
  const leg = order.side === 'buy' ? 'long' : 'short';
  return order.tradeSide === 'close' ? `close_${leg}` : `open_${leg}`;
}

const text = (value: Decimal) => (value.isZero() ? '0' : value.toString());

/** A bill as `GET /api/v2/mix/account/bill` writes it. */
export function billRecord(bill: SimBill): Record<string, string> {
  return {
    billId: bill.billId,
    symbol: bill.symbol,
    amount: text(bill.amount),
    fee: text(bill.fee),
    feeByCoupon: '',
    businessType: bill.businessType,
    coin: bill.coin,
    balance: text(bill.balance),
    cTime: String(bill.cTime),
  };
}
