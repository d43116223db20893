import { type Decimal, parseDecimal } from '../../domain/decimal.ts';

/** A contract of the local Bitget, as `/api/v2/mix/market/contracts` serves it. */
export interface LocalContract {
  symbol: string;
  baseCoin: string;
  quoteCoin: string;
  minTradeNum: Decimal;
  sizeMultiplier: Decimal;
  volumePlace: number;
  pricePlace: number;
  priceEndStep: Decimal;
  minTradeUSDT: Decimal;
  maxLever: number;
  /** Largest limit and market order (Bitget lists both since June 2025; 0 = none). */
  maxOrderQty: Decimal;
  maxMarketOrderQty: Decimal;
  /** A limit buy at most mark × (1 + this), a limit sell at least mark × (1 − sellLimitPriceRatio). */
  buyLimitPriceRatio: Decimal;
  sellLimitPriceRatio: Decimal;
  makerFeeRate: Decimal;
  takerFeeRate: Decimal;
  /** Where the mark starts. */
  initialMark: Decimal;
  /** Hours between funding times (`fundInterval` of the contracts list; 8 when absent: 00:00, 08:00, 16:00 UTC). */
  fundInterval?: number;
}

/** Milliseconds between a contract's funding times. */
export function fundingIntervalMs(contract: LocalContract): number {
  return (contract.fundInterval ?? 8) * 3_600_000;
}

/** BTCUSDT and ETHUSDT with Bitget's real grid (tick 0.1 / 0.01, steps 0.001 / 0.01, min 5 USDT). */
export const DEFAULT_CONTRACTS: readonly LocalContract[] = [
  {
    symbol: 'BTCUSDT',
    baseCoin: 'BTC',
    quoteCoin: 'USDT',
    minTradeNum: parseDecimal('0.001'),
    sizeMultiplier: parseDecimal('0.001'),
    volumePlace: 3,
    pricePlace: 1,
    priceEndStep: parseDecimal('1'),
    minTradeUSDT: parseDecimal('5'),
    maxLever: 125,
    maxOrderQty: parseDecimal('1200'),
    maxMarketOrderQty: parseDecimal('220'),
    buyLimitPriceRatio: parseDecimal('0.05'),
    sellLimitPriceRatio: parseDecimal('0.05'),
    makerFeeRate: parseDecimal('0.0002'),
    takerFeeRate: parseDecimal('0.0006'),
    initialMark: parseDecimal('60000'),
  },
  {
    symbol: 'ETHUSDT',
    baseCoin: 'ETH',
    quoteCoin: 'USDT',
    minTradeNum: parseDecimal('0.01'),
    sizeMultiplier: parseDecimal('0.01'),
    volumePlace: 2,
    pricePlace: 2,
    priceEndStep: parseDecimal('1'),
    minTradeUSDT: parseDecimal('5'),
    maxLever: 100,
    maxOrderQty: parseDecimal('10000'),
    maxMarketOrderQty: parseDecimal('2000'),
    buyLimitPriceRatio: parseDecimal('0.05'),
    sellLimitPriceRatio: parseDecimal('0.05'),
    makerFeeRate: parseDecimal('0.0002'),
    takerFeeRate: parseDecimal('0.0006'),
    initialMark: parseDecimal('3000'),
  },
];

export function tickOf(contract: LocalContract): Decimal {
  return contract.priceEndStep.times(parseDecimal('10').pow(-contract.pricePlace));
}

/** The contract as Bitget's contracts endpoint writes it (numbers as strings). */
export function contractRecord(contract: LocalContract, productType: string) {
  return {
    symbol: contract.symbol,
    baseCoin: contract.baseCoin,
    quoteCoin: contract.quoteCoin,
    buyLimitPriceRatio: contract.buyLimitPriceRatio.toString(),
    sellLimitPriceRatio: contract.sellLimitPriceRatio.toString(),
    feeRateUpRatio: '0.005',
    makerFeeRate: contract.makerFeeRate.toString(),
    takerFeeRate: contract.takerFeeRate.toString(),
    openCostUpRatio: '0.01',
    supportMarginCoins: [contract.quoteCoin],
    minTradeNum: contract.minTradeNum.toString(),
    priceEndStep: contract.priceEndStep.toString(),
    volumePlace: String(contract.volumePlace),
    pricePlace: String(contract.pricePlace),
    sizeMultiplier: contract.sizeMultiplier.toString(),
    symbolType: 'perpetual',
    minTradeUSDT: contract.minTradeUSDT.toString(),
    maxSymbolOrderNum: '200',
    maxProductOrderNum: '400',
    maxPositionNum: '150',
    symbolStatus: 'normal',
    offTime: '-1',
    limitOpenTime: '-1',
    deliveryTime: '',
    deliveryStartTime: '',
    launchTime: '',
    fundInterval: String(contract.fundInterval ?? 8),
    minLever: '1',
    maxLever: String(contract.maxLever),
    posLimit: '0.1',
    maintainTime: '',
    maxMarketOrderQty: contract.maxMarketOrderQty.toString(),
    maxOrderQty: contract.maxOrderQty.toString(),
    productType,
  };
}
