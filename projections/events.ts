import type { PositionCodec, RecordedEvent } from '../application/ports/event-store.ts';
import {
  CASH_MOVEMENT_RECORDED,
  type CashMovementData,
  CashMovementDataSchema,
} from '../domain/ledger/contract.ts';
import { MARK_PRICE_RECORDED, type MarkPriceData, MarkPriceDataSchema } from '../domain/marks/contract.ts';
import { type EventMetadata, EventMetadataSchema } from '../domain/metadata.ts';
import type { OrderEvent } from '../domain/order/contract.ts';
import { decodeOrderEvent } from '../domain/order/event-codec.ts';

/** An order event as projections apply it: decoded (and upcast) by the domain's one decode path. */
export interface ProjectedEvent {
  readonly orderId: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly eventId: string;
  /** The store's position, serialized by the adapter's codec (text that sorts like the position). */
  readonly position: string;
  /** When the store wrote it. */
  readonly storedAt: Date;
  readonly event: OrderEvent;
  readonly metadata: EventMetadata;
}

/**
 * Decodes a recorded event through `decodeOrderEvent` (upcasters included): live, rebuild, verify
 * and replay all come through here. Throws `EventDecodeError` on an event this code cannot read.
 */
export const toProjectedEvent = <P>(recorded: RecordedEvent<P>, codec: PositionCodec<P>): ProjectedEvent => {
  const { event, metadata } = decodeOrderEvent({
    type: recorded.type,
    data: recorded.data,
    metadata: recorded.metadata,
  });
  return {
    orderId: event.data.orderId,
    streamId: recorded.streamId,
    revision: recorded.revision,
    eventId: recorded.id,
    position: codec.serialize(recorded.position),
    storedAt: recorded.created,
    event,
    metadata,
  };
};

/** A venue cash movement as the projection applies it (see `read-models/cash-movements.ts`). */
export interface ProjectedCashEvent {
  readonly family: 'cash';
  readonly streamId: string;
  readonly revision: bigint;
  readonly eventId: string;
  readonly position: string;
  readonly storedAt: Date;
  /** When the OMS recorded it (its metadata's `recordedAt`; the store's time if it has none). */
  readonly recordedAt: string;
  readonly movement: CashMovementData;
}

/** A recorded mark price as the projection applies it (see `read-models/marks.ts`). */
export interface ProjectedMarkEvent {
  readonly family: 'mark';
  readonly streamId: string;
  readonly revision: bigint;
  readonly eventId: string;
  readonly position: string;
  readonly storedAt: Date;
  readonly mark: MarkPriceData;
}

/** What the read-model projection applies: order events, venue cash movements and marks. */
export type ProjectedItem = ProjectedEvent | ProjectedCashEvent | ProjectedMarkEvent;

export const isCashEvent = (item: ProjectedItem): item is ProjectedCashEvent =>
  'family' in item && item.family === 'cash';

export const isMarkEvent = (item: ProjectedItem): item is ProjectedMarkEvent =>
  'family' in item && item.family === 'mark';

export const isOrderEvent = (item: ProjectedItem): item is ProjectedEvent => !('family' in item);

/** Decodes a recorded order event, cash movement or mark; throws on an event this code cannot read. */
export const toProjectedItem = <P>(recorded: RecordedEvent<P>, codec: PositionCodec<P>): ProjectedItem => {
  if (recorded.type === MARK_PRICE_RECORDED) {
    return {
      family: 'mark',
      streamId: recorded.streamId,
      revision: recorded.revision,
      eventId: recorded.id,
      position: codec.serialize(recorded.position),
      storedAt: recorded.created,
      mark: MarkPriceDataSchema.parse(recorded.data),
    };
  }
  if (recorded.type !== CASH_MOVEMENT_RECORDED) return toProjectedEvent(recorded, codec);
  return {
    family: 'cash',
    streamId: recorded.streamId,
    revision: recorded.revision,
    eventId: recorded.id,
    position: codec.serialize(recorded.position),
    storedAt: recorded.created,
    recordedAt: recordedAtOf(recorded.metadata) ?? recorded.created.toISOString(),
    movement: CashMovementDataSchema.parse(recorded.data),
  };
};

const recordedAtOf = (metadata: unknown): string | undefined => {
  const parsed = EventMetadataSchema.shape.recordedAt.safeParse(
    (metadata as { recordedAt?: unknown } | null)?.recordedAt,
  );
  return parsed.success ? parsed.data : undefined;
};
