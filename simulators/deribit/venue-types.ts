import { Decimal } from '../../domain/decimal.ts';
import type { LiquiditySettings, SyntheticBook } from '../matching/synthetic-book.ts';
import type { SimInstrument } from './instruments.ts';
import type { ClosePosition, Edit, OrderEntry, TradesByInstrument } from './params.ts';
import type { SimPosition } from './position-accounting.ts';

/**
 * The exchange inside the local Deribit: accounts, orders, a matching engine per instrument and
 * positions. No sockets here (see `server.ts`); every change is reported through `onChange` as
 * Deribit would notify it.
 *
 * The market: each instrument has a mark price that tests move, and a synthetic book around it
 * (`levels` price levels each side, `levelDepth` each, the best ones `spreadTicks` ticks from the
 * mark). Incoming orders take the synthetic liquidity; resting orders fill when the mark moves
 * through them (`setMarkPrice`) or when a synthetic taker trades against them (`trade`). Orders of
 * different accounts do not match each other.
 */

export type { ClosePosition, Edit, OrderEntry, TradesByInstrument };
export type EditFields = Pick<
  Edit,
  'amount' | 'contracts' | 'price' | 'post_only' | 'reject_post_only' | 'reduce_only'
>;
export type Direction = 'buy' | 'sell';
export type Wire = Record<string, unknown>;

export interface SimAccount {
  id: number;
  name: string;
  clientId: string;
  clientSecret: string;
  /** The cash balance per currency (Deribit's `balance`): moved only by the transaction log. */
  balances: Map<string, Decimal>;
  positions: Map<string, SimPosition>;
  /** Fees paid since the start, per currency (also in the cash balance). */
  fees: Map<string, Decimal>;
}

/** What changed for one account in one instrument in one operation (Deribit's `user.changes`). */
export interface ChangeSet {
  accountId: number;
  instrument: SimInstrument;
  orders: Wire[];
  trades: Wire[];
  position: Wire;
}

export interface BookSettings {
  /** Amount at each synthetic level, in the instrument's amount unit. */
  levelDepth: Decimal;
  /** Distance of the best synthetic quotes from the mark, in ticks. */
  spreadTicks: number;
  /** Synthetic levels on each side. */
  levels: number;
}

/** The kernel's liquidity for Deribit's settings: the same spread on both sides. */
export function liquidityOf(settings: BookSettings): LiquiditySettings {
  const { levelDepth, levels, spreadTicks } = settings;
  return { levelDepth, levels, askTicks: spreadTicks, bidTicks: spreadTicks };
}

/** Deribit's settings of a kernel book. */
export function bookSettingsOf(liquidity: LiquiditySettings): BookSettings {
  return { levelDepth: liquidity.levelDepth, levels: liquidity.levels, spreadTicks: liquidity.askTicks };
}

export interface Book {
  instrument: SimInstrument;
  mark: Decimal;
  /** The synthetic levels around the mark (the shared matching kernel), less what takers took. */
  liquidity: SyntheticBook;
  lastPrice: Decimal | undefined;
  tradeSeq: number;
}

export interface SimVenueOptions {
  instruments: SimInstrument[];
  accounts: SimAccount[];
  now: () => number;
  onChange: (change: ChangeSet) => void;
  /** First order / trade number (derived from the seed). */
  idBase: number;
  /** Check funds (margin of positions and open orders) on each new order (default true). */
  enforceMargin?: boolean;
  /** The market of an instrument moved (its mark, a trade, its book's settings): public feeds follow. */
  onMarket?: (instrument: string) => void;
}

export interface PlaceOutcome {
  order: Wire;
  trades: Wire[];
}

export const OPTION_SHORT_MARGIN = new Decimal('0.15');
export const FEE_DECIMALS = 8;
