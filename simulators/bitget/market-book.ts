import type { Decimal } from '../../domain/decimal.ts';
import { type LocalContract, tickOf } from './contracts.ts';
import type { Engine } from './engine.ts';
import type { FundingRates } from './funding.ts';
import { nextFundingTime } from './funding.ts';

/**
 * The local Bitget's market as its REST and public WebSocket write it: the synthetic book around the
 * mark (asks from the mark up, bids from a tick under it, each level `depth` deep) and the ticker.
 */

export type BookLevel = [string, string];

export function bookLevels(engine: Engine, contract: LocalContract, count: number) {
  const mark: Decimal = engine.markPrice(contract.symbol);
  const tick = tickOf(contract);
  const size = engine.depthOf(contract.symbol).toString();
  const level = (side: 1 | -1, i: number): BookLevel => [
    mark.plus(tick.times(side === 1 ? i : -(i + 1))).toString(),
    size,
  ];
  return {
    asks: Array.from({ length: count }, (_, i) => level(1, i)),
    bids: Array.from({ length: count }, (_, i) => level(-1, i)),
  };
}

export function tickerRecord(engine: Engine, funding: FundingRates, contract: LocalContract, now: number) {
  const { symbol } = contract;
  const mark = engine.markPrice(symbol);
  const tick = tickOf(contract);
  return {
    symbol,
    lastPr: mark.toString(),
    askPr: mark.toString(),
    bidPr: mark.minus(tick).toString(),
    bidSz: engine.depthOf(symbol).toString(),
    askSz: engine.depthOf(symbol).toString(),
    high24h: mark.toString(),
    low24h: mark.toString(),
    ts: String(now),
    change24h: '0',
    baseVolume: '0',
    quoteVolume: '0',
    usdtVolume: '0',
    openUtc: mark.toString(),
    changeUtc24h: '0',
    indexPrice: funding.index(symbol).toString(),
    fundingRate: funding.rateNow(symbol).toString(),
    nextFundingTime: String(nextFundingTime(now)),
    holdingAmount: '0',
    deliveryStartTime: null,
    deliveryTime: null,
    deliveryStatus: '',
    open24h: mark.toString(),
    markPrice: mark.toString(),
  };
}
