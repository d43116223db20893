/**
 * Fault injection for the local Deribit, driven in-process by tests (and by the service's fault
 * suites). Each fault is explicit and counted, so a scenario is deterministic.
 */

export interface MethodMatch {
  /** Only requests of this method (all methods when absent). */
  method?: string;
  /** How many requests the fault applies to (default 1). */
  count?: number;
}

export type ReplyFault =
  /** Answer this error instead of carrying the request out. */
  | { kind: 'error'; code: number; message: string; data: unknown; closeAfter: boolean }
  /** Carry the request out, never reply. */
  | { kind: 'drop' }
  /** Carry the request out, reply after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Close the socket when the request arrives; carry it out first when `process`. */
  | { kind: 'close'; process: boolean }
  /** Carry the request out and reply with a result that misses a required field. */
  | { kind: 'mangle' };

interface Armed {
  match: string | undefined;
  remaining: number;
  fault: ReplyFault;
}

/** Deribit's message for the codes tests inject. */
const MESSAGES: Readonly<Record<number, string>> = {
  10028: 'too_many_requests',
  10040: 'retry',
  10041: 'settlement_in_progress',
  10047: 'matching_engine_queue_full',
  11051: 'system_maintenance',
  10001: 'error',
};

export interface LocalDeribitFaults {
  /** Answer `code` (with Deribit's message) to the next matching request(s), without carrying them out. 10028 also drops the session, as Deribit does, unless `closeAfter: false`. */
  failNext(
    code: number,
    options?: MethodMatch & { message?: string; data?: unknown; closeAfter?: boolean },
  ): void;
  /** Carry out the next matching request(s) but never send the reply (F5: accepted, reply lost). */
  dropReply(options?: MethodMatch): void;
  /** Carry out the next matching request(s) and send the reply after `ms`. */
  delayReply(ms: number, options?: MethodMatch): void;
  /** Close the socket when the next matching request arrives: after carrying it out (default) or before. */
  closeOnRequest(options?: MethodMatch & { process?: boolean }): void;
  /** Carry out the next matching request(s) and reply with a result that lacks a required field (`order.order_state`). */
  mangleReply(options?: MethodMatch): void;
  /** Terminate every WebSocket connection now (mid-stream). */
  closeConnections(): void;
  /** Refuse new WebSocket connections (HTTP 503 on upgrade) while on. */
  refuseConnections(on: boolean): void;
  /** Lose the next `count` push notifications while the socket stays up (a push that never arrives). */
  dropPushes(count: number): void;
  /** Send each of the next `count` push notifications twice. */
  duplicatePushes(count: number): void;
  /** Hold the next `count` push notifications of a connection and deliver them in reverse order. */
  reorderPushes(count: number): void;
  /** Send the pushes a request causes before its reply (default: after). */
  pushesBeforeReply(on: boolean): void;
  /** Existing connections go silent: nothing is sent, requests are ignored (a dead link). */
  blackhole(on: boolean): void;
  /** Send a heartbeat `test_request` on every connection now. */
  sendTestRequest(): void;
  /** Disarm everything. */
  reset(): void;
}

/** The armed faults, consulted by the server. */
export class FaultPlan {
  private armed: Armed[] = [];
  duplicateCount = 0;
  reorderCount = 0;
  dropCount = 0;
  pushesFirst: boolean;
  refusing = false;
  blackholed = false;

  constructor(pushesFirst: boolean) {
    this.pushesFirst = pushesFirst;
  }

  arm(fault: ReplyFault, options: MethodMatch = {}): void {
    this.armed.push({ match: options.method, remaining: options.count ?? 1, fault });
  }

  /** The fault for this request, if one is armed for it (consumes one use). */
  take(method: string): ReplyFault | undefined {
    const index = this.armed.findIndex((a) => a.match === undefined || a.match === method);
    if (index < 0) return undefined;
    const armed = this.armed[index]!;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return armed.fault;
  }

  errorFault(code: number, options: { message?: string; data?: unknown; closeAfter?: boolean }): ReplyFault {
    return {
      kind: 'error',
      code,
      message: options.message ?? MESSAGES[code] ?? 'error',
      data: options.data ?? null,
      closeAfter: options.closeAfter ?? code === 10028,
    };
  }

  reset(pushesFirst: boolean): void {
    this.armed = [];
    this.duplicateCount = 0;
    this.reorderCount = 0;
    this.dropCount = 0;
    this.pushesFirst = pushesFirst;
    this.refusing = false;
    this.blackholed = false;
  }

  /** Sends pushes through the armed faults: dropped, held (in `held`) and sent reversed, or duplicated. */
  deliver(held: string[], texts: readonly string[], send: (text: string) => void): void {
    for (const text of texts) {
      if (this.dropCount > 0) {
        this.dropCount -= 1;
        continue;
      }
      if (this.reorderCount > 0) {
        held.push(text);
        this.reorderCount -= 1;
        if (this.reorderCount === 0) for (const message of held.splice(0).reverse()) send(message);
        continue;
      }
      send(text);
      if (this.duplicateCount > 0) {
        this.duplicateCount -= 1;
        send(text);
      }
    }
  }
}
