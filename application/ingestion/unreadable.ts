import type { Logger } from 'pino';
import { type VenueInputUnreadable, venueAnomalyStream } from '../../domain/venue/venue-anomaly.ts';
import { orderIdFromClientOrderId } from '../orders/client-order-id.ts';
import { deterministicId } from '../orders/ids.ts';
import type { EventStore } from '../ports/event-store.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { UnreadableItem } from '../ports/venue.ts';

/**
 * Records an object a venue sent that its adapter could not read, with its text: an event in the
 * venue account's anomaly stream, naming our order when the text names one (Deribit `label` /
 * Bitget `clientOid` made by this OMS, or a venue order id the read model knows). The event id is
 * derived from the venue, the account and the text, so the same object seen twice (a push, then
 * the same order in a reconciliation reply) is recorded once. Never pauses anything.
 */
export interface UnreadableRecorder {
  record(item: UnreadableItem, receivedAt: string): Promise<number>;
}

/** How ingestion is given the recorder (without it, unreadable reports are dropped). */
export interface UnreadableOptions {
  unreadable?: UnreadableRecorder;
}

const CLIENT_ID_FIELDS = ['label', 'clientOid', 'clientOrderId'];
const VENUE_ID_FIELDS = ['order_id', 'orderId'];

export function createUnreadableRecorder<P>(deps: {
  store: EventStore<P>;
  readModel: Pick<ServiceReadModel, 'orderIdByVenueOrderId'>;
  logger: Logger;
}): UnreadableRecorder {
  const orderIdOf = async (item: UnreadableItem): Promise<string | undefined> => {
    const fields = objectOf(item.raw);
    for (const key of CLIENT_ID_FIELDS) {
      const ours = orderIdFromClientOrderId(textOf(fields[key]));
      if (ours !== undefined) return ours;
    }
    for (const key of VENUE_ID_FIELDS) {
      const venueOrderId = textOf(fields[key]);
      if (venueOrderId === undefined) continue;
      const found = await deps.readModel.orderIdByVenueOrderId(item.venue, item.account, venueOrderId);
      if (found !== undefined) return found;
    }
    return undefined;
  };

  return {
    async record(item, receivedAt) {
      const orderId = await orderIdOf(item);
      deps.logger.error(
        { venue: item.venue, account: item.account, what: item.what, orderId, problem: item.error },
        'unreadable venue object recorded as an anomaly',
      );
      const event: VenueInputUnreadable = {
        type: 'VenueInputUnreadable',
        data: {
          venue: item.venue,
          account: item.account,
          what: item.what,
          source: item.source,
          raw: item.raw,
          error: item.error.slice(0, 2000),
          ...(orderId !== undefined && { orderId }),
          receivedAt,
        },
      };
      const id = deterministicId('unreadable', item.venue, item.account, item.raw);
      const metadata = { recordedAt: receivedAt, source: 'venue', correlationId: id };
      await deps.store.append(
        venueAnomalyStream(item.venue, item.account),
        [{ id, type: event.type, data: event.data, metadata }],
        { expectedRevision: 'any' },
      );
      return 1;
    },
  };
}

function objectOf(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;
}
