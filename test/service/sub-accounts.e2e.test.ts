import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../adapters/composition/root.ts';
import { localKeyOf } from '../../adapters/composition/venues.ts';
import { loadConfig } from '../../adapters/config/config.ts';
import { ApiError, createApiClient } from '../../adapters/http/client.ts';
import type { BalanceRow } from '../../application/ports/queries.ts';
import { oms } from '../support/oms-cli.ts';
import { until } from '../support/until.ts';

/**
 * Several accounts per venue, end to end: the service as `npm start` composes it from its
 * configuration (two Deribit accounts, two Bitget accounts, on the local venues), then the API and
 * the CLI. Each order lands on its own venue account; positions, cash movements, balances and
 * statements are each account's own; reconciling one account leaves the other's orders alone.
 */

const TOKEN = 'sub-accounts-e2e-token-0123456789';
let app: App;
let dataDir: string;
let api: ReturnType<typeof createApiClient>;
const cli = (...argv: string[]) => oms({ url: app.url, token: TOKEN }, ...argv);

/** What each account does: a market order that fills and a limit order that rests. */
const PLAN = [
  { venue: 'deribit', account: 'main', symbol: 'BTC-PERPETUAL', side: 'buy', amount: '100', rest: '50' },
  { venue: 'deribit', account: 'hedge', symbol: 'BTC-PERPETUAL', side: 'sell', amount: '200', rest: '70' },
  { venue: 'bitget', account: 'main', symbol: 'BTCUSDT', side: 'buy', amount: '0.01', rest: '0.01' },
  { venue: 'bitget', account: 'basis', symbol: 'BTCUSDT', side: 'sell', amount: '0.02', rest: '0.03' },
] as const;
type Step = (typeof PLAN)[number];
const placed = new Map<Step, { filled: string; resting: string }>();

/** The orders of an account as its local venue holds them (by the key the composition gave it). */
function venueOrderIds(step: Step): string[] {
  const key = localKeyOf(step.account);
  return step.venue === 'deribit'
    ? (app.simulators.deribit?.orders(key).map((o) => o.orderId) ?? [])
    : (app.simulators.bitget?.orders(key).map((o) => String(o.orderId)) ?? []);
}

/**
 * The venues' cash logs read into the ledger once they hold every account's trade: the ingester
 * leaves the last 5 s of venue time for later (entries may still be written), so it is asked until then.
 */
