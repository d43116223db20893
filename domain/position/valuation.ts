import { type Decimal, exactSum, ZERO } from '../decimal.ts';
import { closingPnl, type Position } from './position.ts';

/**
 * Valuing a position at a mark, and the day of one position in a statement.
 *
 * - **Unrealized PnL** is what closing the whole open position at the mark would realize, by the
 *   same rule as a fill (`closingPnl`): linear `direction × (size·mark − entry cost)` in the quote
 *   currency; inverse `direction × (entry cost − size/mark)` in the coin. Exact but for the inverse
 *   division, rounded at the 40th significant digit like every 1/price.
 * - **Equity** of a position: `realized (trading and settlement) + funding − fees + unrealized`,
 *   in its PnL currency.
 * - **The statement identity**, which every day of a position satisfies exactly (sums never round:
 *   `exactSum`):
 *   `closing equity − opening equity = trading + funding − fees + settlement + unrealized change`.
 */

/** What a position is worth as far as a statement goes: its state and PnL components, in its PnL currency. */
export interface PositionFigures {
  readonly key: Position['key'];
  readonly settlement: Position['settlement'];
  readonly size: Decimal;
  readonly entryCost: Decimal;
  /** Trading and settlement PnL realized so far. */
  readonly realizedPnl: Decimal;
  /** The part of `realizedPnl` from deliveries and expiries. */
  readonly settlementPnl: Decimal;
  readonly fundingPnl: Decimal;
  /** Fees paid in the PnL currency (positive: paid). */
  readonly fees: Decimal;
}

/** The PnL of closing the whole position at `mark`; zero when flat. */
export function unrealizedPnl(
  position: Pick<PositionFigures, 'settlement' | 'size' | 'entryCost'> & {
    readonly key: Pick<PositionFigures['key'], 'side'>;
  },
  mark: Decimal,
): Decimal {
  if (position.size.isZero()) return ZERO;
  const long = position.key.side === 'long' || (position.key.side === 'net' && position.size.isPositive());
  return closingPnl(position.settlement, long ? 1 : -1, position.size.abs(), position.entryCost, mark);
}

/** Unrealized PnL at the mark; undefined when the position is open and there is no mark. */
export function unrealizedAt(position: PositionFigures, mark: Decimal | undefined): Decimal | undefined {
  if (position.size.isZero()) return ZERO;
  return mark === undefined ? undefined : unrealizedPnl(position, mark);
}

/** `realized + funding − fees + unrealized`; undefined without a mark for an open position. */
export function equityOf(position: PositionFigures, mark: Decimal | undefined): Decimal | undefined {
  const unrealized = unrealizedAt(position, mark);
  if (unrealized === undefined) return undefined;
  return exactSum([position.realizedPnl, position.fundingPnl, position.fees.neg(), unrealized]);
}

/** One end of a statement's day: the position then and the mark then (if any). */
export interface StatementEnd {
  readonly position: PositionFigures;
  readonly mark: Decimal | undefined;
}

/** What moved a position's equity over a day. Unrealized figures undefined without a mark. */
export interface PositionDay {
  /** Trading PnL realized (fills and liquidations; deliveries are `settlement`). */
  readonly trading: Decimal;
  readonly fees: Decimal;
  readonly funding: Decimal;
  /** Delivery and expiry PnL. */
  readonly settlement: Decimal;
  readonly openingUnrealized: Decimal | undefined;
  readonly closingUnrealized: Decimal | undefined;
  readonly unrealizedChange: Decimal | undefined;
  readonly openingEquity: Decimal | undefined;
  readonly closingEquity: Decimal | undefined;
}

const change = (from: Decimal, to: Decimal) => exactSum([to, from.neg()]);

/** A position's day from its opening and closing ends. */
export function positionDay(opening: StatementEnd, closing: StatementEnd): PositionDay {
  const o = opening.position;
  const c = closing.position;
  const settlement = change(o.settlementPnl, c.settlementPnl);
  const openingUnrealized = unrealizedAt(o, opening.mark);
  const closingUnrealized = unrealizedAt(c, closing.mark);
  return {
    trading: exactSum([change(o.realizedPnl, c.realizedPnl), settlement.neg()]),
    fees: change(o.fees, c.fees),
    funding: change(o.fundingPnl, c.fundingPnl),
    settlement,
    openingUnrealized,
    closingUnrealized,
    unrealizedChange:
      openingUnrealized === undefined || closingUnrealized === undefined
        ? undefined
        : change(openingUnrealized, closingUnrealized),
    openingEquity: equityOf(o, opening.mark),
    closingEquity: equityOf(c, closing.mark),
  };
}

/**
 * Whether a day satisfies the statement identity exactly:
 * `closing equity − opening equity = trading + funding − fees + settlement + unrealized change`.
 * A day without marks for an open position has no equity: undefined.
 */
export function addsUp(day: PositionDay): boolean | undefined {
  if (day.openingEquity === undefined || day.closingEquity === undefined) return undefined;
  if (day.unrealizedChange === undefined) return undefined;
  const explained = exactSum([
    day.trading,
    day.funding,
    day.fees.neg(),
    day.settlement,
    day.unrealizedChange,
  ]);
  return change(day.openingEquity, day.closingEquity).eq(explained);
}
