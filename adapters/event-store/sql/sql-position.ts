import type { PositionCodec } from '../../../application/ports/event-store.ts';

/**
 * A position in `$all` on PostgreSQL and PGlite: the writing transaction's id (xid8) and the
 * event's global position. `$all` is ordered by (tx, gp), not by gp alone.
 */
export interface SqlPosition {
  readonly tx: bigint;
  readonly gp: bigint;
}

const width = 20; // both are unsigned 64-bit at most: 18446744073709551615
const pattern = /^(\d{20})-(\d{20})$/;

export const sqlPositions: PositionCodec<SqlPosition> = {
  start: { tx: 0n, gp: 0n },
  compare: (a, b) => (a.tx !== b.tx ? (a.tx < b.tx ? -1 : 1) : a.gp === b.gp ? 0 : a.gp < b.gp ? -1 : 1),
  // Fixed-width so that the text sorts like the position (e.g. in a checkpoint column).
  serialize: (p) => `${p.tx.toString().padStart(width, '0')}-${p.gp.toString().padStart(width, '0')}`,
  parse: (text) => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`not a PostgreSQL event-store position: ${JSON.stringify(text)}`);
    return { tx: BigInt(match[1]!), gp: BigInt(match[2]!) };
  },
};
