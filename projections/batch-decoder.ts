import type { PositionCodec, RecordedEvent } from '../application/ports/event-store.ts';
import { type ProjectedItem, toProjectedItem } from './events.ts';
import { HandlerError } from './runner-types.ts';

/**
 * Decodes recorded events for the projection, ahead of time where it can: a page is decoded while
 * the previous one is written. Kept by identity, at most two pages, each let go once applied.
 */
export class BatchDecoder<P> {
  readonly #codec: PositionCodec<P>;
  readonly #ahead = new Map<RecordedEvent<P>, ProjectedItem>();

  constructor(codec: PositionCodec<P>) {
    this.#codec = codec;
  }

  /** Decodes a page ahead; an event that fails is left for `decode`, which reports it. */
  ahead(events: readonly RecordedEvent<P>[]): void {
    for (const recorded of events) {
      try {
        this.#ahead.set(recorded, toProjectedItem(recorded, this.#codec));
      } catch {
        return;
      }
    }
  }

  /** The events decoded; an event that cannot be is a handler error naming it. */
  decode(events: readonly RecordedEvent<P>[]): ProjectedItem[] {
    const decoded: ProjectedItem[] = [];
    for (const recorded of events) {
      try {
        decoded.push(this.#ahead.get(recorded) ?? toProjectedItem(recorded, this.#codec));
      } catch (error) {
        throw new HandlerError(
          recorded as RecordedEvent<unknown>,
          this.#codec.serialize(recorded.position),
          error,
        );
      }
    }
    return decoded;
  }

  delete(event: RecordedEvent<P>): void {
    this.#ahead.delete(event);
  }

  clear(): void {
    this.#ahead.clear();
  }
}