let ingested: Promise<BalanceRow[]> | undefined;
const ledgerIngested = () => {
  ingested ??= until(
    "every account's trade in the ledger",
    async () => {
      await api.ingestLedger();
      const trades = (await api.ledger({ kind: 'trade' })).movements;
      return new Set(trades.map((m) => `${m.venue}/${m.account}`)).size === PLAN.length && api.balances();
    },
    30_000,
    500,
  );
  return ingested;
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oms-sub-accounts-'));
  const config = loadConfig({
    OMS_STORE: 'embedded',
    OMS_DATA_DIR: join(dataDir, 'oms'),
    OMS_API_PORT: '0',
    OMS_API_TOKEN: TOKEN,
    OMS_RECONCILE_INTERVAL_MS: '0',
    OMS_LEDGER_INTERVAL_MS: '0',
    DERIBIT_ACCOUNT_2: 'hedge',
    BITGET_ACCOUNT_2: 'basis',
  });
  app = await startApp(config, { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) });
  api = createApiClient({ baseUrl: app.url, token: TOKEN });
  await until('four venue accounts trading', () => {
    const statuses = app.service.registry.statuses();
    return statuses.length === 4 && statuses.every((s) => s.trading);
  });
  for (const step of PLAN) {
    const { venue, account, symbol, side, amount } = step;
    const filled = await api.place({ venue, account, symbol, side, type: 'market', amount });
    expect(filled.order.status).toBe('filled');
    const mark =
      venue === 'deribit'
        ? app.simulators.deribit?.markPrice(symbol)
        : app.simulators.bitget?.markPrice(symbol);
    // A limit order away from the mark (under it to buy, over it to sell) rests.
    const price = mark?.times(side === 'buy' ? '0.95' : '1.05').toFixed(venue === 'deribit' ? 0 : 1);
    const resting = await api.place({
      venue,
      account,
      symbol,
      side,
      type: 'limit',
      amount: step.rest,
      price,
    });
    expect(resting.order.status).toBe('open');
    placed.set(step, { filled: filled.order.orderId, resting: resting.order.orderId });
  }
}, 120_000);

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('Given two Deribit and two Bitget accounts configured, on the local venues', () => {
  it('then each account is its own venue account in health: connected, reconciled, trading', async () => {
    const health = await api.health();
    expect(health.venues.map((v) => `${v.venue}/${v.account}`).sort()).toEqual([
      'bitget/basis',
      'bitget/main',
      'deribit/hedge',
      'deribit/main',
    ]);
    expect(health.venues.every((v) => v.trading && v.lastReconciliation?.differences === 0)).toBe(true);
  });

  it('when an order names an account, then it lands on that venue account and on no other', async () => {
    for (const step of PLAN) {
      const ids = placed.get(step);
      const ours = await Promise.all([api.order(ids?.filled ?? ''), api.order(ids?.resting ?? '')]);
      const atVenue = venueOrderIds(step);
      for (const order of ours) {
        expect(order.account).toBe(step.account);
        expect(atVenue).toContain(order.venueOrderIds[0]);
      }
      const sibling = PLAN.find((s) => s.venue === step.venue && s.account !== step.account);
      if (sibling)
        for (const order of ours) expect(venueOrderIds(sibling)).not.toContain(order.venueOrderIds[0]);
    }
  });

  it('when an order names an account that is not configured, then it is refused naming it, and nothing is sent', async () => {
    const before = venueOrderIds(PLAN[0]).length + venueOrderIds(PLAN[1]).length;
    const refused = await api
      .place({
        venue: 'deribit',
        account: 'nobody',
        symbol: 'BTC-PERPETUAL',
        side: 'buy',
        type: 'market',
        amount: '10',
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      status: 400,
      code: 'VENUE_NOT_CONFIGURED',
      message: expect.stringContaining('nobody'),
    });
    expect(venueOrderIds(PLAN[0]).length + venueOrderIds(PLAN[1]).length).toBe(before);
  });

  it("then each account's position is its own, filtered by account in the API", async () => {
    const expected = [
      ['deribit', 'main', '100'],
      ['deribit', 'hedge', '-200'],
      ['bitget', 'main', '0.01'],
      ['bitget', 'basis', '-0.02'],
    ];
    for (const [venue, account, size] of expected) {
      const rows = await until(`the ${venue}/${account} position`, async () => {
        const found = await api.positions({ venue, account });
        return found.length === 1 && found;
      });
      expect(rows).toMatchObject([{ venue, account, size, fillsCount: 1 }]);
    }
  });

  it("when the ledger is read, then each account's cash movements, balances and statements are its own and agree with its venue account", async () => {
    const balances = await ledgerIngested();
    for (const { venue, account } of PLAN) {
      const own = balances.filter((b) => b.venue === venue && b.account === account);
      expect(own.length, `${venue}/${account} balances`).toBeGreaterThan(0);
      for (const b of own) expect(b.difference, `${venue}/${account} ${b.currency}`).toBe('0');
      const filtered = await api.balances({ venue, account });
      expect(filtered).toEqual(own);
      const movements = (await api.ledger({ venue, account, limit: '1000' })).movements;
      expect(new Set(movements.map((m) => `${m.venue}/${m.account}`))).toEqual(
        new Set([`${venue}/${account}`]),
      );
      const statements = await api.statements({ venue, account });
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        expect(`${s.venue}/${s.account}`).toBe(`${venue}/${account}`);
        const balance = own.find((b) => b.currency === s.currency);
        expect(s.closing).toBe(balance?.ours);
      }
    }
    // The two accounts of a venue paid different fees on different trades: their balances differ.
    const btc = (account: string) =>
      balances.find((b) => b.venue === 'deribit' && b.account === account && b.currency === 'BTC');
    expect(btc('main')?.ours).not.toBe(btc('hedge')?.ours);
    const deribitTrades = (await api.ledger({ venue: 'deribit', kind: 'trade' })).movements;
    expect(deribitTrades.map((m) => m.account).sort()).toEqual(['hedge', 'main']);
  });

  it("when one account is reconciled, then only it is, and the other account's resting orders are not unknown to it", async () => {
    const { reports } = await api.reconcile({ venue: 'deribit', account: 'hedge' });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      venue: 'deribit',
      account: 'hedge',
      openOrdersAtVenue: 1,
      ordersUnknownAtVenue: [],
      positionDifferences: [],
      eventsAppended: 0,
    });
    const all = (await api.reconcile()).reports;
    expect(all.map((r) => `${r.venue}/${r.account}:${r.openOrdersAtVenue}`).sort()).toEqual([
      'bitget/basis:1',
      'bitget/main:1',
      'deribit/hedge:1',
      'deribit/main:1',
    ]);
    for (const r of all)
      expect([r.ordersUnknownAtVenue, r.positionDifferences, r.eventsAppended]).toEqual([[], [], 0]);
    expect(await api.breaks('open')).toEqual([]);
  });

  it('when the CLI asks for one account, then it shows that account only', async () => {
    await ledgerIngested();
    const orders = JSON.parse((await cli('orders', '--venue', 'deribit', '--account', 'hedge')).out) as {
      orders: { account: string }[];
    };
    expect(orders.orders.map((o) => o.account)).toEqual(['hedge', 'hedge']);
    const positions = JSON.parse((await cli('positions', '--account', 'basis')).out) as {
      account: string;
      size: string;
    }[];
    expect(positions).toMatchObject([{ account: 'basis', size: '-0.02' }]);
    const balances = JSON.parse((await cli('balances', '--venue', 'deribit', '--account', 'hedge')).out) as {
      account: string;
    }[];
    expect(balances.length).toBeGreaterThan(0);
    expect(new Set(balances.map((b) => b.account))).toEqual(new Set(['hedge']));
  });
});
