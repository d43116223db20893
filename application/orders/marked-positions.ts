import type { z } from 'zod';
import { Decimal, DecimalStringSchema } from '../../domain/decimal.ts';
import type { Instrument, Venue } from '../../domain/instrument.ts';
import { unrealizedPnl } from '../../domain/position/valuation.ts';
import { type PositionRow, PositionRowSchema } from '../ports/queries.ts';
import type { ServiceResult } from './service-result.ts';

/**
 * A position with the venue's mark price now (`GET /v1/positions`), beside the latest mark recorded
 * (`mark`, `markAt`); `unrealizedPnl` is what closing it at the venue's mark would realize, or at the
 * recorded mark when the venue does not answer.
 */
export const MarkedPositionSchema = PositionRowSchema.extend({
  /** The venue's mark price now; null when the venue does not answer. */
  markPrice: DecimalStringSchema.nullable(),
});
export type MarkedPosition = z.infer<typeof MarkedPositionSchema>;

export type InstrumentWithMark = (
  venue: Venue,
  account: string,
  symbol: string,
) => Promise<ServiceResult<{ instrument: Instrument; markPrice: string | null }>>;

/**
 * Marks each position to the venue's mark price (one look-up per instrument; the market data
 * keeps marks for a second): unrealized PnL from the entry cost, exact, as a close would compute it.
 */
export async function markPositions(
  rows: readonly PositionRow[],
  instrument: InstrumentWithMark,
): Promise<MarkedPosition[]> {
  const looked = new Map<string, ReturnType<InstrumentWithMark>>();
  const marked: MarkedPosition[] = [];
  for (const row of rows) {
    const key = `${row.venue}\0${row.account}\0${row.symbol}`;
    if (!looked.has(key)) looked.set(key, instrument(row.venue as Venue, row.account, row.symbol));
    const found = await looked.get(key)!.catch(() => undefined);
    const mark = found?.ok ? found.value.markPrice : null;
    const unrealized =
      found?.ok && mark !== null
        ? unrealizedPnl(
            {
              key: { side: row.side },
              settlement: found.value.instrument.settlement,
              size: new Decimal(row.size),
              entryCost: new Decimal(row.entryCost),
            },
            new Decimal(mark),
          ).toString()
        : null;
    // At the venue's mark now when it answers, else at the latest mark recorded (the read model's).
    marked.push({ ...row, markPrice: mark, unrealizedPnl: unrealized ?? row.unrealizedPnl });
  }
  return marked;
}
