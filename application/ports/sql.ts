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
  /**
   * Batch runners only (`SqlDatabase.withBatch`): queues a write whose result the caller does not
   * read. The queued writes go out together, as one statement, before the runner's next statement
   * of any other kind, at `flush`, or when the batch ends.
   */
  defer?(write: DeferredWrite): void;
  /** Batch runners only: sends the queued writes now. */
  flush?(): Promise<void>;
}

/** A write for a batch runner's queue (`SqlRunner.defer`). */
export interface DeferredWrite {
  /**
   * The table it writes. Writes sent together run on one snapshot and do not see each other's
   * rows, so a second write to a table already queued goes out in a statement of its own, after.
   */
  readonly table: string;
  /** One INSERT, UPDATE or DELETE; `$1`, `$2`... are its parameters (no other `$` in the text). */
  readonly text: string;
  readonly params: readonly unknown[];
  /** Its prepared statement's name (pg); the name of a group sent together derives from its members'. */
  readonly name: string;
  /**
   * A SQL expression that raises when the write went wrong, so that the whole batch fails and none
   * of it is kept (a compare-and-set that matched nothing, an insert that found rows it presumed
   * absent): `$rows` in it is the number of rows the write returned (so it needs RETURNING), `$1`...
   * its parameters. E.g. `s.guard($rows)`.
   */
  readonly check?: string;
}

export interface WriterLock {
  release(): Promise<void>;
}

export interface SqlDatabase extends SqlRunner {
  readonly dialect: 'postgres' | 'pglite';
  /** BEGIN ... COMMIT on one connection; ROLLBACK when `work` throws. */
  withTransaction<T>(work: (tx: SqlRunner) => Promise<T>, options?: { repeatableRead?: boolean }): Promise<T>;
  /**
   * A unit of writes as atomic as `withTransaction`, in fewer round trips: its runner takes
   * `defer`red writes and sends those queued as one statement (each write a data-modifying CTE);
   * BEGIN goes out only before the first statement that is not such a group. A unit that only
   * deferred writes (to distinct tables) is that one statement, atomic on its own: no BEGIN, no
   * COMMIT, and nothing may follow its `flush`.
   */
  withBatch<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: batches one after another on one connection, each sent without waiting for
   * the one before it to commit (`BatchPipeline`). A batch that fails does not stop the ones sent
   * after it, which run in transactions of their own: each must carry a guard that fails it unless
   * the one before it committed (the projections' checkpoint compare-and-set).
   */
  withPipeline?<T>(work: (pipeline: BatchPipeline) => Promise<T>): Promise<T>;
  /**
   * Resolves once this caller holds the lock named `key`, waiting while another holder does.
   * PostgreSQL: a session advisory lock on a connection of its own (freed if the process dies);
   * PGlite: an in-process queue (the data directory admits one process).
   */
  acquireWriterLock(key: string, signal?: AbortSignal): Promise<WriterLock>;
  close(): Promise<void>;
}

/** A batch sent on a pipeline: what its work returned, and whether it committed. */
export interface PipelinedBatch<T> {
  readonly value: T;
  /** Resolves once the batch committed; rejects with the first of its statements that failed. */
  readonly committed: Promise<void>;
}

/** Transactions on one connection, sent back to back (`SqlDatabase.withPipeline`). */
export interface BatchPipeline {
  /**
   * BEGIN, the statements `work` makes, COMMIT. Its runner sends writes (`exec`, `copyFrom`,
   * deferred writes, `flush`) without waiting for them; a `query` waits for its rows, and so for
   * everything sent before it. Resolves once everything is sent, with `committed` to wait for.
   */
  batch<T>(work: (tx: SqlRunner) => Promise<T>): Promise<PipelinedBatch<T>>;
}
