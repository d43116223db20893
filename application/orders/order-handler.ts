import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { GrowingSet } from '../../domain/growing-set.ts';
import { eventMetadataFor } from '../../domain/metadata.ts';
import type { OrderCommand, OrderEvent } from '../../domain/order/contract.ts';
import { ORDER_EVENT_SCHEMA_VERSION, orderStreamId } from '../../domain/order/contract.ts';
import { decide, evolve } from '../../domain/order/decider.ts';
import type { OrderError } from '../../domain/order/errors.ts';
import {
  type DecodedOrderEvent,
  decodeOrderEvent,
  encodeOrderEvent,
} from '../../domain/order/event-codec.ts';
import { initialState, type OrderState } from '../../domain/order/state.ts';
import type { CurrentRevision, EventStore, EventToAppend } from '../ports/event-store.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../ports/event-store.ts';
import { KeyedSerialQueue } from '../support/keyed-serial-queue.ts';
import { payloadDigest } from './ids.ts';
import {
  answeredRequest,
  eventIdOf,
  extendedBy,
  metadataOf,
  recordedIdsOf,
  scopedToRequest,
} from './report-scope.ts';

/**
 * Where an order event is stored. `position` is the event's own when it was read from the store;
 * for an event this process appended, the position of the last event of that append (a reader
 * past it has seen the event; the store reports no other).
 */
export interface StoredAt<P> {
  id: string;
  revision: bigint;
  position: P;
}

/** An order as its stream has it: folded state, revision, and its decoded events. */
export interface LoadedOrder<P> {
  state: OrderState;
  revision: CurrentRevision;
  events: (DecodedOrderEvent & { recorded: StoredAt<P> })[];
}

export type HandleResult<P> =
  | {
      ok: true;
      /** `applied`: events were appended; `unchanged`: nothing to record (a duplicate report);
       * `replayed`: this idempotency key was handled before, and this is its first result. */
      kind: 'applied' | 'unchanged' | 'replayed';
      state: OrderState;
      events: OrderEvent[];
      /** Position of the last event appended (or replayed): wait for read models to pass it. */
      position: P | undefined;
    }
  | { ok: false; kind: 'refused'; error: OrderError }
  | { ok: false; kind: 'idempotency_conflict'; error: { code: 'IDEMPOTENCY_KEY_REUSED'; message: string } };

export interface OrderHandler<P> {
  /** read → fold → decide → append with the expected revision; retried on a concurrent append. */
  handle(command: OrderCommand): Promise<HandleResult<P>>;
  /**
   * Commands on one order (reports: no idempotency keys), decided one after the other on the
   * state each leaves, and appended together: one append, one commit. Each gets its own result
   * (an applied one carries the position of the batch's last event). Commands with idempotency
   * keys are handled one by one.
   */
  handleAll(commands: readonly OrderCommand[]): Promise<HandleResult<P>[]>;
  load(orderId: string): Promise<LoadedOrder<P>>;
}

export interface OrderHandlerOptions<P> {
  store: EventStore<P>;
  logger: Logger;
  /** Attempts on a concurrent append to the same order before giving up. */
  maxAttempts?: number;
  /** Orders whose folded state is kept in memory (least recently used beyond it are read again). */
  maxCachedOrders?: number;
}

export function orderIdOf(command: OrderCommand): string {
  return command.type === 'RecordExternalOrder' ? command.data.order.orderId : command.data.orderId;
}

const revisionRank = (revision: CurrentRevision): bigint => (revision === 'no_stream' ? -1n : revision);

/** Commands that create an order: a client places a new order (a fresh order id) far more often than it retries one. */
const CREATING: ReadonlySet<OrderCommand['type']> = new Set(['PlaceOrder', 'ClosePosition']);

