import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/main.ts';
import { until } from '../support/until.ts';

/**
 * `npm start` killed and started again on the same data directory: the local venues come back as
 * they were left (their state next to the data directory), so an order left resting is still open
 * at the venue, reconciliation finds no break, and it can be cancelled.
 */

let dataDir: string;
let child: ChildProcess | undefined;
let url = '';
let token = '';

async function serve(): Promise<void> {
  let stdout = '';
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
}

async function kill(signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function cli(...argv: string[]) {
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
  dataDir = await mkdtemp(join(tmpdir(), 'oms-restart-'));
});

afterAll(async () => {
  await kill('SIGTERM');
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}-local-venues`, { recursive: true, force: true });
});

describe('npm start, killed and started again', () => {
  it('finds the order it left resting still open at the local venue, with no break', async () => {
    // Given a resting buy on the local Deribit
    await serve();
    const placed = await cli(
      'place',
      '--venue=deribit',
      '--symbol=BTC-PERPETUAL',
      '--side=buy',
      '--amount=10',
      '--price=58000',
    );
    expect(placed.code, placed.err).toBe(0);
    const { order } = JSON.parse(placed.out) as { order: { orderId: string; status: string } };
    expect(order.status).toBe('open');

    // When the service is killed and started again
    await kill('SIGKILL');
    await serve();

    // Then reconciliation finds the order at the venue: no break, still open, and it cancels
    const reconciled = await cli('reconcile');
    expect(reconciled.code, reconciled.err).toBe(0);
    const breaks = await cli('breaks');
    expect(JSON.parse(breaks.out)).toEqual([]);
    const shown = await cli('order', order.orderId);
    expect(JSON.parse(shown.out)).toMatchObject({ status: 'open' });
    const cancelled = await cli('cancel', order.orderId);
    expect(cancelled.code, cancelled.err).toBe(0);
    await until('the cancel to land', async () => {
      const now = await cli('order', order.orderId);
      return (JSON.parse(now.out) as { status: string }).status === 'cancelled' || undefined;
    });
  }, 150_000);
});
