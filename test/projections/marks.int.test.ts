import { afterAll, describe, expect, it } from 'vitest';
import { cashMovementEvent } from '../../application/ledger/cash-ingester.ts';
import { markEvent } from '../../application/marks/mark-recorder.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { cashStreamId } from '../../domain/ledger/contract.ts';
import { MarkPriceDataSchema, markStreamId } from '../../domain/marks/contract.ts';
import { instrumentStatements } from '../../projections/read-models/instrument-statements.ts';
import { apiPositions } from '../../projections/read-models/positions.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { expectInstrumentStatementsAddUp } from '../ledger/statements.ts';
import { appendHistory, generateHistory } from './support/history-generator.ts';
import { catchUp, postgresFactory, silent, subjectsOf } from './support/subjects.ts';

// Read model `marks`, funding in `positions` and the per-instrument daily statements, on both
// stores: marks recorded once per instant, funding its own PnL component, every statement adding
// up exactly, and a rebuild finding the same rows.

const pg = await postgresFactory('marks');
afterAll(() => pg.drop());
const subjects = subjectsOf(pg, 'marks');

const SIX_HOURS = 6 * 3_600_000;

describe.each(subjects)('marks, funding and statements by instrument on %s', (_name, open) => {
  it('given a generated history, marks every six hours and a funding payment, then statements add up and a rebuild agrees', async () => {
    const s = await open();
    try {
      // Given a generated history of orders and fills
      await appendHistory(s.store, generateHistory({ seed: 23, events: 400 }));
      await catchUp(s);
      const span = (
        await s.db.query<{ first: Date; last: Date }>(
          `select min(changed_at) as first, max(changed_at) as last from ${s.base}.position_history`,
        )
      ).rows[0]!;
      const prices = (
        await s.db.query<{ venue: 'deribit' | 'bitget'; instrument: string; price: string }>(
          `select venue, instrument, max(price)::text as price from ${s.base}.fills group by venue, instrument`,
        )
      ).rows;
      // And marks every six hours across it (the same ones appended twice: a retry)
      const from = Math.floor(new Date(span.first).getTime() / SIX_HOURS) * SIX_HOURS;
      const until = new Date(span.last).getTime() + 2 * 86_400_000;
      for (const { venue, instrument, price } of prices) {
        const events = [];
        for (let at = from, i = 0; at <= until; at += SIX_HOURS, i++) {
          const mark = parseDecimal(price).times(i % 2 === 0 ? '1.01' : '0.995');
          events.push(
            markEvent(
              MarkPriceDataSchema.parse({
                venue,
                symbol: instrument,
                mark: mark.toString(),
                at: new Date(at).toISOString(),
                occasion: at % 86_400_000 === 0 ? 'day_close' : 'interval',
                observedAt: new Date(at + 1_000).toISOString(),
              }),
            ),
          );
        }
        await s.store.append(markStreamId(venue, instrument), events, { expectedRevision: 'any' });
        await s.store.append(markStreamId(venue, instrument), events, { expectedRevision: 'any' });
      }
      // And a funding payment to a Bitget position, after its last change
      const [funded] = (await apiPositions(s.db, s.base, { includeFlat: true })).filter(
        (p) => p.venue === 'bitget' && p.side === 'net',
      );
      expect(funded).toBeDefined();
      const fundingAt = new Date(new Date(span.last).getTime() + 60_000).toISOString();
      const funding = {
        venue: 'bitget' as const,
        account: funded!.account,
        currency: funded!.pnlCurrency,
        venueEntryId: 'funding-1',
        venueType: 'contract_main_settle_fee',
        kind: 'funding' as const,
        change: parseDecimal('-0.123456'),
        funding: parseDecimal('-0.123456'),
        symbol: funded!.symbol,
        at: fundingAt,
        raw: { billId: 'funding-1' },
      };
      for (let retry = 0; retry < 2; retry++) {
        await s.store.append(
          cashStreamId('bitget', funded!.account, funded!.pnlCurrency),
          [cashMovementEvent(funding, fundingAt)],
          { expectedRevision: 'any' },
        );
      }
      await catchUp(s);

      // Then one mark row per instrument and instant
      const marks = await s.db.query<{ n: string; instants: string }>(
        `select count(*)::text as n, count(distinct (venue, instrument, at))::text as instants from ${s.base}.marks`,
      );
      expect(marks.rows[0]?.n).toBe(marks.rows[0]?.instants);
      // And the funded position's funding PnL is the payment, apart from its realized PnL
      const after = (await apiPositions(s.db, s.base, { includeFlat: true })).find(
        (p) => p.account === funded!.account && p.symbol === funded!.symbol && p.side === 'net',
      );
      expect(after).toMatchObject({ fundingPnl: '-0.123456', realizedPnl: funded!.realizedPnl });
      expect(after?.mark).not.toBeNull();
      // And every per-instrument daily statement adds up exactly, the funding on its day
      const statements = await instrumentStatements(s.db, s.base, { utcOffsetHours: 0 });
      expect(statements.length).toBeGreaterThan(prices.length);
      expectInstrumentStatementsAddUp(statements);
      const fundingDay = statements.filter((st) => st.funding !== '0');
      expect(fundingDay.map((st) => [st.symbol, st.day, st.funding])).toEqual([
        [funded!.symbol, fundingAt.slice(0, 10), '-0.123456'],
      ]);
      // And a rebuild into a scratch schema finds the same rows
      const verified = await verifyReadModels({ store: s.store, db: s.db, logger: silent, schema: s.base });
      expect(verified.differences).toEqual([]);
    } finally {
      await s.close();
    }
  }, 180_000);
});
