import { z } from 'zod';
import { text } from './wire-scalars.ts';

/** zod schemas of the private WebSocket: the login and subscribe ops sent (strict), the events and pushes received. */

export const WsArgSchema = z.looseObject({
  instType: z.string(),
  channel: z.string(),
  instId: z.string().optional(),
});
export type WsArg = z.output<typeof WsArgSchema>;

export const WsLoginOpSchema = z
  .object({
    op: z.literal('login'),
    args: z
      .array(
        z
          .object({ apiKey: z.string(), passphrase: z.string(), timestamp: z.string(), sign: z.string() })
          .strict(),
      )
      .length(1),
  })
  .strict();
export type WsLoginOp = z.infer<typeof WsLoginOpSchema>;

export const WsSubscribeOpSchema = z
  .object({
    op: z.enum(['subscribe', 'unsubscribe']),
    args: z
      .array(z.object({ instType: z.string(), channel: z.string(), instId: z.string() }).strict())
      .min(1),
  })
  .strict();
export type WsSubscribeOp = z.infer<typeof WsSubscribeOpSchema>;

/** `{"event":"login","code":0,"msg":""}` (code a number in recorded traffic, a string in some libraries). */
export const WsEventSchema = z.looseObject({
  event: z.string(),
  code: text.optional(),
  msg: z.string().nullish(),
  arg: WsArgSchema.optional(),
});
export type WsEvent = z.output<typeof WsEventSchema>;

export const WsPushSchema = z.looseObject({
  action: z.string().optional(),
  arg: WsArgSchema,
  data: z
    .array(z.unknown())
    .nullish()
    .transform((items) => items ?? []),
  ts: text.optional(),
});
export type WsPush = z.output<typeof WsPushSchema>;
