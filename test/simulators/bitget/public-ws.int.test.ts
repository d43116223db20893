import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bookChecksum } from '../../../simulators/bitget/public-ws.ts';
import { type LocalBitget, startLocalBitget } from '../../../simulators/bitget/server.ts';
import { until } from '../../support/until.ts';

/** The local Bitget's public WebSocket over a raw socket: what Bitget's documents say it answers. */

let sim: LocalBitget;
let ws: WebSocket;
const messages: unknown[] = [];

beforeAll(async () => {
  sim = await startLocalBitget({ credentials: { apiKey: 'k', secretKey: 's', passphrase: 'p' } });
  ws = new WebSocket(sim.publicWsUrl);
  ws.on('message', (data) => {
    const text = data.toString();
    messages.push(text === 'pong' ? text : JSON.parse(text));
  });
  await new Promise((resolve) => ws.once('open', resolve));
});

afterAll(async () => {
  ws?.close();
  await sim?.close();
});

const next = <T>(match: (m: Record<string, unknown>) => boolean) =>
  until(
    'a message',
    () => messages.find((m) => typeof m === 'object' && match(m as Record<string, unknown>)) as T,
  );

describe('the public WebSocket', () => {
  it('answers a text ping with pong, and an unknown channel with 30001', async () => {
    ws.send('ping');
    await until('pong', () => messages.includes('pong') || undefined);
    ws.send(
      JSON.stringify({
        op: 'subscribe',
        args: [{ instType: 'USDT-FUTURES', channel: 'candle9m', instId: 'BTCUSDT' }],
      }),
    );
    expect(await next((m) => m.event === 'error')).toMatchObject({ code: 30001 });
  });

  it('sends books5 snapshots of five levels a side, checksummed', async () => {
    const arg = { instType: 'USDT-FUTURES', channel: 'books5', instId: 'BTCUSDT' };
    ws.send(JSON.stringify({ op: 'subscribe', args: [arg] }));
    expect(await next((m) => m.event === 'subscribe')).toEqual({ event: 'subscribe', arg });
    const push = await next<{
      action: string;
      data: { bids: [string, string][]; asks: [string, string][]; checksum: number }[];
    }>((m) => m.action === 'snapshot');
    const [book] = push.data;
    expect(book?.bids).toHaveLength(5);
    expect(book?.asks).toHaveLength(5);
    expect(book?.checksum).toBe(bookChecksum(book!.bids, book!.asks));
  });
});
