import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { ApiError, type createApiClient } from '../../adapters/http/client.ts';
import type { EventStore } from '../../application/ports/event-store.ts';
import { until } from '../support/until.ts';
import { spawnServe, startServiceProcess } from './support/child.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import { memoryLogger, startInProcessService } from './support/service.ts';
import { type LocalVenues, startLocalVenues, type VenueCredentials } from './support/venues.ts';
import { Workload } from './support/workload.ts';

/**
 * F13: sentinel secrets pushed through every path.
 *
 * The venue credentials (Deribit client id and secret, Bitget API key, secret and passphrase) and
 * the API token are sentinels: strings that cannot appear by chance. The service runs with them
 * at log level `trace` (as a child process: stdout and stderr captured; and in process: pino
 * output captured), takes orders, amends and cancels them on both venues, re-authenticates after
 * expired tokens, meets venue refusals, wrong credentials at the venue, and bad API requests
 * (wrong tokens, invalid bodies, unknown orders). Pass: no sentinel in any log line, any event of
 * `$all`, any read-model row, or any API reply body.
 */
const SENTINELS: VenueCredentials = {
  deribit: { clientId: 'SNTL-deribit-client-id-41a7', clientSecret: 'SNTL-deribit-secret-9c2e' },
  bitget: {
    apiKey: 'SNTL-bitget-api-key-5d18',
    secretKey: 'SNTL-bitget-secret-key-e03b',
    passphrase: 'SNTL-bitget-passphrase-77f4',
  },
};
const TOKEN = 'SNTL-api-token-2b9d0c61f8a4';
const WRONG = {
  DERIBIT_CLIENT_SECRET: 'SNTL-wrong-deribit-secret-a51c',
  BITGET_SECRET_KEY: 'SNTL-wrong-bitget-secret-6e0d',
  BITGET_PASSPHRASE: 'SNTL-wrong-bitget-passphrase-3f92',
};
const ALL = [
  SENTINELS.deribit.clientId,
  SENTINELS.deribit.clientSecret,
  SENTINELS.bitget.apiKey,
  SENTINELS.bitget.secretKey,
  SENTINELS.bitget.passphrase,
  TOKEN,
  ...Object.values(WRONG),
];

const leaks = (text: string, secrets: readonly string[] = ALL) => secrets.filter((s) => text.includes(s));

let venues: LocalVenues;
beforeAll(async () => {
  venues = await startLocalVenues({ credentials: SENTINELS });
});
afterAll(async () => venues?.close());

/** Every reply body the client saw, errors included. */
async function exercise(
  seed: number,
  api: ReturnType<typeof createApiClient>,
  url: string,
  replies: string[],
): Promise<void> {
  const r = rng(seed);
  const work = new Workload(r, venues, `f13-${seed}`);
  for (let i = 0; i < 12; i++) await work.step(api);
  for (const c of work.commands) replies.push(JSON.stringify(c.replies), JSON.stringify(c.refusal ?? null));
  // Token expiry at Deribit: re-authentication with the secret, then more traffic.
  venues.deribit.expireTokens();
  for (let i = 0; i < 4; i++) await work.step(api);
  // Venue refusals carry the venue's words back.
  const refusals = [
    { venue: 'deribit', symbol: 'BTC-PERPETUAL', side: 'sell', type: 'limit', amount: '10', price: '1' },
    { venue: 'bitget', symbol: 'BTCUSDT', side: 'buy', type: 'limit', amount: '100000', price: '60000' },
  ];
  for (const body of refusals) {
    await api.place(body).then(
      (reply) => replies.push(JSON.stringify(reply)),
      (error: unknown) => replies.push(JSON.stringify(error instanceof ApiError ? error : String(error))),
    );
  }
  // Bad API requests: wrong tokens (one that embeds the real one), invalid bodies, unknown orders.
  const requests: [string, string, Record<string, string>, string | undefined][] = [
    ['POST', '/v1/orders', { authorization: `Bearer ${TOKEN}x` }, '{}'],
    ['POST', '/v1/orders', { authorization: `Basic ${TOKEN}` }, '{}'],
    ['GET', '/v1/health', { authorization: TOKEN }, undefined],
    [
      'POST',
      '/v1/orders',
      {},
      '{"venue":"deribit","symbol":"NOPE","side":"buy","type":"market","amount":"10"}',
    ],
    ['POST', '/v1/orders', {}, '{"apiKey":"x"}'],
    ['GET', '/v1/orders/00000000-0000-4000-8000-000000000000', {}, undefined],
    ['GET', '/v1/instruments/bitget/NOPE', {}, undefined],
  ];
  for (const [method, path, headers, body] of requests) {
    const response = await fetch(new URL(path, url), {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined && { body }),
    });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBeGreaterThanOrEqual(400);
    // What the client itself sent may come back (an unknown symbol is named); nothing else may.
    const sent = `${JSON.stringify(headers)}${body ?? ''}${path}`;
    replies.push(
      ...ALL.filter((s) => !sent.includes(s) && text.includes(s)).map((s) => `LEAK ${s} in ${text}`),
    );
  }
  replies.push(JSON.stringify(await api.health()), JSON.stringify(await api.positions()));
  replies.push(JSON.stringify(await api.orders({ limit: '100' })));
}

