import { z } from 'zod';
import { InvalidCursorError } from '../../application/ports/queries.ts';

/**
 * The API's keyset cursors: the last row's sort key (a time and a tie-breaker), as opaque text. A
 * cursor the API never returned is the client's mistake (`InvalidCursorError`, a 400).
 */
export function keysetCursor(tieBreaker: z.ZodType<string>) {
  const schema = z.tuple([z.iso.datetime(), tieBreaker]);
  return {
    encode: (time: string, tie: string): string =>
      Buffer.from(JSON.stringify([time, tie])).toString('base64url'),
    decode: (cursor: string): [string, string] => {
      try {
        return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))) as [
          string,
          string,
        ];
      } catch {
        throw new InvalidCursorError('the cursor is not one this API returned');
      }
    },
  };
}
