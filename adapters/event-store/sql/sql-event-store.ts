import { Observable } from 'rxjs';
import { z } from 'zod';
import {
  type AppendOptions,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  eventFilterSchema,
  type JsonValue,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type SubscriptionMessage,
} from '../../../application/ports/event-store.ts';
import { StreamNotFoundError } from '../../../application/ports/event-store-errors.ts';
import { type BackoffOptions, defaultBackoff } from '../../../application/support/backoff.ts';
import { checkAppendInput } from '../append-input.ts';
import type { AuditTrail } from '../audit-trail.ts';
import { resubscribing } from '../resubscribe.ts';
import {
  type AppendParams,
  type AppendRow,
  appendRowSchema,
  createSqlAppendBatcher,
} from './append-batcher.ts';
import { sqlAuditTrail } from './audit.ts';
import { buildQueries, type Queries } from './queries.ts';
import {
  checkSchemaName,
  EXPECTED_ANY,
  EXPECTED_NO_STREAM,
  EXPECTED_STREAM_EXISTS,
  migrationPreamble,
  migrations,
} from './schema.ts';
import type { SqlDriver, SqlExecutor } from './sql-driver.ts';
import { isDuplicateEventId, translateSqlError } from './sql-errors.ts';
import { type SqlPosition, sqlPositions } from './sql-position.ts';
import { recheckPacer, Waker, wakeUp } from './waker.ts';

export interface SqlEventStoreOptions {
  /** PostgreSQL schema holding the store's tables (read models may share the database). */
  readonly schema?: string;
  /** Positions a subscription scans per read (default 500). */
  readonly subscriptionBatchSize?: number;
  /** Fallback when no NOTIFY arrives: a subscription reads again after this long (default 250 ms). */
  readonly pollIntervalMs?: number;
  /**
   * Append statements in flight at once (default 4); appends that come meanwhile are written
   * together by the next one, in one commit (group commit).
   */
  readonly appendsInFlight?: number;
  /**
   * How long a woken subscription waits before reading (default 1 ms): the appends that commit
   * meanwhile are read together, one query for many under load instead of one per append.
   */
  readonly wakeCoalesceMs?: number;
  readonly backoff?: BackoffOptions;
}

/** The PostgreSQL and PGlite stores: the port plus what a projection runner needs on the same database. */
export interface SqlEventStore extends EventStore<SqlPosition> {
  readonly schema: string;
  /**
   * One transaction on the store's database (for read models and their checkpoint, written
   * atomically). Keep it short: while it is open, a writing transaction holds back every `$all`
   * reader (see docs/event-store.md).
   */
  withTransaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Statements outside a transaction, on the store's database. */
  readonly sql: SqlExecutor;
  /** The tamper-evident audit trail (`oms audit`). */
  readonly audit: AuditTrail;
}

const MAX_REVISION = 9223372036854775807n;

/**
 * `data` and `metadata` are `jsonb` columns: the database holds nothing but JSON there, and the
 * driver hands it over parsed. Their content is the readers' to check (the domain's event codec);
 * walking every value here again cost as much as that check itself on every read of `$all`.
 */
const storedJson = z.custom<JsonValue>((value) => value !== undefined, 'a jsonb value');

const eventRowSchema = z.object({
  stream_id: z.string(),
  revision: z.string(),
  event_id: z.string(),
  type: z.string(),
  data: storedJson,
  metadata: storedJson,
  created: z.date(),
  tx: z.string(),
  global_position: z.string(),
});

const scannedRowSchema = z.object({
  tx: z.string(),
  global_position: z.string(),
  matches: z.boolean(),
});

const countSchema = z.number().int().nonnegative().optional();

const toRecorded = (row: z.output<typeof eventRowSchema>): RecordedEvent<SqlPosition> => ({
  streamId: row.stream_id,
  revision: BigInt(row.revision),
  id: row.event_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  created: row.created,
  position: { tx: BigInt(row.tx), gp: BigInt(row.global_position) },
});

const encodeExpected = (expected: ExpectedRevision): bigint => {
  switch (expected) {
    case 'any':
      return EXPECTED_ANY;
    case 'no_stream':
      return EXPECTED_NO_STREAM;
    case 'stream_exists':
      return EXPECTED_STREAM_EXISTS;
    default:
      return expected;
  }
};

const nonEmpty = (list: readonly string[] | undefined): readonly string[] | null =>
  list !== undefined && list.length > 0 ? list : null;

