import { afterAll, describe, expect, it } from 'vitest';
import { cashMovementEvent } from '../../application/ledger/cash-ingester.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { cashStreamId } from '../../domain/ledger/contract.ts';
import { instrumentStatements } from '../../projections/read-models/instrument-statements.ts';
import { apiPositions } from '../../projections/read-models/positions.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { appendHistory, type GeneratedAppend, generateHistory } from './support/history-generator.ts';
import { catchUp, postgresFactory, silent, subjectsOf } from './support/subjects.ts';

// A funding payment recorded between two fills of its position, read by the projection in one batch
// with the fill after it: the payment goes to the position's funding PnL and to its day's statement
// (it used to be taken for applied already, its place in `$all` being below the position's last fill).

const pg = await postgresFactory('funding-in-batch');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'funding in a batch');

/** The last append filling a Bitget order in one-way mode (its `net` position takes the funding). */
function lastBitgetFill(history: readonly GeneratedAppend[]): {
  index: number;
  symbol: string;
  account: string;
} {
  type Placed = { account: string; positionMode?: string; instrument: { venue: string; symbol: string } };
  const orders = new Map<string, Placed>();
  let last: { index: number; symbol: string; account: string } | undefined;
  history.forEach((append, index) => {
    for (const event of append.events) {
      const order = (event.data as { order?: Placed }).order;
      if (order?.instrument && !orders.has(append.streamId)) orders.set(append.streamId, order);
      const placed = orders.get(append.streamId);
      if (
        event.type === 'OrderFilled' &&
        !append.duplicate &&
        placed?.instrument.venue === 'bitget' &&
        placed.positionMode !== 'hedge'
      ) {
        last = { index, symbol: placed.instrument.symbol, account: placed.account };
      }
    }
  });
  if (last === undefined) throw new Error('the generated history has no Bitget fill');
  return last;
}

describe.each(subjects)('a funding payment between two fills of its position on %s', (_name, open) => {
  it('given a payment recorded before a fill and projected in one batch with it, then it is in the position’s funding PnL and its day’s statement', async () => {
    const s = await open();
    try {
      // Given a generated history up to the last Bitget fill, projected
      const history = [...generateHistory({ seed: 23, events: 400 })];
      const { index, symbol, account } = lastBitgetFill(history);
      await appendHistory(s.store, history.slice(0, index));
      await catchUp(s);
      const position = (await apiPositions(s.db, s.base, { includeFlat: true })).find(
        (p) => p.venue === 'bitget' && p.account === account && p.symbol === symbol,
      );
      expect(position).toBeDefined();
      // When a funding payment is recorded, then that last fill, and the projection reads both at once
      const fundingAt = '2026-01-01T00:00:00.000Z';
      const funding = {
        venue: 'bitget' as const,
        account: position!.account,
        currency: position!.pnlCurrency,
        venueEntryId: 'funding-between-fills',
        venueType: 'contract_main_settle_fee',
        kind: 'funding' as const,
        change: parseDecimal('-0.5'),
        funding: parseDecimal('-0.5'),
        symbol,
        at: fundingAt,
        raw: { billId: 'funding-between-fills' },
      };
      await s.store.append(
        cashStreamId('bitget', funding.account, funding.currency),
        [cashMovementEvent(funding, fundingAt)],
        { expectedRevision: 'any' },
      );
      await appendHistory(s.store, history.slice(index));
      await catchUp(s);

      // Then the payment is the position's funding PnL
      const after = (await apiPositions(s.db, s.base, { includeFlat: true })).find(
        (p) =>
          p.venue === 'bitget' && p.account === account && p.symbol === symbol && p.side === position!.side,
      );
      expect(after?.fundingPnl).toBe('-0.5');
      // And its day's statement for the instrument has it, every statement adding up
      const statements = await instrumentStatements(s.db, s.base, { utcOffsetHours: 0 });
      expect(statements.filter((st) => st.funding !== '0').map((st) => [st.symbol, st.funding])).toEqual([
        [symbol, '-0.5'],
      ]);
      // And a rebuild (large batches, the payment among fills) finds the same rows
      const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(verified.differences).toEqual([]);
    } finally {
      await s.close();
    }
  }, 180_000);
});
