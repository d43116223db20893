import type { z } from 'zod';
import type { VenueReport } from '../../../application/ports/venue.ts';
import type { BitgetContext } from './context.ts';
import { FillSchema, WsOrderSchema, PositionSchema as WsPositionSchema } from './wire.ts';
import { describeIssues } from './wire-scalars.ts';
import type { ReceivedPush } from './ws-client.ts';

/**
 * The private channels' pushes as reports: `orders` become order reports, `fill` fills, and
 * `positions` one report with the open positions. An item that does not match its schema is
 * logged, naming the field; the others of its push still count.
 */
export function reportsOf(context: BitgetContext, { push, receivedAt }: ReceivedPush): VenueReport[] {
  const { logger } = context;
  const each = <S extends z.ZodType, R>(what: string, schema: S, read: (parsed: z.output<S>) => R[]) =>
    push.data.flatMap((item) => {
      const parsed = schema.safeParse(item);
      if (parsed.success) return read(parsed.data);
      logger.error(
        { problem: describeIssues(parsed.error, `${what} push`) },
        `bitget: unreadable ${what} push`,
      );
      return [];
    });

  switch (push.arg.channel) {
    case 'orders':
      return each('orders', WsOrderSchema, (order) => [
        { kind: 'order', order: context.snapshot(order, receivedAt), receivedAt },
      ]);
    case 'fill':
      return each('fill', FillSchema, (fill) => [
        { kind: 'fill', fill: context.fill(fill, context.marginCoin), receivedAt },
      ]);
    case 'positions': {
      const positions = each('positions', WsPositionSchema, (position) =>
        position.total.isZero() ? [] : [context.position(position)],
      );
      return [{ kind: 'positions', positions, receivedAt }];
    }
    default:
      return [];
  }
}
