import { afterAll, describe, expect, it } from 'vitest';
import { cashMovementEvent } from '../../application/ledger/cash-ingester.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { type CashMovementData, cashStreamId } from '../../domain/ledger/contract.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { catchUp, postgresFactory, type Subject, silent, subjectsOf } from './support/subjects.ts';

// Read model `cash_movements`: each venue cash movement once, with our running balance next to the
// venue's, on both stores.

const pg = await postgresFactory('cash-movements');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'cash movements');

const movement = (
  id: string,
  at: string,
  change: string,
  balanceAfter: string,
  kind: CashMovementData['kind'] = 'funding',
): CashMovementData => ({
  venue: 'bitget',
  account: 'main',
  currency: 'USDT',
  venueEntryId: id,
  venueType: kind === 'funding' ? 'contract_main_settle_fee' : 'trans_from_exchange',
  kind,
  change: parseDecimal(change),
  balanceAfter: parseDecimal(balanceAfter),
  at,
  raw: { billId: id },
});

const rows = async (s: Subject) =>
  (
    await s.db.query<{
      venue_entry_id: string;
      change: string;
      our_balance: string;
      balance_after: string;
      kind: string;
    }>(
      `select venue_entry_id, change::text, our_balance::text, balance_after::text, kind
       from ${s.base}.cash_movements order by at, venue_entry_id`,
    )
  ).rows;

describe.each(subjects)('cash_movements on %s', (_name, open) => {
  it('given a deposit and two funding payments, then each is one row with our balance beside the venue’s', async () => {
    const s = await open();
    try {
      const stream = cashStreamId('bitget', 'main', 'USDT');
      const first = [
        movement('101', '2026-12-01T00:00:00.000Z', '1000', '1000', 'deposit'),
        movement('102', '2026-12-01T08:00:00.000Z', '-0.123456789', '999.876543211'),
      ];
      await s.store.append(
        stream,
        first.map((m) => cashMovementEvent(m, m.at)),
        { expectedRevision: 'no_stream' },
      );
      await catchUp(s);
      // When the first two are appended again (a retry: nothing is written) and a payment received follows
      const second = movement('103', '2026-12-01T16:00:00.000Z', '0.5', '1000.376543211');
      await s.store.append(
        stream,
        first.map((m) => cashMovementEvent(m, m.at)),
        { expectedRevision: 'any' },
      );
      await s.store.append(stream, [cashMovementEvent(second, second.at)], { expectedRevision: 1n });
      await catchUp(s);
      // Then three rows, our running balance equal to the venue's at each
      expect(await rows(s)).toEqual([
        {
          venue_entry_id: '101',
          change: '1000',
          our_balance: '1000',
          balance_after: '1000',
          kind: 'deposit',
        },
        {
          venue_entry_id: '102',
          change: '-0.123456789',
          our_balance: '999.876543211',
          balance_after: '999.876543211',
          kind: 'funding',
        },
        {
          venue_entry_id: '103',
          change: '0.5',
          our_balance: '1000.376543211',
          balance_after: '1000.376543211',
          kind: 'funding',
        },
      ]);
      // And a rebuild into a scratch schema finds the same rows
      const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(verified.differences).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
