import { describe, expect, it } from 'vitest';
import { decodeOrderEvent, EventDecodeError, encodeOrderEvent } from '../../domain/order/event-codec.ts';
import { ev } from './fixtures.ts';

const metadata = {
  commandId: 'cmd-7',
  idempotencyKey: 'client-key-7',
  correlationId: 'corr-7',
  recordedAt: '2026-11-21T12:00:00.000Z',
  venueTime: '2026-11-21T11:59:59.998Z',
  source: 'venue' as const,
  venueLatency: { usIn: 1763726399998000, usOut: 1763726399998120, usDiff: 120 },
};

describe('storing and reading back order events', () => {
  it('encodes decimals as strings and round-trips every field exactly', () => {
    // Given a fill with a fee of 0.00007766 BTC
    const event = ev.filled('ETH-2696097', '21', '202.8');
    // When it is encoded for the store and decoded back
    const stored = JSON.parse(JSON.stringify(encodeOrderEvent(event, metadata)));
    const decoded = decodeOrderEvent(stored);
    // Then the event and its metadata are what was written
    expect(stored.data.fill.price).toBe('202.8');
    expect(decoded.event).toEqual(event);
    expect(decoded.metadata).toEqual({ ...metadata, schemaVersion: 1, causationId: 'cmd-7' });
  });

  it('names the event type and the field at fault when stored data is bad', () => {
    const stored = JSON.parse(JSON.stringify(encodeOrderEvent(ev.filled('t1', '10'), metadata)));
    stored.data.fill.amount = 10.5;
    expect(() => decodeOrderEvent(stored)).toThrow(EventDecodeError);
    expect(() => decodeOrderEvent(stored)).toThrow(/OrderFilled.*fill\.amount/);
  });

  it('refuses an event written by a newer schema version instead of misreading it', () => {
    const stored = JSON.parse(JSON.stringify(encodeOrderEvent(ev.accepted(), metadata)));
    stored.metadata.schemaVersion = 2;
    expect(() => decodeOrderEvent(stored)).toThrow(/newer than this code knows/);
  });

  it('refuses an unknown event type', () => {
    expect(() => decodeOrderEvent({ type: 'OrderTeleported', data: {}, metadata: {} })).toThrow(
      /not an order event type/,
    );
  });
});
