import type { WebSocket } from 'ws';
import type { z } from 'zod';
import type { CashSimVenue } from './account-cash.ts';
import { accountMethods } from './account-methods.ts';
import type { TokenStore } from './auth.ts';
import { type Channel, parseChannel } from './channels.ts';
import type { CreditLimiter } from './credits.ts';
import { ledgerMethods } from './ledger-methods.ts';
import { type MarketFeed, parseMarketChannel } from './market-channels.ts';
import {
  AuthParams,
  CancelAllByInstrumentParams,
  CancelAllParams,
  CancelByLabelParams,
  CancelOnDisconnectParams,
  ClosePositionParams,
  EditByLabelParams,
  EditParams,
  InstrumentParams,
  InstrumentsParams,
  LogoutParams,
  OpenOrdersByInstrumentParams,
  OpenOrdersParams,
  OrderEntryParams,
  OrderHistoryByInstrumentParams,
  OrderIdParams,
  OrderStateByLabelParams,
  PositionParams,
  PositionsParams,
  SetHeartbeatParams,
  SubscribeParams,
  TestParams,
  TradesByInstrumentParams,
  TradesByOrderParams,
  UnsubscribeParams,
} from './params.ts';
import { refuse } from './rpc-failure.ts';

/** A WebSocket session of the local Deribit. */
export interface Connection {
  id: number;
  socket: WebSocket;
  /** The account the connection authenticated as (`public/auth`), and with which token. */
  accountId: number | undefined;
  token: string | undefined;
  subscriptions: Map<string, Channel>;
  /** `private/subscribe`'s label, stamped on private notifications. */
  subscriptionLabel: string | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  /** A test_request was sent and no public/test came since. */
  awaitingTest: boolean;
  cod: 'off' | 'connection' | 'account';
  /** Credits of requests made before authentication. */
  anonymousLimiter: CreditLimiter;
  /** Pushes caused by the request being handled, sent around its reply. */
  collecting: string[] | undefined;
  /** Pushes held back by the reorder fault. */
  held: string[];
  /** Public market channels (ticker, book) this connection follows. */
  marketFeeds: Map<string, MarketFeed>;
  closed: boolean;
}

export interface CallContext {
  transport: 'ws' | 'http';
  connection: Connection | undefined;
  /** Who pays the request's credits (undefined: not authenticated yet). */
  accountId: () => number | undefined;
  anonymousLimiter: CreditLimiter;
  onRateLimited: () => void;
  /** HTTP: the account behind the Authorization header (throws Deribit's refusal). */
  httpAccount: (() => number) | undefined;
}

export interface MethodDependencies {
  venue: CashSimVenue;
  tokens: TokenStore;
  now: () => number;
  minHeartbeatIntervalSec: number;
  startHeartbeat: (connection: Connection, intervalSec: number) => void;
  stopHeartbeat: (connection: Connection) => void;
  closeConnection: (connection: Connection) => void;
  /** Sends a market feed's first notification, after the subscription's reply. */
  startFeed: (connection: Connection, feed: MarketFeed) => void;
  /** Sends a `user.portfolio` channel's first notification (after the reply that lists it). */
  startPortfolio: (connection: Connection, channel: Channel) => void;
}

export type Handler = (params: Record<string, unknown>, context: CallContext) => unknown;

/** Validates params; a mismatch is Deribit's -32602 naming the parameter. */
export function parse<S extends z.ZodType>(schema: S, params: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.length ? String(issue.path[0]) : 'params';
  const missing = issue !== undefined && issue.path.length > 0 && params[String(issue.path[0])] === undefined;
  const reason = missing ? 'missing required parameter' : (issue?.message ?? 'invalid');
  throw refuse.invalidParams(param, reason);
}

const VERSION = '1.2.26';

