import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProjectionCommands } from '../../adapters/cli/projection-commands.ts';
import { openStore } from '../../adapters/composition/root.ts';
import { loadConfig } from '../../adapters/config/config.ts';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { createPgliteReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';

// The projection commands of `oms` against an embedded store in a temporary data directory.

let dir: string;
let lastPosition: string;
let someOrder: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oms-cli-'));
  const store = await openPgliteEventStore({ dataDir: join(dir, 'data') });
  try {
    await appendHistory(store, generateHistory({ seed: 9, events: 400 }));
    const runner = createProjectionRunner({
      store,
      db: createPgliteReadModelDb(store.db),
      logger: pino({ level: 'silent' }),
      mode: 'catch-up',
    });
    runner.start();
    await runner.done;
    lastPosition = runner.status().checkpoint!;
    const row = await store.db.query<{ order_id: string }>(
      `select order_id::text as order_id from oms_read.orders where status = 'filled' limit 1`,
    );
    someOrder = row.rows[0]!.order_id;
  } finally {
    await store.close();
  }
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = async (...args: string[]) => {
  let out = '';
  let err = '';
  let exitCode = 0;
  const program = new Command('oms').exitOverride().configureOutput({
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  registerProjectionCommands(
    program,
    { out: (t) => (out += t), err: (t) => (err += t) },
    {
      loadConfig: () => loadConfig({ OMS_STORE: 'embedded', OMS_DATA_DIR: join(dir, 'data') }),
      openStore,
      createLogger: () => pino({ level: 'silent' }),
      interactive: false,
      setExitCode: (code) => {
        exitCode = code;
      },
    },
  );
  let error: unknown;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e;
  }
  return { out, err, exitCode, error };
};

describe('oms projection commands (embedded store)', () => {
  it('projections status shows the checkpoint and that it runs', async () => {
    const { out, exitCode } = await run('projections', 'status');
    expect(out).toContain(`order-read-models  running  generation 1  checkpoint ${lastPosition}`);
    expect(exitCode).toBe(0);
  });

  it('verify passes on untouched read models, and lists a tampered row with exit status 1', async () => {
    const clean = await run('verify');
    expect(clean.out).toContain('verify: the live read models equal a rebuild');
    expect(clean.exitCode).toBe(0);

    const store = await openPgliteEventStore({ dataDir: join(dir, 'data') });
    await store.db.query(`update oms_read_g1.orders set price = 1 where order_id = $1`, [someOrder]);
    await store.close();
    const tampered = await run('verify');
    expect(tampered.out).toMatch(
      new RegExp(`DIFF orders \\{"order_id":"${someOrder}"\\} price: live 1 rebuilt `),
    );
    expect(tampered.exitCode).toBe(1);
  });

  it('rebuild switches readers to a new generation, with progress on stderr, and verify then passes', async () => {
    const { out, err } = await run('rebuild', '--batch-size', '100');
    expect(out).toMatch(/rebuilt \d+ events into generation 2/);
    expect(err).toContain('rebuild: done');
    expect((await run('verify')).exitCode).toBe(0);
  });

  it('replay shows an order and the positions as of a position or a time', async () => {
    const order = await run('replay', '--order', someOrder, '--as-of', lastPosition);
    expect(JSON.parse(order.out)).toMatchObject({ status: 'filled', order: { orderId: someOrder } });
    const positions = await run('replay', '--positions', '--as-of', '2100-01-01T00:00:00Z', '--json');
    expect(JSON.parse(positions.out).positions.length).toBeGreaterThan(0);
    const before = await run('replay', '--positions', '--as-of', '2000-01-01T00:00:00Z', '--json');
    expect(JSON.parse(before.out)).toMatchObject({ events: 0, positions: [] });
  });

  it('replay refuses unclear arguments with a clear message', async () => {
    expect(String((await run('replay', '--as-of', lastPosition)).error)).toContain(
      'give --order <orderId> or --positions',
    );
    expect(String((await run('replay', '--order', 'nope', '--as-of', lastPosition)).error)).toContain('UUID');
    expect(String((await run('replay', '--positions', '--as-of', 'yesterday')).error)).toContain('ISO-8601');
    const missing = await run('replay', '--positions');
    expect(missing.err).toContain("required option '--as-of <time|position>' not specified");
  });
});
