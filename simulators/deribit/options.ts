import type { Logger } from 'pino';
import { z } from 'zod';
import type { Decimal } from '../../domain/decimal.ts';
import type { SimClock } from '../clock.ts';
import { DEFAULT_RATE_LIMITS, RateLimitsSchema } from './credits.ts';
import type { LocalDeribitFaults } from './faults.ts';
import type { SimInstrument } from './instruments.ts';
import type { SimOrder, SimTrade } from './wire-objects.ts';

/** What `startLocalDeribit` takes and gives back. */

export const CredentialSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    /** A name for the account behind the key. */
    account: z.string().min(1).optional(),
    /** Deposits per currency, as decimal text. */
    balances: z.record(z.string(), z.string().regex(/^\d+(\.\d+)?$/)).optional(),
  })
  .strict();

export const DEFAULT_BALANCES: Record<string, string> = { BTC: '10', ETH: '100', USDC: '1000000' };

export const LocalDeribitOptionsSchema = z
  .object({
    /** 0: an ephemeral port. */
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    /** The API keys the server accepts, one account each. */
    credentials: z
      .array(CredentialSchema)
      .min(1)
      .default([{ clientId: 'local-client', clientSecret: 'local-secret', account: 'main' }]),
    /** `expires_in` of access tokens (Deribit: commonly 900 s). */
    tokenExpiresInSec: z.number().positive().default(900),
    refreshTokenExpiresInSec: z
      .number()
      .positive()
      .default(7 * 24 * 3600),
    /** Seeds ids and tokens: a scenario replays the same. */
    seed: z.number().int().default(1),
    /**
     * Where the venue keeps its state across restarts (orders, trades, positions, balances, marks,
     * id counters; see simulators/state-journal.ts). Default: in memory only.
     */
    stateFile: z.string().min(1).optional(),
    rateLimits: RateLimitsSchema.default(DEFAULT_RATE_LIMITS),
    enforceRateLimits: z.boolean().default(true),
    /**
     * Check funds on each new order (margin of positions and every open order). Benchmarks that
     * keep thousands of orders resting turn it off: the check sums all of them, per order.
     */
    enforceMargin: z.boolean().default(true),
    /** Deribit refuses heartbeat intervals under 10 s; tests may lower it. */
    minHeartbeatIntervalSec: z.number().positive().default(10),
    testnet: z.boolean().default(true),
    /** Send the pushes a request causes before its reply (Deribit does both; default: reply first). */
    pushesBeforeReply: z.boolean().default(false),
    signatureWindowMs: z.number().int().positive().default(60_000),
    /** Deribit refuses frames and bodies over 32 kB. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(32 * 1024),
    /** Deribit allows 32 connections per IP. */
    maxConnections: z.number().int().positive().default(32),
    /**
     * The daily settlement books the session's unrealized PnL too, and the next session is
     * measured from the settlement price (Deribit's documents; see settlement.ts). False: only
     * the realized PnL and funding move into cash.
     */
    settleUnrealizedPnl: z.boolean().default(true),
  })
  .strict();
export type LocalDeribitOptionsInput = z.input<typeof LocalDeribitOptionsSchema>;

export interface LocalDeribitOptions extends LocalDeribitOptionsInput {
  /** The listing (default: `defaultInstruments()`). */
  instruments?: SimInstrument[];
  /** The server's clock in ms (default: Date.now); `clock.now` wins when both are given. */
  now?: () => number;
  /**
   * The clock tests move (`simulators/clock.ts`): what it makes due (funding, the 08:00 UTC
   * settlement, expiries) is processed at once when it moves, as at every request and every second.
   */
  clock?: SimClock;
  logger?: Logger;
}

export type DecimalInput = Decimal | string;

export interface LocalDeribit {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
  /** Moves an instrument's mark; resting orders it crosses fill (up to `fillLimit` in total). */
  setMarkPrice(instrument: string, price: DecimalInput, options?: { fillLimit?: DecimalInput }): void;
  /** Sets an index price (`btc_usd`); by default an index follows its perpetual's mark (no funding). */
  setIndexPrice(indexName: string, price: DecimalInput): void;
  markPrice(instrument: string): Decimal;
  /** Best synthetic bid and ask. */
  quotes(instrument: string): { bid: Decimal; ask: Decimal };
  setBook(
    instrument: string,
    settings: { levelDepth?: DecimalInput; spreadTicks?: number; levels?: number },
  ): void;
  /** A synthetic taker trades against resting orders; returns the amount filled. */
  trade(
    instrument: string,
    order: { side: 'buy' | 'sell'; amount: DecimalInput; price?: DecimalInput },
  ): Decimal;
  /**
   * Bulk fills (benchmarks): every resting order of the instrument (of `side` when given) gets one
   * fill of `amount` (or what it has left); their trades go out in one push. Returns the fills.
   */
  fillEach(instrument: string, amount: DecimalInput, side?: 'buy' | 'sell'): number;
  readonly faults: LocalDeribitFaults;
  /** The account's orders / trades as the simulator holds them. */
  orders(clientId?: string): readonly SimOrder[];
  trades(clientId?: string): readonly SimTrade[];
  /** `private/get_positions` of the account, as Deribit would answer it. */
  positions(clientId?: string): Record<string, unknown>[];
  /** Every access token expires now (the next private call answers 13009). */
  expireTokens(): void;
  /** Open WebSocket connections. */
  connectionCount(): number;
  /** Requests received per method since start (`public/auth:<grant_type>` counts auth by grant). */
  requestCount(method: string): number;
  /**
   * Cash from outside, to an account (a client id or an account name; default the first): a
   * `deposit` entry of the transaction log, returned as `get_transaction_log` lists it.
   */
  deposit(account: string | undefined, currency: string, amount: DecimalInput): Record<string, unknown>;
  /** A `withdrawal` entry; refused (throws) beyond the available withdrawal funds. */
  withdraw(account: string | undefined, currency: string, amount: DecimalInput): Record<string, unknown>;
  /** A transfer between two of the venue's accounts (Deribit's subaccount transfer): two `transfer` entries. */
  transfer(
    from: string,
    to: string,
    currency: string,
    amount: DecimalInput,
  ): { from: Record<string, unknown>; to: Record<string, unknown> };
  /** Processes what is due by the clock now (the venue also does so at every request, every second and when `clock` moves). */
  catchUp(): void;
}
