import { z } from 'zod';
import type { CashSimVenue } from './account-cash.ts';
import { currencyOf } from './instruments.ts';
import type { CallContext, Handler } from './methods.ts';
import { BooleanParam, KindParam, OpenOrderTypeParam } from './params.ts';
import { refuse } from './rpc-failure.ts';

/**
 * The local Deribit's market-data and account methods, read from Deribit's API documentation
 * (deribit-openapi in ../shared/reference): `public/get_currencies`, `public/get_order_book`,
 * `public/get_index_price`, `public/get_funding_rate_value`, `public/get_funding_rate_history`,
 * `private/get_account_summary`, `private/get_account_summaries`, `private/get_open_orders_by_currency`,
 * `private/get_subaccounts`. `subaccount_id` reads another account's only from the main account.
 * Parameters the documentation lists and this simulation does not use are accepted and ignored.
 */

type Params = Record<string, unknown>;
type Parse = <S extends z.ZodType>(schema: S, params: Params) => z.output<S>;
type AccountOf = (params: Params, context: CallContext) => number;

const Currency = z.string().min(1).max(10);
/** Deribit's allowed depths; anything else is refused like Deribit does (invalid params). */
const Depth = z.coerce
  .number()
  .int()
  .refine(
    (d) => [1, 5, 10, 20, 50, 100, 1000, 10000].includes(d),
    'must be one of 1, 5, 10, 20, 50, 100, 1000, 10000',
  );

const OrderBookParams = z.object({ instrument_name: z.string().min(1), depth: Depth.optional() });
const AccountSummariesParams = z.object({
  subaccount_id: z.coerce.number().int().optional(),
  extended: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});
const AccountSummaryParams = AccountSummariesParams.extend({ currency: Currency });
const SubaccountsParams = z.object({ with_portfolio: BooleanParam.optional() });
const OpenOrdersByCurrencyParams = z.object({
  currency: Currency,
  kind: KindParam.optional(),
  type: OpenOrderTypeParam.optional(),
});

const IndexParams = z.object({ index_name: z.string().min(1).max(32) });
const Timestamp = z.coerce.number().int().nonnegative();
const FundingParams = z
  .object({ instrument_name: z.string().min(1), start_timestamp: Timestamp, end_timestamp: Timestamp })
  .refine((p) => p.end_timestamp >= p.start_timestamp, {
    message: 'must not be before start_timestamp',
    path: ['end_timestamp'],
  });

const LONG_NAMES: Record<string, string> = {
  BTC: 'Bitcoin',
  ETH: 'Ethereum',
  USDC: 'USD Coin',
  USDT: 'Tether',
};

/** The handlers, keyed by method name; private ones need the account (`accountOf`). */
export function accountMethods(venue: CashSimVenue, parse: Parse, of: AccountOf): Record<string, Handler> {
  /** Funding exists for perpetuals only; Deribit refuses other instruments' as invalid. */
  const perpetual = (name: string) => {
    const instrument = venue.instrument(name);
    if (instrument.kind !== 'future' || instrument.settlementPeriod !== 'perpetual')
      throw refuse.invalidParams('instrument_name', 'not a perpetual');
    return instrument;
  };
  return {
    'public/get_currencies': () =>
      venue.currencies().map((currency) => ({
        currency,
        currency_long: LONG_NAMES[currency] ?? currency,
        coin_type:
          currency === 'USDC' || currency === 'USDT' ? 'USDC' : currency === 'ETH' ? 'ETHER' : 'BITCOIN',
        fee_precision: 4,
        min_confirmations: 1,
        min_withdrawal_fee: 0.0001,
        withdrawal_fee: 0.0001,
        withdrawal_priorities: [],
        apr: 0,
      })),
    'public/get_order_book': (params) => {
      const p = parse(OrderBookParams, params);
      return venue.orderBook(p.instrument_name, p.depth ?? 5);
    },
    'public/get_index_price': (params) => {
      const { index_name } = parse(IndexParams, params);
      const price = venue.funding.indexPrice(index_name);
      if (price === undefined) throw refuse.invalidParams('index_name', `unknown index ${index_name}`);
      return { index_price: price, estimated_delivery_price: price };
    },
    'public/get_funding_rate_value': (params) => {
      const p = parse(FundingParams, params);
      return venue.funding.log(perpetual(p.instrument_name)).accrued(p.start_timestamp, p.end_timestamp);
    },
    'public/get_funding_rate_history': (params) => {
      const p = parse(FundingParams, params);
      return venue.funding.log(perpetual(p.instrument_name)).hourly(p.start_timestamp, p.end_timestamp);
    },
    'private/get_account_summary': (params, context) => {
      const caller = of(params, context);
      const p = parse(AccountSummaryParams, params);
      return venue.accountSummary(venue.readableAccount(caller, p.subaccount_id), p.currency);
    },
    'private/get_account_summaries': (params, context) => {
      const caller = of(params, context);
      const account = venue.readableAccount(caller, parse(AccountSummariesParams, params).subaccount_id);
      return { summaries: venue.currencies().map((currency) => venue.accountSummary(account, currency)) };
    },
    'private/get_subaccounts': (params, context) => {
      const caller = of(params, context);
      return venue.subaccounts(caller, parse(SubaccountsParams, params).with_portfolio ?? false);
    },
    'private/get_open_orders_by_currency': (params, context) => {
      const account = of(params, context);
      const p = parse(OpenOrdersByCurrencyParams, params);
      return venue
        .openOrders(account, {
          ...(p.kind !== undefined && { kind: p.kind }),
          ...(p.type !== undefined && { type: p.type }),
        })
        .filter((o) => currencyOf(venue.instrument(String(o.instrument_name))) === p.currency);
    },
  };
}
