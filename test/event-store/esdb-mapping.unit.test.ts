import {
  StreamNotFoundError as EsdbStreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  MaxAppendSizeExceededError,
  type ResolvedEvent,
  UnavailableError,
  UnknownError,
} from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  esdbPositions,
  eventTypesRegex,
  fromEsdbCurrentRevision,
  isResumablePosition,
  matchesFilter,
  toEsdbExpectedRevision,
  toEsdbMetadata,
  toEsdbSubscriptionFilter,
  toRecordedEvent,
  translateEsdbError,
} from '../../adapters/event-store/eventstoredb/esdb-mapping.ts';
import {
  InvalidAppendError,
  StoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../application/ports/event-store.ts';

describe('EventStoreDB revisions', () => {
  it('passes expected revisions through unchanged (the client uses the same sentinels)', () => {
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toEsdbExpectedRevision(7n)).toBe(7n);
  });

  it('reads the current revision as no_stream or a bigint', () => {
    expect(fromEsdbCurrentRevision('no_stream')).toBe('no_stream');
    expect(fromEsdbCurrentRevision(0n)).toBe(0n);
  });
});

describe('EventStoreDB positions', () => {
  const a = { commit: 100n, prepare: 90n };
  const b = { commit: 100n, prepare: 95n };
  const c = { commit: 200n, prepare: 10n };

  it('order by commit, then prepare', () => {
    expect(esdbPositions.compare(a, b)).toBeLessThan(0);
    expect(esdbPositions.compare(c, b)).toBeGreaterThan(0);
    expect(esdbPositions.compare(a, { ...a })).toBe(0);
    expect(esdbPositions.compare(esdbPositions.start, a)).toBeLessThan(0);
  });

  it('serialize to text that sorts like the positions and parses back', () => {
    const texts = [c, a, b].map(esdbPositions.serialize).sort();
    expect(texts.map(esdbPositions.parse)).toEqual([a, b, c]);
    expect(esdbPositions.serialize({ commit: 18446744073709551615n, prepare: 1n })).toBe(
      '18446744073709551615-00000000000000000001',
    );
  });

  it('resume only from positions a server could read from: page starts (N, 0) yes, KDB-710 (2^64-1, 2^64-1) no', () => {
    const max = 2n ** 64n - 1n;
    expect(isResumablePosition({ commit: 752n, prepare: 0n })).toBe(true);
    expect(isResumablePosition({ commit: 752n, prepare: 752n })).toBe(true);
    expect(isResumablePosition(esdbPositions.start)).toBe(true);
    expect(isResumablePosition({ commit: max, prepare: max })).toBe(false);
    expect(isResumablePosition({ commit: 2n ** 63n, prepare: 0n })).toBe(false);
    expect(isResumablePosition({ commit: 10n, prepare: 11n })).toBe(false);
  });

  it('refuse text they did not produce', () => {
    expect(() => esdbPositions.parse('100/90')).toThrow(/not an EventStoreDB position/);
  });
});

describe('EventStoreDB errors', () => {
  it('wrong expected version carries stream, expected and actual', () => {
    const error = new EsdbWrongExpectedVersionError(undefined, {
      streamName: 'order-1',
      expected: 3n,
      current: 5n,
    });
    const translated = translateEsdbError(error, { streamId: 'order-1', expected: 3n });
    expect(translated).toBeInstanceOf(WrongExpectedVersionError);
    expect(translated).toMatchObject({ streamId: 'order-1', expected: 3n, actual: 5n });
  });

  it('wrong expected version on a missing stream has actual no_stream', () => {
    const error = new EsdbWrongExpectedVersionError(undefined, {
      streamName: 'order-2',
      expected: 'stream_exists',
      current: 'no_stream',
    });
    expect(translateEsdbError(error, { streamId: 'order-2', expected: 'stream_exists' })).toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      expected: 'stream_exists',
      actual: 'no_stream',
    });
  });

  it('stream not found, and unavailable as a transient error', () => {
    expect(translateEsdbError(new EsdbStreamNotFoundError(undefined, 'order-3'))).toEqual(
      new StreamNotFoundError('order-3'),
    );
    const unavailable = new UnavailableError(undefined, 'connection refused');
    expect(translateEsdbError(unavailable)).toBeInstanceOf(StoreUnavailableError);
  });

  it('a bare gRPC UNAVAILABLE status (connection refused) is transient', () => {
    const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    expect(translateEsdbError(refused)).toBeInstanceOf(StoreUnavailableError);
  });

  it('an append over the maximum append size of the server is an invalid append (no retry can succeed)', () => {
    const translated = translateEsdbError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), {
      streamId: 'order-4',
      expected: 'any',
    });
    expect(translated).toBeInstanceOf(InvalidAppendError);
    expect(translated).toMatchObject({
      code: 'INVALID_APPEND',
      message: expect.stringMatching(/order-4.*1048576 bytes/),
    });
  });

  it('a server not ready or too busy (BatchAppend: an unknown error naming it) is transient', () => {
    for (const message of ['Server Is Not Ready', 'Server Is Busy']) {
      const error = translateEsdbError(new UnknownError(undefined, `Could not recognize ${message}`));
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
    expect(translateEsdbError(new UnknownError(undefined, 'Could not recognize Boom'))).toBeInstanceOf(
      UnknownError,
    );
  });

  it('passes anything else through unchanged', () => {
    const bug = new TypeError('bug');
    expect(translateEsdbError(bug)).toBe(bug);
  });
});

