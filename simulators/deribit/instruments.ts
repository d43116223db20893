import { type Decimal, parseDecimal } from '../../domain/decimal.ts';

/**
 * The instruments the local Deribit lists, as Deribit describes them (`public/get_instruments`),
 * plus what the simulator needs to run a market in them (a starting mark price and the depth of
 * its synthetic book).
 */
export interface SimInstrument {
  name: string;
  instrumentId: number;
  kind: 'future' | 'option';
  settlementPeriod: 'perpetual' | 'month' | 'week';
  /** Deribit `instrument_type`: `reversed` (inverse: amounts in USD) or `linear`. */
  instrumentType: 'reversed' | 'linear';
  baseCurrency: string;
  quoteCurrency: string;
  counterCurrency: string;
  settlementCurrency: string;
  tickSize: Decimal;
  contractSize: Decimal;
  minTradeAmount: Decimal;
  makerCommission: Decimal;
  takerCommission: Decimal;
  maxLeverage: number;
  creationTimestamp: number;
  expirationTimestamp: number;
  strike?: Decimal;
  optionType?: 'call' | 'put';
  /** Where the mark starts. */
  initialMark: Decimal;
  /** Amount available at each level of the synthetic book (in the amount unit). */
  levelDepth: Decimal;
}

/** Perpetuals carry a far-future expiry on Deribit (recorded: 32503708800000 = year 3000). */
const PERPETUAL_EXPIRY = 32_503_708_800_000;
const CREATED = Date.UTC(2019, 0, 1);
/** 26 March 2027, 08:00 UTC: a quarterly Friday expiry. */
const MAR27 = Date.UTC(2027, 2, 26, 8);

const d = parseDecimal;

/**
 * The default listing: BTC-PERPETUAL (inverse, USD amounts, contract 10, tick 0.5, min 10),
 * ETH-PERPETUAL (inverse), ETH_USDC-PERPETUAL (linear, contract 0.001 ETH), a dated BTC future
 * and a BTC call option (premium and amount in BTC).
 */
export function defaultInstruments(): SimInstrument[] {
  return [
    {
      name: 'BTC-PERPETUAL',
      instrumentId: 124972,
      kind: 'future',
      settlementPeriod: 'perpetual',
      instrumentType: 'reversed',
      baseCurrency: 'BTC',
      quoteCurrency: 'USD',
      counterCurrency: 'USD',
      settlementCurrency: 'BTC',
      tickSize: d('0.5'),
      contractSize: d('10'),
      minTradeAmount: d('10'),
      makerCommission: d('0'),
      takerCommission: d('0.0005'),
      maxLeverage: 50,
      creationTimestamp: CREATED,
      expirationTimestamp: PERPETUAL_EXPIRY,
      initialMark: d('60000'),
      levelDepth: d('100000'),
    },
    {
      name: 'ETH-PERPETUAL',
      instrumentId: 124973,
      kind: 'future',
      settlementPeriod: 'perpetual',
      instrumentType: 'reversed',
      baseCurrency: 'ETH',
      quoteCurrency: 'USD',
      counterCurrency: 'USD',
      settlementCurrency: 'ETH',
      tickSize: d('0.05'),
      contractSize: d('1'),
      minTradeAmount: d('1'),
      makerCommission: d('0'),
      takerCommission: d('0.0005'),
      maxLeverage: 50,
      creationTimestamp: CREATED,
      expirationTimestamp: PERPETUAL_EXPIRY,
      initialMark: d('3000'),
      levelDepth: d('100000'),
    },
    {
      name: 'ETH_USDC-PERPETUAL',
      instrumentId: 315979,
      kind: 'future',
      settlementPeriod: 'perpetual',
      instrumentType: 'linear',
      baseCurrency: 'ETH',
      quoteCurrency: 'USDC',
      counterCurrency: 'USDC',
      settlementCurrency: 'USDC',
      tickSize: d('0.1'),
      contractSize: d('0.001'),
      minTradeAmount: d('0.001'),
      makerCommission: d('0'),
      takerCommission: d('0.0005'),
      maxLeverage: 50,
      creationTimestamp: CREATED,
      expirationTimestamp: PERPETUAL_EXPIRY,
      initialMark: d('3000'),
      levelDepth: d('100'),
    },
    {
      name: 'BTC-26MAR27',
      instrumentId: 402001,
      kind: 'future',
      settlementPeriod: 'month',
      instrumentType: 'reversed',
      baseCurrency: 'BTC',
      quoteCurrency: 'USD',
      counterCurrency: 'USD',
      settlementCurrency: 'BTC',
      tickSize: d('2.5'),
      contractSize: d('10'),
      minTradeAmount: d('10'),
      makerCommission: d('0'),
      takerCommission: d('0.0005'),
      maxLeverage: 50,
      creationTimestamp: CREATED,
      expirationTimestamp: MAR27,
      initialMark: d('61000'),
      levelDepth: d('100000'),
    },
    {
      name: 'BTC-26MAR27-70000-C',
      instrumentId: 402101,
      kind: 'option',
      settlementPeriod: 'month',
      instrumentType: 'reversed',
      baseCurrency: 'BTC',
      quoteCurrency: 'BTC',
      counterCurrency: 'USD',
      settlementCurrency: 'BTC',
      tickSize: d('0.0005'),
      contractSize: d('1'),
      minTradeAmount: d('0.1'),
      makerCommission: d('0.0003'),
      takerCommission: d('0.0003'),
      maxLeverage: 1,
      creationTimestamp: CREATED,
      expirationTimestamp: MAR27,
      strike: d('70000'),
      optionType: 'call',
      initialMark: d('0.05'),
      levelDepth: d('10'),
    },
  ];
}

