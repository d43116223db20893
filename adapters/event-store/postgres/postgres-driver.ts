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

/** How long a look-up of other stores' listeners is trusted (ms). */
export const PRESENCE_TTL_MS = 1000;

/** Class of the advisory locks that mark listening sessions ("OMSL"). */
const PRESENCE_CLASS = 0x4f4d534c;

/**
 * A listening session's mark: a shared advisory lock (class, channel hash), held for the session's
 * life and gone with it (a crashed process leaves none behind); and the look-up of sessions other
 * than the given ones holding it in this database.
 */
export const listenerPresence = (channel: string) => {
  let hash = 0x811c9dc5; // FNV-1a, kept to 31 bits (a positive int4)
  for (const c of Buffer.from(channel, 'utf8')) hash = Math.imul(hash ^ c, 0x01000193) >>> 0;
  const key: [number, number] = [PRESENCE_CLASS, hash & 0x7fffffff];
  return {
    key,
    announce: 'select pg_advisory_lock_shared($1::int, $2::int)',
    othersListening: `select exists (select 1 from pg_locks l
        where l.locktype = 'advisory' and l.objsubid = 2 and l.granted
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid = $1::int::oid and l.objid = $2::int::oid and l.pid <> all($3::int[])) as listening`,
  };
};

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
  const pidOf = (client: pg.Client) => (client as unknown as { processID: number | null }).processID;
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
  // share the next (sent at least `notifyGapMs` later). And only when a subscription of another
  // store (process, worker thread) listens: each listening session holds a shared advisory lock
  // (`listenerPresence`), looked up at most once per `PRESENCE_TTL_MS`. Appends made while nobody
  // else listened are announced at the next look-up should someone listen by then, so a
  // subscription that has just started waits at most that long (its poll interval, if shorter).
  const channel = notifyChannel(options.schema);
  const presence = listenerPresence(channel);
  const notifyGapMs = 2;
  let notifying = false;
  let notifyAgain = false;
  let closed = false;
  const ownSessionPids = () => [...sessions].map((c) => pidOf(c) ?? 0);
  let others: { listening: boolean; at: number } | undefined;
  let checking: Promise<void> | undefined;
  let unannounced = false;
  let recheck: NodeJS.Timeout | undefined;
  const lookUp = () => {
    checking ??= pool
      .query<{ listening: boolean }>(presence.othersListening, [...presence.key, ownSessionPids()])
      .then((result) => {
        others = { listening: result.rows[0]?.listening ?? true, at: performance.now() };
      })
      .catch(() => {
        others = undefined; // unknown: announce every append
      })
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };
  const notify = () => {
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
            notify();
          }
        }, notifyGapMs).unref();
      });
  };
  /** At the end of the look-up's life: someone listening now hears of the appends kept quiet. */
  const recheckLater = (inMs: number) => {
    recheck ??= setTimeout(() => {
      recheck = undefined;
      if (closed) return;
      void lookUp().then(() => {
        if (closed || !unannounced) return;
        unannounced = false;
        // Still nobody listening: keep quiet (appends to come look again).
        if (others?.listening !== false) notify();
      });
    }, inMs);
    recheck.unref();
  };
  const announceAppend = () => {
    if (closed) return;
    const age = others === undefined ? Number.POSITIVE_INFINITY : performance.now() - others.at;
    if (age >= PRESENCE_TTL_MS) void lookUp();
    if (others?.listening === false && age < PRESENCE_TTL_MS) {
      unannounced = true;
      recheckLater(PRESENCE_TTL_MS - age);
      return;
    }
    notify();
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
      // Listening: other stores' appends now announce themselves (see `announceAppend`).
      await client.query(presence.announce, presence.key);
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
      if (recheck !== undefined) clearTimeout(recheck);
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