describe('EventStoreDB filters', () => {
  const noop = () => undefined;

  it('stream prefixes filter on stream names on the server', () => {
    expect(toEsdbSubscriptionFilter({ streamPrefixes: ['order-'] }, noop)).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['order-'],
    });
  });

  it('event types filter on an exact-match regex on the server (not type prefixes)', () => {
    const filter = toEsdbSubscriptionFilter({ eventTypes: ['OrderPlaced', 'a.b'] }, noop);
    expect(filter).toMatchObject({ filterOn: 'eventType', regex: '^(?:OrderPlaced|a\\.b)$' });
    const regex = new RegExp(eventTypesRegex(['OrderPlaced', 'a.b']));
    expect(['OrderPlaced', 'a.b', 'OrderPlacedLate', 'axb'].map((t) => regex.test(t))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('no filter still excludes system events, so checkpoints keep coming', () => {
    expect(toEsdbSubscriptionFilter(undefined, noop)).toMatchObject({
      filterOn: 'eventType',
      regex: '^[^$]',
    });
  });

  it('hands checkpoints over as our positions', () => {
    const seen: unknown[] = [];
    const filter = toEsdbSubscriptionFilter({ streamPrefixes: ['x'] }, (p) => seen.push(p));
    filter.checkpointReached?.({} as never, { commit: 5n, prepare: 4n });
    expect(seen).toEqual([{ commit: 5n, prepare: 4n }]);
  });

  it('matches both lists here when both are given, and never system streams or events', () => {
    const filter = { streamPrefixes: ['order-'], eventTypes: ['Placed'] };
    expect(matchesFilter(filter, 'order-1', 'Placed')).toBe(true);
    expect(matchesFilter(filter, 'order-1', 'Filled')).toBe(false);
    expect(matchesFilter(filter, 'fill-1', 'Placed')).toBe(false);
    expect(matchesFilter(undefined, '$stats-1', 'Anything')).toBe(false);
    expect(matchesFilter(undefined, 'order-1', '$metadata')).toBe(false);
    expect(matchesFilter({ streamPrefixes: [] }, 'order-1', 'Placed')).toBe(true);
  });
});

describe('EventStoreDB recorded events', () => {
  const resolved = (overrides: Record<string, unknown> = {}) =>
    ({
      event: {
        streamId: 'order-1',
        id: '0b0c8f4e-34c8-4d0c-9a4e-2a7b1d1f3c11',
        revision: 2n,
        type: 'OrderFilled',
        created: new Date('2026-01-02T03:04:05.678Z'),
        isJson: true,
        data: { price: '1.10' },
        metadata: { correlationId: 'c' },
        position: { commit: 10n, prepare: 9n },
        ...overrides,
      },
    }) as unknown as ResolvedEvent;

  it('map to the port shape with the position', () => {
    expect(toRecordedEvent(resolved())).toEqual({
      streamId: 'order-1',
      id: '0b0c8f4e-34c8-4d0c-9a4e-2a7b1d1f3c11',
      revision: 2n,
      type: 'OrderFilled',
      created: new Date('2026-01-02T03:04:05.678Z'),
      data: { price: '1.10' },
      metadata: { correlationId: 'c' },
      position: { commit: 10n, prepare: 9n },
    });
  });

  it('send metadata as the bytes of its JSON text, falsy values included (the client drops those)', () => {
    for (const metadata of [{ correlationId: 'c' }, [], null, false, 0, '']) {
      const bytes = toEsdbMetadata(metadata);
      expect(bytes.constructor).toBe(Uint8Array);
      expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(metadata);
    }
  });

  it('refuse binary events', () => {
    expect(() => toRecordedEvent(resolved({ isJson: false, data: new Uint8Array([1]) }))).toThrow(/JSON/);
  });
});
