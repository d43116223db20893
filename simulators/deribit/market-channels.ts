import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import type { SimVenue } from './venue.ts';

/**
 * The local Deribit's public market channels, from Deribit's subscription documentation:
 * - `ticker.{instrument_name}.{interval}`: the ticker object (as `public/ticker`);
 * - `deribit_price_index.{index_name}`: `{ index_name, price, timestamp }`, the index price;
 * - `book.{instrument_name}.{interval}`: the order book, first a `snapshot` (every level as
 *   `["new", price, amount]`), then `change`s carrying only the levels that changed (`new`,
 *   `change`, `delete` with amount 0) and the `prev_change_id` they follow.
 * Intervals `raw`, `100ms` and `agg2` are delivered as changes happen (no batching). A first
 * notification follows the subscription at once; the next ones follow every move of the market
 * (the mark, a trade, the book's settings).
 */

const INTERVALS: ReadonlySet<string> = new Set(['raw', '100ms', 'agg2']);
const BOOK_LEVELS = 20;

export interface MarketFeed {
  readonly name: string;
  readonly kind: 'ticker' | 'book' | 'index';
  /** Ticker and book feeds: the instrument; index feeds: the index (`btc_usd`). */
  readonly instrument: string;
  /** Book feeds: the levels last sent (price text → amount), and the last change id. */
  sent?: { bids: Map<string, Decimal>; asks: Map<string, Decimal>; changeId: number } | undefined;
}

/** The feed a public channel name stands for, or undefined when it is not one this venue serves. */
export function parseMarketChannel(
  name: string,
  isInstrument: (name: string) => boolean,
  isIndex: (name: string) => boolean = () => false,
): MarketFeed | undefined {
  const parts = name.split('.');
  if (parts.length === 2 && parts[0] === 'deribit_price_index' && isIndex(parts[1] ?? ''))
    return { name, kind: 'index', instrument: parts[1] ?? '' };
  if (parts.length !== 3) return undefined;
  const [kind, instrument, interval] = parts as [string, string, string];
  if ((kind !== 'ticker' && kind !== 'book') || !INTERVALS.has(interval) || !isInstrument(instrument))
    return undefined;
  return { name, kind, instrument };
}

type Level = readonly [Decimal, Decimal];

const levelMap = (levels: readonly Level[]) =>
  new Map(levels.map(([price, amount]) => [price.toString(), amount]));

/** What changed between two sides of the book, as Deribit writes it. */
function sideChanges(before: Map<string, Decimal>, after: Map<string, Decimal>) {
  const changes: [string, Decimal, Decimal | number][] = [];
  for (const [price, amount] of after) {
    const was = before.get(price);
    if (was === undefined) changes.push(['new', parseDecimal(price), amount]);
    else if (!was.eq(amount)) changes.push(['change', parseDecimal(price), amount]);
  }
  for (const [price] of before) if (!after.has(price)) changes.push(['delete', parseDecimal(price), 0]);
  return changes;
}

/** The notification data the feed has to send now (undefined: nothing changed for it). */
export function feedData(feed: MarketFeed, venue: SimVenue, now: number): unknown {
  if (feed.kind === 'ticker') return venue.ticker(feed.instrument);
  if (feed.kind === 'index') {
    const price = venue.funding.indexPrice(feed.instrument);
    return price === undefined ? undefined : { index_name: feed.instrument, price, timestamp: now };
  }
  const book = venue.orderBook(feed.instrument, BOOK_LEVELS) as { bids: Level[]; asks: Level[] };
  const bids = levelMap(book.bids);
  const asks = levelMap(book.asks);
  const previous = feed.sent;
  const changeId = (previous?.changeId ?? 0) + 1;
  const base = { instrument_name: feed.instrument, timestamp: now, change_id: changeId };
  feed.sent = { bids, asks, changeId };
  if (previous === undefined) {
    return {
      ...base,
      type: 'snapshot',
      bids: book.bids.map(([p, a]) => ['new', p, a]),
      asks: book.asks.map(([p, a]) => ['new', p, a]),
    };
  }
  const bidChanges = sideChanges(previous.bids, bids);
  const askChanges = sideChanges(previous.asks, asks);
  if (bidChanges.length === 0 && askChanges.length === 0) {
    feed.sent = { ...feed.sent, changeId: previous.changeId };
    return undefined;
  }
  return { ...base, type: 'change', prev_change_id: previous.changeId, bids: bidChanges, asks: askChanges };
}
