import type { LevelFill } from '../matching/synthetic-book.ts';
import type { LocalContract } from './contracts.ts';
import type { Engine } from './engine.ts';
import type { FundingRates } from './funding.ts';

/**
 * The local Bitget's market as its REST and public WebSocket write it: the synthetic book around the
 * mark (asks from the mark up, bids from a tick under it, each level `depth` deep) and the ticker.
 */

/** One level: price and size, as Bitget writes them (strings). */
export type BookLevel = [string, string];

export function bookLevels(engine: Engine, contract: LocalContract, count: number) {
  const { asks, bids } = engine.book(contract.symbol).levels(count);
  const wire = (levels: readonly LevelFill[]) =>
    levels.map(({ price, size }): BookLevel => [price.toString(), size.toString()]);
  return { asks: wire(asks), bids: wire(bids) };
}

export function tickerRecord(engine: Engine, funding: FundingRates, contract: LocalContract, now: number) {
  const { symbol } = contract;
  const mark = engine.markPrice(symbol);
  const { asks, bids } = bookLevels(engine, contract, 1);
  return {
    symbol,
    lastPr: mark.toString(),
    askPr: asks[0]?.[0] ?? mark.toString(),
    bidPr: bids[0]?.[0] ?? mark.toString(),
    bidSz: bids[0]?.[1] ?? '0',
    askSz: asks[0]?.[1] ?? '0',
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
    nextFundingTime: String(funding.nextTime(symbol)),
    holdingAmount: '0',
    deliveryStartTime: null,
    deliveryTime: null,
    deliveryStatus: '',
    open24h: mark.toString(),
    markPrice: mark.toString(),
  };
}
