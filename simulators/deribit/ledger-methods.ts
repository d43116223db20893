import { z } from 'zod';
import type { CashSimVenue } from './account-cash.ts';
import { readSettlementToken } from './cash-ledger.ts';
import type { CallContext, Handler } from './methods.ts';
import { CurrencyParam, IntegerParam } from './params.ts';
import { refuse } from './rpc-failure.ts';

/**
 * The local Deribit's cash-ledger methods, read from the OpenAPI file (parameters and the
 * `PrivateGetTransactionLogResponse` / `PrivateSettlementResponse` shapes):
 * - `private/get_transaction_log` (scope `account:read`; its own rate limit, 1 request a second
 *   sustained): `currency`, `start_timestamp`, `end_timestamp` required; `query` (one keyword),
 *   `count` (default 100, at most 250), `subaccount_id`, `continuation` (integer) →
 *   `{ logs, continuation }`, newest first, `continuation` null on the last page;
 * - `private/get_settlement_history_by_currency` and `_by_instrument` (scope `trade:read`):
 *   `type` (settlement, delivery, bankruptcy), `count` (default 20, at most 1000), `continuation`
 *   (a string), `search_start_timestamp` (the latest timestamp to return) → `{ settlements,
 *   continuation }`.
 */

type Params = Record<string, unknown>;
type Parse = <S extends z.ZodType>(schema: S, params: Params) => z.output<S>;
type AccountOf = (params: Params, context: CallContext) => number;

const between = (low: number, high: number) =>
  IntegerParam.refine((n) => n >= low && n <= high, `must be between ${low} and ${high}`);

const TransactionLogParams = z
  .object({
    currency: CurrencyParam,
    start_timestamp: IntegerParam,
    end_timestamp: IntegerParam,
    query: z.string().max(256).optional(),
    count: between(1, 250).optional(),
    subaccount_id: IntegerParam.optional(),
    continuation: IntegerParam.optional(),
  })
  .refine((p) => p.end_timestamp >= p.start_timestamp, {
    message: 'must not be before start_timestamp',
    path: ['end_timestamp'],
  });

const settlementParams = {
  type: z.enum(['settlement', 'delivery', 'bankruptcy']).optional(),
  count: between(1, 1000).optional(),
  continuation: z.string().min(1).optional(),
  search_start_timestamp: IntegerParam.optional(),
};
const ByCurrencyParams = z.object({ currency: CurrencyParam, ...settlementParams });
const ByInstrumentParams = z.object({ instrument_name: z.string().min(1), ...settlementParams });

export function ledgerMethods(venue: CashSimVenue, parse: Parse, of: AccountOf): Record<string, Handler> {
  const page = (p: z.output<typeof ByCurrencyParams> | z.output<typeof ByInstrumentParams>) => {
    const from = p.continuation === undefined ? undefined : readSettlementToken(p.continuation);
    if (p.continuation !== undefined && from === undefined)
      throw refuse.invalidParams('continuation', 'not a continuation token');
    return {
      count: p.count ?? 20,
      ...(p.type !== undefined && { type: p.type }),
      ...(from !== undefined && { from }),
      ...(p.search_start_timestamp !== undefined && { searchStart: p.search_start_timestamp }),
    };
  };
  return {
    'private/get_transaction_log': (params, context) => {
      const account = of(params, context);
      const p = parse(TransactionLogParams, params);
      return venue.transactionLog(
        account,
        {
          currency: p.currency,
          start: p.start_timestamp,
          end: p.end_timestamp,
          count: p.count ?? 100,
          ...(p.query !== undefined && { query: p.query }),
          ...(p.continuation !== undefined && { continuation: p.continuation }),
        },
        p.subaccount_id,
      );
    },
    'private/get_settlement_history_by_currency': (params, context) => {
      const account = of(params, context);
      const p = parse(ByCurrencyParams, params);
      return venue.settlementHistory(account, { currency: p.currency }, page(p));
    },
    'private/get_settlement_history_by_instrument': (params, context) => {
      const account = of(params, context);
      const p = parse(ByInstrumentParams, params);
      return venue.settlementHistory(account, { instrument: p.instrument_name }, page(p));
    },
  };
}
