import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.ts';
import { type ServedOms, serveOms } from '../support/oms-cli.ts';
import { until } from '../support/until.ts';
import { apiAs, CHROMIUM, haveChromium, launchChromium, screenshot } from './support.ts';

/**
 * The back-office page in a real headless Chromium against `npm start` (a child process on a fresh
 * data directory) with three named tokens: an operator, a trader and a read-only back office.
 * Before the browser opens, the service is given real figures: fills on the local Bitget (a
 * position, realized PnL, fees in the ledger) and a real break (a Deribit position the local venue
 * forgets across a restart).
 */

const TOKENS = {
  ops: 'ops-token-for-the-page-tests-0001',
  trader: 'trader-token-for-the-page-tests-01',
  backOffice: 'back-office-token-for-the-page-tests',
};
const ENV = {
  OMS_API_TOKENS: `ops:operator:${TOKENS.ops},trd:trader:${TOKENS.trader},bo:read_only:${TOKENS.backOffice}`,
};

if (!haveChromium)
  console.warn(
    `back-office page tests SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`,
  );

let served: ServedOms;
let dataDir: string;
let url = '';
let browser: Browser;
let breakId = '';

/** A price far below the mark, on the instrument's tick: an order that rests. */
async function restingPrice(api: ReturnType<typeof apiAs>, venue: string, symbol: string): Promise<string> {
  const { body } = await api('GET', `/v1/instruments/${venue}/${symbol}`);
  const { instrument, markPrice } = body as unknown as {
    instrument: { tickSize: string };
    markPrice: string;
  };
  const tick = new Decimal(instrument.tickSize);
  return new Decimal(markPrice).times('0.95').div(tick).floor().times(tick).toString();
}

async function place(api: ReturnType<typeof apiAs>, order: Record<string, string>) {
  const reply = await api('POST', '/v1/orders', order);
  expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
  return (reply.body as unknown as { order: { orderId: string; status: string } }).order;
}

/** Both local venues connected and reconciled: taking orders. */
async function trading(api: ReturnType<typeof apiAs>) {
  await until(
    'both venues to take orders',
    async () => {
      const { body } = await api('GET', '/v1/health');
      const venues = (body as unknown as { venues: { trading: boolean }[] }).venues;
      return venues.length === 2 && venues.every((v) => v.trading);
    },
    30_000,
    200,
  );
}

async function signIn(page: Page, token: string) {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}

