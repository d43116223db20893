import { type AllStreamResolvedEvent, type EventStoreDBClient, FORWARDS, START } from '@eventstore/db-client';
import {
  type AuditBreach,
  type AuditTrail,
  BREACH_DETAIL,
  type ChainHead,
  firstChangedHead,
} from '../audit-trail.ts';
import { chainHash, type Tip, TipWindow } from './esdb-chain.ts';
import type { ReadLinks } from './esdb-chained-append.ts';
import { isSystem, toChainedEvent } from './esdb-mapping.ts';

/**
 * The audit trail on EventStoreDB: `$all` read once, forwards; each event's hash recomputed from
 * the hash of the event before it in its stream. Memory stays bounded: the tips of the most
 * recently seen streams are kept (`streamWindow`), and the event before one that was pushed out
 * is read back from its stream. Events recorded before the chain existed carry no hash; a chain
 * starts at the first event that does.
 */
export function esdbAuditTrail(
  client: EventStoreDBClient,
  readLinks: ReadLinks,
  options: { streamWindow?: number } = {},
): AuditTrail {
  const capacity = options.streamWindow ?? 100_000;

  async function* events(streamPrefix = '') {
    for await (const resolved of client.readAll({
      direction: FORWARDS,
      fromPosition: START,
    }) as AsyncIterable<AllStreamResolvedEvent>) {
      const e = resolved.event;
      if (e && !isSystem(e.streamId, e.type) && e.streamId.startsWith(streamPrefix))
        yield toChainedEvent(resolved);
    }
  }

  /** The event before `revision` in the stream, when the window no longer holds it. */
  const before = async (streamId: string, revision: bigint): Promise<Tip | undefined> => {
    const [link] = await readLinks(streamId, { from: revision - 1n, direction: 'forwards', maxCount: 1 });
    return link && link.revision === revision - 1n ? { revision: link.revision, hash: link.hash } : undefined;
  };

  const breach = (streamId: string, revision: bigint, problem: 'hash' | 'gap'): AuditBreach => ({
    streamId,
    revision: revision.toString(),
    problem,
    detail: BREACH_DETAIL[problem],
  });

  return {
    async verify({ onProgress, streamPrefix } = {}) {
      const window = new TipWindow(capacity);
      let streams = 0;
      let count = 0;
      for await (const event of events(streamPrefix)) {
        const { streamId, revision } = event;
        count += 1;
        if (count % 1000 === 0) onProgress?.(count);
        const seen = window.get(streamId);
        const prior = revision === 0n ? undefined : (seen ?? (await before(streamId, revision)));
        const inPlace = revision === 0n ? seen === undefined : prior?.revision === revision - 1n;
        if (!inPlace) return { streams, events: count, firstBreach: breach(streamId, revision, 'gap') };
        if (revision === 0n) streams += 1;
        const previous = prior?.hash;
        // An event without a hash after one with a hash: the chain was stripped from it.
        const holds =
          event.hash === undefined ? previous === undefined : chainHash(previous, event) === event.hash;
        if (!holds) return { streams, events: count, firstBreach: breach(streamId, revision, 'hash') };
        window.set(streamId, { revision, hash: event.hash });
      }
      onProgress?.(count);
      return { streams, events: count, firstBreach: undefined };
    },

    async *heads(): AsyncGenerator<ChainHead> {
      const window = new TipWindow(capacity);
      const head = ([streamId, tip]: [string, Tip]): ChainHead[] =>
        tip.hash === undefined ? [] : [{ streamId, revision: tip.revision.toString(), hash: tip.hash }];
      for await (const event of events()) {
        // A stream pushed out of the window is written out as far as it was read (an earlier head
        // of it: still a point its chain must keep); it is written again if it comes back.
        const out = window.set(event.streamId, { revision: event.revision, hash: event.hash });
        if (out) yield* head(out);
      }
      for (const entry of window.entries()) yield* head(entry);
    },

    checkHeads: (heads) =>
      firstChangedHead(heads, async (head) => {
        const revision = BigInt(head.revision);
        const [link] = await readLinks(head.streamId, { from: revision, direction: 'forwards', maxCount: 1 });
        return link?.revision === revision ? link.hash : undefined;
      }),
  };
}
