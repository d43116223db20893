import { parse as losslessParse } from 'lossless-json';
import pino from 'pino';
import type { DeribitContext } from '../../adapters/venues/deribit/options.ts';
import { createPushReader } from '../../adapters/venues/deribit/pushes.ts';
import { parseVenueJson } from '../../adapters/venues/venue-json.ts';
import type { BenchContext, Benchmark } from '../lib/benchmark.ts';
import { median } from '../lib/stats.ts';

/**
 * What reading one venue message costs the service's event loop: the Deribit pushes that come with
 * every fill (`user.orders` with the order, `user.trades` with its trade), parsed with every number
 * kept as its text (`parseVenueJson`), then checked and mapped into reports (`reportsOf`). Beside
 * them, in the same rounds: the runtime's plain `JSON.parse` of the same text (the floor: it keeps
 * no number text) and lossless-json (the parser `parseVenueJson` used before). No database here:
 * the baseline is `JSON.parse`. Medians over the rounds, µs per message.
 */

const order = {
  web: false,
  time_in_force: 'good_til_cancelled',
  risk_reducing: false,
  replaced: false,
  reject_post_only: false,
  reduce_only: false,
  profit_loss: '0.0',
  price: '60123.5',
  post_only: false,
  order_type: 'limit',
  order_state: 'filled',
  order_id: '28734412345',
  mobile: false,
  max_show: '30.0',
  last_update_timestamp: '1733400000123',
  label: 'oms-3f6c1c1e8d1a4e539a571c2b3d4e5f60',
  is_rebalance: false,
  is_liquidation: false,
  instrument_name: 'BTC-PERPETUAL',
  filled_amount: '30.0',
  direction: 'buy',
  creation_timestamp: '1733400000000',
  contracts: '3.0',
  average_price: '60123.5',
  api: true,
  amount: '30.0',
};
const trade = {
  trade_seq: '30289432',
  trade_id: '48934123',
  timestamp: '1733400000123',
  tick_direction: '0',
  state: 'filled',
  reduce_only: false,
  price: '60123.5',
  post_only: false,
  order_type: 'limit',
  order_id: '28734412345',
  matching_id: null,
  mark_price: '60124.12',
  liquidity: 'M',
  label: 'oms-3f6c1c1e8d1a4e539a571c2b3d4e5f60',
  instrument_name: 'BTC-PERPETUAL',
  index_price: '60120.77',
  fee_currency: 'BTC',
  fee: '0.00000012',
  direction: 'buy',
  contracts: '1.0',
  api: true,
  amount: '10.0',
};

/** Deribit's wire text: the numbers above as JSON numbers (unquoted), as Deribit sends them. */
const wire = (channel: string, data: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } }).replace(
    /"(-?\d+(?:\.\d+)?)"/g,
    '$1',
  );

const MESSAGES = [
  { name: 'user.orders push (one order)', text: wire('user.orders.any.any.raw', order) },
  { name: 'user.trades push (one trade)', text: wire('user.trades.any.any.raw', [trade]) },
  {
    name: 'user.trades push (100 trades)',
    text: wire(
      'user.trades.any.any.raw',
      Array.from({ length: 100 }, (_, i) => ({ ...trade, trade_id: String(48934123 + i) })),
    ),
  },
];

const reader = createPushReader({
  account: 'main',
  logger: pino({ level: 'silent' }),
  now: Date.now,
} as unknown as DeribitContext);

/** µs per call of `work` over `n` calls. */
const timed = (n: number, work: () => unknown): number => {
  const start = performance.now();
  for (let i = 0; i < n; i++) work();
  return ((performance.now() - start) * 1000) / n;
};

export const benchmark: Benchmark = {
  name: 'venue-messages',
  description: "reading a Deribit push on the service's event loop (parse, check, map) against JSON.parse",
  run: async (context: BenchContext) => {
    context.log(
      '| message | bytes | JSON.parse µs | lossless-json µs | parseVenueJson µs (÷ JSON.parse) | parse + reportsOf µs |',
    );
    context.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const { name, text } of MESSAGES) {
      const n = Math.max(50, Math.round((name.includes('100') ? 2_000 : 50_000) * context.scale));
      const rounds: { plain: number; lossless: number; ours: number; read: number }[] = [];
      for (let r = 0; r <= context.rounds; r++) {
        const round = {
          plain: timed(n, () => JSON.parse(text)),
          lossless: timed(n, () => losslessParse(text, null, (t: string) => t)),
          ours: timed(n, () => parseVenueJson(text)),
          read: timed(n, () => reader.reportsOf(parseVenueJson(text) as never)),
        };
        if (r > 0) rounds.push(round); // the first round warms up
      }
      const m = (pick: (x: (typeof rounds)[number]) => number) => median(rounds.map(pick));
      context.log(
        `| ${name} | ${text.length} | ${m((x) => x.plain).toFixed(1)} | ${m((x) => x.lossless).toFixed(1)} | ${m(
          (x) => x.ours,
        ).toFixed(
          1,
        )} (${(m((x) => x.ours) / m((x) => x.plain)).toFixed(1)}x) | ${m((x) => x.read).toFixed(1)} |`,
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    context.log('');
  },
};