/**
 * A new order's command is first decided without reading its stream, as if the stream did not
 * exist: the append expects `no_stream` (with event ids of its own: see `decideAll`), so if the
 * order does exist (a retried request, another process) the append fails with WrongExpectedVersion
 * and the command is decided again on the stream as read; a refusal is answered only once the
 * stream is confirmed absent (as for a cached state).
 * One read fewer per order placed.
 */
const assumedNew = <P>(commands: readonly OrderCommand[]): LoadedOrder<P> | undefined =>
  commands.length === 1 && CREATING.has(commands[0]!.type)
    ? { state: initialState, revision: 'no_stream', events: [] }
    : undefined;

/**
 * The order command handler, with the folded state of recent orders cached per process.
 *
 * Why the cache is safe: a cached order is the state of its stream at a revision, and every
 * append names that revision as its expected revision, so a decision made on a state that is no
 * longer the stream's (another process appended) fails with WrongExpectedVersion: the entry is
 * dropped, the stream read again and the command decided again. A client's command that appends
 * nothing (a refusal, nothing to do) is answered only once the stream's last revision is
 * confirmed to be the cached one (one single-row read). An append whose outcome is not known (an error
 * other than WrongExpectedVersion) drops the entry. Idempotency-key replays need no check: the
 * events that carry the key are in the store for good.
 */
