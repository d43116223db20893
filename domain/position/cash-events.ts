import type { Decimal } from '../decimal.ts';
import { ZERO } from '../decimal.ts';
import { closingPnl, type Position } from './position.ts';

/**
 * What changes a position besides a trade, exact like `applyFill`:
 * - **Funding** (perpetuals): a payment in the position's PnL currency, positive when received. It
 *   is its own PnL component: the position's size and entry cost stay as they are.
 * - **Delivery / expiry** (dated futures, options): the position closes at the delivery price with
 *   no trade. Its PnL is the settlement component, not trading PnL.
 * - **Liquidation**: the venue closes (part of) the position at the liquidation price. Its PnL is
 *   trading PnL (it is a trade, the venue's), recorded apart as `liquidationPnl` too, so a report
 *   says how much was lost to liquidations.
 */

export interface FundingPayment {
  /** Positive: received; negative: paid. In the position's PnL currency. */
  amount: Decimal;
  currency: string;
  at: string;
}

export interface Delivery {
  price: Decimal;
  at: string;
  kind: 'delivery' | 'expiry';
}

export interface Liquidation {
  amount: Decimal;
  price: Decimal;
  fee: Decimal;
  at: string;
}

/** The PnL components a position carries besides trading PnL (`realizedPnl`). */
export interface PnlComponents {
  fundingPnl: Decimal;
  settlementPnl: Decimal;
  liquidationPnl: Decimal;
}

export type PositionWithComponents = Position & PnlComponents;

export function withComponents(position: Position): PositionWithComponents {
  return { fundingPnl: ZERO, settlementPnl: ZERO, liquidationPnl: ZERO, ...position };
}

export class CurrencyMismatch extends Error {
  constructor(expected: string, got: string) {
    super(`a payment in ${got} cannot apply to a position whose PnL is in ${expected}`);
  }
}

/** A funding payment: its own PnL component; size and entry cost unchanged. */
export function applyFunding(
  position: PositionWithComponents,
  payment: FundingPayment,
): PositionWithComponents {
  if (payment.currency !== position.pnlCurrency)
    throw new CurrencyMismatch(position.pnlCurrency, payment.currency);
  return { ...position, fundingPnl: position.fundingPnl.plus(payment.amount) };
}

/** Delivery or expiry: the whole position closes at the delivery price; the PnL is settlement PnL. */
export function applyDelivery(
  position: PositionWithComponents,
  delivery: Delivery,
): { position: PositionWithComponents; pnl: Decimal } {
  if (position.size.isZero()) return { position, pnl: ZERO };
  const direction = isLong(position) ? 1 : -1;
  const pnl = closingPnl(
    position.settlement,
    direction,
    position.size.abs(),
    position.entryCost,
    delivery.price,
  );
  return {
    position: {
      ...position,
      size: ZERO,
      entryCost: ZERO,
      settlementPnl: position.settlementPnl.plus(pnl),
      lastFillAt: delivery.at,
    },
    pnl,
  };
}

/**
 * A liquidation of `amount` at `price`: closes like a trade against the position (never opens or
 * flips it), its PnL counted as trading PnL and, apart, as liquidation PnL; its fee (the venue's
 * liquidation fee) in the position's PnL currency.
 */
export function applyLiquidation(
  position: PositionWithComponents,
  liquidation: Liquidation,
): { position: PositionWithComponents; pnl: Decimal; excess: Decimal } {
  const size = position.size.abs();
  const closed = liquidation.amount.gt(size) ? size : liquidation.amount;
  if (closed.isZero()) return { position, pnl: ZERO, excess: liquidation.amount };
  const direction = isLong(position) ? 1 : -1;
  const cost = closed.eq(size) ? position.entryCost : position.entryCost.times(closed).div(size);
  const pnl = closingPnl(position.settlement, direction, closed, cost, liquidation.price);
  const remaining = size.minus(closed);
  const currency = position.pnlCurrency;
  return {
    position: {
      ...position,
      size: position.key.side === 'net' ? remaining.times(direction) : remaining,
      entryCost: remaining.isZero() ? ZERO : position.entryCost.minus(cost),
      realizedPnl: position.realizedPnl.plus(pnl),
      liquidationPnl: position.liquidationPnl.plus(pnl),
      fees: { ...position.fees, [currency]: (position.fees[currency] ?? ZERO).plus(liquidation.fee) },
      lastFillAt: liquidation.at,
    },
    pnl,
    excess: liquidation.amount.minus(closed),
  };
}

/** The position's total PnL: trading, funding and settlement, less fees in its PnL currency. */
export function totalPnl(position: PositionWithComponents): Decimal {
  const fees = position.fees[position.pnlCurrency] ?? ZERO;
  return position.realizedPnl.plus(position.fundingPnl).plus(position.settlementPnl).minus(fees);
}

function isLong(position: Position): boolean {
  return position.key.side === 'long' || (position.key.side === 'net' && position.size.isPositive());
}
