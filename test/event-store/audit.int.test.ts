import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChainHead } from '../../adapters/event-store/audit-trail.ts';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import { chainHeads, checkHeads, verifyChains } from '../../adapters/event-store/sql/audit.ts';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import { testDatabase } from '../support/postgres.ts';

const pg = await testDatabase('event-store-audit');
afterAll(async () => {
  if (pg.available) await pg.drop();
});

const stores: [string, () => Promise<{ store: SqlEventStore; done: () => Promise<void> }>][] = [
  [
    'PGlite',
    async () => {
      const store = await openPgliteEventStore();
      return { store, done: () => store.close() };
    },
  ],
];
if (pg.available) {
  stores.push([
    'PostgreSQL',
    async () => {
      const store = await openPostgresEventStore({ connectionString: pg.url, schema: `audit_${Date.now()}` });
      return { store, done: () => store.close() };
    },
  ]);
}

/** Three streams of five events each. */
async function record(store: SqlEventStore) {
  for (const stream of ['order-a', 'order-b', 'order-c']) {
    for (let i = 0; i < 5; i++) {
      await store.append(
        stream,
        [{ id: randomUUID(), type: 'Step', data: { i, note: `é ${i}` }, metadata: { by: 'x' } }],
        {
          expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
        },
      );
    }
  }
}

const collect = async (heads: AsyncIterable<ChainHead>) => {
  const all: ChainHead[] = [];
  for await (const h of heads) all.push(h);
  return all;
};

async function* replay(heads: ChainHead[]) {
  yield* heads;
}

describe.each(stores)('the tamper-evident audit trail (%s)', (_name, open) => {
  const schemaOf = (store: SqlEventStore) => store.schema;

  it('every chain holds on an untouched store', async () => {
    const { store, done } = await open();
    try {
      await record(store);
      const report = await verifyChains(store.sql, schemaOf(store), { pageSize: 2 });
      expect(report).toEqual({ streams: 3, events: 15, firstBreach: undefined });
    } finally {
      await done();
    }
  });

  it.each([
    [
      'an edited event',
      `update %s.events set data = '{"i": 99}' where stream_id = 'order-b' and revision = 2`,
      'hash',
      '2',
    ],
    ['a deleted event', `delete from %s.events where stream_id = 'order-b' and revision = 2`, 'gap', '3'],
    [
      'reordered events',
      `update %s.events set revision = 100 where stream_id = 'order-b' and revision = 1;
       update %s.events set revision = 1 where stream_id = 'order-b' and revision = 2;
       update %s.events set revision = 2 where stream_id = 'order-b' and revision = 100;`,
      'hash',
      '1',
    ],
    [
      'a deleted last event',
      `delete from %s.events where stream_id = 'order-b' and revision = 4`,
      'tail',
      '4',
    ],
  ])('%s is named: the first event that does not match', async (_what, tamper, problem, revision) => {
    const { store, done } = await open();
    try {
      await record(store);
      await store.sql.exec(tamper.replaceAll('%s', schemaOf(store)));
      const report = await verifyChains(store.sql, schemaOf(store), { pageSize: 2 });
      expect(report.firstBreach).toMatchObject({ streamId: 'order-b', revision, problem });
    } finally {
      await done();
    }
  });

  it('verify can be limited to the streams of one prefix', async () => {
    const { store, done } = await open();
    try {
      await record(store);
      await store.sql.exec(
        `update ${schemaOf(store)}.events set data = '{"i": 99}' where stream_id = 'order-b' and revision = 2`,
      );
      const onlyC = await verifyChains(store.sql, schemaOf(store), { streamPrefix: 'order-c' });
      expect(onlyC).toEqual({ streams: 1, events: 5, firstBreach: undefined });
      const all = await verifyChains(store.sql, schemaOf(store), { streamPrefix: 'order-' });
      expect(all.firstBreach).toMatchObject({ streamId: 'order-b', revision: '2' });
    } finally {
      await done();
    }
  });

  it('a chain rewritten whole (hashes recomputed) is caught against the heads exported before', async () => {
    const { store, done } = await open();
    try {
      await record(store);
      const heads = await collect(chainHeads(store.sql, schemaOf(store), 2));
      expect(heads.map((h) => [h.streamId, h.revision])).toEqual([
        ['order-a', '4'],
        ['order-b', '4'],
        ['order-c', '4'],
      ]);
      const s = schemaOf(store);
      // An attacker who edits an event and recomputes every hash after it
      await store.sql.exec(`
        update ${s}.events set data = '{"i": 99}' where stream_id = 'order-b' and revision = 2;
        do $$ declare r record; v_prev bytea; begin
          for r in select * from ${s}.events where stream_id = 'order-b' order by revision loop
            v_prev := ${s}.event_hash(v_prev, r.stream_id, r.revision, r.event_id, r.type, r.data, r.metadata);
            update ${s}.events set hash = v_prev where stream_id = r.stream_id and revision = r.revision;
          end loop; end $$;`);
      expect((await verifyChains(store.sql, s)).firstBreach).toBeUndefined();
      expect(await checkHeads(store.sql, s, replay(heads))).toMatchObject({
        streamId: 'order-b',
        problem: 'head',
      });
    } finally {
      await done();
    }
  });
});
