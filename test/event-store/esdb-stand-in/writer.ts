import type { AppendOutcome, EventLog, ExpectedVersion, ProposedEvent } from './log.ts';

/**
 * The stand-in's storage writer: appends are written one at a time, in arrival order, as
 * EventStoreDB's single writer does; a write may be slow (a test says so), the server's write
 * timeout answers for it meanwhile, and faults stand for what a real server does under trouble.
 * No gRPC here: the append service turns the answers into each RPC's messages.
 */

/** A fault to inject on the next append: how a real append fails without saying whether it was written. */
export interface AppendFault {
  /**
   * `before-write`: nothing is written. `after-write`: written, but the client never hears of it.
   * `not-ready` and `busy` are always refused before the write.
   */
  readonly when: 'before-write' | 'after-write';
  /**
   * `unavailable`: the call ends with UNAVAILABLE, as when the connection is lost (on BatchAppend the
   * whole stream fails, with every append in flight on it). `timeout`: the server's write timeout
   * (BatchAppend answers that append with a `Timeout` status; Append ends with ABORTED
   * "Operation timed out", EventStoreDB's `RpcExceptions.Timeout`). `not-ready` / `busy`: a node
   * starting up or overloaded ("Server Is Not Ready" / "Server Is Busy").
   */
  readonly kind: 'unavailable' | 'timeout' | 'not-ready' | 'busy';
}

export interface PendingWrite {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly ProposedEvent[];
  /** When the client stops waiting (BatchAppend sends it in the options; Append as the call's deadline). */
  readonly deadline?: Date | undefined;
}

export type WriteAnswer =
  | { readonly kind: 'written'; readonly outcome: AppendOutcome }
  /** A fault (see AppendFault) instead of the outcome. */
  | { readonly kind: 'fault'; readonly fault: AppendFault }
  /** The deadline had passed before the write began, or the write outlasted the write timeout. */
  | { readonly kind: 'timed-out' };

export interface Writer {
  readonly log: EventLog;
  /** Faults for the next appends, consumed in order. */
  readonly faults: AppendFault[];
  /** How long the next appends' writes take, in ms, consumed in order (0 when none is left). */
  readonly writeDelays: number[];
  /** EventStoreDB's `WriteTimeoutMs` (2000 by default): a write taking longer is answered Timeout. */
  readonly writeTimeoutMs: number;
  /** The last write queued: the next one starts when it ends. */
  tail: Promise<void>;
}

export const createWriter = (log: EventLog, writeTimeoutMs: number): Writer => ({
  log,
  faults: [],
  writeDelays: [],
  writeTimeoutMs,
  tail: Promise.resolve(),
});

/**
 * Takes one append through the writer and calls `answer` once: refused at once when a not-ready or
 * busy fault is due or its deadline has passed; else queued behind the writes before it, written
 * after its delay (even when the write timeout answered first: the write was under way), and
 * answered with its outcome or its fault.
 */
export const submitWrite = (writer: Writer, write: PendingWrite, answer: (answer: WriteAnswer) => void) => {
  const fault = writer.faults.shift();
  if (fault && (fault.kind === 'not-ready' || fault.kind === 'busy')) return answer({ kind: 'fault', fault });
  const delay = writer.writeDelays.shift() ?? 0;
  const work = async () => {
    if (write.deadline && write.deadline.getTime() <= Date.now()) return answer({ kind: 'timed-out' });
    let answered = false;
    const once = (result: WriteAnswer) => {
      if (answered) return;
      answered = true;
      answer(result);
    };
    const timeout =
      delay > writer.writeTimeoutMs
        ? setTimeout(() => once({ kind: 'timed-out' }), writer.writeTimeoutMs)
        : undefined;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    clearTimeout(timeout);
    if (fault?.when === 'before-write') return once({ kind: 'fault', fault });
    const outcome = writer.log.append(write.streamId, write.expected, write.events);
    once(fault ? { kind: 'fault', fault } : { kind: 'written', outcome });
  };
  writer.tail = writer.tail.then(work).catch((error: unknown) => console.error('stand-in writer:', error));
};
