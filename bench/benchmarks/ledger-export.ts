import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { pino } from 'pino';
import { ledgerRoutes } from '../../adapters/http/ledger-routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import { createPostgresReadModelDb } from '../../adapters/sql/read-model-db.ts';
import { createSqlReadModel } from '../../projections/queries/sql-read-model.ts';
import { ensureReadModels, generationSchema } from '../../projections/schema.ts';
import { testDatabase } from '../../test/support/postgres.ts';
import { type BenchContext, type Benchmark, postgresNote } from '../lib/benchmark.ts';
import { median } from '../lib/stats.ts';

/**
 * The back office's export (issue 17's target: ≥ 50k rows/s, peak RSS < 200 MiB): `oms export
 * ledger --out file` (the CLI, a process of its own) reading 1M cash movements (× scale) through the
 * HTTP API (`GET /v1/ledger`, keyset pages of 1,000) and streaming CSV to a file; against the
 * same run's PostgreSQL floor, `COPY (select ...) TO STDOUT (format csv)` into a file. The rows are
 * generated in SQL straight into `cash_movements` (what the ingester and the projection would write).
 */

const silent = pino({ level: 'silent' });
const BASE = 'oms_read';

const seed = async (pool: pg.Pool, rows: number) => {
  const s = generationSchema(BASE, 1);
  await pool.query(
    `insert into ${s}.cash_movements (venue, account, currency, venue_entry_id, venue_seq, venue_type, kind,
      change, funding, fee, pnl, balance_after, our_balance, price, symbol, trade_id, venue_order_id, at,
      global_position)
    select 'bitget', 'main', 'USDT', g::text, g, 'contract_settle_fee', 'funding',
      -0.123456789 - g * 0.000001, -0.123456789 - g * 0.000001, 0, null, 1000000 - g * 0.1, 1000000 - g * 0.1,
      null, 'BTCUSDT', null, null, timestamptz '2026-01-01' + g * interval '1 second', lpad(g::text, 20, '0')
    from generate_series(1, $1) as g`,
    [rows],
  );
  await pool.query(`analyze ${s}.cash_movements`);
};

/**
 * `oms export ledger --out file` as the user runs it: its own process (under /usr/bin/time for its
 * peak RSS when that is installed). Resolves to the elapsed milliseconds and the peak RSS (KiB).
 */
const exportThroughApi = async (
  base: string,
  token: string,
  file: string,
  nodeFlags: readonly string[] = [],
): Promise<{ ms: number; maxRssKiB: number | undefined }> => {
  const cli = [
    process.execPath,
    ...nodeFlags,
    '--import',
    'tsx',
    join(import.meta.dirname, '../../adapters/cli/oms.ts'),
    '--url',
    base,
    '--token',
    token,
    'export',
    'ledger',
    '--venue',
    'bitget',
    '--out',
    file,
  ];
  const timed = existsSync('/usr/bin/time');
  const [command, ...args] = timed ? ['/usr/bin/time', '-f', 'maxrss=%M', ...cli] : cli;
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(command as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stderr }));
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`oms export failed (${code}): ${stderr}`);
  const rss = /maxrss=(\d+)/.exec(stderr)?.[1];
  return { ms, maxRssKiB: rss === undefined ? undefined : Number(rss) };
};

const copyBaseline = async (pool: pg.Pool, file: string): Promise<number> => {
  const client = await pool.connect();
  try {
    const started = performance.now();
    const s = generationSchema(BASE, 1);
    const stream = client.query(
      copyTo(
        `copy (select * from ${s}.cash_movements order by at desc, global_position desc) to stdout (format csv, header)`,
      ),
    );
    await pipeline(stream, createWriteStream(file));
    return performance.now() - started;
  } finally {
    client.release();
  }
};

async function run({ rounds, scale, log }: BenchContext): Promise<void> {
  const database = await testDatabase('bench-ledger-export');
  if (!database.available) {
    log(`skipped: no PostgreSQL (${database.reason})`);
    return;
  }
  const rows = Math.round(1_000_000 * scale);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  const db = createPostgresReadModelDb({ pool });
  const token = 'bench-export-token';
  const app = createHttpServer({
    routes: ledgerRoutes(createSqlReadModel({ db, schema: BASE }), undefined),
    token,
    logger: silent,
    version: 'bench',
  });
  try {
    log(await postgresNote(database.source, pool));
    await ensureReadModels(db, BASE, 'order-read-models');
    const seeding = performance.now();
    await seed(pool, rows);
    log(
      `seeded ${rows.toLocaleString('en-US')} cash movements in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const api: number[] = [];
    const rss: number[] = [];
    const cappedRss: number[] = [];
    const copy: number[] = [];
    let bytes = 0;
    for (let round = 0; round < rounds; round++) {
      const file = join(dir, `ledger-${round}.csv`);
      const exported = await exportThroughApi(base, token, file);
      api.push(exported.ms);
      if (exported.maxRssKiB !== undefined) rss.push(exported.maxRssKiB);
      // The same export with V8's old space capped at 96 MiB: what the export really needs.
      const capped = await exportThroughApi(base, token, file, ['--max-old-space-size=96']);
      if (capped.maxRssKiB !== undefined) cappedRss.push(capped.maxRssKiB);
      bytes = (await stat(file)).size;
      copy.push(await copyBaseline(pool, join(dir, `copy-${round}.csv`)));
      await rm(file, { force: true });
      await rm(join(dir, `copy-${round}.csv`), { force: true });
    }
    const rate = (ms: number) => Math.round(rows / (ms / 1000));
    const apiRate = rate(median(api));
    const copyRate = rate(median(copy));
    const mib = (kib: readonly number[]) =>
      kib.length > 0 ? `${Math.round(Math.max(...kib) / 1024)} MiB` : 'not measured (no /usr/bin/time)';
    const rssMiB = mib(rss);
    log('| scenario | rows/s (median) | COPY rows/s | ratio | target |');
    log('| --- | --- | --- | --- | --- |');
    log(
      `| oms export ledger (API pages → CSV file) | ${apiRate.toLocaleString('en-US')} | ${copyRate.toLocaleString('en-US')} | ${(apiRate / copyRate).toFixed(2)} | ≥ 50,000 rows/s |`,
    );
    log(
      `\nCSV ${(bytes / 1024 / 1024).toFixed(0)} MiB; peak RSS of the oms export process: ${rssMiB} by default, ${mib(cappedRss)} with --max-old-space-size=96 (target < 200 MiB)`,
    );
  } finally {
    await app.close();
    await pool.end();
    await rm(dir, { recursive: true, force: true });
    await database.drop();
  }
}

export const benchmark: Benchmark = {
  name: 'ledger-export',
  description:
    'issue 17: oms export ledger of 1M cash movements (× scale) through the API, vs COPY TO STDOUT',
  run,
};
