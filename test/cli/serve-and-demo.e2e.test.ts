import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oms, type ServedOms, serveOms } from '../support/oms-cli.ts';

/** `npm start` as a user runs it (a child process on a fresh data directory), then the CLI against it. */
let served: ServedOms;
let dataDir: string;
let url = '';
let token = '';
let stdout = '';

const cli = (...argv: string[]) => oms(served, ...argv);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oms-e2e-'));
  served = await serveOms(dataDir);
  ({ url, token } = served);
  stdout = served.stdout();
}, 90_000);

afterAll(async () => {
  await served?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}-local-venues`, { recursive: true, force: true });
});

describe('npm start, then the CLI', () => {
  it('prints where to look, the token, and a command that places an order', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(stdout).toContain('curl -s -X POST');
    expect(stdout).toContain('local Deribit');
    expect(stdout).toContain('local Bitget');
  });

  it('runs the demo against it: orders on both venues, positions, an order history', async () => {
    const { code, out, err } = await cli('demo');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/market buy 200 USD\s+→ filled/);
    expect(out).toMatch(/cancel it\s+→ cancelled/);
    expect(out).toMatch(/deribit BTC-PERPETUAL net\s+size 150/);
    expect(out).toMatch(/OrderAmendAccepted\s+from venue/);
  }, 60_000);

  it('answers the CLI commands: health, orders, a refused order with its reason', async () => {
    const health = await cli('health');
    expect(JSON.parse(health.out)).toMatchObject({ status: 'ok' });
    const orders = await cli('orders', '--venue', 'deribit', '--limit', '2');
    expect(JSON.parse(orders.out).orders).toHaveLength(2);
    const refused = await cli(
      'place',
      '--venue',
      'deribit',
      '--symbol',
      'BTC-PERPETUAL',
      '--side',
      'buy',
      '--amount',
      '15',
      '--price',
      '100',
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/error 400 INVALID_ORDER: amount 15 is not a multiple of 10/);
  });

  it('shows help everywhere', async () => {
    const help = await cli('place', '--help');
    expect(help.out).toContain('--idempotency-key');
    expect(help.code).toBe(0);
  });
});
