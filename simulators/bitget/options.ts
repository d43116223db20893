import type { Logger } from 'pino';
import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import type { SimClock } from '../clock.ts';
import type { LocalCredentials } from './auth.ts';
import type { LocalContract } from './contracts.ts';
import type { EngineConfig } from './engine.ts';
import type { LocalBitgetFaults } from './faults.ts';

/** What `startLocalBitget` takes and gives back, and how the local Bitget behaves by default. */

export interface LocalBitgetBehaviour extends Omit<EngineConfig, 'productType' | 'marginCoin'> {
  /** Unknown request parameters are refused with 40034 (else ignored). */
  rejectUnknownParameters: boolean;
  /** Enforce Bitget's per-second limits per account and endpoint (HTTP 429). */
  rateLimits: boolean;
  /** Accepted distance between a request's timestamp and the server clock. */
  timestampWindowMs: number;
  /** Private sockets without any message for this long are dropped. */
  wsIdleTimeoutMs: number;
}

export interface LocalBitgetOptions {
  /** 0 (default): an ephemeral port. */
  port?: number;
  host?: string;
  /** The API keys it accepts; each is an account of its own. */
  credentials: LocalCredentials | readonly LocalCredentials[];
  /** Seeds the ids (orderId, tradeId...): the same seed gives the same ids. */
  seed?: number;
  /**
   * Where the venue keeps its state across restarts (orders, plans, trades, positions, equity, marks, the
   * last id issued; see simulators/state-journal.ts). Default: in memory only.
   */
  stateFile?: string;
  /** Every account's position mode at start. */
  positionMode?: 'one_way' | 'hedge';
  contracts?: readonly LocalContract[];
  /** The server clock (ms since the epoch). */
  now?: () => number;
  /**
   * A simulated clock (wins over `now`): moving it forward makes the venue process at once what
   * fell due (funding times, each in turn), as it also does on every request and every second.
   */
  clock?: SimClock;
  logger?: Logger;
  behaviour?: Partial<Omit<LocalBitgetBehaviour, 'initialBalance' | 'defaultDepth'>> & {
    initialBalance?: string;
    defaultDepth?: string;
  };
}

export interface RequestLogEntry {
  method: string;
  path: string;
  code: string;
  httpStatus: number;
  /** The `paptrading` header was present. */
  demo: boolean;
  /** Processed, and its reply lost or delayed by a fault. */
  replyFault: 'lose' | 'delay' | undefined;
}

export interface LocalBitget {
  restUrl: string;
  wsUrl: string;
  /** The public WebSocket (tickers, books). */
  publicWsUrl: string;
  close(): Promise<void>;
  /** Moves the mark; resting orders it crosses fill (up to `liquidity`, all when absent). */
  setMarkPrice(symbol: string, price: string | Decimal, options?: { liquidity?: string | Decimal }): void;
  /** Sets a contract's index price (by default it follows the mark: funding is the 0.01% interest). */
  setIndexPrice(symbol: string, price: string | Decimal): void;
  markPrice(symbol: string): Decimal;
  /** Taker liquidity at the mark for each new order. */
  setDepth(symbol: string, depth: string): void;
  setPositionMode(mode: 'one_way' | 'hedge', apiKey?: string): void;
  setLeverage(symbol: string, leverage: number, apiKey?: string): void;
  /** Every order of the account, as `orders-history` writes them (newest first). */
  orders(apiKey?: string): Record<string, unknown>[];
  /** Every plan (trigger) order of the account, as `orders-plan-history` writes them (newest first). */
  plans(apiKey?: string): Record<string, unknown>[];
  /** The account's open positions, as `all-position` writes them. */
  positions(apiKey?: string): Record<string, unknown>[];
  /** The account's trades, as `fills` writes them (oldest first). */
  trades(apiKey?: string): Record<string, unknown>[];
  /** A transfer in from the spot account: a `trans_from_exchange` bill (as `account/bill` writes it). */
  transferIn(apiKey: string | undefined, amount: string | Decimal): Record<string, string>;
  /** A transfer out to the spot account (`trans_to_exchange`); throws 43012 above the available balance. */
  transferOut(apiKey: string | undefined, amount: string | Decimal): Record<string, string>;
  /** Every bill of the account, as `account/bill` writes them (newest first, no time window). */
  bills(apiKey?: string): Record<string, string>[];
  /** Requests received (no headers, no secrets). */
  requests(): readonly RequestLogEntry[];
  /** Logged-in private WebSocket connections. */
  wsConnections(): number;
  /** Text `ping`s received on the private WebSocket since start. */
  wsPings(): number;
  faults: LocalBitgetFaults;
}

export const DEFAULT_BEHAVIOUR: LocalBitgetBehaviour = {
  tradeSideInOneWay: 'ignore',
  omitOrderIdAfterReduceOnlyAdjust: true,
  modifyReplaceDelayMs: 0,
  emptyListAs: 'null',
  clientOidSpelling: 'clientOid',
  initialBalance: parseDecimal('1000000'),
  defaultLeverage: 20,
  defaultDepth: parseDecimal('1000'),
  rejectUnknownParameters: true,
  rateLimits: true,
  timestampWindowMs: 30_000,
  wsIdleTimeoutMs: 120_000,
};
