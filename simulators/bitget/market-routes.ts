import { z } from 'zod';
import { tickOf } from './contracts.ts';
import type { Account, Engine } from './engine.ts';
import { refuse } from './errors.ts';
import { type FundingRates, MAX_FUNDING_RATE } from './funding.ts';
import { bookLevels, tickerRecord } from './market-book.ts';
import { BITGET_PRODUCT_TYPES } from './protocol.ts';
import { accountBalanceFields } from './records.ts';

/**
 * The local Bitget's market data and account listing, read from Bitget's v2 documentation:
 * `spot/public/coins`, `mix/market/ticker` / `tickers`, `mix/market/merge-depth`, `symbol-price`,
 * `current-fund-rate`, `funding-time`, `history-fund-rate` (see funding.ts),
 * `mix/account/accounts`, and the spot and margin listings a client asks for before it trades
 * (this venue simulates USDT-M futures only: its spot and margin lists are empty, as are the other
 * futures product types).
 */

const ProductType = z
  .string()
  .transform((p) => p.toUpperCase())
  .refine((p) => (BITGET_PRODUCT_TYPES as readonly string[]).includes(p), 'is not a product type');
const TickerQuery = z.object({ symbol: z.string().min(1), productType: ProductType });
const TickersQuery = z.object({ productType: ProductType });
const DepthQuery = z.object({
  symbol: z.string().min(1),
  productType: ProductType,
  precision: z.string().optional(),
  limit: z.enum(['1', '5', '15', '50', 'max']).optional(),
});
const AccountsQuery = z.object({ productType: ProductType });
const SymbolsQuery = z.object({ symbol: z.string().min(1).optional(), productType: ProductType });
const HistoryQuery = z.object({
  symbol: z.string().min(1),
  productType: ProductType,
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  pageNo: z.coerce.number().int().min(1).default(1),
});

type Query = Record<string, string>;
type Parse = <S extends z.ZodObject>(schema: S, query: Query) => z.output<S>;

export interface MarketRoute {
  group: string;
  limit: number;
  public?: boolean;
  handler: ((ctx: { query: Query }) => unknown) | ((ctx: { account: Account; query: Query }) => unknown);
}

export function marketRoutes(
  engine: Engine,
  funding: FundingRates,
  productType: string,
  now: () => number,
  parse: Parse,
) {
  const ticker = (symbol: string) => {
    const contract = engine.contract(symbol);
    if (contract === undefined) throw refuse.symbolNotFound();
    return tickerRecord(engine, funding, contract, now());
  };
  const ours = (type: string) => type === productType;
  /** The contracts a `symbol` (optional) query names; an unknown symbol is refused. */
  const named = (query: Query) => {
    const p = parse(SymbolsQuery, query);
    if (!ours(p.productType)) return [];
    const contracts = engine.contractList().filter((c) => p.symbol === undefined || c.symbol === p.symbol);
    if (p.symbol !== undefined && contracts.length === 0) throw refuse.symbolNotFound();
    return contracts;
  };
  const market = (group: string, handler: (query: Query) => unknown): MarketRoute => ({
    group,
    limit: 20,
    public: true,
    handler: ({ query }: { query: Query }) => handler(query),
  });

  const routes: [string, MarketRoute][] = [
    [
      'GET /api/v2/mix/market/symbol-price',
      market('symbolPrice', (query) =>
        named(query).map(({ symbol }) => ({
          symbol,
          price: engine.markPrice(symbol).toString(),
          indexPrice: funding.index(symbol).toString(),
          markPrice: engine.markPrice(symbol).toString(),
          ts: String(now()),
        })),
      ),
    ],
    [
      'GET /api/v2/mix/market/current-fund-rate',
      market('currentFundRate', (query) =>
        named(query).map(({ symbol }) => ({
          symbol,
          fundingRate: funding.rateNow(symbol).toString(),
          fundingRateInterval: String(funding.intervalMs(symbol) / 3_600_000),
          nextUpdate: String(funding.nextTime(symbol)),
          minFundingRate: MAX_FUNDING_RATE.neg().toString(),
          maxFundingRate: MAX_FUNDING_RATE.toString(),
        })),
      ),
    ],
    [
      'GET /api/v2/mix/market/funding-time',
      market('fundingTime', (query) =>
        named(query).map(({ symbol }) => ({
          symbol,
          nextFundingTime: String(funding.nextTime(symbol)),
          ratePeriod: String(funding.intervalMs(symbol) / 3_600_000),
        })),
      ),
    ],
    [
      'GET /api/v2/mix/market/history-fund-rate',
      market('historyFundRate', (query) => {
        const p = parse(HistoryQuery, query);
        if (!ours(p.productType) || engine.contract(p.symbol) === undefined) throw refuse.symbolNotFound();
        return funding.history(p.symbol, p.pageSize, p.pageNo).map((entry) => ({
          symbol: p.symbol,
          fundingRate: entry.fundingRate.toString(),
          fundingTime: String(entry.fundingTime),
        }));
      }),
    ],
    [
      'GET /api/v2/spot/public/coins',
      {
        group: 'coins',
        limit: 3,
        public: true,
        handler: () =>
          [...new Set(engine.contractList().flatMap((c) => [c.baseCoin, c.quoteCoin]))]
            .sort()
            .map((coin) => ({
              coinId: coin,
              coin,
              transfer: 'true',
              chains: [],
              areaCoin: 'no',
            })),
      },
    ],
    ['GET /api/v2/spot/public/symbols', { group: 'spotSymbols', limit: 20, public: true, handler: () => [] }],
    [
      'GET /api/v2/margin/currencies',
      { group: 'marginCurrencies', limit: 10, public: true, handler: () => [] },
    ],
    [
      'GET /api/v2/mix/market/ticker',
      {
        group: 'ticker',
        limit: 20,
        public: true,
        handler: ({ query }: { query: Query }) => {
          const p = parse(TickerQuery, query);
          if (!ours(p.productType)) throw refuse.symbolNotFound();
          return [ticker(p.symbol)];
        },
      },
    ],
    [
      'GET /api/v2/mix/market/tickers',
      {
        group: 'tickers',
        limit: 20,
        public: true,
        handler: ({ query }: { query: Query }) => {
          const p = parse(TickersQuery, query);
          return ours(p.productType) ? engine.contractList().map((c) => ticker(c.symbol)) : [];
        },
      },
    ],
    [
      'GET /api/v2/mix/market/merge-depth',
      {
        group: 'depth',
        limit: 20,
        public: true,
        handler: ({ query }: { query: Query }) => {
          const p = parse(DepthQuery, query);
          const contract = engine.contract(p.symbol);
          if (contract === undefined || !ours(p.productType)) throw refuse.symbolNotFound();
          const levels = p.limit === undefined || p.limit === 'max' ? 100 : Number(p.limit);
          return {
            ...bookLevels(engine, contract, levels),
            ts: String(now()),
            scale: tickOf(contract).toString(),
            precision: 'scale0',
            isMaxPrecision: 'NO',
          };
        },
      },
    ],
    [
      'GET /api/v2/mix/account/accounts',
      {
        group: 'accounts',
        limit: 10,
        handler: ({ account, query }: { account: Account; query: Query }) => {
          const p = parse(AccountsQuery, query);
          if (!ours(p.productType)) return [];
          const fields = accountBalanceFields(engine, account);
          return [
            {
              ...fields,
              unionTotalMargin: fields.accountEquity,
              unionAvailable: fields.available,
              unionMm: '0',
              assetList: [],
              assetMode: 'single',
            },
          ];
        },
      },
    ],
  ];
  return routes;
}
