import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { TokenStore } from './auth.ts';
import type { Channel } from './channels.ts';
import { CreditLimiter, type RateLimits } from './credits.ts';
import type { Envelope, Outcome } from './envelope.ts';
import type { FaultPlan, ReplyFault } from './faults.ts';
import { RpcRequest, readWireRequest, writeReply, writeWire } from './json-rpc.ts';
import type { CallContext, Connection } from './methods.ts';
import { type RpcFailure, refuse } from './rpc-failure.ts';
import type { SimVenue } from './venue.ts';

export interface WsTransportDeps {
  maxMessageBytes: number;
  rateLimits: RateLimits;
  now: () => number;
  micros: () => number;
  envelope: (id: unknown, usIn: number, body: Outcome) => Envelope;
  execute: (method: string, params: Record<string, unknown>, context: CallContext) => Outcome;
  mangled: (outcome: Outcome) => Outcome;
  failureOf: (fault: Extract<ReplyFault, { kind: 'error' }>) => RpcFailure;
  plan: FaultPlan;
  connections: Map<number, Connection>;
  timers: Set<NodeJS.Timeout>;
  venue: SimVenue;
  tokens: TokenStore;
  send: (connection: Connection, text: string) => void;
  deliver: (connection: Connection, texts: string[]) => void;
  logger: Logger | undefined;
  nextConnectionId: () => number;
}

/**
 * The local Deribit over WebSocket (`/ws/api/v2`): one JSON-RPC request per message, replies and
 * the pushes a request causes (in the order the fault plan says), heartbeats with test requests,
 * cancel-on-disconnect when a connection ends.
 */
