/**
 * The SQL database as the read models and the SQL event stores see it: PostgreSQL (a `pg` pool) or
 * the embedded PGlite. One driver layer implements it (`adapters/sql/`): statements, transactions
 * with COPY, writer locks and error translation are written once there.
 */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Runs statements: a pool, a transaction, or a dedicated session. */
export interface SqlRunner {
  /**
   * `name` (pg only) makes it a prepared statement, parsed and planned once per connection: use it
   * for hot statements whose text is fixed. PGlite runs in this process and ignores it.
   */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    name?: string,
  ): Promise<SqlResult<R>>;
  /** A script of several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk load: `copy <table> (<columns>) from stdin` of rows in COPY's text format. Transactions
   * have it on both drivers; callers keep a statement path for runners without it.
   */
  copyFrom?(table: string, columns: readonly string[], rows: string): Promise<void>;
}

export interface WriterLock {
  release(): Promise<void>;
}

export interface SqlDatabase extends SqlRunner {
  readonly dialect: 'postgres' | 'pglite';
  /** BEGIN ... COMMIT on one connection; ROLLBACK when `work` throws. */
  withTransaction<T>(work: (tx: SqlRunner) => Promise<T>, options?: { repeatableRead?: boolean }): Promise<T>;
  /**
   * Resolves once this caller holds the lock named `key`, waiting while another holder does.
   * PostgreSQL: a session advisory lock on a connection of its own (freed if the process dies);
   * PGlite: an in-process queue (the data directory admits one process).
   */
  acquireWriterLock(key: string, signal?: AbortSignal): Promise<WriterLock>;
  close(): Promise<void>;
}
