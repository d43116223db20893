import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceOnLocalDeribit, serveHttp, startServiceOnLocalDeribit } from '../service/support.ts';
import { oms } from '../support/oms-cli.ts';
import { until } from '../support/until.ts';

// `oms place` with a trigger, as an operator places a stop order from the terminal: it rests
// untriggered at the venue and fills once the mark reaches it.

const TOKEN = 'stop-order-token-0123456789';
let svc: ServiceOnLocalDeribit;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  svc = await startServiceOnLocalDeribit({ clientId: 'cli-stop' });
  ({ app, base: url } = await serveHttp(svc.running, { token: TOKEN }));
});

afterAll(async () => {
  await app?.close();
  await svc?.close();
});

const cli = (...argv: string[]) => oms({ url, token: TOKEN }, ...argv);

describe('oms place --trigger-price', () => {
  it('places a stop-market sell that waits untriggered, then fills when the mark falls to it', async () => {
    const mark = svc.sim.markPrice('BTC-PERPETUAL');
    const placed = await cli(
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
      const shown = await cli('order', order.orderId);
      return (JSON.parse(shown.out) as { status: string }).status === 'filled' ? true : undefined;
    });
  });
});
