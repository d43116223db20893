import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/main.ts';

/** `npm start` as a user runs it (a child process on a fresh data directory), then the CLI against it. */
let child: ChildProcess;
let dataDir: string;
let url = '';
let token = '';
let stdout = '';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--url', url, '--token', token, ...argv], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oms-e2e-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'adapters/cli/oms.ts', 'serve'], {
    env: {
      ...process.env,
      OMS_DATA_DIR: dataDir,
      OMS_API_PORT: '0',
      OMS_LOG_LEVEL: 'warn',
      OMS_STORE: 'embedded',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!/Stop with Ctrl-C/.test(stdout)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the service did not start:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  url = /API\s+(http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
  token = /Token\s+(\S+)/.exec(stdout)?.[1] ?? '';
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
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
