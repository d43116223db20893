import { type Decimal, ZERO } from '../../domain/decimal.ts';
import { isInverse, type SimInstrument } from './instruments.ts';

/**
 * The local Deribit's own position accounting, written apart from `domain/position` on purpose:
 * comparing the OMS's positions with what this venue reports is then a real cross-check.
 *
 * It keeps what Deribit reports: a signed `size` (negative when short, in the amount unit) and the
 * `average_price` of the trades that built the position, and a *session* since the last daily
 * settlement (08:00 UTC; see `settlement.ts`): the price the session's PnL is measured from (the
 * settlement price for what was carried over, the trades' prices for what was added), the trading
 * PnL the session realized, and the perpetual funding it accrued. The daily settlement books the
 * session into the cash balance and starts a new one. Where the domain keeps an entry cost, this
 * keeps average prices:
 * - linear (USDC perps, options): average = Σ q·p / Σ q; PnL of closing q at p = q × (p − avg);
 * - inverse (USD amounts): average = Σ q / Σ (q/p), the price at which the USD amount is worth
 *   the coins paid; PnL of closing q at p = q × (1/avg − 1/p), in the coin.
 * Both signed by the side of the position being closed. Fees are not in the PnL (they are cash
 * at once: the transaction log's `trade` entries).
 */
export interface SimPosition {
  size: Decimal;
  averagePrice: Decimal;
  /** Trading PnL realized since the position was first opened, against `averagePrice`. */
  realizedPnl: Decimal;
  /** Whether the account ever traded the instrument (Deribit lists such positions at size 0). */
  touched: boolean;
  /** The session's basis: PnL of this session is measured from it (0 when flat). */
  sessionPrice: Decimal;
  /** Trading PnL realized this session, against `sessionPrice` (and the rounding rest of the last settlement). */
  sessionRpl: Decimal;
  /** Perpetual funding accrued this session (negative: paid). */
  sessionFunding: Decimal;
  /** Funding is accrued up to this instant (ms); undefined until the position first opens. */
  fundingAt?: number | undefined;
}

export function flatPosition(): SimPosition {
  return {
    size: ZERO,
    averagePrice: ZERO,
    realizedPnl: ZERO,
    touched: false,
    sessionPrice: ZERO,
    sessionRpl: ZERO,
    sessionFunding: ZERO,
  };
}

/** A position as an older state file kept it (no session yet): its session starts from its average. */
export function withSession(position: Partial<SimPosition> & Pick<SimPosition, 'size'>): SimPosition {
  const averagePrice = position.averagePrice ?? ZERO;
  return {
    ...flatPosition(),
    ...position,
    averagePrice,
    realizedPnl: position.realizedPnl ?? ZERO,
    touched: position.touched ?? true,
    sessionPrice: position.sessionPrice ?? averagePrice,
    sessionRpl: position.sessionRpl ?? ZERO,
    sessionFunding: position.sessionFunding ?? ZERO,
  };
}

export interface TradeEffect {
  position: SimPosition;
  /** Session PnL this trade realized (Deribit's `profit_loss` of the trade; cash at the settlement). */
  realized: Decimal;
  /** The amount of the trade that closed the position (the rest opened or added). */
  closed: Decimal;
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
    const held = size.abs();
    return {
      position: {
        ...position,
        size: size.plus(signed),
        averagePrice: averageAfterAdding(instrument, held, position.averagePrice, amount, price),
        sessionPrice: averageAfterAdding(instrument, held, position.sessionPrice, amount, price),
        touched: true,
      },
      realized: ZERO,
      closed: ZERO,
    };
  }
  const closing = amount.lt(size.abs()) ? amount : size.abs();
  const sign = (pnl: Decimal) => (size.isPositive() ? pnl : pnl.neg());
  const lifetime = sign(closingPnl(instrument, closing, position.averagePrice, price));
  const realized = sign(closingPnl(instrument, closing, position.sessionPrice, price));
  const newSize = size.plus(signed);
  // Whatever goes beyond the position opens one the other way, at the trade's price.
  const flipped = !newSize.isZero() && newSize.isPositive() !== size.isPositive();
  const basis = (kept: Decimal) => (newSize.isZero() ? ZERO : flipped ? price : kept);
  return {
    position: {
      ...position,
      size: newSize,
      averagePrice: basis(position.averagePrice),
      sessionPrice: basis(position.sessionPrice),
      realizedPnl: position.realizedPnl.plus(lifetime),
      sessionRpl: position.sessionRpl.plus(realized),
      touched: true,
    },
    realized,
    closed: closing,
  };
}

/** Unrealized PnL at a mark price since the position was opened (against its average price). */
export function floatingPnl(instrument: SimInstrument, position: SimPosition, mark: Decimal): Decimal {
  if (position.size.isZero()) return ZERO;
  const pnl = closingPnl(instrument, position.size.abs(), position.averagePrice, mark);
  return position.size.isPositive() ? pnl : pnl.neg();
}

/** The session's unrealized PnL at a mark (Deribit's `floating_profit_loss`, `session_upl`). */
export function sessionUpl(instrument: SimInstrument, position: SimPosition, mark: Decimal): Decimal {
  if (position.size.isZero()) return ZERO;
  const pnl = closingPnl(instrument, position.size.abs(), position.sessionPrice, mark);
  return position.size.isPositive() ? pnl : pnl.neg();
}

/** The session's realized PnL: trading and funding (Deribit's `realized_profit_loss`, `session_rpl`). */
export function sessionRpl(position: SimPosition): Decimal {
  return position.sessionRpl.plus(position.sessionFunding);
}

/**
 * The PnL of closing the whole position at `price` (a delivery): against the session's basis
 * (what the session realizes) and against the average price (since the position opened).
 */
export function closeAt(
  instrument: SimInstrument,
  position: SimPosition,
  price: Decimal,
): { session: Decimal; lifetime: Decimal } {
  return {
    session: sessionUpl(instrument, position, price),
    lifetime: floatingPnl(instrument, position, price),
  };
}