/** The methods the local Deribit serves, by name. */
export function methodHandlers(deps: MethodDependencies): Record<string, Handler> {
  const { venue, tokens } = deps;

  /** The account of a private call: the token in the params, or the connection's session. */
  const accountOf = (params: Record<string, unknown>, context: CallContext): number => {
    const token = params.access_token;
    if (context.transport === 'http') {
      if (context.httpAccount === undefined) throw refuse.authorizationRequired();
      return context.httpAccount();
    }
    const connection = context.connection!;
    if (typeof token === 'string') return tokens.accountForToken(token, connection.id);
    if (connection.accountId === undefined || connection.token === undefined)
      throw refuse.authorizationRequired();
    if (!tokens.isValid(connection.token)) throw refuse.unauthorized();
    return connection.accountId;
  };

  /** The public market channels among `names`, followed from now on (the others left out). */
  const subscribeMarket = (connection: Connection, names: readonly string[]): string[] => {
    const subscribed: string[] = [];
    for (const name of names) {
      const feed = parseMarketChannel(
        name,
        isInstrument,
        (index) => venue.funding.indexPrice(index) !== undefined,
      );
      if (feed === undefined) continue;
      if (!connection.marketFeeds.has(name)) {
        connection.marketFeeds.set(name, feed);
        deps.startFeed(connection, feed);
      }
      subscribed.push(name);
    }
    return subscribed;
  };

  const wsOnly = (context: CallContext): Connection => {
    if (context.transport !== 'ws' || context.connection === undefined) throw refuse.mustBeWebsocket();
    return context.connection;
  };

  const isInstrument = (name: string) => {
    try {
      venue.instrument(name);
      return true;
    } catch {
      return false;
    }
  };

  const orderEntry =
    (direction: 'buy' | 'sell'): Handler =>
    (params, context) =>
      venue.place(
        accountOf(params, context),
        direction,
        parse(OrderEntryParams, params),
        context.connection?.id,
      );

  return {
    ...accountMethods(venue, parse, accountOf),
    ...ledgerMethods(venue, parse, accountOf),
    'public/auth': (params, context) => {
      const p = parse(AuthParams, params);
      const connection = context.transport === 'ws' ? context.connection : undefined;
      const grant = tokens.authenticate(p, connection?.id);
      if (connection !== undefined) {
        connection.accountId = grant.accountId;
        connection.token = grant.accessToken;
      }
      return grant.result;
    },
    'private/logout': (params, context) => {
      const connection = wsOnly(context);
      const p = parse(LogoutParams, params);
      accountOf(params, context);
      if (p.invalidate_token && connection.token !== undefined) tokens.revoke(connection.token);
      // Logging out closes the socket gracefully; cancel-on-disconnect does not fire.
      connection.cod = 'off';
      deps.closeConnection(connection);
      return 'ok';
    },
    'public/test': (params, context) => {
      const p = parse(TestParams, params);
      if (context.connection !== undefined) context.connection.awaitingTest = false;
      if (p.expected_result === 'exception') throw refuse.expectedException();
      return { version: VERSION };
    },
    'public/hello': () => ({ version: VERSION }),
    'public/get_time': () => deps.now(),
    'public/set_heartbeat': (params, context) => {
      const connection = wsOnly(context);
      const p = parse(SetHeartbeatParams, params);
      const interval = p.interval.toNumber();
      if (interval < deps.minHeartbeatIntervalSec) {
        throw refuse.invalidParams('interval', `must be at least ${deps.minHeartbeatIntervalSec}`);
      }
      deps.startHeartbeat(connection, interval);
      return 'ok';
    },
    'public/disable_heartbeat': (_params, context) => {
      deps.stopHeartbeat(wsOnly(context));
      return 'ok';
    },
    'public/get_instruments': (params) => {
      const p = parse(InstrumentsParams, params);
      return venue.listInstruments(p.currency, p.kind, p.expired);
    },
    'public/get_instrument': (params) => {
      const p = parse(InstrumentParams, params);
      const listed = venue
        .listInstruments('any', undefined, venue.isDelivered(p.instrument_name))
        .find((i) => i.instrument_name === p.instrument_name);
      if (listed === undefined) throw refuse.invalidInstrument();
      return listed;
    },
    'public/ticker': (params) => venue.ticker(parse(InstrumentParams, params).instrument_name),
    'public/subscribe': (params, context) => {
      const connection = wsOnly(context);
      return subscribeMarket(connection, parse(SubscribeParams, params).channels);
    },
    'private/subscribe': (params, context) => {
      const connection = wsOnly(context);
      accountOf(params, context);
      const p = parse(SubscribeParams, params);
      const subscribed: string[] = [];
      // In the order asked; invalid or unknown channels are silently left out, as Deribit does.
      for (const name of p.channels) {
        const channel = parseChannel(name, isInstrument);
        if (channel !== undefined) {
          connection.subscriptions.set(name, channel);
          subscribed.push(name);
          if (channel.topic === 'portfolio') deps.startPortfolio(connection, channel);
        } else subscribed.push(...subscribeMarket(connection, [name]));
      }
      if (p.label !== undefined) connection.subscriptionLabel = p.label;
      return subscribed;
    },
    'private/unsubscribe': (params, context) => {
      const connection = wsOnly(context);
      const p = parse(UnsubscribeParams, params);
      return p.channels.filter(
        (name) => connection.subscriptions.delete(name) || connection.marketFeeds.delete(name),
      );
    },
    'public/unsubscribe': (params, context) => {
      const connection = wsOnly(context);
      const p = parse(UnsubscribeParams, params);
      return p.channels.filter((name) => connection.marketFeeds.delete(name));
    },
    'private/unsubscribe_all': (_params, context) => {
      wsOnly(context).subscriptions.clear();
      return 'ok';
    },
    'private/enable_cancel_on_disconnect': (params, context) => {
      const connection = wsOnly(context);
      accountOf(params, context);
      connection.cod = parse(CancelOnDisconnectParams, params).scope;
      return 'ok';
    },
    'private/disable_cancel_on_disconnect': (params, context) => {
      const connection = wsOnly(context);
      accountOf(params, context);
      connection.cod = 'off';
      return 'ok';
    },
    'private/get_cancel_on_disconnect': (params, context) => {
      const connection = wsOnly(context);
      accountOf(params, context);
      return {
        scope: connection.cod === 'account' ? 'account' : 'connection',
        enabled: connection.cod !== 'off',
      };
    },

    'private/buy': orderEntry('buy'),
    'private/sell': orderEntry('sell'),
    'private/close_position': (params, context) =>
      venue.closePosition(
        accountOf(params, context),
        parse(ClosePositionParams, params),
        context.connection?.id,
      ),
    'private/edit': (params, context) => venue.edit(accountOf(params, context), parse(EditParams, params)),
    'private/edit_by_label': (params, context) => {
      const account = accountOf(params, context);
      const { label, instrument_name, ...edit } = parse(EditByLabelParams, params);
      return venue.editByLabel(account, label, instrument_name, edit);
    },
    'private/cancel': (params, context) =>
      venue.cancel(accountOf(params, context), parse(OrderIdParams, params).order_id),
    'private/cancel_all': (params, context) => {
      const account = accountOf(params, context);
      parse(CancelAllParams, params);
      return venue.cancelAll(account);
    },
    'private/cancel_all_by_instrument': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(CancelAllByInstrumentParams, params);
      return venue.cancelAllByInstrument(account, p.instrument_name);
    },
    'private/cancel_by_label': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(CancelByLabelParams, params);
      return venue.cancelByLabel(account, p.label, p.currency);
    },
    'private/get_order_state': (params, context) =>
      venue.orderState(accountOf(params, context), parse(OrderIdParams, params).order_id),
    'private/get_order_state_by_label': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(OrderStateByLabelParams, params);
      return venue.ordersByLabel(account, p.currency, p.label);
    },
    'private/get_open_orders': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(OpenOrdersParams, params);
      return venue.openOrders(account, {
        ...(p.kind !== undefined && { kind: p.kind }),
        type: p.type,
      });
    },
    'private/get_open_orders_by_instrument': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(OpenOrdersByInstrumentParams, params);
      return venue.openOrders(account, { instrument: p.instrument_name, type: p.type });
    },
    'private/get_order_history_by_instrument': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(OrderHistoryByInstrumentParams, params);
      return venue.orderHistory(account, p.instrument_name, p.count, p.offset);
    },
    'private/get_user_trades_by_order': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(TradesByOrderParams, params);
      return venue.tradesByOrder(account, p.order_id, p.sorting);
    },
    'private/get_user_trades_by_instrument': (params, context) => {
      const account = accountOf(params, context);
      return venue.tradesByInstrument(account, parse(TradesByInstrumentParams, params));
    },
    'private/get_positions': (params, context) => {
      const account = accountOf(params, context);
      const p = parse(PositionsParams, params);
      return venue.positions(venue.readableAccount(account, p.subaccount_id), p.currency, p.kind);
    },
    'private/get_position': (params, context) => {
      const account = accountOf(params, context);
      return venue.position(account, parse(PositionParams, params).instrument_name);
    },
  };
}
