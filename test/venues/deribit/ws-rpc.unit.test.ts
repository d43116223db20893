import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { WsRpcConnection } from '../../../adapters/venues/deribit/ws-rpc.ts';
import { OFF_THREAD_CHARS } from '../../../adapters/venues/json-parse-thread.ts';
import type { VenueSocket } from '../../../adapters/venues/venue-socket.ts';
import { memoryLogger } from './support.ts';

/** A socket the test speaks for: what the connection sends is kept, what the venue sends is pushed in. */
function scriptedSocket() {
  const messages$ = new Subject<string>();
  const sent: { id: number; method: string }[] = [];
  const socket: VenueSocket = {
    messages$: messages$.asObservable(),
    closed: new Promise(() => undefined),
    lastMessageAt: 0,
    isOpen: true,
    send: (text) => {
      sent.push(JSON.parse(text) as { id: number; method: string });
    },
    close: () => messages$.complete(),
    terminate: () => messages$.complete(),
  };
  return { socket, messages$, sent };
}

/** Deribit's answer to `private/get_open_orders` with `n` orders: prices as JSON numbers. */
const openOrdersReply = (id: number, n: number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    result: Array.from({ length: n }, (_, i) => ({
      order_id: `ETH-${1000 + i}`,
      order_state: 'open',
      price: 60000.5,
      amount: 10,
      label: `oms-${i}`,
    })),
    usIn: 1700000000000100,
    usOut: 1700000000000200,
    usDiff: 100,
  }).replace(/"price":"?60000\.5"?/g, '"price":60000.123456789012345678');
const push = (channel: string) =>
  JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data: [] } });

describe('Deribit JSON-RPC over a socket: long replies', () => {
  it('Given a reply too long to parse on the event loop, When a push follows it, Then the reply is parsed exactly and delivered first, and the push after it', async () => {
    const { socket, messages$, sent } = scriptedSocket();
    const rpc = new WsRpcConnection(socket, memoryLogger().logger);
    const seen: string[] = [];
    rpc.notifications$.subscribe((n) => {
      if (n.method === 'subscription') seen.push(`push ${n.params.channel}`);
    });
    const reply = rpc.request('private/get_open_orders', {}, 5000).then((r) => {
      seen.push('reply');
      return r;
    });
    const text = openOrdersReply(sent[0]!.id, 6000);
    expect(text.length).toBeGreaterThanOrEqual(OFF_THREAD_CHARS);
    // When
    messages$.next(text);
    messages$.next(push('user.orders.any.any.raw'));
    const { result, latency } = await reply;
    // Then
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(['reply', 'push user.orders.any.any.raw']);
    const orders = result as { order_id: string; price: string; amount: string }[];
    expect(orders).toHaveLength(6000);
    expect(orders[5999]).toMatchObject({
      order_id: 'ETH-6999',
      price: '60000.123456789012345678',
      amount: '10',
    });
    expect(latency).toEqual({ usIn: 1700000000000100, usOut: 1700000000000200, usDiff: 100 });
  });

  it('Given a long reply being parsed, When the reply to another request (an order placed meanwhile) follows, Then that reply is delivered at once, and a push after both still waits for the long one', async () => {
    const { socket, messages$, sent } = scriptedSocket();
    const rpc = new WsRpcConnection(socket, memoryLogger().logger);
    const seen: string[] = [];
    rpc.notifications$.subscribe((n) => {
      if (n.method === 'subscription') seen.push('push');
    });
    const list = rpc.request('private/get_open_orders', {}, 5000).then(() => seen.push('list'));
    const buy = rpc.request('private/buy', { amount: 10 }, 5000).then(() => seen.push('buy'));
    // When the list (long), then the buy's reply, then a push arrive
    messages$.next(openOrdersReply(sent[0]!.id, 6000));
    messages$.next(JSON.stringify({ jsonrpc: '2.0', id: sent[1]!.id, result: { order: {} } }));
    messages$.next(push('user.orders.any.any.raw'));
    await Promise.all([list, buy]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Then
    expect(seen).toEqual(['buy', 'list', 'push']);
  });

  it('Given a request whose deadline passes while its long reply is being parsed, Then it gets its reply, not a timeout; and a socket that closes meanwhile still delivers it', async () => {
    const { socket, messages$, sent } = scriptedSocket();
    const rpc = new WsRpcConnection(socket, memoryLogger().logger);
    // When the reply arrives at once but the deadline (1 ms) passes while it is parsed
    const reply = rpc.request('private/get_open_orders', {}, 1);
    messages$.next(openOrdersReply(sent[0]!.id, 6000));
    messages$.complete();
    // Then
    await expect(reply).resolves.toMatchObject({ result: expect.any(Array) });
  });

  it('Given a long message that is not JSON, Then it is logged and the messages after it are still handled', async () => {
    const { socket, messages$ } = scriptedSocket();
    const { logger, lines } = memoryLogger();
    const rpc = new WsRpcConnection(socket, logger);
    const seen: string[] = [];
    rpc.notifications$.subscribe((n) => {
      if (n.method === 'subscription') seen.push(n.params.channel);
    });
    messages$.next(`{"jsonrpc":"2.0","result":[${'1,'.repeat(OFF_THREAD_CHARS)}`);
    messages$.next(push('user.trades.any.any.raw'));
    for (let i = 0; i < 250 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['user.trades.any.any.raw']);
    expect(lines.some((l) => l.includes('a message that is not JSON'))).toBe(true);
  });
});
