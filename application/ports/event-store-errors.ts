import type { CurrentRevision, ExpectedRevision } from './event-store.ts';

/**
 * The closed set of event-store errors. Every adapter translates its driver's errors into these;
 * callers switch on `code` (stable), never on message text or driver classes.
 */
export type EventStoreErrorCode =
  | 'WRONG_EXPECTED_VERSION'
  | 'STREAM_NOT_FOUND'
  | 'STORE_UNAVAILABLE'
  | 'INVALID_APPEND'
  | 'STORE_LOCKED';

export abstract class EventStoreError extends Error {
  abstract readonly code: EventStoreErrorCode;
}

/** The stream's revision did not match the append's expected revision (and it was no retry). */
export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_VERSION' as const;
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly actual: CurrentRevision;
  constructor(streamId: string, expected: ExpectedRevision, actual: CurrentRevision) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Reading a stream that has no event (EventStoreDB's behaviour: an error, not an empty list). */
export class StreamNotFoundError extends EventStoreError {
  readonly code = 'STREAM_NOT_FOUND' as const;
  readonly streamId: string;
  constructor(streamId: string) {
    super(`stream ${streamId} not found`);
    this.name = 'StreamNotFoundError';
    this.streamId = streamId;
  }
}

/**
 * The store could not be reached or dropped the connection: transient, worth retrying with backoff.
 * An append that fails this way may or may not have been written: retry it with the same event ids
 * and expected revision, and the idempotence rules make the retry safe.
 */
export class StoreUnavailableError extends EventStoreError {
  readonly code = 'STORE_UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The append's input is not valid (bad event id, empty type, no events, non-JSON data...). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidAppendError';
  }
}

/** Another live process holds the embedded store's data directory. */
export class StoreLockedError extends EventStoreError {
  readonly code = 'STORE_LOCKED' as const;
  readonly holderPid: number;
  constructor(message: string, holderPid: number) {
    super(message);
    this.name = 'StoreLockedError';
    this.holderPid = holderPid;
  }
}

export const isEventStoreError = (e: unknown): e is EventStoreError => e instanceof EventStoreError;
