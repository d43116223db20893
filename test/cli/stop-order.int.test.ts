import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/main.ts';
import { routesFor } from '../../adapters/http/routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import { type ServiceOnLocalDeribit, startServiceOnLocalDeribit, testLogger } from '../service/support.ts';
import { until } from '../support/until.ts';

// `oms place` with a trigger, as an operator places a stop order from the terminal: it rests
// untriggered at the venue and fills once the mark reaches it.

const TOKEN = 'stop-order-token-0123456789';
let svc: ServiceOnLocalDeribit;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'cli-stop' });
  app = createHttpServer({
    routes: routesFor(svc.running),
    token: TOKEN,
    logger: testLogger,
    version: 'test',
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await svc?.close();
});

async function oms(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(['--url', url, '--token', TOKEN, ...argv], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe('oms place --trigger-price', () => {
  it('places a stop-market sell that waits untriggered, then fills when the mark falls to it', async () => {
    const mark = svc.sim.markPrice('BTC-PERPETUAL');
    const placed = await oms(
      'place',
      '--venue=deribit',
      '--symbol=BTC-PERPETUAL',
      '--side=sell',
      '--type=stop_market',
      '--amount=10',
      `--trigger-price=${mark.minus(100).toString()}`,
      '--trigger=last_price',
    );
    expect(placed.code, placed.err).toBe(0);
    const { order } = JSON.parse(placed.out) as {
      order: { orderId: string; status: string; trigger: unknown };
    };
    expect(order).toMatchObject({ status: 'untriggered', trigger: { reference: 'last_price' } });

    // No trade has printed on this venue yet: its last price is the mark, which falls through the trigger
    svc.sim.setMarkPrice('BTC-PERPETUAL', mark.minus(200));

    await until('the stop to fill', async () => {
      const shown = await oms('order', order.orderId);
      return (JSON.parse(shown.out) as { status: string }).status === 'filled' ? true : undefined;
    });
  });
});
