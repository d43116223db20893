import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createDeribitAdapter } from '../../adapters/venues/deribit/adapter.ts';
import { externalOrderId } from '../../application/ingestion/external.ts';
import { clientOrderIdFor } from '../../application/orders/client-order-id.ts';
import type { VenueReport } from '../../application/ports/venue.ts';
import { exists } from '../../domain/order/state.ts';
import { venueAnomalyStream } from '../../domain/venue/venue-anomaly.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';
import { until } from '../support/until.ts';
import { STOP_MARKET as UNTRIGGERED_STOP_MARKET } from '../venues/deribit/real-shapes.ts';
import { restingBuy, type ServiceOnOneVenue, startServiceOn, testLogger } from './support.ts';

/**
 * A local Deribit on which rests what Deribit really sends and the simulator does not: an
 * untriggered stop-market order without `filled_amount`, next to an object nobody can read. A tiny
 * WebSocket proxy between the adapter and the local Deribit adds both to the open-order replies.
 */

const STOP_MARKET = {
  ...UNTRIGGERED_STOP_MARKET,
  order_id: '91000000001',
  instrument_name: 'BTC-PERPETUAL',
  trigger_price: 20000,
};
const MALFORMED = { order_id: '91000000002', order_state: 'sleeping', instrument_name: 'BTC-PERPETUAL' };

const restsHere = (method: string, params: { instrument_name?: string } | undefined) =>
  method === 'private/get_open_orders' ||
  (method === 'private/get_open_orders_by_instrument' && params?.instrument_name === 'BTC-PERPETUAL');

/** Forwards everything; adds the two objects to the replies listing BTC-PERPETUAL's open orders. */
async function restingProxy(upstreamUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const sockets = new Set<WebSocket>();
  server.on('connection', (client) => {
    const upstream = new WebSocket(upstreamUrl);
    sockets.add(client).add(upstream);
    const methods = new Map<unknown, { method: string; params?: { instrument_name?: string } }>();
    const queued: string[] = [];
    client.on('message', (data) => {
      const text = String(data);
      const request = JSON.parse(text) as {
        id?: unknown;
        method: string;
        params?: { instrument_name?: string };
      };
      if (request.id !== undefined) methods.set(request.id, request);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else queued.push(text);
    });
    upstream.on('open', () => {
      for (const text of queued.splice(0)) upstream.send(text);
    });
    upstream.on('message', (data) => {
      const reply = JSON.parse(String(data)) as { id?: unknown; result?: unknown };
      const request = methods.get(reply.id);
      if (request !== undefined && Array.isArray(reply.result) && restsHere(request.method, request.params)) {
        client.send(JSON.stringify({ ...reply, result: [...reply.result, STOP_MARKET, MALFORMED] }));
      } else {
        client.send(String(data));
      }
    });
    upstream.on('close', () => client.close());
    client.on('close', () => upstream.close());
  });
  await new Promise((resolve) => server.on('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/api/v2`,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => done());
      }),
  };
}

let sim: LocalDeribit;
let proxy: Awaited<ReturnType<typeof restingProxy>>;
let svc: ServiceOnOneVenue & { sim: LocalDeribit };

beforeAll(async () => {
  sim = await startLocalDeribit({
    credentials: [{ clientId: 'tolerant', clientSecret: 'tolerant-secret', account: 'main' }],
    minHeartbeatIntervalSec: 0.05,
  });
  proxy = await restingProxy(sim.wsUrl);
  const adapter = createDeribitAdapter({
    logger: testLogger,
    account: 'main',
    wsUrl: proxy.url,
    httpUrl: sim.httpUrl,
    credentials: { clientId: 'tolerant', clientSecret: 'tolerant-secret' },
  });
  const service = await startServiceOn(adapter, {
    venue: 'deribit',
    account: 'main',
    positionMode: 'one_way',
  });
  svc = { ...service, sim };
});

afterAll(async () => {
  await svc?.close();
  await proxy?.close();
  await sim?.close();
});

const anomalies = async () => {
  try {
    return await svc.store.readStream(venueAnomalyStream('deribit', 'main'));
  } catch {
    return [];
  }
};

describe('given a stop-market order without filled_amount and an unreadable object resting on a Deribit account', () => {
  it('reconciles and trades: the venue is not paused', async () => {
    await svc.trading();
    expect(svc.running.registry.statuses()[0]).toMatchObject({ trading: true, pausedReason: undefined });
  });

  it('records the unreadable object once, as a venue anomaly with its text', async () => {
    await until('the anomaly to be recorded', async () => (await anomalies()).length > 0);
    const entry = svc.running.registry.entries()[0];
    if (entry === undefined) throw new Error('no venue');

    // When the same object is listed again and recorded again
    const again = firstValueFrom(
      svc.adapter.reports$.pipe(
        filter((r): r is Extract<VenueReport, { kind: 'unreadable' }> => r.kind === 'unreadable'),
      ),
    );
    await svc.adapter.openOrders();
    await svc.running.ingestion.ingest(entry, await again, 'reconciliation');

    // Then it is recorded once, its text intact
    const recorded = await anomalies();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.type).toBe('VenueInputUnreadable');
    const data = recorded[0]?.data as { raw: string; what: string; error: string };
    expect(JSON.parse(data.raw)).toMatchObject({ order_id: '91000000002', order_state: 'sleeping' });
    expect(data).toMatchObject({ what: 'order' });
    expect(data.error).toMatch(/order_state/);
  });

  it('records the readable stop-market order as an external order, nothing filled', async () => {
    const loaded = await svc.running.handler.load(externalOrderId('deribit', 'main', '91000000001'));
    if (!exists(loaded.state)) throw new Error('the stop-market order was not recorded');
    expect(loaded.state.order).toMatchObject({ type: 'stop_market', side: 'sell' });
    expect(loaded.state.filled.isZero()).toBe(true);
  });
});

describe('given an unreadable trade that names one of our orders', () => {
  const unreadable = (raw: object): VenueReport => ({
    kind: 'unreadable',
    item: {
      venue: 'deribit',
      account: 'main',
      what: 'fill',
      source: 'user.trades.any.any.raw',
      raw: JSON.stringify(raw),
      error: 'price: expected a number',
    },
    receivedAt: '2026-01-01T00:00:00.000Z',
  });

  it('records the anomaly naming our order, by its label or by its venue order id', async () => {
    await svc.trading();
    const entry = svc.running.registry.entries()[0];
    if (entry === undefined) throw new Error('no venue');
    const ours = await restingBuy(svc, 'tolerant-1');

    await svc.running.ingestion.ingest(
      entry,
      unreadable({ trade_id: 'T-1', label: clientOrderIdFor(ours.orderId), price: 'x' }),
      'venue',
    );
    await svc.running.readModelCaughtUp();
    await svc.running.ingestion.ingest(
      entry,
      unreadable({ trade_id: 'T-2', order_id: ours.venueOrderId, price: 'x' }),
      'venue',
    );

    const named = (await anomalies())
      .map((e) => e.data as { raw: string; orderId?: string })
      .filter((d) => /T-[12]/.test(d.raw));
    expect(named.map((d) => d.orderId)).toEqual([ours.orderId, ours.orderId]);
  });
});
