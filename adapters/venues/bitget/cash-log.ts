import { z } from 'zod';
import type { CashWindow, VenueAdapter, VenueCashMovement } from '../../../application/ports/venue.ts';
import type { CashMovementKind } from '../../../domain/ledger/ledger.ts';
import type { BitgetContext } from './context.ts';
import { PAGE, PATH } from './endpoints.ts';
import { compareIds } from './queries.ts';
import { list, MsTime, OptionalDecimal, optionalText, text, VenueDecimal, withRaw } from './wire-scalars.ts';

/**
 * Bitget's cash log for the back office: the futures account bills (`GET /api/v2/mix/account/bill`,
 * v2 document "Get Account Bills"), one row per movement of the balance: `amount` (realized PnL of a
 * close, funding, a transfer) and `fee` (negative: paid), `balance` after, `businessType`. Read a
 * window at a time (the document allows 30 days), every page (`idLessThan` = `endId`), handed
 * over oldest first as the port's cash movements, the change being `amount + fee`.
 */

export const BillSchema = withRaw(
  z.looseObject({
    billId: text,
    symbol: optionalText,
    amount: VenueDecimal,
    fee: OptionalDecimal,
    businessType: z.string().min(1),
    coin: z.string().min(1),
    balance: OptionalDecimal,
    cTime: MsTime,
  }),
);
const BillPageSchema = z.looseObject({ bills: list(z.unknown()), endId: optionalText });

/** Bitget's businessType in our words (the document's list; any other is `other`, kept by name). */
export function kindOfBill(businessType: string): CashMovementKind {
  const type = businessType.toLowerCase();
  if (type === 'contract_settle_fee') return 'funding';
  if (type.startsWith('burst_') || type.startsWith('adl_')) return 'liquidation';
  if (type.startsWith('delivery_')) return 'delivery';
  if (type.startsWith('trans_') || type === 'risk_captital_user_transfer') return 'transfer';
  if (/^(open|close|force_close)_(long|short)$/.test(type) || /^(force_)?(buy|sell)$/.test(type))
    return 'trade';
  return 'other';
}

const TRADE_KINDS: ReadonlySet<CashMovementKind> = new Set(['trade', 'liquidation', 'delivery']);

/** The document's longest window for one query. */
export const BILL_WINDOW_MS = 30 * 86_400_000;

export function createBitgetCashLog(
  context: BitgetContext,
): Required<Pick<VenueAdapter, 'cashMovements' | 'cashCurrencies'>> {
  const { dataOf, account, productType, marginCoin } = context;

  const movementOf = (bill: z.output<typeof BillSchema>): VenueCashMovement => {
    const kind = kindOfBill(bill.businessType);
    const fee = bill.fee ?? bill.amount.times(0);
    return {
      venue: 'bitget',
      account,
      currency: bill.coin,
      venueEntryId: bill.billId,
      venueType: bill.businessType,
      kind,
      change: bill.amount.plus(fee),
      ...(kind === 'funding' && { funding: bill.amount }),
      ...(!fee.isZero() && { fee: fee.neg() }),
      ...(TRADE_KINDS.has(kind) && { pnl: bill.amount }),
      ...(bill.balance !== undefined && { balanceAfter: bill.balance }),
      ...(bill.symbol !== undefined && { symbol: bill.symbol }),
      at: bill.cTime,
      raw: bill.raw as VenueCashMovement['raw'],
    };
  };

  async function cashMovements(window: CashWindow): Promise<VenueCashMovement[]> {
    const movements: VenueCashMovement[] = [];
    // One query covers at most the document's window; a longer one is read in parts.
    for (let from = window.fromMs; from <= window.toMs; from += BILL_WINDOW_MS) {
      const to = Math.min(window.toMs, from + BILL_WINDOW_MS - 1);
      movements.push(...(await billsBetween(window.currency, from, to)));
    }
    return movements.sort((a, b) => a.at.localeCompare(b.at) || compareIds(a.venueEntryId, b.venueEntryId));
  }

  async function billsBetween(coin: string, startMs: number, endMs: number): Promise<VenueCashMovement[]> {
    const movements: VenueCashMovement[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const query = {
        productType,
        coin,
        startTime: String(startMs),
        endTime: String(endMs),
        limit: String(PAGE),
        ...(cursor !== undefined && { idLessThan: cursor }),
      };
      const data = await dataOf(
        { method: 'GET', path: PATH.bills, group: 'bills', query, data: BillPageSchema },
        'account bills',
      );
      const bills = context.readEach('cash', 'account bills', data.bills, BillSchema, (bill) => [
        movementOf(bill),
      ]);
      movements.push(...bills);
      if (data.bills.length < PAGE || data.endId === undefined || data.endId === cursor) break;
      cursor = data.endId;
    }
    return movements;
  }

  return { cashMovements, cashCurrencies: async () => [marginCoin] };
}
