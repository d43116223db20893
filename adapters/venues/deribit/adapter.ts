import { Subject } from 'rxjs';
import type { UnreadableItem, VenueReport } from '../../../application/ports/venue.ts';
import type { VenueSocket } from '../venue-socket.ts';
import { createWsSession } from '../ws-session.ts';
import { createDeribitCashLog } from './cash-log.ts';
import { closedError, DeribitError, DeribitRpcError, parseReply } from './errors.ts';
import {
  type DeribitAdapter,
  type DeribitAdapterOptions,
  DeribitAdapterOptionsSchema,
  type DeribitContext,
} from './options.ts';
import { createDeribitOrders } from './orders.ts';
import { CHANNELS, createPushReader } from './pushes.ts';
import { createDeribitQueries } from './queries.ts';
import { DeribitRpcClient } from './rpc-client.ts';
import { OkSchema, SubscribedChannelsSchema } from './schemas.ts';
import { WsRpcConnection } from './ws-rpc.ts';

export type { DeribitAdapter, DeribitAdapterConfig, DeribitAdapterOptions } from './options.ts';
export { DeribitAdapterOptionsSchema } from './options.ts';

/**
 * The Deribit adapter: JSON-RPC over WebSocket (primary) and HTTP, behind the venue port.
 *
 * - The connection is the venues' reconnecting session (`ws-session.ts`); its handshake here
 *   authenticates (tokens are connection-scoped, refreshed before they expire: `auth.ts`), sets
 *   the heartbeat and subscribes. Every heartbeat `test_request` is answered with `public/test`;
 *   a socket silent for `deadAfterMs` is dropped and the session reconnects, reporting
 *   `connected` with `reconnects` incremented: the cue to reconcile.
 * - Subscribes to `user.orders.any.any.raw` and `user.trades.any.any.raw`; pushes become
 *   `reports$` (`pushes.ts`).
 * - Requests (`rpc-client.ts`) go through a client-side credit limiter on Deribit's model; order
 *   commands (`orders.ts`) end accepted, rejected or unknown (`outcomes.ts`); queries in `queries.ts`.
 * - Secrets never reach a log, an error or a report.
 */

/** Keys that must never be logged. */
const SECRETS = [
  'access_token',
  'refresh_token',
  'client_secret',
  'clientSecret',
  'signature',
  'authorization',
];
const REDACT = [...SECRETS, ...SECRETS.map((key) => `*.${key}`)];

/** The Deribit adapter for one account. Call `connect()` before use, `close()` when done. */
export function createDeribitAdapter(options: DeribitAdapterOptions): DeribitAdapter {
  const { logger: parent, now = Date.now, random = Math.random, ...rest } = options;
  const config = DeribitAdapterOptionsSchema.parse(rest);
  const { account } = config;
  const logger = parent.child({ venue: 'deribit', account }, { redact: REDACT });
  const reports = new Subject<VenueReport>();
  const unreadable = (items: readonly UnreadableItem[]) => {
    const receivedAt = new Date(now()).toISOString();
    for (const item of items) reports.next({ kind: 'unreadable', item, receivedAt });
  };
  const context: DeribitContext = { config, account, logger, now, unreadable };
  const pushes = createPushReader(context);
  let closing = false;

  const client = new DeribitRpcClient({ context, link: () => connection.link(), isClosed: () => closing });
  const request = (method: string, params: Record<string, unknown>) => client.request(method, params);

  /** On a fresh socket: authenticates, sets the heartbeat and subscribes. */
  const handshake = async (socket: VenueSocket): Promise<WsRpcConnection> => {
    const ws = new WsRpcConnection(socket, logger);
    ws.notifications$.subscribe((notification) => {
      if (notification.method === 'subscription') {
        for (const report of pushes.reportsOf(notification)) reports.next(report);
      } else if (notification.params.type === 'test_request') {
        client.answerHeartbeat(ws);
      }
    });
    await client.auth.authenticate(ws);
    const heartbeat = await client.rpc(ws, 'public/set_heartbeat', { interval: config.heartbeatIntervalSec });
    parseReply(OkSchema, heartbeat.result, 'public/set_heartbeat');
    const subscribe = await client.rpc(ws, 'private/subscribe', { channels: CHANNELS });
    const subscribed = parseReply(SubscribedChannelsSchema, subscribe.result, 'private/subscribe');
    const missing = CHANNELS.filter((channel) => !subscribed.includes(channel));
    if (missing.length > 0) {
      throw new DeribitError('DERIBIT_PROTOCOL_ERROR', `subscription refused: ${missing.join(', ')}`, true);
    }
    return ws;
  };

  const deadAfterMs = config.deadAfterMs ?? config.heartbeatIntervalSec * 2000 + 1000;
  const connection = createWsSession({
    name: 'deribit',
    url: config.wsUrl,
    logger,
    now,
    random,
    backoff: config.reconnect,
    connectTimeoutMs: config.connectTimeoutMs,
    openTimeoutMs: config.requestTimeoutMs,
    handshake,
    isFatal: (error) => error instanceof DeribitRpcError && error.venueCode === 13004,
    // Deribit's keepalive is its heartbeat: the venue asks (test_request), the handshake's handler answers.
    keepalive: { intervalMs: Math.max(50, Math.min(1000, Math.floor(deadAfterMs / 4))), deadAfterMs },
    onLinkDown: () => client.auth.forget(),
    closedError: () => closedError(),
  });

  const queries = createDeribitQueries(context, request);
  return {
    venue: 'deribit',
    account,
    // Labels are not unique (a resend waits for valid_until); private/edit keeps the order; no margin
    // mode on orders.
    capabilities: { uniqueClientOrderIds: false, amendReplacesOrder: false, marginModePerOrder: false },
    state$: connection.state$,
    reports$: reports.asObservable(),
    get protocolErrors() {
      return pushes.protocolErrors;
    },
    async connect() {
      if (closing) throw closedError();
      await connection.start();
    },
    async close() {
      if (closing) return;
      closing = true;
      await connection.close();
      reports.complete();
    },
    ...createDeribitOrders(context, request),
    ...queries,
    ...createDeribitCashLog(context, request, queries.instruments),
  };
}
