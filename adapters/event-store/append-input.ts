import { z } from 'zod';
import { InvalidAppendError } from './errors.ts';
import {
  type EventToAppend,
  type ExpectedRevision,
  eventToAppendSchema,
  expectedRevisionSchema,
  streamIdSchema,
} from './port.ts';

const appendInputSchema = z.object({
  streamId: streamIdSchema,
  events: z.array(eventToAppendSchema).min(1, 'an append needs at least one event'),
  expectedRevision: expectedRevisionSchema,
});

/** Every adapter checks an append the same way before it reaches its driver. */
export const checkAppendInput = (
  streamId: string,
  events: readonly EventToAppend[],
  expectedRevision: ExpectedRevision,
): void => {
  const input = appendInputSchema.safeParse({ streamId, events, expectedRevision });
  if (!input.success) throw new InvalidAppendError(z.prettifyError(input.error), { cause: input.error });
};
