import type { z } from 'zod';
import type { UnreadableWhat, VenueReport } from '../../../application/ports/venue.ts';
import type { BitgetContext } from './context.ts';
import { FillSchema, WsOrderSchema, PositionSchema as WsPositionSchema } from './wire.ts';
import type { ReceivedPush } from './ws-client.ts';

/**
 * The private channels' pushes as reports: `orders` become order reports, `fill` fills, and
 * `positions` one report with the open positions. An item that does not match its schema is
 * logged, naming the field, and handed over as an `unreadable` report with its text (after the
 * push's readable reports); the others of its push still count.
 */
export function reportsOf(context: BitgetContext, { push, receivedAt }: ReceivedPush): VenueReport[] {
  const each = <S extends z.ZodType, R>(
    what: UnreadableWhat,
    schema: S,
    read: (parsed: z.output<S>) => R[],
  ) => context.readEach(what, `${push.arg.channel} push`, push.data, schema, read);

  switch (push.arg.channel) {
    case 'orders':
      return each('order', WsOrderSchema, (order): VenueReport[] => [
        { kind: 'order', order: context.snapshot(order, receivedAt), receivedAt },
      ]);
    case 'fill':
      return each('fill', FillSchema, (fill): VenueReport[] => [
        { kind: 'fill', fill: context.fill(fill, context.marginCoin), receivedAt },
      ]);
    case 'positions': {
      const positions = each('position', WsPositionSchema, (position) =>
        position.total.isZero() ? [] : [context.position(position)],
      );
      return [{ kind: 'positions', positions, receivedAt }];
    }
    default:
      return [];
  }
}
