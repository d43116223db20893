import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { oms } from '../support/oms-cli.ts';

// `oms audit` as an operator runs it, on the embedded store of a stopped service: verify passes on
// an untouched store, exits 1 naming the first event that was edited, and heads exported earlier
// catch a stream cut short.

let dataDir: string;

const cli = (...argv: string[]) => oms(undefined, ...argv);

async function withStore(work: (store: Awaited<ReturnType<typeof openPgliteEventStore>>) => Promise<void>) {
  const store = await openPgliteEventStore({ dataDir });
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oms-audit-'));
  process.env.OMS_STORE = 'embedded';
  process.env.OMS_DATA_DIR = dataDir;
  await withStore(async (store) => {
    for (const stream of ['order-a', 'order-b']) {
      for (let i = 0; i < 3; i++) {
        await store.append(stream, [{ id: randomUUID(), type: 'Step', data: { i }, metadata: {} }], {
          expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
        });
      }
    }
  });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('oms audit', () => {
  it('Given an untouched store, verify exits 0; heads are exported to a private file', async () => {
    const verified = await cli('audit', 'verify');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toEqual({ ok: true, streams: 2, events: 6 });

    const file = join(tmpdir(), `oms-heads-${randomUUID()}.jsonl`);
    const exported = await cli('audit', 'heads', '--out', file);
    expect(exported.code).toBe(0);
    expect(exported.err).toContain('2 stream heads exported');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await rm(file, { force: true });
  });

  it('Given heads exported, then the last event of a stream cut, verify --heads exits 1 naming it', async () => {
    const file = join(tmpdir(), `oms-heads-${randomUUID()}.jsonl`);
    await cli('audit', 'heads', '--out', file);
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);
    await withStore(async (store) => {
      await store.sql.exec(
        `delete from ${store.schema}.events where stream_id = 'order-a' and revision = 2;
         update ${store.schema}.streams set revision = 1 where stream_id = 'order-a'`,
      );
    });

    const verified = await cli('audit', 'verify', '--heads', file);

    expect(verified.code).toBe(1);
    expect(JSON.parse(verified.out).firstBreach).toMatchObject({
      streamId: 'order-a',
      revision: '2',
      problem: 'head',
    });
    await rm(file, { force: true });
  });

  it('Given an event edited in the database, verify exits 1 naming that event', async () => {
    await withStore(async (store) => {
      await store.sql.exec(
        `update ${store.schema}.events set data = '{"i": 42}' where stream_id = 'order-b' and revision = 1`,
      );
    });

    const verified = await cli('audit', 'verify');

    expect(verified.code).toBe(1);
    expect(JSON.parse(verified.out)).toMatchObject({
      ok: false,
      firstBreach: { streamId: 'order-b', revision: '1', problem: 'hash' },
    });
  });
});
