import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServe, startServiceProcess } from './support/child.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { type LocalVenues, startLocalVenues } from './support/venues.ts';
import { Workload } from './support/workload.ts';

/**
 * F12: a second process on the same embedded data directory.
 *
 * A service runs on an embedded store (PGlite has no lock of its own: two processes on one
 * directory would corrupt it). A second `oms serve` on the same directory is started, at a seeded
 * moment while the first is handling commands, and so is `oms verify` (which opens the store too).
 * Pass: both refuse to start with a message naming the directory and the holder's pid, exit
 * non-zero and write nothing; the first keeps working; after it stops, a new process opens the
 * directory, finds every order as it was, and `oms verify` finds the read models equal to a rebuild.
 */
const exec = promisify(execFile);
const TOKEN = 'f12-api-token-0123456789abcdef';
const ROOT = new URL('../../', import.meta.url).pathname;

let venues: LocalVenues;
beforeAll(async () => {
  venues = await startLocalVenues();
});
afterAll(async () => venues?.close());

async function cli(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', 'adapters/cli/oms.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', OMS_LOG_LEVEL: 'warn', ...env },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('F12: a second process on the same embedded data directory', () => {
  it.each(faultSeeds(1, 1200))(
    'refuses to start with a clear message; the first keeps working; nothing is corrupted (seed %i)',
    async (seed) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'oms-f12-'));
      const env = {
        ...venues.env(),
        OMS_STORE: 'embedded',
        OMS_DATA_DIR: dataDir,
        OMS_API_PORT: '0',
        OMS_API_TOKEN: TOKEN,
      };
      const first = await startServiceProcess(env);
      try {
        await withSeed('F12', seed, async () => {
          const r = rng(seed);
          const work = new Workload(r, venues, `f12-${seed}`);
          for (let i = r.int(1, 4); i > 0; i--) await work.step(first.api);
          const lockBefore = await readFile(join(dataDir, 'oms-store.lock'), 'utf8');

          // When a second service starts on the directory while the first handles commands
          let busy = true;
          const traffic = (async () => {
            while (busy) await work.step(first.api);
          })();
          const second = spawnServe({ ...env });
          const code = await second.exited;
          busy = false;
          await traffic;

          // Then it refuses, saying why and who holds the directory
          expect(code).not.toBe(0);
          expect(second.stdout()).not.toContain('OMS is running');
          expect(second.stderr()).toContain(
            `the embedded event store at ${dataDir} is in use by process ${first.child.pid}`,
          );
          expect(second.stderr()).toMatch(/Only one process may open it/);
          // ...and so does any other command that opens the store
          const verifyWhileRunning = await cli(env, 'verify');
          expect(verifyWhileRunning.code).not.toBe(0);
          expect(verifyWhileRunning.stderr).toContain(`is in use by process ${first.child.pid}`);
          // The lock is still the first's
          expect(await readFile(join(dataDir, 'oms-store.lock'), 'utf8')).toBe(lockBefore);

          // The first keeps working
          const acked = work.commands.filter((c) => c.kind === 'place' && c.outcome === 'acked');
          const after = await first.api.place(
            { venue: 'deribit', symbol: 'BTC-PERPETUAL', side: 'buy', type: 'market', amount: '10' },
            `f12-${seed}-after`,
          );
          expect(after.order.status).toBe('filled');
          const views = await Promise.all(acked.map((c) => first.api.order(c.orderId)));
          expect(await first.api.health()).toMatchObject({ status: 'ok', reasons: [] });

          // After it stops, the directory opens again with everything in it, consistent
          await first.stop();
          const third = await startServiceProcess(env);
          try {
            for (const before of views) {
              const now = await third.api.order(before.orderId);
              expect(BigInt(now.revision)).toBeGreaterThanOrEqual(BigInt(before.revision));
              expect(now.clientOrderId).toBe(before.clientOrderId);
            }
            expect((await third.api.order(after.order.orderId)).status).toBe('filled');
          } finally {
            await third.stop();
          }
          const verify = await cli(env, 'verify');
          expect(verify.stdout).toContain('verify: the live read models equal a rebuild');
          expect(verify.code).toBe(0);
        });
      } finally {
        await first.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