export function createOrderHandler<P>({
  store,
  logger,
  maxAttempts = 8,
  maxCachedOrders = 10_000,
}: OrderHandlerOptions<P>): OrderHandler<P> {
  // One command at a time per order in this process; optimistic concurrency covers other processes.
  const queue = new KeyedSerialQueue();
  /** orderId → its state at a revision (a `no_stream` entry only ever serves as an append's basis). */
  const cache = new Map<string, LoadedOrder<P>>();

  const remember = (orderId: string, loaded: LoadedOrder<P>) => {
    const current = cache.get(orderId);
    // A read that started before an append of this process must not put back an older state.
    if (current && revisionRank(current.revision) > revisionRank(loaded.revision)) return;
    cache.delete(orderId);
    cache.set(orderId, loaded);
    if (cache.size > maxCachedOrders) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  };

  async function read(orderId: string): Promise<LoadedOrder<P>> {
    let recorded: Awaited<ReturnType<EventStore<P>['readStream']>>;
    try {
      recorded = await store.readStream(orderStreamId(orderId));
    } catch (error) {
      if (error instanceof StreamNotFoundError) {
        const absent: LoadedOrder<P> = { state: initialState, revision: 'no_stream', events: [] };
        remember(orderId, absent);
        return absent;
      }
      throw error;
    }
    let state: OrderState = initialState;
    const events = recorded.map((r) => {
      const decoded = decodeOrderEvent({ type: r.type, data: r.data, metadata: r.metadata });
      state = evolve(state, decoded.event);
      return { ...decoded, recorded: { id: r.id, revision: r.revision, position: r.position } };
    });
    const last = recorded.at(-1);
    const loaded: LoadedOrder<P> = { state, revision: last ? last.revision : 'no_stream', events };
    remember(orderId, loaded);
    return loaded;
  }

  async function load(orderId: string): Promise<LoadedOrder<P>> {
    const cached = cache.get(orderId);
    // "No such order" is never answered from memory: another process may have created it.
    if (cached && cached.revision !== 'no_stream') {
      cache.delete(orderId);
      cache.set(orderId, cached);
      return cached;
    }
    return read(orderId);
  }

  /** True when the stream's last revision is still `loaded`'s (one single-row read). */
  async function isCurrent(orderId: string, loaded: LoadedOrder<P>): Promise<boolean> {
    try {
      const [last] = await store.readStream(orderStreamId(orderId), { direction: 'backwards', maxCount: 1 });
      return last !== undefined && last.revision === loaded.revision;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return loaded.revision === 'no_stream';
      throw error;
    }
  }

  function replayOrConflict(command: OrderCommand, loaded: LoadedOrder<P>): HandleResult<P> | undefined {
    const key = command.metadata.idempotencyKey;
    if (key === undefined) return undefined;
    const earlier = loaded.events.filter((e) => e.metadata.idempotencyKey === key);
    if (earlier.length === 0) return undefined;
    const digest = command.metadata.payloadDigest ?? payloadDigest(command);
    if (earlier.some((e) => e.metadata.payloadDigest !== digest)) {
      return {
        ok: false,
        kind: 'idempotency_conflict',
        error: {
          code: 'IDEMPOTENCY_KEY_REUSED',
          message: `idempotency key ${key} was used before for another request`,
        },
      };
    }
    return {
      ok: true,
      kind: 'replayed',
      state: loaded.state,
      events: earlier.map((e) => e.event),
      position: earlier.at(-1)?.recorded.position,
    };
  }

  /**
   * One attempt at the commands (all on `orderId`) from `loaded`: 'retry' when the basis turned
   * out not to be the stream's current state.
   */
  async function attempt(
    orderId: string,
    commands: readonly OrderCommand[],
    loaded: LoadedOrder<P>,
    fromCache: boolean,
  ): Promise<HandleResult<P>[] | 'retry'> {
    if (commands.length === 1) {
      const replay = replayOrConflict(commands[0]!, loaded);
      if (replay) return [replay];
    }
    const batch = decideAll(commands, loaded);
    if (batch.toAppend.length === 0) {
      // Nothing to append, so no expected revision checks the basis. What a client is told (a
      // refusal, "nothing to do") is checked against the stream first. A venue report that changes
      // nothing on the state this process last knew is dropped without a read: reports only add
      // (trade ids, venue ids, terminal statuses), so one reflected in an earlier state of the
      // stream is reflected in any later one.
      const toClient = commands.some((c) => c.metadata.source === 'client');
      if (fromCache && toClient && !(await isCurrent(orderId, loaded))) return 'retry';
      return batch.decided as HandleResult<P>[];
    }
    let result: Awaited<ReturnType<EventStore<P>['append']>>;
    try {
      result = await store.append(orderStreamId(orderId), batch.toAppend, {
        expectedRevision: loaded.revision,
      });
    } catch (error) {
      cache.delete(orderId);
      if (error instanceof WrongExpectedVersionError) return 'retry';
      throw error;
    }
    const base = revisionRank(loaded.revision);
    const events = [
      ...loaded.events,
      ...batch.appended.map((e, i) => ({
        ...e,
        recorded: { id: batch.toAppend[i]!.id, revision: base + 1n + BigInt(i), position: result.position },
      })),
    ];
    extendedBy(loaded, events, batch.recordedIds);
    remember(orderId, { state: batch.state, revision: result.nextExpectedRevision, events });
    return batch.decided.map((d) =>
      'applied' in d
        ? { ok: true, kind: 'applied', state: d.state, events: d.events, position: result.position }
        : d,
    );
  }

  async function run(orderId: string, commands: readonly OrderCommand[]): Promise<HandleResult<P>[]> {
    return queue.run(orderId, async () => {
      for (let n = 1; n <= maxAttempts; n++) {
        // The first attempt starts from memory when it can; a retry always reads the stream.
        const cached = n === 1 ? (cache.get(orderId) ?? assumedNew(commands)) : undefined;
        const loaded = cached ?? (await read(orderId));
        const results = await attempt(orderId, commands, loaded, cached !== undefined);
        if (results !== 'retry') return results;
        cache.delete(orderId);
        logger.debug({ orderId, attempt: n }, 'concurrent append to the order; retrying');
      }
      throw new Error(`order ${orderId}: ${maxAttempts} concurrent appends in a row, giving up`);
    });
  }

  async function handle(command: OrderCommand): Promise<HandleResult<P>> {
    const [result] = await run(orderIdOf(command), [command]);
    return result!;
  }

  async function handleAll(commands: readonly OrderCommand[]): Promise<HandleResult<P>[]> {
    if (commands.length === 0) return [];
    const orderId = orderIdOf(commands[0]!);
    if (commands.some((c) => orderIdOf(c) !== orderId)) {
      throw new Error('handleAll: every command must be on the same order');
    }
    if (commands.length === 1 || commands.some((c) => c.metadata.idempotencyKey !== undefined)) {
      const results: HandleResult<P>[] = [];
      for (const command of commands) results.push(await handle(command));
      return results;
    }
    return run(orderId, commands);
  }

  return { handle, handleAll, load };
}

