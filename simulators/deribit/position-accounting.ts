import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { isInverse, type SimInstrument } from './instruments.ts';

/**
 * The local Deribit's own position accounting, written apart from `domain/position` on purpose:
 * comparing the OMS's positions with what this venue reports is then a real cross-check.
 *
 * It keeps what Deribit reports: a signed `size` (negative when short, in the amount unit), the
 * `average_price` of the open position, and `realized_profit_loss` (fees excluded; no funding or
 * settlement is simulated). Where the domain keeps an entry cost, this keeps the average price:
 * - linear (USDC perps, options): average = Σ q·p / Σ q; PnL of closing q at p = q × (p − avg);
 * - inverse (USD amounts): average = Σ q / Σ (q/p), the price at which the USD amount is worth
 *   the coins paid; PnL of closing q at p = q × (1/avg − 1/p), in the coin.
 * Both signed by the side of the position being closed.
 */
export interface SimPosition {
  size: Decimal;
  averagePrice: Decimal;
  realizedPnl: Decimal;
  /** Whether the account ever traded the instrument (Deribit lists such positions at size 0). */
  touched: boolean;
}

export function flatPosition(): SimPosition {
  return { size: ZERO, averagePrice: ZERO, realizedPnl: ZERO, touched: false };
}

export interface TradeEffect {
  position: SimPosition;
  /** PnL this trade realized (Deribit's `profit_loss` of the trade). */
  realized: Decimal;
}

function closingPnl(instrument: SimInstrument, amount: Decimal, average: Decimal, price: Decimal): Decimal {
  return isInverse(instrument)
    ? amount.times(average.pow(-1).minus(price.pow(-1)))
    : amount.times(price.minus(average));
}

function averageAfterAdding(
  instrument: SimInstrument,
  size: Decimal,
  average: Decimal,
  amount: Decimal,
  price: Decimal,
): Decimal {
  const total = size.plus(amount);
  if (size.isZero()) return price;
  if (isInverse(instrument)) return total.div(size.div(average).plus(amount.div(price)));
  return size.times(average).plus(amount.times(price)).div(total);
}

/** Applies one of the account's trades (its own direction, amount and price) to its position. */
export function applyTrade(
  instrument: SimInstrument,
  position: SimPosition,
  direction: 'buy' | 'sell',
  amount: Decimal,
  price: Decimal,
): TradeEffect {
  const signed = direction === 'buy' ? amount : amount.neg();
  const size = position.size;
  if (size.isZero() || size.isPositive() === signed.isPositive()) {
    return {
      position: {
        ...position,
        size: size.plus(signed),
        averagePrice: averageAfterAdding(instrument, size.abs(), position.averagePrice, amount, price),
        touched: true,
      },
      realized: ZERO,
    };
  }
  const closing = amount.lt(size.abs()) ? amount : size.abs();
  const long = size.isPositive();
  const pnl = closingPnl(instrument, closing, position.averagePrice, price);
  const realized = long ? pnl : pnl.neg();
  const newSize = size.plus(signed);
  // Whatever goes beyond the position opens one the other way, at the trade's price.
  const flipped = !newSize.isZero() && newSize.isPositive() !== long;
  return {
    position: {
      size: newSize,
      averagePrice: newSize.isZero() ? ZERO : flipped ? price : position.averagePrice,
      realizedPnl: position.realizedPnl.plus(realized),
      touched: true,
    },
    realized,
  };
}

/** Unrealized PnL at a mark price (Deribit's `floating_profit_loss`). */
export function floatingPnl(instrument: SimInstrument, position: SimPosition, mark: Decimal): Decimal {
  if (position.size.isZero()) return ZERO;
  const pnl = closingPnl(instrument, position.size.abs(), position.averagePrice, mark);
  return position.size.isPositive() ? pnl : pnl.neg();
}
