import { Agent, request } from 'node:http';
import { percentile } from '../lib/stats.ts';

/**
 * A closed-loop HTTP client placing resting limit orders on the service's API, run next to the
 * venues (in their process) so that the service's process spends its CPU on the OMS only.
 */
export interface PlaceLoad {
  url: string;
  token: string;
  count: number;
  inFlight: number;
  /** Idempotency keys are `<tag>-<i>`: unique per call. */
  tag: string;
  symbol: string;
  amount: string;
  mark: string;
  tick: string;
}

export interface PlaceLoadResult {
  seconds: number;
  p50: number;
  p99: number;
  errors: Record<string, number>;
  orderIds: string[];
}

/** Resting, 5-15% away from the mark (inside a 20% price band), never crossing the book. */
const placeBody = (i: number, mark: number, tick: number, symbol: string, amount: string) => {
  const buy = i % 2 === 0;
  const away = 0.05 + (i % 11) / 100;
  const raw = buy ? mark * (1 - away) : mark * (1 + away);
  return {
    venue: 'deribit',
    symbol,
    side: buy ? 'buy' : 'sell',
    type: 'limit',
    amount,
    price: (Math.round(raw / tick) * tick).toString(),
  };
};

export async function placeClosedLoop(load: PlaceLoad): Promise<PlaceLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.inFlight });
  const { hostname, port } = new URL(load.url);
  const mark = Number(load.mark);
  const tick = Number(load.tick);
  const post = (i: number) =>
    new Promise<{ status: number; body: { order?: { orderId: string; status: string }; code?: string } }>(
      (resolve, reject) => {
        const payload = JSON.stringify(placeBody(i, mark, tick, load.symbol, load.amount));
        const req = request(
          {
            agent,
            host: hostname,
            port,
            method: 'POST',
            path: '/v1/orders',
            headers: {
              authorization: `Bearer ${load.token}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
              'idempotency-key': `${load.tag}-${i}`,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      },
    );
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const orderIds: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: load.inFlight }, async () => {
      for (let i = next++; i < load.count; i = next++) {
        const t = performance.now();
        const reply = await post(i);
        latencies.push(performance.now() - t);
        if (reply.status === 201 && reply.body.order?.status === 'open')
          orderIds.push(reply.body.order.orderId);
        else {
          const code = `${reply.status} ${reply.body.code ?? reply.body.order?.status ?? ''}`.trim();
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  agent.destroy();
  return {
    seconds: (performance.now() - started) / 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    orderIds,
  };
}
