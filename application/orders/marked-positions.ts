import type { z } from 'zod';
import { Decimal, DecimalStringSchema } from '../../domain/decimal.ts';
import type { Instrument, Venue } from '../../domain/instrument.ts';
import { unrealizedPnl } from '../../domain/position/position.ts';
import { type PositionRow, PositionRowSchema } from '../ports/queries.ts';
import type { ServiceResult } from './service-result.ts';

/** A position with the venue's mark price and what closing it there would realize (`GET /v1/positions`). */
export const MarkedPositionSchema = PositionRowSchema.extend({
  /** The venue's mark price now; null when the venue does not answer. */
  markPrice: DecimalStringSchema.nullable(),
  /** What closing the open size at the mark would realize, in `pnlCurrency`; null without a mark. */
  unrealizedPnl: DecimalStringSchema.nullable(),
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
            found.value.instrument.settlement,
            row.side,
            new Decimal(row.size),
            new Decimal(row.entryCost),
            new Decimal(mark),
          ).toString()
        : null;
    marked.push({ ...row, markPrice: mark, unrealizedPnl: unrealized });
  }
  return marked;
}