export function wsTransport(deps: WsTransportDeps) {
  // ----------------------------------------------------------------------------------------------
  // WebSocket
  // ----------------------------------------------------------------------------------------------

  const closeSoon = (connection: Connection) => {
    // Let what was queued go out first, then close.
    setImmediate(() => {
      if (!connection.closed) connection.socket.close(1000, 'closed by server');
    });
  };

  const stopHeartbeat = (connection: Connection) => {
    if (connection.heartbeat !== undefined) clearInterval(connection.heartbeat);
    connection.heartbeat = undefined;
    connection.awaitingTest = false;
  };

  const sendTestRequest = (connection: Connection) => {
    connection.awaitingTest = true;
    deps.send(
      connection,
      writeWire({ jsonrpc: '2.0', method: 'heartbeat', params: { type: 'test_request' } }),
    );
  };

  const startHeartbeat = (connection: Connection, intervalSec: number) => {
    stopHeartbeat(connection);
    connection.heartbeat = setInterval(() => {
      // A dead link: the server hears nothing either, and does not act on it.
      if (deps.plan.blackholed) return;
      if (connection.awaitingTest) {
        // No public/test since the last test_request: Deribit closes the connection.
        deps.logger?.debug({ connection: connection.id }, 'local deribit: heartbeat missed, closing');
        connection.socket.terminate();
        return;
      }
      sendTestRequest(connection);
    }, intervalSec * 1000);
  };

  const onConnectionClosed = (connection: Connection) => {
    if (connection.closed) return;
    connection.closed = true;
    stopHeartbeat(connection);
    deps.connections.delete(connection.id);
    if (connection.cod !== 'off' && connection.accountId !== undefined) {
      deps.venue.cancelOnDisconnect(
        connection.accountId,
        connection.cod === 'connection' ? connection.id : undefined,
      );
    }
    deps.tokens.forgetConnection(connection.id);
  };

  /** A message as a request, or the envelope refusing it (too large, not JSON, not JSON-RPC). */
  const readRequest = (text: string, usIn: number) => {
    if (Buffer.byteLength(text) > deps.maxMessageBytes) {
      return { refusal: deps.envelope(null, usIn, { error: refuse.tooLarge() }) };
    }
    let parsed: unknown;
    try {
      parsed = readWireRequest(text);
    } catch {
      return { refusal: deps.envelope(null, usIn, { error: refuse.parseError() }) };
    }
    const request = RpcRequest.safeParse(parsed);
    if (request.success) return { request: request.data };
    const id = typeof parsed === 'object' && parsed !== null && 'id' in parsed ? parsed.id : null;
    const reason = Array.isArray(parsed)
      ? 'batch requests are not supported'
      : 'a request needs jsonrpc "2.0", an id, a method and named params';
    return { refusal: deps.envelope(id ?? null, usIn, { error: refuse.invalidRequest(reason) }) };
  };

  /** Runs the request, collecting the pushes it causes; whether it hit the rate limit. */
  const run = (connection: Connection, method: string, params: Record<string, unknown>) => {
    let rateLimited = false;
    connection.collecting = [];
    const outcome = deps.execute(method, params, {
      transport: 'ws',
      connection,
      accountId: () => connection.accountId,
      anonymousLimiter: connection.anonymousLimiter,
      onRateLimited: () => {
        rateLimited = true;
      },
      httpAccount: undefined,
    });
    const pushes = connection.collecting;
    connection.collecting = undefined;
    return { outcome, pushes, rateLimited };
  };

  /** The reply and the pushes, as the fault plan says: dropped, delayed, pushes first or after. */
  const answer = (
    connection: Connection,
    replyText: string,
    pushes: string[],
    fault: ReplyFault | undefined,
  ) => {
    if (fault?.kind === 'drop') {
      deps.deliver(connection, pushes);
      return;
    }
    if (fault?.kind === 'delay') {
      deps.deliver(connection, pushes);
      const timer = setTimeout(() => {
        deps.timers.delete(timer);
        deps.send(connection, replyText);
      }, fault.ms);
      deps.timers.add(timer);
      return;
    }
    if (deps.plan.pushesFirst) {
      deps.deliver(connection, pushes);
      deps.send(connection, replyText);
    } else {
      deps.send(connection, replyText);
      deps.deliver(connection, pushes);
    }
  };

  const onMessage = (connection: Connection, data: RawData) => {
    if (deps.plan.blackholed || connection.closed) return;
    const usIn = deps.micros();
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8');
    const read = readRequest(text, usIn);
    if (read.refusal) {
      deps.send(connection, writeWire(read.refusal));
      return;
    }
    const { id, method, params } = read.request;
    deps.logger?.debug({ connection: connection.id, method, id: String(id) }, 'local deribit: request');
    const fault = deps.plan.take(method);
    if (fault?.kind === 'error') {
      deps.send(connection, writeWire(deps.envelope(id, usIn, { error: deps.failureOf(fault) })));
      if (fault.closeAfter) closeSoon(connection);
      return;
    }
    if (fault?.kind === 'close' && !fault.process) {
      connection.socket.terminate();
      return;
    }
    const { outcome, pushes, rateLimited } = run(connection, method, params);
    if (fault?.kind === 'close') {
      connection.socket.terminate();
      return;
    }
    const reply = deps.envelope(id, usIn, fault?.kind === 'mangle' ? deps.mangled(outcome) : outcome);
    // Without a fault, a long list is written in slices while other requests are answered.
    if (fault === undefined) writeReply(reply, (text) => answer(connection, text, pushes, fault));
    else answer(connection, writeWire(reply), pushes, fault);
    // Deribit answers 10028 and terminates the session.
    if (rateLimited && fault?.kind !== 'drop' && fault?.kind !== 'delay') closeSoon(connection);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxMessageBytes * 4 });
  wss.on('connection', (socket: WebSocket) => {
    const connection: Connection = {
      id: deps.nextConnectionId(),
      socket,
      accountId: undefined,
      token: undefined,
      subscriptions: new Map<string, Channel>(),
      subscriptionLabel: undefined,
      heartbeat: undefined,
      awaitingTest: false,
      cod: 'off',
      anonymousLimiter: new CreditLimiter(deps.rateLimits, deps.now()),
      collecting: undefined,
      held: [],
      marketFeeds: new Map(),
      closed: false,
    };
    deps.connections.set(connection.id, connection);
    socket.on('message', (data) => onMessage(connection, data));
    socket.on('close', () => onConnectionClosed(connection));
    socket.on('error', (error) => {
      deps.logger?.debug({ err: error, connection: connection.id }, 'local deribit: socket error');
    });
  });

  return { wss, closeSoon, stopHeartbeat, startHeartbeat, sendTestRequest };
}
