import { startLocalBitget } from '../../simulators/bitget/server.ts';
import { startLocalDeribit } from '../../simulators/deribit/server.ts';
import { placeClosedLoop } from './load-driver.ts';
import type { VenueCredentials, VenueOp } from './venue-thread.ts';

/**
 * The local Deribit and Bitget as the benchmarks run them, away from the service's event loop (in a
 * worker thread or a process of their own, as a real venue is elsewhere), with the operations the
 * benchmarks ask of them. Rate limits (and Deribit's funds check) are off: the benchmarks measure
 * the OMS, not the venues' quotas or the simulator's margin arithmetic.
 */
export async function hostVenues(credentials: VenueCredentials) {
  const deribit = await startLocalDeribit({
    credentials: [
      {
        ...credentials.deribit,
        account: 'main',
        balances: { BTC: '100000', ETH: '1000000', USDC: '1000000000' },
      },
    ],
    enforceRateLimits: false,
    // B8 leaves thousands of orders resting: the funds check would sum them all for every order.
    enforceMargin: false,
  });
  const bitget = await startLocalBitget({
    credentials: credentials.bitget,
    behaviour: { rateLimits: false, initialBalance: '1000000000' },
  });

  const ops: { [K in VenueOp['op']]: (args: Extract<VenueOp, { op: K }>['args']) => unknown } = {
    'deribit.trade': ({ instrument, side, amount, price }) =>
      deribit.trade(instrument, { side, amount, ...(price !== undefined && { price }) }).toString(),
    'deribit.markPrice': ({ instrument }) => deribit.markPrice(instrument).toString(),
    'deribit.trades': () =>
      deribit.trades().map((t) => ({ tradeId: t.tradeId, amount: t.amount.toString() })),
    'deribit.fillEach': ({ instrument, amount, side }) => deribit.fillEach(instrument, amount, side),
    'deribit.tradeCount': () => deribit.trades().length,
    'deribit.requestCount': ({ method }) => deribit.requestCount(method),
    'deribit.tradeIdsFrom': ({ from }) =>
      deribit
        .trades()
        .slice(from)
        .map((t) => t.tradeId),
    // Plain JSON (decimals as text): a worker message cannot carry class instances.
    'deribit.positions': () => JSON.parse(JSON.stringify(deribit.positions())),
    'deribit.openOrders': () => deribit.orders().filter((o) => o.state === 'open').length,
    'bitget.markPrice': ({ symbol }) => bitget.markPrice(symbol).toString(),
    'bitget.setMarkPrice': ({ symbol, price, liquidity }) =>
      bitget.setMarkPrice(symbol, price, liquidity !== undefined ? { liquidity } : undefined),
    'bitget.trades': () => JSON.parse(JSON.stringify(bitget.trades())),
    'bitget.positions': () => JSON.parse(JSON.stringify(bitget.positions())),
    'load.place': (load) => placeClosedLoop(load),
  };
  return {
    urls: {
      deribit: { wsUrl: deribit.wsUrl, httpUrl: deribit.httpUrl },
      bitget: { restUrl: bitget.restUrl, wsUrl: bitget.wsUrl },
    },
    run: async (message: VenueOp): Promise<unknown> => {
      const run = ops[message.op] as (args: unknown) => unknown;
      return await run(message.args);
    },
  };
}
