import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReadModelDbError } from '../../projections/db/read-model-db.ts';
import { postgresFactory, type Subject, subjectsOf } from '../projections/support/subjects.ts';

const postgres = await postgresFactory('batch_runner');
afterAll(() => postgres.drop());

const subjects = subjectsOf(postgres, 'batch runner');

/** The transaction control statements the pg driver sent (PGlite sends none through pg). */
const sentStatements = () => {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  return () =>
    spy.mock.calls
      .map(([q]) => (typeof q === 'string' ? q : ((q as { text?: string }).text ?? '')))
      .filter((text) => /^(begin|commit|rollback)$/.test(text));
};

describe.each(subjects)('withBatch on %s', (name, open) => {
  let s: Subject;
  let schema: string;
  beforeAll(async () => {
    s = await open();
    schema = `batch_${s.base}`;
  });
  afterAll(() => s.close());
  beforeEach(async () => {
    await s.db.exec(`drop schema if exists ${schema} cascade; create schema ${schema};
      create table ${schema}.a (k text primary key, v int not null);
      create table ${schema}.b (k text primary key, v int not null);
      create table ${schema}.cp (name text primary key, position int not null);
      insert into ${schema}.cp values ('p', 1);
      create function ${schema}.exactly_one(n bigint) returns bigint language plpgsql as $fn$
      begin
        if n <> 1 then raise exception 'moved' using errcode = 'OMSXX'; end if;
        return n;
      end $fn$;`);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await s.db.exec(`drop schema if exists ${schema} cascade`);
  });

  const insertA = (k: string, v: number) => ({
    table: `${schema}.a`,
    text: `insert into ${schema}.a values ($1, $2)`,
    params: [k, v],
    name: `${schema}_a_insert`,
  });
  const insertB = (k: string, v: number) => ({
    table: `${schema}.b`,
    text: `insert into ${schema}.b values ($1, $2)`,
    params: [k, v],
    name: `${schema}_b_insert`,
  });
  const moveCheckpoint = (from: number, to: number) => ({
    table: `${schema}.cp`,
    text: `update ${schema}.cp set position = $2 where name = 'p' and position = $1 returning 1`,
    params: [from, to],
    name: `${schema}_cp_move`,
    check: `${schema}.exactly_one($rows)`,
  });
  const rows = async (table: string) =>
    (await s.db.query<{ k: string; v: number }>(`select k, v from ${schema}.${table} order by k`)).rows;
  const position = async () =>
    (await s.db.query<{ position: number }>(`select position from ${schema}.cp`)).rows[0]!.position;

  it('Given writes to distinct tables and a checked compare-and-set that matches, When the batch ends, Then all are kept, sent as one statement without BEGIN or COMMIT', async () => {
    const control = sentStatements();
    // When
    await s.db.withBatch(async (tx) => {
      tx.defer!(insertA('x', 1));
      tx.defer!(insertB('y', 2));
      tx.defer!(moveCheckpoint(1, 2));
    });
    // Then
    expect(await rows('a')).toEqual([{ k: 'x', v: 1 }]);
    expect(await rows('b')).toEqual([{ k: 'y', v: 2 }]);
    expect(await position()).toBe(2);
    if (name === 'PostgreSQL') expect(control()).toEqual([]);
  });

  it('Given a compare-and-set that matches no row, When the batch ends, Then it fails with the check’s SQLSTATE and none of its writes is kept', async () => {
    // When
    const failed = s.db.withBatch(async (tx) => {
      tx.defer!(insertA('x', 1));
      tx.defer!(insertB('y', 2));
      tx.defer!(moveCheckpoint(5, 6));
    });
    // Then
    await expect(failed).rejects.toBeInstanceOf(ReadModelDbError);
    await expect(failed).rejects.toMatchObject({ sqlState: 'OMSXX' });
    expect(await rows('a')).toEqual([]);
    expect(await rows('b')).toEqual([]);
    expect(await position()).toBe(1);
  });

  it('Given queued writes, When the batch reads, Then the read sees them; and a failure after it undoes everything (a read makes it a transaction)', async () => {
    const control = sentStatements();
    let seen: unknown;
    // When
    const failed = s.db.withBatch(async (tx) => {
      tx.defer!(insertA('x', 1));
      seen = (await tx.query(`select k, v from ${schema}.a`)).rows;
      tx.defer!(insertB('y', 2));
      tx.defer!(moveCheckpoint(1, 2));
      await tx.flush!();
      throw new Error('after the flush');
    });
    // Then
    await expect(failed).rejects.toThrow('after the flush');
    expect(seen).toEqual([{ k: 'x', v: 1 }]);
    expect(await rows('a')).toEqual([]);
    expect(await rows('b')).toEqual([]);
    expect(await position()).toBe(1);
    if (name === 'PostgreSQL') expect(control()).toEqual(['begin', 'rollback']);
  });

  it('Given two writes to one table in the queue, When sent, Then the second sees the first (separate statements, in one transaction)', async () => {
    await s.db.withBatch(async (tx) => {
      tx.defer!(insertA('x', 1));
      tx.defer!({
        table: `${schema}.a`,
        text: `update ${schema}.a set v = v + $1`,
        params: [10],
        name: `${schema}_a_add`,
      });
    });
    expect(await rows('a')).toEqual([{ k: 'x', v: 11 }]);
  });

  it('Given a batch sent as one statement, When anything follows its flush, Then it is refused (that statement committed on its own)', async () => {
    const refused = s.db.withBatch(async (tx) => {
      tx.defer!(insertA('x', 1));
      await tx.flush!();
      await tx.query('select 1');
    });
    if (name === 'PostgreSQL') {
      await expect(refused).rejects.toThrow(/committed on its own/);
      expect(await rows('a')).toEqual([{ k: 'x', v: 1 }]);
    } else {
      // PGlite batches are transactions from the start: the read may follow.
      await expect(refused).resolves.toBeUndefined();
    }
  });
});
