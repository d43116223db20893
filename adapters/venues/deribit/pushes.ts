import type { z } from 'zod';
import type { UnreadableWhat, VenueReport } from '../../../application/ports/venue.ts';
import { readEach } from '../read-each.ts';
import { orderSnapshot, venueFill } from './mapping.ts';
import type { DeribitContext } from './options.ts';
import { describeIssues, type Notification, WireOrderSchema, WireTradeSchema } from './schemas.ts';

/**
 * Deribit's subscription pushes as reports: `user.orders.*` become order reports, `user.trades.*`
 * fills (they may arrive before the reply of the request that caused them). Each object of a push
 * is read on its own: one that does not match its schema is logged, naming the field, counted, and
 * handed over as an `unreadable` report with its text; the others of its batch still count.
 */

type Subscription = Extract<Notification, { method: 'subscription' }>;

export const CHANNELS = ['user.orders.any.any.raw', 'user.trades.any.any.raw'];

export interface PushReader {
  /** The reports a subscription push carries. */
  reportsOf(notification: Subscription): VenueReport[];
  /** Pushes that did not match their schema so far. */
  readonly protocolErrors: number;
}

export function createPushReader({ account, logger, now }: DeribitContext): PushReader {
  let protocolErrors = 0;

  const each = <S extends z.ZodType>(
    channel: string,
    what: UnreadableWhat,
    data: unknown,
    schema: S,
    report: (parsed: z.output<S>, raw: unknown) => VenueReport,
  ): VenueReport[] => {
    const elements = Array.isArray(data) ? data : [data];
    const options = { venue: 'deribit', account, what, source: channel, describe: describeIssues } as const;
    const { items, unreadable } = readEach(elements, schema, options, (parsed, raw) => [report(parsed, raw)]);
    protocolErrors += unreadable.length;
    const receivedAt = new Date(now()).toISOString();
    for (const item of unreadable) logger.error({ channel, issues: item.error }, 'deribit: unreadable push');
    return [...items, ...unreadable.map((item): VenueReport => ({ kind: 'unreadable', item, receivedAt }))];
  };

  return {
    reportsOf({ params: { channel, data } }) {
      const receivedAt = new Date(now()).toISOString();
      if (channel.startsWith('user.orders.')) {
        return each(channel, 'order', data, WireOrderSchema, (order, raw) => ({
          kind: 'order',
          order: orderSnapshot(account, order, raw),
          receivedAt,
        }));
      }
      if (channel.startsWith('user.trades.')) {
        return each(channel, 'fill', data, WireTradeSchema, (trade, raw) => ({
          kind: 'fill',
          fill: venueFill(account, trade, raw),
          receivedAt,
        }));
      }
      logger.debug({ channel }, 'deribit: notification on a channel not handled');
      return [];
    },
    get protocolErrors() {
      return protocolErrors;
    },
  };
}
