import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type Break,
  type BreakBook,
  type BreakCommand,
  type BreakEvent,
  BreakEventSchema,
  type BreakFacts,
  type BreakKind,
  breaksStreamId,
  decideBreak,
  emptyBreakBook,
  evolveBreaks,
  notSeenAgain,
} from '../../domain/reconciliation/breaks.ts';
import { type Decider, handleCommand, loadStream } from '../command-handler.ts';
import { deterministicId, eventIdFor } from '../orders/ids.ts';
import type { EventStore } from '../ports/event-store.ts';

const breakDecider: Decider<BreakCommand, BreakEvent, BreakBook> = {
  initialState: emptyBreakBook,
  decide: decideBreak,
  evolve: evolveBreaks,
  decode: (recorded) => BreakEventSchema.parse({ type: recorded.type, data: recorded.data }),
};

/** A venue account: whose books are compared. */
export interface AccountRef {
  readonly venue: string;
  readonly account: string;
}

/** A break as the API and the CLI show it. */
export type BreakView = Break & AccountRef;

/** The id of a break: the same difference found again is the same break. */
export const breakIdOf = (ref: AccountRef, kind: BreakKind, subject: string): string =>
  deterministicId('break', ref.venue, ref.account, kind, subject);

export interface BreakRecorderOptions<P> {
  readonly store: EventStore<P>;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Records reconciliation breaks per venue account through the generic command handler, and reads
 * them back from their streams (always current: another process may have found or resolved one).
 */
export class BreakRecorder<P> {
  readonly #o: BreakRecorderOptions<P>;

  constructor(options: BreakRecorderOptions<P>) {
    this.#o = options;
  }

  /** Opens each break (a break open with the same figures records nothing). Returns those found now. */
  async found(ref: AccountRef, facts: readonly Omit<BreakFacts, 'breakId'>[]): Promise<number> {
    let found = 0;
    for (const f of facts) {
      const data = { ...f, breakId: breakIdOf(ref, f.kind, f.subject) };
      const handled = await this.#handle(ref, { type: 'OpenBreak', data }, 'reconciliation', f.foundBy);
      if (handled > 0) {
        found += 1;
        this.#o.logger.warn({ venue: ref.venue, account: ref.account, break: data }, 'reconciliation break');
      }
    }
    return found;
  }

  /**
   * Closes the open breaks of the re-checked kinds that a complete run (`runId`) no longer saw:
   * the venue's own figures are the evidence.
   */
  async recheck(ref: AccountRef, seen: ReadonlySet<string>, runId: string): Promise<number> {
    const book = (await loadStream(this.#o.store, breaksStreamId(ref.venue, ref.account), breakDecider))
      .state;
    let resolved = 0;
    for (const b of notSeenAgain(book, seen)) {
      const data = {
        breakId: b.breakId,
        resolution: 'evidence' as const,
        reason: `reconciliation run ${runId} found the venue in agreement`,
        by: 'reconciliation',
      };
      resolved += await this.#handle(ref, { type: 'ResolveBreak', data }, 'reconciliation', runId);
    }
    return resolved;
  }

  /** An operator closes an open break, with a reason; false when no such break is open. */
  async resolve(ref: AccountRef, breakId: string, reason: string, by: string): Promise<boolean> {
    const data = { breakId, resolution: 'operator' as const, reason, by };
    return (await this.#handle(ref, { type: 'ResolveBreak', data }, 'client', by)) > 0;
  }

  /** The breaks of these accounts, open ones first, then newest first within each. */
  async list(refs: readonly AccountRef[], status?: Break['status']): Promise<BreakView[]> {
    const all: BreakView[] = [];
    for (const ref of refs) {
      const { state } = await loadStream(this.#o.store, breaksStreamId(ref.venue, ref.account), breakDecider);
      for (const b of state.values())
        if (status === undefined || b.status === status) all.push({ ...ref, ...b });
    }
    return all.sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1));
  }

  async #handle(
    ref: AccountRef,
    command: BreakCommand,
    source: string,
    causationId: string,
  ): Promise<number> {
    const commandId = randomUUID();
    const recordedAt = new Date(this.#o.now()).toISOString();
    const by = command.type === 'ResolveBreak' ? command.data.by : 'reconciliation';
    const handled = await handleCommand(
      {
        store: this.#o.store,
        envelope: (_event, i) => ({
          id: eventIdFor(commandId, i),
          metadata: { commandId, recordedAt, source, by, causationId, correlationId: causationId },
        }),
      },
      breaksStreamId(ref.venue, ref.account),
      breakDecider,
      command,
    );
    return handled.events.length;
  }
}