async function scanEvents<P>(store: EventStore<P>): Promise<string[]> {
  const found: string[] = [];
  let after: P | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after !== undefined && { after }), maxCount: 1000 });
    for (const e of page.events) {
      const text = JSON.stringify({ type: e.type, data: e.data, metadata: e.metadata });
      for (const s of leaks(text, ALL)) found.push(`${s} in event ${e.streamId}/${e.type}`);
    }
    if (page.isEnd) return found;
    after = page.lastScanned as P;
  }
}

async function scanTables(query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<{
  tables: number;
  rows: number;
  found: string[];
}> {
  const { rows: tables } = await query(
    `select table_schema, table_name from information_schema.tables
     where table_schema not in ('pg_catalog', 'information_schema') and table_type in ('BASE TABLE', 'VIEW')`,
  );
  const found: string[] = [];
  let rows = 0;
  for (const t of tables) {
    const { rows: content } = await query(`select * from "${t.table_schema}"."${t.table_name}"`);
    rows += content.length;
    const text = JSON.stringify(content, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const s of leaks(text, ALL)) found.push(`${s} in ${t.table_schema}.${t.table_name}`);
  }
  return { tables: tables.length, rows, found };
}

describe('F13: sentinel secrets pushed through every path', () => {
  it.each(faultSeeds(1, 1300))(
    'the service as a child process at log level trace: no secret in its output, events, read models or replies (seed %i)',
    async (seed) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'oms-f13-'));
      const env = {
        ...venues.env(),
        OMS_STORE: 'embedded',
        OMS_DATA_DIR: dataDir,
        OMS_API_PORT: '0',
        OMS_API_TOKEN: TOKEN,
        OMS_LOG_LEVEL: 'trace',
      };
      try {
        await withSeed('F13', seed, async () => {
          const service = await startServiceProcess(env);
          const replies: string[] = [];
          try {
            await exercise(seed, service.api, service.url, replies);
          } finally {
            await service.stop();
          }
          // A service given wrong venue secrets: refused at the venue, and says so without them.
          const wrong = spawnServe({ ...env, ...WRONG });
          try {
            await until(
              'the venues to refuse the wrong credentials',
              () => /cannot connect to the venue/.test(wrong.stdout()) && /bitget/.test(wrong.stdout()),
              60_000,
              100,
            );
          } finally {
            wrong.child.kill('SIGTERM');
            await wrong.exited;
          }

          const output = `${service.stdout()}\n${service.stderr()}`;
          expect(output.split('\n').length).toBeGreaterThan(50);
          expect(
            output.split('\n').filter((line) => leaks(line).length > 0),
            'in the output of oms serve',
          ).toEqual([]);
          expect(leaks(`${wrong.stdout()}\n${wrong.stderr()}`), 'in the output with wrong secrets').toEqual(
            [],
          );
          expect(replies.filter((r) => r.startsWith('LEAK') || leaks(r).length > 0)).toEqual([]);

          const store = await openPgliteEventStore({ dataDir });
          try {
            expect(await scanEvents<SqlPosition>(store)).toEqual([]);
            const tables = await scanTables((sql) => store.db.query(sql));
            expect(tables.rows).toBeGreaterThan(0);
            expect(tables.found).toEqual([]);
          } finally {
            await store.close();
          }
        });
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );

  it.each(faultSeeds(1, 1350))(
    'the service in process: no secret in any pino line, event, row or reply (seed %i)',
    async (seed) => {
      const log = memoryLogger('trace');
      const svc = await startInProcessService(venues, { logger: log.logger });
      const replies: string[] = [];
      try {
        await withSeed('F13/in-process', seed, async () => {
          await svc.trading();
          // (this service has its own token: TOKEN only appears in the wrong-token requests)
          await exercise(seed, svc.api, svc.url, replies);
          await svc.running.readModelCaughtUp();
          expect(log.lines.length).toBeGreaterThan(50);
          expect(log.lines.filter((line) => leaks(line).length > 0)).toEqual([]);
          expect(replies.filter((r) => r.startsWith('LEAK') || leaks(r).length > 0)).toEqual([]);
          expect(await scanEvents(svc.store)).toEqual([]);
          expect((await scanTables((sql) => svc.store.db.query(sql))).found).toEqual([]);
        });
      } finally {
        await svc.stop();
      }
    },
    120_000,
  );
});