/** Each command's outcome; the applied ones get the append's position once it is known. */
type Decided<P> = { applied: true; state: OrderState; events: OrderEvent[] } | HandleResult<P>;

interface DecidedBatch<P> {
  decided: Decided<P>[];
  toAppend: EventToAppend[];
  /** The same events as the order keeps them (what decoding them back would give). */
  appended: DecodedOrderEvent[];
  state: OrderState;
  /** The ids of the order's events, the ones to append included. */
  recordedIds: GrowingSet<string>;
}

const unchanged = <P>(state: OrderState): HandleResult<P> => ({
  ok: true,
  kind: 'unchanged',
  state,
  events: [],
  position: undefined,
});

/**
 * The commands decided one after the other on the state each leaves. Event ids are derived from
 * the command (a report's from the report itself), so an event whose id is already in the stream
 * was recorded when this report came before. `decide` drops most repeats, but not one it answers
 * with an anomaly: appending that again would conflict with the stored id on every attempt, and
 * the report could never be recorded.
 */
function decideAll<P>(commands: readonly OrderCommand[], loaded: LoadedOrder<P>): DecidedBatch<P> {
  const batch: DecidedBatch<P> = {
    decided: [],
    toAppend: [],
    appended: [],
    state: loaded.state,
    recordedIds: recordedIdsOf(loaded),
  };
  // What a venue says answers the order's latest request: its events carry that request's
  // correlation id, and the request event is their cause.
  const answered = answeredRequest(loaded);
  // A stream's first events get ids of this attempt alone. The store's append is idempotent by
  // EventStoreDB's rules: the same ids at the same revisions "succeed" again, writing nothing and
  // answering the earlier result. On `no_stream`, a placement an earlier process recorded (retried
  // with its key after a crash: the same command id) would then pass for one recorded just now,
  // and be sent as new without looking up whether that process had sent it. With ids of their own,
  // such an append fails with WrongExpectedVersion and the command is decided on the stream as
  // read: a replay.
  const creating = loaded.revision === 'no_stream';
  for (const given of commands) {
    const command = scopedToRequest(given, answered.revision);
    const decision = decide(command, batch.state);
    if (!decision.ok) {
      batch.decided.push({ ok: false, kind: 'refused', error: decision.error });
      continue;
    }
    const metadata = metadataOf(command, answered);
    const fresh: OrderEvent[] = [];
    decision.events.forEach((event, index) => {
      const next = evolve(batch.state, event);
      const id =
        creating && event.type !== 'OrderFilled'
          ? randomUUID()
          : eventIdOf(command.metadata.commandId, event, index, next);
      if (batch.recordedIds.has(id)) return;
      batch.recordedIds = batch.recordedIds.with(id);
      answered.eventId ??= id;
      batch.state = next;
      fresh.push(event);
      batch.toAppend.push({ id, ...encodeOrderEvent(event, metadata) });
      batch.appended.push({
        event,
        metadata: eventMetadataFor(metadata, ORDER_EVENT_SCHEMA_VERSION[event.type]),
      });
    });
    if (fresh.length === 0) {
      batch.decided.push(unchanged(batch.state));
      continue;
    }
    answered.correlationId ??= metadata.correlationId;
    batch.decided.push({ applied: true, state: batch.state, events: fresh });
  }
  return batch;
}
