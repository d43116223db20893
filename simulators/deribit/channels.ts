import { currencyOf, type SimInstrument } from './instruments.ts';
import type { ChangeSet } from './venue.ts';

/**
 * The private channels of the local Deribit (reference A7) and their payload shapes:
 * - `user.orders.{instrument|kind.currency}.raw` → one order object per notification;
 *   `.100ms` / `.agg2` → an array of orders;
 * - `user.trades.…` → an array of trades (also for `raw`);
 * - `user.changes.…` → `{ instrument_name, orders, trades, positions }`;
 * - `user.portfolio.{currency}` (or `any`) → the account summary of the currency (as
 *   `private/get_account_summary`), at once and after every change of the account in it.
 * Aggregated intervals are delivered at once (no 100 ms batching), in their array shape.
 */

type Topic = 'orders' | 'trades' | 'changes' | 'portfolio';
type Interval = 'raw' | '100ms' | 'agg2';

interface Channel {
  name: string;
  topic: Topic;
  interval: Interval;
  instrument?: string;
  kind?: string;
  currency?: string;
}

const TOPICS: ReadonlySet<string> = new Set(['orders', 'trades', 'changes']);
const INTERVALS: ReadonlySet<string> = new Set(['raw', '100ms', 'agg2']);
const KINDS: ReadonlySet<string> = new Set([
  'future',
  'option',
  'spot',
  'future_combo',
  'option_combo',
  'any',
]);
const CURRENCIES: ReadonlySet<string> = new Set(['BTC', 'ETH', 'USDC', 'USDT', 'EURR', 'any', 'ANY']);

/** The channel, or undefined when the name is not one the simulator serves (it is then omitted). */
export function parseChannel(name: string, isInstrument: (name: string) => boolean): Channel | undefined {
  const parts = name.split('.');
  if (parts[0] === 'user' && parts[1] === 'portfolio' && parts.length === 3) {
    const currency = (parts[2] ?? '').toUpperCase();
    if (!CURRENCIES.has(currency)) return undefined;
    return { name, topic: 'portfolio', interval: 'raw', currency: currency === 'ANY' ? 'any' : currency };
  }
  if (parts[0] !== 'user' || !TOPICS.has(parts[1] ?? '')) return undefined;
  const topic = parts[1] as Topic;
  const interval = parts[parts.length - 1] ?? '';
  if (!INTERVALS.has(interval)) return undefined;
  if (parts.length === 4 && isInstrument(parts[2] ?? '')) {
    return { name, topic, interval: interval as Interval, instrument: parts[2] };
  }
  if (parts.length === 5 && KINDS.has(parts[2] ?? '') && CURRENCIES.has(parts[3] ?? '')) {
    return { name, topic, interval: interval as Interval, kind: parts[2], currency: parts[3] };
  }
  return undefined;
}

function covers(channel: Channel, instrument: SimInstrument): boolean {
  if (channel.instrument !== undefined) return channel.instrument === instrument.name;
  const kindOk = channel.kind === 'any' || channel.kind === instrument.kind;
  const currencyOk = channel.currency === 'any' || channel.currency === currencyOf(instrument);
  return kindOk && currencyOk;
}

/** The notifications a change causes on one subscribed channel (`summary`: the account's, per currency). */
export function notificationsFor(
  channel: Channel,
  change: ChangeSet,
  label: string | undefined,
  summary: (currency: string) => unknown,
): unknown[] {
  if (channel.topic !== 'portfolio' && !covers(channel, change.instrument)) return [];
  const notify = (data: unknown) => ({
    jsonrpc: '2.0',
    method: 'subscription',
    params: { channel: channel.name, data, ...(label !== undefined && { label }) },
  });
  switch (channel.topic) {
    case 'portfolio': {
      const currency = currencyOf(change.instrument);
      if (channel.currency !== 'any' && channel.currency !== currency) return [];
      return [portfolioNotification(channel, summary(currency))];
    }
    case 'orders':
      if (change.orders.length === 0) return [];
      return channel.interval === 'raw' ? change.orders.map(notify) : [notify(change.orders)];
    case 'trades':
      return change.trades.length === 0 ? [] : [notify(change.trades)];
    case 'changes':
      return [
        notify({
          instrument_name: change.instrument.name,
          orders: change.orders,
          trades: change.trades,
          positions: [change.position],
        }),
      ];
  }
}

/** A `user.portfolio` notification (no label: Deribit stamps only order and trade channels). */
export function portfolioNotification(channel: Channel, data: unknown): unknown {
  return { jsonrpc: '2.0', method: 'subscription', params: { channel: channel.name, data } };
}

export type { Channel };
