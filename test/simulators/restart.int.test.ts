import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { startLocalDeribit } from '../../simulators/deribit/server.ts';

/**
 * The local venues remember across restarts (`stateFile`): orders left open are still open, the
 * positions and trades are still there, and no order or trade id is ever issued twice, after a
 * clean stop and after a crash (a second venue reading the files the first one is still writing:
 * the journal, before any compaction). Driven by an independent client (ccxt).
 */

let dir: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oms-venue-state-'));
});

afterAll(async () => {
  for (const venue of open.reverse()) await venue.close();
  await rm(dir, { recursive: true, force: true });
});

const ids = <T extends { id?: string | undefined }>(items: T[]) => items.map((item) => item.id);

describe('the local Deribit across restarts', () => {
  const SYMBOL = 'BTC/USD:BTC';
  const stateFile = () => join(dir, 'deribit.jsonl');
  const start = async () => {
    const sim = await startLocalDeribit({
      credentials: [{ clientId: 'restart', clientSecret: 'restart-secret', account: 'main' }],
      enforceRateLimits: false,
      stateFile: stateFile(),
    });
    open.push(sim);
    const ex = new ccxt.deribit({ apiKey: 'restart', secret: 'restart-secret' });
    ex.urls.api = { rest: sim.httpUrl, ws: sim.wsUrl };
    return { sim, ex };
  };

  let running: { ex: InstanceType<typeof ccxt.deribit> } | undefined;
  let resting: string;
  let firstTrades: (string | undefined)[];
  let firstOrders: (string | undefined)[];

  it('Given a resting order and a filled one, when the venue restarts cleanly, then both are as they were', async () => {
    const first = await start();
    const order = await first.ex.createOrder(SYMBOL, 'limit', 'buy', 10, 50_000);
    const market = await first.ex.createOrder(SYMBOL, 'market', 'buy', 30);
    resting = order.id!;
    firstOrders = [order.id, market.id];
    firstTrades = ids(await first.ex.fetchMyTrades(SYMBOL));
    await first.sim.close();

    const second = await start();

    expect(ids(await second.ex.fetchOpenOrders(SYMBOL))).toEqual([resting]);
    expect((await second.ex.fetchPosition(SYMBOL)).contracts).toBe(30);
    expect(ids(await second.ex.fetchMyTrades(SYMBOL))).toEqual(firstTrades);
    const next = await second.ex.createOrder(SYMBOL, 'market', 'buy', 10);
    expect(firstOrders).not.toContain(next.id);
    const trades = ids(await second.ex.fetchMyTrades(SYMBOL));
    expect(new Set(trades).size).toBe(trades.length);
    expect(trades.length).toBe(firstTrades.length + 1);
    // Still running: the next spec reads its journal as a crash would leave it.
    running = second;
  });

  it('Given a venue killed before it could compact, a new one reads the journal: nothing lost, no id again', async () => {
    if (!running) throw new Error('the previous spec left no venue running');
    const placed = await running.ex.createOrder(SYMBOL, 'limit', 'sell', 20, 90_000);
    const before = await running.ex.fetchMyTrades(SYMBOL);

    const revived = await start();

    expect(ids(await revived.ex.fetchOpenOrders(SYMBOL)).sort()).toEqual([resting, placed.id].sort());
    expect(ids(await revived.ex.fetchMyTrades(SYMBOL))).toEqual(ids(before));
    const next = await revived.ex.createOrder(SYMBOL, 'limit', 'buy', 10, 40_000);
    expect([...firstOrders, placed.id, resting]).not.toContain(next.id);
  });

  it('keeps its files private to the user', async () => {
    for (const name of await readdir(dir)) {
      if (name.startsWith('deribit')) expect((await stat(join(dir, name))).mode & 0o077, name).toBe(0);
    }
  });
});

describe('the local Bitget across restarts', () => {
  const SYMBOL = 'BTC/USDT:USDT';
  const credentials = { apiKey: 'restart-key', secretKey: 'restart-secret', passphrase: 'restart-pass' };
  const start = async (): Promise<{ sim: LocalBitget; ex: InstanceType<typeof ccxt.bitget> }> => {
    const sim = await startLocalBitget({
      credentials,
      positionMode: 'one_way',
      stateFile: join(dir, 'bitget.jsonl'),
    });
    open.push(sim);
    const ex = new ccxt.bitget({
      apiKey: credentials.apiKey,
      secret: credentials.secretKey,
      password: credentials.passphrase,
      options: { defaultType: 'swap' },
    });
    for (const key of Object.keys(ex.urls.api))
      if (typeof ex.urls.api[key] === 'string') ex.urls.api[key] = sim.restUrl;
    return { sim, ex };
  };

  it('Given a resting order, a position and trades, when the venue restarts (cleanly, then crashed), they are there and ids go on', async () => {
    const first = await start();
    const mark = first.sim.markPrice('BTCUSDT').toNumber();
    const order = await first.ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, Math.round(mark * 0.97));
    const market = await first.ex.createOrder(SYMBOL, 'market', 'buy', 0.02);
    const trades = ids(await first.ex.fetchMyTrades(SYMBOL));
    expect(trades.length).toBeGreaterThan(0);
    await first.sim.close();

    const second = await start();
    expect(ids(await second.ex.fetchOpenOrders(SYMBOL))).toEqual([order.id]);
    expect((await second.ex.fetchPosition(SYMBOL)).contracts).toBeCloseTo(0.02, 10);
    expect(ids(await second.ex.fetchMyTrades(SYMBOL))).toEqual(trades);
    const next = await second.ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
    expect(BigInt(next.id!)).toBeGreaterThan(BigInt(market.id!));

    // A crash: a third venue reads what the second has written so far.
    const third = await start();
    expect((await third.ex.fetchPosition(SYMBOL)).contracts).toBeCloseTo(0.03, 10);
    const after = await third.ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, Math.round(mark * 0.96));
    expect(BigInt(after.id!)).toBeGreaterThan(BigInt(next.id!));
  });
});