beforeAll(async () => {
  if (!haveChromium) return;
  dataDir = await mkdtemp(join(tmpdir(), 'oms-web-'));
  served = await serveOms(dataDir, ENV);
  let api = apiAs(served.url, TOKENS.trader);
  await trading(api);
  // Fills on the local Bitget: a long of 0.01 BTC left after a partial close (realized PnL, fees)
  await place(api, { venue: 'bitget', symbol: 'BTCUSDT', side: 'buy', type: 'market', amount: '0.02' });
  await place(api, { venue: 'bitget', symbol: 'BTCUSDT', side: 'sell', type: 'market', amount: '0.01' });
  // A Deribit position...
  await place(api, { venue: 'deribit', symbol: 'BTC-PERPETUAL', side: 'buy', type: 'market', amount: '100' });
  // ...which the local Deribit forgets (it restarts without its state): a break for reconciliation
  await served.stop();
  await rm(`${dataDir}-local-venues/deribit.jsonl`, { force: true });
  await rm(`${dataDir}-local-venues/deribit.jsonl.journal`, { force: true });
  served = await serveOms(dataDir, ENV);
  url = served.url;
  api = apiAs(url, TOKENS.ops);
  await trading(api);
  breakId = await until(
    'reconciliation to find the forgotten position',
    async () => {
      const { body } = await api('GET', '/v1/breaks?status=open');
      const breaks = body as unknown as { breakId: string; venue: string; kind: string }[];
      return breaks.find((b) => b.venue === 'deribit' && b.kind === 'position_mismatch')?.breakId;
    },
    30_000,
    250,
  );
  // The ledger takes the venue's bills once they are a few seconds old: ingest until Bitget's are in
  await until(
    'the Bitget bills in the ledger',
    async () => {
      expect((await api('POST', '/v1/ledger/ingest')).status).toBe(200);
      const { body } = await api('GET', '/v1/statements/daily?venue=bitget');
      return (body as unknown as { fees: string }[]).some((s) => s.fees !== '0');
    },
    30_000,
    1_000,
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (dataDir) {
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}-local-venues`, { recursive: true, force: true });
  }
});

describe.skipIf(!haveChromium)('the back-office page in headless Chromium, against npm start', () => {
  it('Given an operator signed in, When a trader places an order through the API, Then it appears live in the blotter and its timeline opens', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, TOKENS.ops);
    await expect.poll(() => page.getByTestId('who').textContent()).toBe('ops (operator)');
    // the live stream is open before the order is placed: the row comes from it, not from a reload
    await page.getByText('Live: updates as orders change').waitFor();
    const price = await restingPrice(apiAs(url, TOKENS.trader), 'bitget', 'BTCUSDT');
    const order = await place(apiAs(url, TOKENS.trader), {
      venue: 'bitget',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      amount: '0.01',
      price,
    });
    const row = page.locator(`tr[data-order-id="${order.orderId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('.status').textContent()).toBe('open');
    await screenshot(page, 'blotter', process.env.OMS_DOCS_SCREENSHOT ? 'docs/img/blotter.png' : undefined);

    await row.getByRole('link').click();
    const timeline = page.getByRole('table', { name: /Timeline/ });
    await timeline.waitFor();
    const events = await timeline.locator('tbody tr strong').allTextContents();
    expect(events).toEqual(expect.arrayContaining(['OrderRequested', 'OrderAccepted']));
    expect(await timeline.locator('tbody tr').first().textContent()).toContain('trd');
    // the recorded data is there on demand
    await timeline.getByText('Show').first().click();
    await expect.poll(() => timeline.locator('pre').first().textContent()).toContain(order.orderId);
    await screenshot(page, 'order');
    await page.close();
  }, 60_000);

  it('Given fills on the local Bitget, Then the positions page shows the position with its mark and PnL, and the PnL page charts the ledger', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, TOKENS.ops);
    await page.getByRole('link', { name: 'Positions' }).click();
    // The positions table's row (the blotter, shown until the page switches, lists BTCUSDT orders too)
    const position = page
      .getByRole('table', { name: 'Open positions' })
      .locator('tr', { hasText: 'BTCUSDT' });
    await position.waitFor();
    const cells = await position.locator('td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['bitget', expect.any(String), 'BTCUSDT', 'net', '0.01']);
    const [mark, unrealized] = [cells[6]!, cells[7]!];
    expect(mark).toMatch(/^\d+(\.\d+)?$/);
    expect(unrealized).toMatch(/^-?\d+(\.\d+)? USDT$/);
    await screenshot(page, 'positions');

    await page.getByRole('link', { name: 'PnL' }).click();
    const series = page.getByLabel('Venue account and currency');
    await series.locator('option', { hasText: 'bitget/' }).first().waitFor({ state: 'attached' });
    const bitget = (await series.locator('option').allTextContents()).find((o) => o.startsWith('bitget/'));
    await series.selectOption(bitget!);
    const chart = page.getByTestId('pnl-chart');
    await chart.waitFor();
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    // the table below the chart carries the same exact figures; fees were paid on both fills
    const day = page.getByTestId('pnl-table').locator('tbody tr').first();
    const figures = await day.locator('td').allTextContents();
    expect(figures[1]).toMatch(/^-\d/);
    // and the CSV is built from them
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'venue,account,currency,day,opening,trading,fees,funding,settlement,transfers,other,closing,venueClosing,movements,pnl,cumulativePnl',
    );
    const bitgetRow = csv.split('\r\n').find((l) => l.startsWith('bitget,'))!;
    expect(bitgetRow.split(',').at(-1)).toBe(figures.at(-1));
    await screenshot(page, 'pnl');
    await page.close();
  }, 60_000);

  it('Given a real break, When an operator resolves it with a reason, Then it is resolved in their name', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, TOKENS.ops);
    await page.getByRole('link', { name: 'Breaks' }).click();
    const card = page.locator(`li.card[data-break-id="${breakId}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('position mismatch');
    expect(await card.textContent()).toContain('BTC-PERPETUAL');
    await screenshot(page, 'breaks');
    await card.getByLabel('Reason').fill('venue restarted without its state; position confirmed by phone');
    await card.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('status').filter({ hasText: 'resolved by ops' }).waitFor();
    const { body } = await apiAs(url, TOKENS.ops)('GET', '/v1/breaks?status=resolved');
    expect(body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          breakId,
          resolution: expect.objectContaining({
            resolution: 'operator',
            by: 'ops',
            reason: 'venue restarted without its state; position confirmed by phone',
          }),
        }),
      ]),
    );
    await page.close();
  }, 60_000);

  it('Given a read-only token on a narrow screen, Then no trading, resolving or kill-switch control is offered, and nothing overflows', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await signIn(page, TOKENS.backOffice);
    await expect.poll(() => page.getByTestId('who').textContent()).toBe('bo (read-only)');
    await page.locator('tbody tr').first().waitFor();
    expect(await page.getByText('Place an order').count()).toBe(0);
    const width = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(await width()).toBeLessThanOrEqual(0);
    await screenshot(page, 'blotter-narrow-read-only');
    // an open order: no cancel
    const open = page.locator('tr', { hasText: 'bitget' }).filter({ hasText: 'open' }).first();
    await open.getByRole('link').click();
    await page.getByRole('table', { name: /Timeline/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel this order' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Breaks' }).click();
    await page.getByRole('heading', { name: 'Reconciliation breaks' }).waitFor();
    expect(await page.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByTestId('kill-switch-state').waitFor();
    expect(await page.getByRole('button', { name: /kill switch/ }).count()).toBe(0);
    expect(await width()).toBeLessThanOrEqual(0);
    await screenshot(page, 'health-narrow-read-only');
    await context.close();
  }, 60_000);

  it('Given an operator on the health page, When they engage the kill switch with a reason, Then a placement is refused', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, TOKENS.ops);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByLabel('Reason').fill('desk review after the break');
    await page.getByRole('button', { name: 'Engage the kill switch' }).click();
    await page.getByText('Kill switch engaged by ops').waitFor();
    await page.getByText('Engaged by ops: desk review after the break. New orders are refused.').waitFor();
    await screenshot(page, 'health');

    const refused = await apiAs(url, TOKENS.trader)('POST', '/v1/orders', {
      venue: 'bitget',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      amount: '0.01',
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'KILL_SWITCH_ENGAGED' });
    // and the page's own ticket says so too
    await page.getByRole('link', { name: 'Blotter' }).click();
    await page.getByText('Place an order').click();
    const ticket = page.getByRole('form', { name: 'Place an order' });
    await ticket.getByLabel('Venue').selectOption('bitget');
    await ticket.getByLabel('Instrument').fill('BTCUSDT');
    await ticket.getByLabel('Type').selectOption('market');
    await ticket.getByLabel('Amount').fill('0.01');
    await ticket.getByRole('button', { name: 'Place' }).click();
    await page.getByRole('alert').filter({ hasText: 'KILL_SWITCH_ENGAGED' }).waitFor();
    await page.close();
  }, 60_000);
});
