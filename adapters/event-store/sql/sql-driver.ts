import type { SqlDatabase, SqlRunner } from '../../../application/ports/sql.ts';

export type { SqlResult } from '../../../application/ports/sql.ts';

/** Runs statements: a pool, a transaction, or a subscription's own session. */
export type SqlExecutor = SqlRunner;

/** A connection a subscription keeps: it reads `$all` and is woken when events are appended. */
export interface SubscriptionSession extends SqlExecutor {
  close(): Promise<void>;
}

/**
 * What the shared SQL store needs: the SQL driver layer's database (`adapters/sql/`, `pg` or
 * PGlite, so the two stores run the same SQL through the same code) with what only an event store
 * adds, append notifications and subscription sessions.
 */
export interface SqlDriver extends SqlDatabase {
  /**
   * Called after each committed append: tells other processes' subscriptions (NOTIFY, throttled);
   * subscriptions of this store are woken in-process.
   */
  announceAppend(): void;
  /**
   * Opens a session for a subscription. `onWake` is called when another process may have appended
   * (NOTIFY); `onError` when the session broke (it must then be closed and opened again).
   */
  openSubscriptionSession(
    onWake: () => void,
    onError: (error: unknown) => void,
  ): Promise<SubscriptionSession>;
}
