import { afterAll, describe, expect, it } from 'vitest';
import { cashMovementEvent } from '../../application/ledger/cash-ingester.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { type CashMovementData, cashStreamId } from '../../domain/ledger/contract.ts';
import { postingsPage } from '../../projections/read-models/ledger-postings.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { catchUp, postgresFactory, type Subject, silent, subjectsOf } from './support/subjects.ts';

// Read model `ledger_postings`: a generated history of orders and fills on both venues, with venue
// cash movements between them, projected in small (live) batches: every entry balances, each
// carries its account's running cash balance, a rebuild reproduces every row (`oms verify`), and
// verify reports an entry that no longer balances; on both stores.

const pg = await postgresFactory('ledger-postings');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'ledger postings');

const movement = (
  venue: 'bitget' | 'deribit',
  currency: string,
  id: string,
  kind: CashMovementData['kind'],
  change: string,
  extra: Partial<CashMovementData> = {},
): CashMovementData => ({
  venue,
  account: 'main',
  currency,
  venueEntryId: id,
  venueType: kind,
  kind,
  change: parseDecimal(change),
  at: '2026-11-21T12:30:00.000Z',
  raw: { id },
  ...extra,
});

const appendMovements = async (s: Subject, movements: readonly CashMovementData[]) => {
  for (const m of movements) {
    await s.store.append(cashStreamId(m.venue, m.account, m.currency), [cashMovementEvent(m, m.at)], {
      expectedRevision: 'any',
    });
  }
};

describe.each(subjects)('ledger_postings on %s', (_name, open) => {
  it('given fills and cash movements projected in small batches, then every entry balances, the running balance holds and a rebuild agrees', async () => {
    const s = await open();
    try {
      await appendMovements(s, [
        movement('bitget', 'USDT', 'b1', 'transfer', '1000'),
        movement('deribit', 'BTC', 'd1', 'deposit', '1.5'),
      ]);
      await appendHistory(s.store, generateHistory({ seed: 3, events: 600 }));
      await appendMovements(s, [
        movement('bitget', 'USDT', 'b2', 'funding', '-0.123456789', {
          funding: parseDecimal('-0.123456789'),
        }),
        movement('bitget', 'USDT', 'b3', 'trade', '12.5', { pnl: parseDecimal('12.5') }),
        movement('deribit', 'BTC', 'd2', 'settlement', '0.00095', { funding: parseDecimal('-0.00005') }),
        movement('deribit', 'BTC', 'd3', 'trade', '-0.00001', { tradeId: 'BTC-1' }),
      ]);
      await catchUp(s, { batchSize: 50 });

      // Then every entry's postings sum to zero, per currency
      const unbalanced = await s.db.query(
        `select entry_id from ${s.base}.ledger_postings group by venue, account, currency, entry_id
         having sum(amount) <> 0`,
      );
      expect(unbalanced.rows).toEqual([]);
      // And each entry carries its account's running cash balance, in $all order
      const running = await s.db.query(
        `with entries as (
           select venue, account, currency, entry_id, global_position, max(cash_balance) as balance,
             min(cash_balance) as low, sum(amount) filter (where ledger_account = 'cash') as cash
           from ${s.base}.ledger_postings group by venue, account, currency, entry_id, global_position)
         select entry_id from (
           select *, sum(coalesce(cash, 0)) over (partition by venue, account, currency
             order by global_position) as expected from entries) e
         where balance <> expected or low <> balance`,
      );
      expect(running.rows).toEqual([]);
      // And fills are posted (with their trade and order), the movements too, but not the venue's trades
      const causes = await s.db.query<{ cause: string; n: string; orders: string }>(
        `select cause, count(*)::text as n, count(order_id)::text as orders from ${s.base}.ledger_postings
         group by cause order by cause`,
      );
      const byCause = Object.fromEntries(causes.rows.map((r) => [r.cause, r]));
      expect(Number(byCause.fill?.n)).toBeGreaterThan(0);
      expect(byCause.fill?.orders).toBe(byCause.fill?.n);
      expect(Object.keys(byCause).sort()).toEqual(['deposit', 'fill', 'funding', 'settlement', 'transfer']);
      // And the API's pages walk every posting exactly once
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await postingsPage(s.db, s.base, { limit: 37, ...(cursor && { cursor }) });
        for (const p of page.postings)
          seen.add(`${p.venue}/${p.account}/${p.currency}/${p.entryId}/${p.ledgerAccount}`);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      const total = await s.db.query<{ n: string }>(
        `select count(*)::text as n from ${s.base}.ledger_postings`,
      );
      expect(seen.size).toBe(Number(total.rows[0]?.n));
      // And a rebuild into a scratch schema finds the same rows
      const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(verified.differences).toEqual([]);
      expect(verified.rows.ledger_postings).toBe(seen.size);

      // When a posting is altered in the live table, then verify reports the entry that no longer balances
      await s.db.query(
        `update ${s.base}.ledger_postings set amount = amount + 1
         where (venue, account, currency, entry_id, ledger_account) in
           (select venue, account, currency, entry_id, ledger_account from ${s.base}.ledger_postings
            where entry_id = 'cash:b2' and ledger_account = 'cash')`,
      );
      const tampered = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(tampered.differences).toContainEqual(
        expect.objectContaining({
          table: 'ledger_postings',
          column: '(invariant)',
          key: expect.objectContaining({ entry_id: 'cash:b2', imbalance: '1' }),
        }),
      );
    } finally {
      await s.close();
    }
  }, 180_000);

  it('given an account posted to in one run, when a restarted runner and then a running one post more, then each balance goes on from the last', async () => {
    const s = await open();
    const balances = async () =>
      (
        await s.db.query<{ entry_id: string; balance: string }>(
          `select distinct entry_id, trim_scale(cash_balance)::text as balance from ${s.base}.ledger_postings
           where venue = 'bitget' and currency = 'USDT' order by entry_id`,
        )
      ).rows.map((r) => `${r.entry_id}=${r.balance}`);
    try {
      // Given a first run that posted a transfer
      await appendMovements(s, [movement('bitget', 'USDT', 'b1', 'transfer', '1000')]);
      await catchUp(s);
      // When a restarted runner (nothing in memory) posts a deposit, one batch per movement
      await appendMovements(s, [
        movement('bitget', 'USDT', 'b2', 'deposit', '0.5'),
        movement('bitget', 'USDT', 'b3', 'withdrawal', '-200.25'),
      ]);
      await catchUp(s, { batchSize: 1 });
      // Then each balance is the one before it plus the change: read from the table first, then carried
      expect(await balances()).toEqual(['cash:b1=1000', 'cash:b2=1000.5', 'cash:b3=800.25']);
      // And a rebuild, in one large batch, agrees
      const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(verified.differences).toEqual([]);
    } finally {
      await s.close();
    }
  }, 60_000);
});
