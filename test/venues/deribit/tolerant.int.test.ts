import type { AddressInfo } from 'node:net';
import { firstValueFrom, type Observable, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createDeribitAdapter, type DeribitAdapter } from '../../../adapters/venues/deribit/adapter.ts';
import type { VenueReport } from '../../../application/ports/venue.ts';
import { STOP_MARKET } from './real-shapes.ts';
import { CLIENT, d, memoryLogger } from './support.ts';

/**
 * Deribit as it really answers: shapes the local simulator does not send (an untriggered
 * stop-market order without `filled_amount`, a trade with `profit_loss: null`, an object the
 * adapter cannot read at all), served by a tiny JSON-RPC WebSocket server.
 */

const LIMIT = {
  ...STOP_MARKET,
  order_id: 'ETH-1',
  order_state: 'open',
  order_type: 'limit',
  price: 1600,
  filled_amount: 0,
};
const TRADE = {
  trade_id: 'ETH-77',
  trade_seq: 5,
  order_id: 'ETH-1',
  instrument_name: 'ETH-PERPETUAL',
  timestamp: 1700000001000,
  direction: 'buy',
  price: 1600,
  amount: 2,
  fee: 0.0001,
  fee_currency: 'ETH',
  liquidity: 'T',
  profit_loss: null,
  matching_id: null,
  state: 'open',
};
const MALFORMED = { order_id: 'ETH-BAD', order_state: 'sleeping', label: 'x' };
const BAD_TRADE = { trade_id: 'ETH-78', trade_seq: 6, order_id: 'ETH-1', price: 'lots' };

type Results = Record<string, unknown>;

function fakeDeribit(
  results: Results,
): Promise<{ url: string; push(channel: string, data: unknown): void; close(): Promise<void> }> {
  const answers: Results = {
    'public/auth': {
      access_token: 'a',
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: 'r',
      scope: 'connection',
    },
    'public/set_heartbeat': 'ok',
    'public/test': { version: '1' },
    'private/subscribe': ['user.orders.any.any.raw', 'user.trades.any.any.raw'],
    ...results,
  };
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const sockets = new Set<WebSocket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('message', (text) => {
      const { id, method } = JSON.parse(String(text)) as { id?: number; method: string };
      if (id === undefined) return;
      const reply =
        method in answers
          ? { jsonrpc: '2.0', id, result: answers[method] }
          : { jsonrpc: '2.0', id, error: { code: 11050, message: 'bad_request' } };
      socket.send(JSON.stringify(reply));
    });
  });
  return new Promise((resolve) =>
    server.on('listening', () =>
      resolve({
        url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/api/v2`,
        push: (channel, data) => {
          const text = JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } });
          for (const socket of sockets) socket.send(text);
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.terminate();
            server.close(() => done());
          }),
      }),
    ),
  );
}

const next = (reports$: Observable<VenueReport>, n: number) =>
  firstValueFrom(reports$.pipe(take(n), toArray()));

let venue: Awaited<ReturnType<typeof fakeDeribit>>;
let adapter: DeribitAdapter;

async function connect(results: Results): Promise<void> {
  venue = await fakeDeribit(results);
  adapter = createDeribitAdapter({
    account: 'acct',
    wsUrl: venue.url,
    httpUrl: 'http://127.0.0.1:9',
    credentials: { ...CLIENT },
    logger: memoryLogger().logger,
    requestTimeoutMs: 2000,
    heartbeatIntervalSec: 10,
  });
  await adapter.connect();
}

beforeEach(() => {
  venue = undefined as never;
});
afterEach(async () => {
  await adapter?.close();
  await venue?.close();
});

const eth = { symbol: 'ETH-PERPETUAL', settlementCurrency: 'ETH' } as never;

describe('given Deribit answers a single untriggered stop-market order without filled_amount', () => {
  it('reads it as untriggered with nothing filled and no limit price', async () => {
    await connect({ 'private/get_order_state': STOP_MARKET });
    const order = await adapter.getOrder(eth, 'ETH-SLTS-12');
    expect(order).toMatchObject({ status: 'untriggered', type: 'stop_market', price: undefined });
    expect(order?.filledAmount.eq(0)).toBe(true);
    expect(order?.clientOrderId).toBeUndefined();
  });
});

describe('given open orders with a stop-market order without filled_amount and one object nobody can read', () => {
  it('returns the readable orders and hands the other over as unreadable, with its text', async () => {
    await connect({ 'private/get_open_orders': [LIMIT, STOP_MARKET, MALFORMED] });
    const reported = next(adapter.reports$, 1);
    const orders = await adapter.openOrders();
    expect(orders.map((o) => o.venueOrderId)).toEqual(['ETH-1', 'ETH-SLTS-12']);
    const [report] = await reported;
    expect(report).toMatchObject({
      kind: 'unreadable',
      item: { venue: 'deribit', account: 'acct', what: 'order' },
    });
    if (report?.kind !== 'unreadable') throw new Error('expected an unreadable report');
    expect(JSON.parse(report.item.raw)).toEqual(MALFORMED);
    expect(report.item.error).toMatch(/order_state/);
  });
});

describe('given a fills page with a trade whose profit_loss is null and one malformed trade', () => {
  it('returns the trade with profit_loss null and reports the malformed one', async () => {
    await connect({
      'private/get_user_trades_by_instrument': { trades: [TRADE, BAD_TRADE], has_more: false },
    });
    const reported = next(adapter.reports$, 1);
    const fills = await adapter.fills({ instrument: eth });
    expect(fills.map((f) => f.tradeId)).toEqual(['ETH-77']);
    expect(fills[0]?.price.eq(d('1600'))).toBe(true);
    expect(await reported).toMatchObject([{ kind: 'unreadable', item: { what: 'fill' } }]);
  });
});

describe('given pushes carrying the two shapes next to a malformed object', () => {
  it('reads the stop-market order and the trade, and hands the malformed object over', async () => {
    await connect({});
    const reported = next(adapter.reports$, 3);
    venue.push('user.orders.any.any.raw', [STOP_MARKET, MALFORMED]);
    venue.push('user.trades.any.any.raw', [TRADE]);
    const [order, unreadable, fill] = await reported;
    expect(order).toMatchObject({
      kind: 'order',
      order: { venueOrderId: 'ETH-SLTS-12', status: 'untriggered' },
    });
    expect(unreadable).toMatchObject({
      kind: 'unreadable',
      item: { what: 'order', source: 'user.orders.any.any.raw' },
    });
    expect(fill).toMatchObject({ kind: 'fill', fill: { tradeId: 'ETH-77' } });
    expect(adapter.protocolErrors).toBe(1);
  });
});

describe('given Deribit answers a single order the adapter cannot read', () => {
  it('fails the look-up naming the field, and hands the object over with its text', async () => {
    await connect({ 'private/get_order_state': MALFORMED });
    const reported = next(adapter.reports$, 1);
    await expect(adapter.getOrder(eth, 'ETH-BAD')).rejects.toThrow(/order_state/);
    expect(await reported).toMatchObject([
      { kind: 'unreadable', item: { what: 'order', source: 'private/get_order_state' } },
    ]);
  });
});