/** Inverse instruments count amounts in USD and settle PnL in the coin. */
export function isInverse(instrument: SimInstrument): boolean {
  return instrument.kind === 'future' && instrument.instrumentType === 'reversed';
}

/**
 * The grid amounts must sit on: whole contracts for futures; options trade in steps of their
 * minimum (0.1 BTC for a contract of 1 BTC).
 */
export function amountStepOf(instrument: SimInstrument): Decimal {
  return instrument.kind === 'option' ? instrument.minTradeAmount : instrument.contractSize;
}

/** The currency Deribit files the instrument under (`get_order_state_by_label(currency)`, ...). */
export function currencyOf(instrument: SimInstrument): string {
  return instrument.settlementCurrency;
}

/** The index an instrument is priced on (Deribit `price_index`, e.g. `btc_usd`). */
export function priceIndexOf(instrument: SimInstrument): string {
  return `${instrument.baseCurrency.toLowerCase()}_usd`;
}

/**
 * The instrument as `public/get_instruments` lists it. A delivered one (after its expiry) is no
 * longer active (`is_active` false) and its book is `delivered` (the OpenAPI file's `book_state`).
 */
export function instrumentWire(instrument: SimInstrument, delivered = false): Record<string, unknown> {
  return {
    instrument_name: instrument.name,
    instrument_id: instrument.instrumentId,
    kind: instrument.kind,
    instrument_type: instrument.instrumentType,
    future_type: instrument.instrumentType,
    settlement_period: instrument.settlementPeriod,
    base_currency: instrument.baseCurrency,
    quote_currency: instrument.quoteCurrency,
    counter_currency: instrument.counterCurrency,
    settlement_currency: instrument.settlementCurrency,
    price_index: priceIndexOf(instrument),
    tick_size: instrument.tickSize,
    tick_size_steps: [],
    contract_size: instrument.contractSize,
    min_trade_amount: instrument.minTradeAmount,
    maker_commission: instrument.makerCommission,
    taker_commission: instrument.takerCommission,
    max_leverage: instrument.maxLeverage,
    is_active: !delivered,
    state: delivered ? 'delivered' : 'open',
    rfq: false,
    creation_timestamp: instrument.creationTimestamp,
    expiration_timestamp: instrument.expirationTimestamp,
    block_trade_commission: instrument.takerCommission,
    block_trade_min_trade_amount: instrument.minTradeAmount,
    block_trade_tick_size: instrument.tickSize,
    ...(instrument.strike !== undefined && { strike: instrument.strike }),
    ...(instrument.optionType !== undefined && { option_type: instrument.optionType }),
  };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/**
 * A dated inverse future expiring at `expiry` (ms; Deribit's expiries are 08:00 UTC), named as
 * Deribit names them (`BTC-5DEC26`): for tests that need one expiring soon. Contract, tick and
 * fees as BTC-26MAR27's; `initialMark` defaults to 60000.
 */
export function datedFuture(
  expiry: number,
  options: { base?: 'BTC' | 'ETH'; initialMark?: string; instrumentId?: number } = {},
): SimInstrument {
  const base = options.base ?? 'BTC';
  const date = new Date(expiry);
  const name = `${base}-${date.getUTCDate()}${MONTHS[date.getUTCMonth()]}${String(date.getUTCFullYear()).slice(2)}`;
  return {
    name,
    instrumentId: options.instrumentId ?? 500_000 + Math.floor(expiry / 86_400_000),
    kind: 'future',
    settlementPeriod: 'week',
    instrumentType: 'reversed',
    baseCurrency: base,
    quoteCurrency: 'USD',
    counterCurrency: 'USD',
    settlementCurrency: base,
    tickSize: d(base === 'BTC' ? '2.5' : '0.25'),
    contractSize: d(base === 'BTC' ? '10' : '1'),
    minTradeAmount: d(base === 'BTC' ? '10' : '1'),
    makerCommission: d('0'),
    takerCommission: d('0.0005'),
    maxLeverage: 50,
    creationTimestamp: CREATED,
    expirationTimestamp: expiry,
    initialMark: d(options.initialMark ?? (base === 'BTC' ? '60000' : '3000')),
    levelDepth: d('100000'),
  };
}
