import pg from 'pg';
import { createPgDatabase, createPgPool, pgRunner } from '../../sql/postgres.ts';
import { notifyChannel } from '../sql/schema.ts';
import type { SqlDriver, SubscriptionSession } from '../sql/sql-driver.ts';
import { translateSqlError } from '../sql/sql-errors.ts';

export interface PostgresDriverOptions {
  readonly connectionString: string;
  readonly schema: string;
  /** Pool size for appends, reads and transactions (subscriptions have their own connections). */
  readonly maxConnections: number;
  /** Shows in pg_stat_activity; subscription sessions get `-subscription` appended. */
  readonly applicationName: string;
  /**
   * Ends this store's sessions that sit idle inside a transaction for longer (ms): such a
   * transaction, if it wrote, holds back every `$all` reader. Set it database-wide as well.
   */
  readonly idleInTransactionTimeoutMs: number;
  /** Client-side deadline of every statement, 0 for none: a dead link fails it instead of hanging. */
  readonly queryTimeoutMs?: number;
  /** Deadline for opening a connection, 0 for none. */
  readonly connectTimeoutMs?: number;
}

/** The `pg` side of the shared SQL store: a pool, plus one dedicated LISTEN connection per subscription. */
export const createPostgresDriver = (
  options: PostgresDriverOptions,
): SqlDriver & { readonly pool: pg.Pool } => {
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs,
    // A connection whose statement timed out is in an unknown state: the pool drops it (the
    // query's error is passed to release), and keep-alive lets the OS notice dead idle links.
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    keepAlive: true,
  };
  const pool = createPgPool({ ...clientConfig, max: options.maxConnections });
  const database = createPgDatabase(pool, translateSqlError, true);
  // Backends of this pool: a NOTIFY one of them sent announces an append of this store, whose
  // subscriptions were already woken in-process; reading again for its echo would be wasted.
  const poolPids = new Set<number>();
  const pidOf = (client: pg.PoolClient) => (client as unknown as { processID: number | null }).processID;
  pool.on('connect', (client) => {
    const pid = pidOf(client);
    if (pid !== null) poolPids.add(pid);
  });
  pool.on('remove', (client) => {
    const pid = pidOf(client);
    if (pid !== null) poolPids.delete(pid);
  });
  const sessions = new Set<pg.Client>();

  // One NOTIFY at a time, never inside an append's transaction: a NOTIFY there takes a global lock
  // at commit and serializes every committing append. Appends that finish while one is in flight
  // share the next (sent at least `notifyGapMs` later).
  const channel = notifyChannel(options.schema);
  const notifyGapMs = 2;
  let notifying = false;
  let notifyAgain = false;
  let closed = false;
  const announceAppend = () => {
    if (closed) return;
    if (notifying) {
      notifyAgain = true;
      return;
    }
    notifying = true;
    pool
      .query('select pg_notify($1, $2)', [channel, ''])
      .catch(() => undefined) // pollers fall back on their poll interval
      .finally(() => {
        setTimeout(() => {
          notifying = false;
          if (notifyAgain) {
            notifyAgain = false;
            announceAppend();
          }
        }, notifyGapMs).unref();
      });
  };

  const openSubscriptionSession = async (
    onWake: () => void,
    onError: (error: unknown) => void,
  ): Promise<SubscriptionSession> => {
    // Not a StoreUnavailableError: a subscription outliving its store ends instead of retrying.
    if (closed) throw new Error('the event store is closed');
    const client = new pg.Client({
      ...clientConfig,
      application_name: `${options.applicationName}-subscription`,
    });
    client.on('error', onError);
    client.on('end', () => onError(new Error('subscription connection ended')));
    client.on('notification', (message) => {
      if (!poolPids.has(message.processId)) onWake();
    });
    sessions.add(client);
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch (error) {
      sessions.delete(client);
      client.end().catch(() => undefined);
      throw translateSqlError(error);
    }
    return {
      ...pgRunner(client, translateSqlError),
      close: async () => {
        sessions.delete(client);
        client.removeAllListeners('end');
        client.on('error', () => undefined);
        await client.end().catch(() => undefined);
      },
    };
  };

  return {
    ...database,
    pool,
    openSubscriptionSession,
    announceAppend,
    close: async () => {
      closed = true;
      await Promise.all(
        [...sessions].map((c) => {
          c.removeAllListeners('end');
          return c.end().catch(() => undefined);
        }),
      );
      await database.close();
    },
  };
};
