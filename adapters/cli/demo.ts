import { randomUUID } from 'node:crypto';
import { Decimal } from '../../domain/decimal.ts';
import type { ApiClient } from '../http/client.ts';
import type { Output } from './client-commands.ts';

/**
 * A tour of the running service: orders on both venues (market, limit, amend, cancel, close),
 * then the positions and one order's history. Every step goes through the HTTP API.
 */
export async function demo(
  client: ApiClient,
  output: Output,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const say = (text: string) => output.out(`${text}\n`);
  const run = randomUUID().slice(0, 8);
  const key = (step: string) => `demo-${run}-${step}`;

  say('Waiting for both venues to trade...');
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const health = await client.health();
    const venues = health.venues.map(
      (v) => `${v.venue}:${v.trading ? 'trading' : (v.pausedReason ?? 'paused')}`,
    );
    if (health.venues.length > 0 && health.venues.every((v) => v.trading)) break;
    if (Date.now() > deadline) throw new Error(`venues not trading: ${venues.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const show = (
    what: string,
    reply: {
      status: number;
      order: { orderId: string; status: string; filled: string; amount: string; averagePrice: string | null };
    },
  ) =>
    say(
      `  ${what.padEnd(46)} → ${reply.order.status.padEnd(16)} filled ${reply.order.filled}/${reply.order.amount}` +
        `${reply.order.averagePrice ? ` @ ${reply.order.averagePrice}` : ''}  (HTTP ${reply.status}, order ${reply.order.orderId})`,
    );

  // Waits until an order is closed (filled, cancelled...), as the venue reports it.
  const settled = async (orderId: string) => {
    const until = Date.now() + 10_000;
    for (;;) {
      const order = await client.order(orderId);
      if (['filled', 'cancelled', 'rejected', 'expired'].includes(order.status) || Date.now() > until) {
        return { status: 200, order };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  // A price a little away from the mark, on the tick grid.
  const away = async (venue: string, symbol: string, fraction: string) => {
    const { instrument, markPrice } = await client.instrument(venue, symbol);
    if (markPrice === null) throw new Error(`no mark price for ${venue} ${symbol}`);
    const tick = new Decimal(instrument.tickSize);
    return new Decimal(markPrice)
      .times(new Decimal(1).plus(fraction))
      .div(tick)
      .floor()
      .times(tick)
      .toString();
  };

  say('\nDeribit (BTC-PERPETUAL: inverse, amounts in USD)');
  show(
    'market buy 200 USD',
    await client.place(
      { venue: 'deribit', symbol: 'BTC-PERPETUAL', side: 'buy', type: 'market', amount: '200' },
      key('d1'),
    ),
  );
  const resting = await client.place(
    {
      venue: 'deribit',
      symbol: 'BTC-PERPETUAL',
      side: 'buy',
      type: 'limit',
      amount: '100',
      price: await away('deribit', 'BTC-PERPETUAL', '-0.02'),
    },
    key('d2'),
  );
  show('limit buy 100 USD 2% under the mark', resting);
  show(
    'amend it to 3% under',
    await client.amend(
      resting.order.orderId,
      { price: await away('deribit', 'BTC-PERPETUAL', '-0.03') },
      key('d3'),
    ),
  );
  show('cancel it', await client.cancel(resting.order.orderId, key('d4')));
  show(
    'market sell 50 USD',
    await client.place(
      { venue: 'deribit', symbol: 'BTC-PERPETUAL', side: 'sell', type: 'market', amount: '50' },
      key('d5'),
    ),
  );

  say('\nDeribit (ETH_USDC-PERPETUAL: linear, amounts in ETH)');
  show(
    'market buy 0.5 ETH',
    await client.place(
      { venue: 'deribit', symbol: 'ETH_USDC-PERPETUAL', side: 'buy', type: 'market', amount: '0.5' },
      key('d6'),
    ),
  );

  say('\nBitget (BTCUSDT: USDT-M, sizes in BTC; Bitget acknowledges first, its WebSocket reports the fills)');
  const bitgetBuy = await client.place(
    { venue: 'bitget', symbol: 'BTCUSDT', side: 'buy', type: 'market', amount: '0.02' },
    key('b1'),
  );
  show('market buy 0.02 BTC', bitgetBuy);
  show('  ...then its fill', await settled(bitgetBuy.order.orderId));
  const bitgetLimit = await client.place(
    {
      venue: 'bitget',
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'limit',
      amount: '0.01',
      price: await away('bitget', 'BTCUSDT', '0.02'),
    },
    key('b2'),
  );
  show('limit sell 0.01 BTC 2% over the mark', bitgetLimit);
  show(
    'amend it (cancel-and-replace) to 3% over',
    await client.amend(
      bitgetLimit.order.orderId,
      { price: await away('bitget', 'BTCUSDT', '0.03') },
      key('b3'),
    ),
  );
  show('cancel it', await client.cancel(bitgetLimit.order.orderId, key('b4')));
  const close = await client.closePosition({ venue: 'bitget', symbol: 'BTCUSDT', type: 'market' }, key('b5'));
  show('close the BTCUSDT position', close);
  show('  ...then its fill', await settled(close.order.orderId));

  say(
    '\nPositions (realized PnL in the settlement currency, shown to 12 decimals; the API gives them exactly)',
  );
  for (const p of await client.positions({ includeFlat: 'true' })) {
    const fees = Object.entries(p.fees)
      .map(([currency, fee]) => `${fee} ${currency}`)
      .join(', ');
    say(
      `  ${`${p.venue} ${p.symbol} ${p.side}`.padEnd(34)} size ${p.size.padEnd(8)} entry ${(p.averageEntry ?? '-').padEnd(12)} ` +
        `realized ${new Decimal(p.realizedPnl).toDecimalPlaces(12).toString()} ${p.pnlCurrency}; fees ${fees || '0'}`,
    );
  }

  say(`\nHistory of order ${resting.order.orderId} (the amended and cancelled Deribit limit order)`);
  for (const entry of await client.history(resting.order.orderId)) {
    say(
      `  #${entry.revision} ${entry.recordedAt} ${entry.type.padEnd(22)} from ${entry.source}${entry.venueTime ? ` (venue time ${entry.venueTime})` : ''}`,
    );
  }
  say('\nDone. More: npm run oms -- --help');
}
