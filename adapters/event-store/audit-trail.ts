import { z } from 'zod';

/**
 * The tamper-evident audit trail every store keeps: each event carries a SHA-256 over the hash of
 * the event before it in its stream and its own content, computed when it is recorded. Each store
 * verifies its own chains (the SQL stores in the database, EventStoreDB over `$all`).
 */

/** Where a chain stops matching, and how. */
export interface AuditBreach {
  readonly streamId: string;
  readonly revision: string;
  /** `hash`: the event's content or its link was changed; `gap`: an event before it is missing;
   * `tail`: the stream's last events are missing; `head`: the chain differs from an exported head. */
  readonly problem: 'hash' | 'gap' | 'tail' | 'head';
  readonly detail: string;
}

export interface AuditReport {
  readonly streams: number;
  readonly events: number;
  /** The first breach (SQL stores: streams by id, events by revision; EventStoreDB: `$all` order). */
  readonly firstBreach: AuditBreach | undefined;
}

/** A stream's last event and its hash: kept elsewhere, it catches a chain rewritten whole. */
export const ChainHeadSchema = z
  .object({ streamId: z.string(), revision: z.string(), hash: z.string() })
  .strict();
export type ChainHead = z.infer<typeof ChainHeadSchema>;

export const BREACH_DETAIL = {
  hash: 'the event’s content or its link to the event before it was changed',
  gap: 'an event before it is missing (deleted, or moved)',
  tail: 'the stream’s last events are missing (the stream says there are more)',
} as const;

/** What `oms audit` needs of a store. */
export interface AuditTrail {
  /** Recomputes every chain in bounded memory; the first breach, if any. */
  verify(options?: {
    onProgress?: (events: number) => void;
    /** Only the streams whose id starts with this (one account's, one kind's). */
    streamPrefix?: string;
  }): Promise<AuditReport>;
  /** Every stream's head, to export (EventStoreDB may also list earlier heads of a stream). */
  heads(): AsyncIterable<ChainHead>;
  /** The first exported head the store no longer holds as it was. */
  checkHeads(heads: AsyncIterable<ChainHead>): Promise<AuditBreach | undefined>;
}

/**
 * The first exported head a store no longer holds as it was: `hashAt` gives the hash the store has
 * at the head's revision (undefined: no such event).
 */
export async function firstChangedHead(
  heads: AsyncIterable<ChainHead>,
  hashAt: (head: ChainHead) => Promise<string | undefined>,
): Promise<AuditBreach | undefined> {
  for await (const head of heads) {
    const found = await hashAt(head);
    if (found !== head.hash) {
      return {
        streamId: head.streamId,
        revision: head.revision,
        problem: 'head',
        detail:
          found === undefined
            ? 'the event the exported head names is gone'
            : 'the chain was rewritten since the heads were exported (its hash differs)',
      };
    }
  }
  return undefined;
}
