import type { CurrentRevision, EventStore, JsonValue, RecordedEvent } from './ports/event-store.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from './ports/event-store.ts';

/** An aggregate as a pure decider: its commands decide events from a state its events evolve. */
export interface Decider<C, E, S> {
  readonly initialState: S;
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  /** Reads a stored event back (with zod: stored events are a boundary). */
  decode(recorded: RecordedEvent<unknown>): E;
}

/** A stream as its events fold: the state and the revision a decision on it must append at. */
export interface StreamState<S> {
  readonly state: S;
  readonly revision: CurrentRevision;
}

export interface Handled<S, E, P> extends StreamState<S> {
  /** The events the command appended (none: nothing to record). */
  readonly events: E[];
  /** Where the last of them was stored. */
  readonly position: P | undefined;
}

export interface CommandHandlerOptions<P> {
  readonly store: EventStore<P>;
  /** The event ids and metadata of a command's events (deterministic ids make a retry idempotent). */
  readonly envelope: (event: { type: string }, index: number) => { id: string; metadata: JsonValue };
  /** Appends tried on a concurrent change of the stream before giving up (default 5). */
  readonly maxAttempts?: number;
}

/** Reads a stream and folds it (`no_stream` and the initial state when it has no events). */
export async function loadStream<P, C, E extends { type: string }, S>(
  store: EventStore<P>,
  streamId: string,
  decider: Decider<C, E, S>,
): Promise<StreamState<S>> {
  try {
    let state = decider.initialState;
    let revision: CurrentRevision = 'no_stream';
    for (const recorded of await store.readStream(streamId)) {
      state = decider.evolve(state, decider.decode(recorded));
      revision = recorded.revision;
    }
    return { state, revision };
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { state: decider.initialState, revision: 'no_stream' };
    throw error;
  }
}

/**
 * The generic command handler: read the stream, fold it, decide, append with the revision the
 * decision was made on; on a concurrent append (WrongExpectedVersion) read again and decide again.
 * `known` skips the first read when the caller holds the stream's state already.
 */
export async function handleCommand<P, C, E extends { type: string; data: JsonValue }, S>(
  options: CommandHandlerOptions<P>,
  streamId: string,
  decider: Decider<C, E, S>,
  command: C,
  known?: StreamState<S>,
): Promise<Handled<S, E, P>> {
  const attempts = options.maxAttempts ?? 5;
  let current = known ?? (await loadStream(options.store, streamId, decider));
  for (let attempt = 1; ; attempt++) {
    const events = decider.decide(command, current.state);
    if (events.length === 0) return { ...current, events, position: undefined };
    try {
      const result = await options.store.append(
        streamId,
        events.map((event, i) => ({ ...options.envelope(event, i), type: event.type, data: event.data })),
        { expectedRevision: current.revision },
      );
      const state = events.reduce(decider.evolve, current.state);
      return { state, revision: result.nextExpectedRevision, events, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt >= attempts) throw error;
      current = await loadStream(options.store, streamId, decider);
    }
  }
}
