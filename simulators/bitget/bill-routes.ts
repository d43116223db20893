import { z } from 'zod';
import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import { BILL_BUSINESS_TYPES, billRecord } from './bills.ts';
import type { DurableEngine } from './durable-engine.ts';
import type { Account } from './engine-types.ts';
import { BITGET_PRODUCT_TYPES, integer, lower, text, upper } from './protocol.ts';

/**
 * The local Bitget's account bills route, `GET /api/v2/mix/account/bill` (10 requests a second per
 * UID), read from Bitget's v2 document "Get Account Bills": `productType` required; `symbol`,
 * `coin`, `businessType` (one of the document's list), `onlyFunding` (`yes` leaves out the four
 * margin movements), `idLessThan` (an `endId`), `startTime` / `endTime` (ms, at most 30 days apart),
 * `limit` (20 by default, at most 100). Also `marginCoin`, which is not in the document's table:
 * ccxt's `fetchFundingHistory` sends it with every request, so the venue takes it; here it must
 * name the margin coin. And the control surface's transfers between the spot and futures accounts.
 */

export const BillQuerySchema = z.strictObject({
  productType: upper(BITGET_PRODUCT_TYPES),
  symbol: text.optional(),
  coin: text.optional(),
  businessType: lower(BILL_BUSINESS_TYPES).optional(),
  onlyFunding: lower(['yes', 'no']).optional(),
  idLessThan: integer.optional(),
  startTime: integer.optional(),
  endTime: integer.optional(),
  limit: integer.optional(),
  marginCoin: upper(['USDT']).optional(),
});

type Parse = <S extends z.ZodObject>(schema: S, input: unknown) => z.output<S>;

export function billRoutes(engine: DurableEngine, parse: Parse) {
  return [
    [
      'GET /api/v2/mix/account/bill',
      {
        group: 'accountBill',
        limit: 10,
        handler: ({ account, query }: { account: Account; query: Record<string, string> }) => {
          const { marginCoin: _ignored, ...bills } = parse(BillQuerySchema, query);
          return engine.listBills(account, bills);
        },
      },
    ],
  ] as const;
}

/** Transfers between the spot and the futures account, and the bills as Bitget writes them. */
export function billControls(engine: DurableEngine, accountOf: (apiKey: string | undefined) => Account) {
  const amountOf = (amount: string | Decimal) => (typeof amount === 'string' ? parseDecimal(amount) : amount);
  return {
    transferIn(apiKey: string | undefined, amount: string | Decimal) {
      engine.settleDue();
      return billRecord(engine.transferIn(accountOf(apiKey), amountOf(amount)));
    },
    transferOut(apiKey: string | undefined, amount: string | Decimal) {
      engine.settleDue();
      return billRecord(engine.transferOut(accountOf(apiKey), amountOf(amount)));
    },
    bills(apiKey?: string) {
      engine.settleDue();
      return engine.billsOf(accountOf(apiKey)).map(billRecord).reverse();
    },
  };
}
