/**
 * What the shared SQL store needs from a driver: `pg` (a pool) and PGlite (one in-process
 * connection) both provide it, so the two stores run the same SQL through the same code.
 */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Runs statements: a pool, a transaction, or a subscription's own session. */
export interface SqlExecutor {
  /**
   * `name` (pg only) makes it a prepared statement, parsed and planned once per connection: use it
   * for hot statements whose text is fixed.
   */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    name?: string,
  ): Promise<SqlResult<R>>;
  /** Runs a script of several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
}

/** A connection a subscription keeps: it reads `$all` and is woken when events are appended. */
export interface SubscriptionSession extends SqlExecutor {
  close(): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  /**
   * Called after each committed append: tells other processes' subscriptions (NOTIFY, throttled);
   * subscriptions of this store are woken in-process.
   */
  announceAppend(): void;
  /** Runs `work` in one transaction (BEGIN ... COMMIT, ROLLBACK on a throw) on one connection. */
  withTransaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Opens a session for a subscription. `onWake` is called when another process may have appended
   * (NOTIFY); `onError` when the session broke (it must then be closed and opened again).
   */
  openSubscriptionSession(
    onWake: () => void,
    onError: (error: unknown) => void,
  ): Promise<SubscriptionSession>;
  close(): Promise<void>;
}
