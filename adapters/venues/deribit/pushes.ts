import type { z } from 'zod';
import type { VenueReport } from '../../../application/ports/venue.ts';
import { orderSnapshot, venueFill } from './mapping.ts';
import type { DeribitContext } from './options.ts';
import { describeIssues, type Notification, WireOrderSchema, WireTradeSchema } from './schemas.ts';

/**
 * Deribit's subscription pushes as reports: `user.orders.*` become order reports, `user.trades.*`
 * fills (they may arrive before the reply of the request that caused them). A push that does not
 * match its schema is logged, naming the field, and counted; the others of its batch still count.
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
    data: unknown,
    schema: S,
    report: (parsed: z.output<S>, raw: unknown) => VenueReport,
  ): VenueReport[] =>
    (Array.isArray(data) ? data : [data]).flatMap((raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) return [report(parsed.data, raw)];
      protocolErrors += 1;
      logger.error({ channel, issues: describeIssues(parsed.error, raw) }, 'deribit: unreadable push');
      return [];
    });

  return {
    reportsOf({ params: { channel, data } }) {
      const receivedAt = new Date(now()).toISOString();
      if (channel.startsWith('user.orders.')) {
        return each(channel, data, WireOrderSchema, (order, raw) => ({
          kind: 'order',
          order: orderSnapshot(account, order, raw),
          receivedAt,
        }));
      }
      if (channel.startsWith('user.trades.')) {
        return each(channel, data, WireTradeSchema, (trade, raw) => ({
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
