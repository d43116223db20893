import type { z } from 'zod';
import { type Json, toJson } from '../json.ts';
import {
  type CommandMetadata,
  type EventMetadata,
  EventMetadataSchema,
  eventMetadataFor,
} from '../metadata.ts';
import {
  ORDER_EVENT_SCHEMA_VERSION,
  ORDER_EVENT_TYPES,
  type OrderEvent,
  OrderEventSchema,
  type OrderEventType,
} from './contract.ts';

export type { Json };

/** An order event ready to store: plain JSON data and metadata. */
export interface EncodedOrderEvent {
  type: OrderEventType;
  data: Json;
  metadata: Json;
}

/** An order event as read back from a store (validated by `decodeOrderEvent`). */
export interface StoredOrderEvent {
  type: string;
  data: unknown;
  metadata: unknown;
}

export interface DecodedOrderEvent {
  event: OrderEvent;
  metadata: EventMetadata;
}

export class EventDecodeError extends Error {
  readonly code = 'EVENT_DECODE_FAILED';
  readonly eventType: string;
  readonly issues: string[];
  constructor(eventType: string, issues: string[]) {
    super(`cannot decode ${eventType} event: ${issues.join('; ')}`);
    this.name = 'EventDecodeError';
    this.eventType = eventType;
    this.issues = issues;
  }
}

/**
 * Upcasters: per event type, a function per *old* schema version that returns the data in the
 * next version's shape. Every read path (stream reads, subscriptions, rebuilds, replays) decodes
 * through `decodeOrderEvent`, so an old event can never skip its upcast.
 */
const UPCASTERS: Partial<Record<OrderEventType, Record<number, (data: unknown) => unknown>>> = {};

export function encodeOrderEvent(event: OrderEvent, command: CommandMetadata): EncodedOrderEvent {
  const metadata = eventMetadataFor(command, ORDER_EVENT_SCHEMA_VERSION[event.type]);
  return {
    type: event.type,
    data: toJson(event.data),
    metadata: toJson(metadata),
  };
}

export function isOrderEventType(type: string): type is OrderEventType {
  return (ORDER_EVENT_TYPES as readonly string[]).includes(type);
}

/** Validates a stored event, upcasting old schema versions; throws `EventDecodeError` with the paths at fault. */
export function decodeOrderEvent(stored: StoredOrderEvent): DecodedOrderEvent {
  if (!isOrderEventType(stored.type)) throw new EventDecodeError(stored.type, ['not an order event type']);
  const metadata = EventMetadataSchema.safeParse(stored.metadata);
  if (!metadata.success) throw new EventDecodeError(stored.type, describe(metadata.error, 'metadata'));
  const current = ORDER_EVENT_SCHEMA_VERSION[stored.type];
  let version = metadata.data.schemaVersion;
  if (version > current) {
    throw new EventDecodeError(stored.type, [
      `schema version ${version} is newer than this code knows (${current})`,
    ]);
  }
  let data = stored.data;
  while (version < current) {
    const upcast = UPCASTERS[stored.type]?.[version];
    if (!upcast) throw new EventDecodeError(stored.type, [`no upcaster from schema version ${version}`]);
    data = upcast(data);
    version += 1;
  }
  const event = OrderEventSchema.safeParse({ type: stored.type, data });
  if (!event.success) throw new EventDecodeError(stored.type, describe(event.error, ''));
  return { event: event.data, metadata: { ...metadata.data, schemaVersion: current } };
}

function describe(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
