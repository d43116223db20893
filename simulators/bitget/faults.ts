/**
 * Fault injection of the local Bitget, driven by tests (and the service's fault suites) in process.
 * Every fault is explicit and counted, so scenarios are deterministic.
 */

export interface RequestMatch {
  /** e.g. `/api/v2/mix/order/place-order`; any path when absent. */
  path?: string;
  method?: 'GET' | 'POST';
}

interface Armed {
  remaining: number;
  match: RequestMatch;
}

export interface ReplyFault {
  kind: 'lose' | 'delay';
  delayMs: number;
}

export interface LocalBitgetFaults {
  /** The next `count` matching requests are carried out, then the connection is dropped without a reply. */
  loseReplies(count: number, match?: RequestMatch): void;
  /** The next `count` matching requests are carried out; the reply is held back for `delayMs`. */
  delayReplies(delayMs: number, count: number, match?: RequestMatch): void;
  /** The next `count` matching requests are refused with HTTP 429 / code 429, not carried out. */
  rateLimitBurst(count: number, match?: RequestMatch): void;
  /** The next `count` matching requests are refused with 40008 (timestamp expired), not carried out. */
  expireTimestamps(count: number, match?: RequestMatch): void;
  /** The next `count` matching requests get an HTTP `status` from "the gateway" (HTML body), not carried out. */
  failRequests(count: number, status?: number, match?: RequestMatch): void;
  /** The server's clock runs `ms` ahead of the real one (negative: behind), for every timestamp check. */
  setClockSkew(ms: number): void;
  /** Terminates every private WebSocket connection at once (no close frame), as a network failure. */
  dropPrivateSockets(): void;
  /** While blocked, WebSocket upgrades are refused (HTTP 503): the adapter cannot reconnect. */
  blockWebSockets(blocked: boolean): void;
  /** The next `count` pushes are sent twice. */
  duplicatePushes(count: number): void;
  /** The next `count` pushes are held and then sent in reverse order. */
  reorderPushes(count: number): void;
  /** Back to no faults. */
  reset(): void;
}

export class FaultState {
  private lose: Armed[] = [];
  private delay: (Armed & { delayMs: number })[] = [];
  private burst: Armed[] = [];
  private expire: Armed[] = [];
  private gateway: (Armed & { status: number })[] = [];
  clockSkewMs = 0;
  wsBlocked = false;
  duplicate = 0;
  reorder = 0;

  private static take<T extends Armed>(list: T[], method: string, path: string): T | undefined {
    const hit = list.find(
      (armed) =>
        armed.remaining > 0 &&
        (armed.match.path === undefined || armed.match.path === path) &&
        (armed.match.method === undefined || armed.match.method === method),
    );
    if (hit) hit.remaining -= 1;
    return hit;
  }

  /** Faults that refuse the request before it is carried out. */
  before(
    method: string,
    path: string,
  ): { kind: 'rate_limit' } | { kind: 'expired' } | { kind: 'gateway'; status: number } | undefined {
    if (FaultState.take(this.burst, method, path)) return { kind: 'rate_limit' };
    if (FaultState.take(this.expire, method, path)) return { kind: 'expired' };
    const gateway = FaultState.take(this.gateway, method, path);
    if (gateway) return { kind: 'gateway', status: gateway.status };
    return undefined;
  }

  /** Faults on the reply of a request that was carried out. */
  after(method: string, path: string): ReplyFault | undefined {
    if (FaultState.take(this.lose, method, path)) return { kind: 'lose', delayMs: 0 };
    const delayed = FaultState.take(this.delay, method, path);
    if (delayed) return { kind: 'delay', delayMs: delayed.delayMs };
    return undefined;
  }

  controls(hooks: { dropSockets: () => void; flushHeldPushes: () => void }): LocalBitgetFaults {
    return {
      loseReplies: (count, match = {}) => this.lose.push({ remaining: count, match }),
      delayReplies: (delayMs, count, match = {}) => this.delay.push({ remaining: count, match, delayMs }),
      rateLimitBurst: (count, match = {}) => this.burst.push({ remaining: count, match }),
      expireTimestamps: (count, match = {}) => this.expire.push({ remaining: count, match }),
      failRequests: (count, status = 502, match = {}) =>
        this.gateway.push({ remaining: count, match, status }),
      setClockSkew: (ms) => {
        this.clockSkewMs = ms;
      },
      dropPrivateSockets: hooks.dropSockets,
      blockWebSockets: (blocked) => {
        this.wsBlocked = blocked;
      },
      duplicatePushes: (count) => {
        this.duplicate = count;
      },
      reorderPushes: (count) => {
        this.reorder = count;
      },
      reset: () => {
        this.lose = [];
        this.delay = [];
        this.burst = [];
        this.expire = [];
        this.gateway = [];
        this.clockSkewMs = 0;
        this.wsBlocked = false;
        this.duplicate = 0;
        this.reorder = 0;
        hooks.flushHeldPushes();
      },
    };
  }
}