/** Creates or migrates the schema; safe when several processes start at once. */
export const migrate = async (driver: SqlDriver, schema: string): Promise<void> => {
  const s = checkSchemaName(schema);
  await driver.withTransaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`oms-event-store:${s}`]);
    await tx.exec(migrationPreamble(s));
    const applied = await tx.query<{ version: number }>(`select version from ${s}.schema_migrations`);
    const done = new Set(applied.rows.map((r) => r.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql(s));
      await tx.query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
  });
};

/** Migrates the schema, then opens the store on it; the driver is closed when the migration fails. */
export const openSqlEventStore = async (
  driver: SqlDriver,
  options: SqlEventStoreOptions & { schema: string },
): Promise<SqlEventStore> => {
  try {
    await migrate(driver, options.schema);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return createSqlEventStore(driver, options);
};

export const createSqlEventStore = (driver: SqlDriver, options: SqlEventStoreOptions = {}): SqlEventStore => {
  const schema = checkSchemaName(options.schema ?? 'oms');
  const q: Queries = buildQueries(schema);
  const batchSize = options.subscriptionBatchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const wakeCoalesceMs = options.wakeCoalesceMs ?? 1;
  const backoff = options.backoff ?? defaultBackoff;
  const appendStatement = `${schema}_append_events`;
  const readAllStatement = `${schema}_read_all`;
  const retryStatement = `${schema}_append_retry_result`;
  const appendBatchStatement = `${schema}_append_events_batch`;
  const readForwardsStatement = `${schema}_read_stream_forwards`;
  const readBackwardsStatement = `${schema}_read_stream_backwards`;
  /** Subscriptions of this store, woken right after its own appends commit. */
  const localWakers = new Set<() => void>();
  /** Ends each open subscription (completes it) when the store closes. */
  const openSubscriptions = new Set<() => void>();
  let closed = false;

  const call = async <T>(work: () => Promise<T>, context?: Parameters<typeof translateSqlError>[1]) => {
    try {
      return await work();
    } catch (error) {
      throw translateSqlError(error, context);
    }
  };

  const appendBatched = createSqlAppendBatcher({
    driver,
    queries: q,
    statements: { one: appendStatement, many: appendBatchStatement },
    maxInFlight: options.appendsInFlight ?? 4,
  });

  const append = async (
    streamId: string,
    events: readonly EventToAppend[],
    appendOptions: AppendOptions,
  ): Promise<AppendResult<SqlPosition>> => {
    const serialized = checkAppendInput(streamId, events, appendOptions.expectedRevision);
    const params: AppendParams = {
      streamId,
      expected: encodeExpected(appendOptions.expectedRevision).toString(),
      ids: events.map((e) => e.id),
      types: events.map((e) => e.type),
      data: serialized.map((e) => e.data),
      metadata: serialized.map((e) => e.metadata),
    };
    const context = { streamId, expected: appendOptions.expectedRevision };
    let row: AppendRow;
    try {
      row = await appendBatched(params);
    } catch (error) {
      if (!isDuplicateEventId(error)) throw translateSqlError(error, context);
      // An id already in the stream: a retry of a written append, or a conflict.
      const retried = await call(
        () => driver.query(q.appendRetryResult, [streamId, params.expected, params.ids], retryStatement),
        context,
      );
      row = appendRowSchema.parse(retried.rows[0]);
    }
    for (const wake of localWakers) wake();
    driver.announceAppend();
    return {
      nextExpectedRevision: BigInt(row.next_revision),
      position: { tx: BigInt(row.tx), gp: BigInt(row.global_position) },
    };
  };

  const readStream = async (
    streamId: string,
    readOptions: ReadStreamOptions = {},
  ): Promise<RecordedEvent<SqlPosition>[]> => {
    const maxCount = countSchema.parse(readOptions.maxCount);
    const forwards = (readOptions.direction ?? 'forwards') === 'forwards';
    const from = readOptions.fromRevision ?? (forwards ? 'start' : 'end');
    const fromRevision = from === 'start' ? 0n : from === 'end' ? MAX_REVISION : from;
    const [text, name] = forwards
      ? [q.readStreamForwards, readForwardsStatement]
      : [q.readStreamBackwards, readBackwardsStatement];
    const result = await call(() =>
      driver.query<{ event_id: string | null }>(
        text,
        [streamId, fromRevision.toString(), maxCount ?? null],
        name,
      ),
    );
    // No row: no such stream. A row without an event: the stream has nothing in the range.
    if (result.rows.length === 0) throw new StreamNotFoundError(streamId);
    return result.rows
      .filter((row) => row.event_id !== null)
      .map((row) => toRecorded(eventRowSchema.parse(row)));
  };

  const readAllOn = async (
    executor: SqlExecutor,
    after: SqlPosition,
    maxCount: number,
    filter: EventFilter | undefined,
  ): Promise<ReadAllResult<SqlPosition>> => {
    const params = [
      after.tx.toString(),
      after.gp.toString(),
      nonEmpty(filter?.streamPrefixes),
      nonEmpty(filter?.eventTypes),
      maxCount,
    ];
    const result = await call(() => executor.query(q.readAll, params, readAllStatement));
    const events: RecordedEvent<SqlPosition>[] = [];
    let lastScanned = after;
    for (const raw of result.rows) {
      const scanned = scannedRowSchema.parse(raw);
      lastScanned = { tx: BigInt(scanned.tx), gp: BigInt(scanned.global_position) };
      if (scanned.matches) events.push(toRecorded(eventRowSchema.parse(raw)));
    }
    return { events, lastScanned, isEnd: result.rows.length < maxCount };
  };

  const readAll = (readOptions: ReadAllOptions<SqlPosition>): Promise<ReadAllResult<SqlPosition>> => {
    const maxCount = z.number().int().positive().parse(readOptions.maxCount);
    const filter = eventFilterSchema.optional().parse(readOptions.filter);
    return readAllOn(driver, readOptions.after ?? sqlPositions.start, maxCount, filter);
  };

  /** One attempt: polls `$all` on its own session until unsubscribed or the session fails. */
  const poll = (after: SqlPosition | undefined, filter: EventFilter | undefined, coalesceMs: number) =>
    new Observable<SubscriptionMessage<SqlPosition>>((subscriber) => {
      if (closed) {
        subscriber.complete();
        return;
      }
      let stopped = false;
      const waker = new Waker();
      const wake = () => waker.wake();
      localWakers.add(wake);
      const end = () => {
        stopped = true;
        waker.wake();
        subscriber.complete();
      };
      openSubscriptions.add(end);
      const opening = call(() =>
        driver.openSubscriptionSession(
          () => waker.wake(),
          (error) => waker.fail(translateSqlError(error)),
        ),
      );
      const run = async () => {
        const session = await opening;
        let cursor = after ?? sqlPositions.start;
        let caughtUp = false;
        const pace = recheckPacer(pollIntervalMs);
        while (!stopped) {
          waker.clear();
          const page = await readAllOn(session, cursor, batchSize, filter);
          if (stopped) return;
          const advanced = deliverPage(subscriber, page, cursor);
          cursor = page.lastScanned;
          if (!page.isEnd) continue;
          if (!caughtUp) {
            caughtUp = true;
            subscriber.next({ kind: 'caughtUp', position: cursor });
          }
          pace.woken(await wakeUp(waker, pace.next(advanced), coalesceMs));
        }
      };
      run().then(
        () => subscriber.complete(),
        (error: unknown) => {
          // Driver errors are translated where they are thrown; anything else is a bug: surface it.
          if (!stopped) subscriber.error(error);
        },
      );
      return () => {
        stopped = true;
        localWakers.delete(wake);
        openSubscriptions.delete(end);
        waker.wake();
        opening.then(
          (session) => session.close(),
          () => undefined,
        );
      };
    });

  const subscribeToAll = (subscribeOptions: SubscribeOptions<SqlPosition> = {}) => {
    const filter = eventFilterSchema.optional().parse(subscribeOptions.filter);
    const coalesceMs = subscribeOptions.coalesceMs ?? wakeCoalesceMs;
    return resubscribing(
      sqlPositions,
      (after) => poll(after, filter, coalesceMs),
      subscribeOptions.after,
      backoff,
    );
  };

  return {
    schema,
    positions: sqlPositions,
    append,
    readStream,
    readAll,
    subscribeToAll,
    withTransaction: (work) => driver.withTransaction(work),
    sql: driver,
    audit: sqlAuditTrail(driver, schema),
    close: async () => {
      closed = true;
      for (const end of [...openSubscriptions]) end();
      await driver.close();
    },
  };
};

/** Hands a page's events to the subscriber, and a checkpoint past them; true when the page moved past `cursor`. */
function deliverPage(
  subscriber: { next: (message: SubscriptionMessage<SqlPosition>) => void },
  page: { events: readonly RecordedEvent<SqlPosition>[]; lastScanned: SqlPosition },
  cursor: SqlPosition,
): boolean {
  let delivered = cursor;
  for (const event of page.events) {
    subscriber.next({ kind: 'event', event });
    delivered = event.position;
  }
  if (sqlPositions.compare(page.lastScanned, delivered) > 0) {
    subscriber.next({ kind: 'checkpoint', position: page.lastScanned });
  }
  return sqlPositions.compare(page.lastScanned, cursor) > 0;
}
