import type { Logger } from 'pino';
import { filter, type Observable, Subject, Subscription } from 'rxjs';
import { z } from 'zod';
import type {
  AmendResult,
  CancelResult,
  PlaceOptions,
  PlaceResult,
  VenueAdapter,
  VenueConnectionState,
  VenueFill,
  VenueOrderRef,
  VenueOrderSnapshot,
  VenuePosition,
  VenueReport,
  VenueUnknown,
} from '../../../application/ports/venue.ts';
import type { Decimal } from '../../../domain/decimal.ts';
import type { BitgetProductType, Instrument } from '../../../domain/instrument.ts';
import type { VenueLatency } from '../../../domain/metadata.ts';
import type { Amendment, OrderParams, PositionMode } from '../../../domain/order/contract.ts';
import {
  placeOrderRequest,
  positionModeOf,
  posModeOf,
  toFill,
  toInstrument,
  toPosition,
  toSnapshot,
} from './mapping.ts';
import { BITGET_RATE_LIMITS, type BitgetEndpointGroup, createRateLimiter } from './rate-limiter.ts';
import { createRestClient, describeFailure, type RestFailure, type RestOutcome } from './rest-client.ts';
import type { Credentials } from './signing.ts';
import {
  AccountSchema,
  BatchCancelRequestSchema,
  BatchResultSchema,
  CancelOrderRequestSchema,
  ClosePositionsRequestSchema,
  ContractListSchema,
  describeIssues,
  FillListSchema,
  FillSchema,
  ModifyOrderRequestSchema,
  OrderIdsSchema,
  OrderListSchema,
  PlaceOrderRequestSchema,
  PositionListSchema,
  RestOrderSchema,
  ServerTimeSchema,
  SetPositionModeReplySchema,
  SetPositionModeRequestSchema,
  SymbolPriceListSchema,
  WsOrderSchema,
  PositionSchema as WsPositionSchema,
} from './wire.ts';
import { createPrivateWs, type PrivateWs, type ReceivedPush } from './ws-client.ts';

/**
 * The Bitget v2 USDT-M futures adapter: signed REST for orders and queries, the private WebSocket
 * for `orders`, `fill` and `positions` pushes. See docs/venues/bitget.md.
 *
 * Outcomes are never guessed: a Bitget code that proves the request was not carried out is a
 * rejection; 429, 5xx, timeouts, transport failures and replies that do not parse are unknown
 * outcomes; 40786 (duplicate clientOid) means the order exists and is looked up and adopted.
 */

export interface BitgetWsOptions {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  handshakeTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  connectTimeoutMs: number;
}

export interface BitgetAdapterOptions {
  /** The OMS's name for this Bitget account (sub-account). */
  account: string;
  /** e.g. https://api.bitget.com, or the local Bitget's `restUrl`. */
  restUrl: string;
  /** e.g. wss://ws.bitget.com/v2/ws/private, or the local Bitget's `wsUrl`. */
  wsUrl: string;
  credentials: Credentials;
  /** Demo trading: sends `paptrading: 1` on private calls (use the demo WS host as wsUrl). */
  demo?: boolean;
  productType?: BitgetProductType;
  marginCoin?: string;
  /** Margin mode for orders that do not say (the domain requires one for Bitget orders). */
  defaultMarginMode?: 'isolated' | 'crossed';
  logger: Logger;
  /** Deadline of every REST request. */
  requestTimeoutMs?: number;
  /** Requests per second per endpoint group; Bitget's limits by default. */
  rateLimits?: Partial<Record<BitgetEndpointGroup, number>>;
  rateLimitWindowMs?: number;
  rateLimitMarginMs?: number;
  /** A request that would wait longer than this for the client limiter is not sent (unknown, retryable). */
  maxRateLimitWaitMs?: number;
  /** The account's position mode; queried from the venue (account endpoint) when not given. */
  positionMode?: PositionMode;
  /** Symbol used for the account query that tells the position mode. */
  positionModeProbeSymbol?: string;
  /** Measure the offset to the venue clock (`/api/v2/public/time`) at connect and after 40008. */
  syncClock?: boolean;
  ws?: Partial<BitgetWsOptions>;
  /** Clock (ms since the epoch) and randomness (backoff jitter), injectable for tests. */
  now?: () => number;
  random?: () => number;
}

export interface BitgetAdapter extends VenueAdapter {
  readonly venue: 'bitget';
  /** The account's position mode as last learned (configured or queried). */
  positionMode(): PositionMode | undefined;
  /** Queries the account's position mode again. */
  refreshPositionMode(): Promise<PositionMode>;
  /** `set-position-mode`; Bitget refuses it while positions or orders exist. */
  setPositionMode(mode: PositionMode): Promise<PositionMode>;
  /** `close-positions`: flash-closes at market (the venue picks the clientOids; prefer `closePosition`). */
  closePositionsAtMarket(
    instrument?: Instrument,
    holdSide?: 'long' | 'short',
  ): Promise<{ closed: { orderId: string | undefined; clientOid: string | undefined }[]; failed: number }>;
  /** The positions of one instrument (`single-position`): a net position, or up to two hedge legs. */
  positionsOf(instrument: Instrument): Promise<VenuePosition[]>;
  /** Finished orders (`orders-history`), newest first. */
  orderHistory(instrument?: Instrument): Promise<VenueOrderSnapshot[]>;
  /** Venue time minus local time, in ms, as last measured. */
  clockOffsetMs(): number;
}

export class BitgetRequestError extends Error {
  readonly code:
    | 'BITGET_VENUE_ERROR'
    | 'BITGET_UNKNOWN_OUTCOME'
    | 'BITGET_NOT_CONNECTED'
    | 'BITGET_PROTOCOL_ERROR';
  readonly venueCode: string | undefined;
  readonly retryable: boolean;
  constructor(failure: RestFailure, what: string) {
    super(`${what}: ${describeFailure(failure)}`);
    this.code =
      failure.kind === 'venue'
        ? 'BITGET_VENUE_ERROR'
        : failure.kind === 'protocol'
          ? 'BITGET_PROTOCOL_ERROR'
          : failure.kind === 'closed'
            ? 'BITGET_NOT_CONNECTED'
            : 'BITGET_UNKNOWN_OUTCOME';
    this.venueCode = failure.kind === 'venue' ? failure.code : undefined;
    this.retryable =
      failure.kind === 'venue'
        ? failure.info.kind === 'retryable'
        : failure.kind !== 'protocol' && failure.kind !== 'closed';
  }
}

const DEFAULT_WS: BitgetWsOptions = {
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  connectTimeoutMs: 30_000,
};

const PATH = {
  placeOrder: '/api/v2/mix/order/place-order',
  cancelOrder: '/api/v2/mix/order/cancel-order',
  modifyOrder: '/api/v2/mix/order/modify-order',
  batchCancel: '/api/v2/mix/order/batch-cancel-orders',
  detail: '/api/v2/mix/order/detail',
  pending: '/api/v2/mix/order/orders-pending',
  history: '/api/v2/mix/order/orders-history',
  fills: '/api/v2/mix/order/fills',
  allPosition: '/api/v2/mix/position/all-position',
  singlePosition: '/api/v2/mix/position/single-position',
  closePositions: '/api/v2/mix/order/close-positions',
  setPositionMode: '/api/v2/mix/account/set-position-mode',
  account: '/api/v2/mix/account/account',
  contracts: '/api/v2/mix/market/contracts',
  symbolPrice: '/api/v2/mix/market/symbol-price',
  time: '/api/v2/public/time',
} as const;

const PAGE = 100;

export function createBitgetAdapter(options: BitgetAdapterOptions): BitgetAdapter {
  const productType = options.productType ?? 'USDT-FUTURES';
  const marginCoin = options.marginCoin ?? 'USDT';
  const account = options.account;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger.child({ venue: 'bitget', account });
  const wsOptions = { ...DEFAULT_WS, ...options.ws };
  let clockOffset = 0;
  /** When a timestamp error last made the adapter measure the offset again. */
  let lastClockResync = Number.NEGATIVE_INFINITY;
  let accountMode: PositionMode | undefined = options.positionMode;
  const instrumentCache = new Map<string, Instrument>();
  /** orderId -> clientOid, learned from replies and pushes: the `fill` channel carries no clientOid. */
  const clientOids = new Map<string, string>();
  const remember = (orderId: string | undefined, clientOid: string | undefined) => {
    if (orderId === undefined || clientOid === undefined) return;
    if (clientOids.size > 100_000) clientOids.delete(clientOids.keys().next().value as string);
    clientOids.set(orderId, clientOid);
  };

  const limiter = createRateLimiter({
    limits: { ...BITGET_RATE_LIMITS, ...options.rateLimits },
    windowMs: options.rateLimitWindowMs ?? 1000,
    marginMs: options.rateLimitMarginMs ?? 100,
    now,
  });
  const rest = createRestClient({
    restUrl: options.restUrl,
    credentials: options.credentials,
    demo: options.demo ?? false,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 5_000,
    limiter,
    logger,
    timestamp: () => now() + clockOffset,
  });
  const ws: PrivateWs = createPrivateWs({
    wsUrl: options.wsUrl,
    credentials: options.credentials,
    instType: productType,
    channels: ['orders', 'fill', 'positions'],
    logger,
    timestamp: () => now() + clockOffset,
    random,
    ...wsOptions,
  });

  const reports$ = new Subject<VenueReport>();
  const subscriptions = new Subscription();

  const modeNow = (): PositionMode => accountMode ?? 'one_way';
  const latencyOf = (requestTime: string | undefined): VenueLatency | undefined => {
    if (requestTime === undefined || !/^\d+$/.test(requestTime)) return undefined;
    // Bitget returns one server timestamp (ms); there is no in/out pair as on Deribit.
    const us = Number(requestTime) * 1000;
    return { usIn: us, usOut: us, usDiff: 0 };
  };

  // ----------------------------------------------------------------------------------------------
  // Pushes -> reports
  // ----------------------------------------------------------------------------------------------

  const toReports = ({ push, receivedAt }: ReceivedPush): VenueReport[] => {
    const channel = push.arg.channel;
    const reports: VenueReport[] = [];
    if (channel === 'orders') {
      for (const item of push.data) {
        const parsed = WsOrderSchema.safeParse(item);
        if (!parsed.success) {
          logger.error(
            { problem: describeIssues(parsed.error, 'orders push') },
            'bitget: unreadable order push',
          );
          continue;
        }
        remember(parsed.data.orderId, parsed.data.clientOid);
        const order = toSnapshot(parsed.data, { account, accountMode: modeNow(), receivedAt });
        reports.push({ kind: 'order', order, receivedAt });
      }
    } else if (channel === 'fill') {
      for (const item of push.data) {
        const parsed = FillSchema.safeParse(item);
        if (!parsed.success) {
          logger.error(
            { problem: describeIssues(parsed.error, 'fill push') },
            'bitget: unreadable fill push',
          );
          continue;
        }
        const fill = toFill(parsed.data, {
          account,
          accountMode: modeNow(),
          settlementCurrency: marginCoin,
          clientOidOf: (orderId) => clientOids.get(orderId),
        });
        reports.push({ kind: 'fill', fill, receivedAt });
      }
    } else if (channel === 'positions') {
      const positions: VenuePosition[] = [];
      for (const item of push.data) {
        const parsed = WsPositionSchema.safeParse(item);
        if (!parsed.success) {
          logger.error(
            { problem: describeIssues(parsed.error, 'positions push') },
            'bitget: unreadable position push',
          );
          continue;
        }
        if (parsed.data.total.isZero()) continue;
        positions.push(toPosition(parsed.data, { account, accountMode: modeNow() }));
      }
      reports.push({ kind: 'positions', positions, receivedAt });
    }
    return reports;
  };

  subscriptions.add(
    ws.pushes$.subscribe((received) => {
      for (const report of toReports(received)) reports$.next(report);
    }),
  );

  // After a reconnect the account may have changed mode: learn it again (the service reconciles).
  subscriptions.add(
    ws.state$.pipe(filter((state) => state.status === 'connected' && state.reconnects > 0)).subscribe(() => {
      if (options.positionMode !== undefined) return;
      refreshPositionMode().catch((error: unknown) =>
        logger.warn({ problem: String(error) }, 'bitget: position mode query after reconnect failed'),
      );
    }),
  );

  // ----------------------------------------------------------------------------------------------
  // Helpers
  // ----------------------------------------------------------------------------------------------

  const need = <T>(outcome: RestOutcome<T>, what: string): T => {
    if (outcome.ok) return outcome.data;
    if (outcome.failure.kind === 'venue' && outcome.failure.info.topic === 'clock') scheduleClockSync();
    throw new BitgetRequestError(outcome.failure, what);
  };

  const syncClock = async () => {
    const before = now();
    const outcome = await rest.call({
      method: 'GET',
      path: PATH.time,
      group: 'time',
      data: ServerTimeSchema,
      signed: false,
    });
    if (!outcome.ok) return;
    const after = now();
    clockOffset = Number(outcome.data.serverTime) - Math.round((before + after) / 2);
    logger.info({ clockOffsetMs: clockOffset }, 'bitget: clock offset measured');
  };

  /** After a timestamp error: measure the offset again, at most once per 10 s (no storm). */
  function scheduleClockSync() {
    if (options.syncClock === false || now() - lastClockResync < 10_000) return;
    lastClockResync = now();
    syncClock().catch(() => {});
  }

  const unknown = (failure: RestFailure, request: string): VenueUnknown => {
    const retryable =
      failure.kind === 'venue' ? failure.info.kind === 'retryable' : failure.kind !== 'protocol';
    return {
      outcome: 'unknown',
      reason: `${request}: ${describeFailure(failure)}`,
      ...(failure.kind === 'venue' && { venueCode: failure.code }),
      retryable,
    };
  };

  /** A failed order request: a refusal when the code proves nothing was done, else unknown. */
  const refusalOrUnknown = (failure: RestFailure, request: string) => {
    if (failure.kind === 'venue' && failure.info.kind === 'refused') {
      if (failure.info.topic === 'clock') scheduleClockSync();
      return {
        outcome: 'rejected' as const,
        venueCode: failure.code,
        message: failure.msg || failure.info.meaning,
      };
    }
    return unknown(failure, request);
  };

  const detail = async (instrument: Instrument, by: { orderId: string } | { clientOid: string }) => {
    const outcome = await rest.call({
      method: 'GET',
      path: PATH.detail,
      group: 'detail',
      query: { symbol: instrument.symbol, productType: productTypeOf(instrument), ...by },
      data: RestOrderSchema,
    });
    if (!outcome.ok && outcome.failure.kind === 'venue' && outcome.failure.info.kind === 'not_found') {
      return { ok: true as const, order: undefined };
    }
    if (!outcome.ok) return { ok: false as const, failure: outcome.failure };
    remember(outcome.data.orderId, outcome.data.clientOid);
    return {
      ok: true as const,
      order: toSnapshot(outcome.data, {
        account,
        accountMode: modeNow(),
        receivedAt: new Date(now()).toISOString(),
      }),
    };
  };

  const productTypeOf = (instrument: Instrument) => instrument.bitgetProductType ?? productType;

  /** The orderId of an order once known, or its clientOid. */
  const refOf = (ref: VenueOrderRef) =>
    ref.venueOrderId !== undefined ? { orderId: ref.venueOrderId } : { clientOid: ref.clientOrderId };

  const ensureMode = async (): Promise<PositionMode | undefined> => {
    if (accountMode !== undefined) return accountMode;
    try {
      return await refreshPositionMode();
    } catch {
      return undefined;
    }
  };

  async function refreshPositionMode(): Promise<PositionMode> {
    const symbol = options.positionModeProbeSymbol ?? 'BTCUSDT';
    const data = need(
      await rest.call({
        method: 'GET',
        path: PATH.account,
        group: 'account',
        query: { symbol, productType, marginCoin },
        data: AccountSchema,
      }),
      'account query',
    );
    const mode = positionModeOf(data.posMode);
    if (mode !== accountMode) logger.info({ positionMode: mode }, 'bitget: account position mode');
    accountMode = mode;
    return mode;
  }

  /** The order behind a clientOid the venue says is taken: adopted as accepted (F6). */
  const adopt = async (order: OrderParams, why: string): Promise<PlaceResult> => {
    const found = await detail(order.instrument, { clientOid: order.clientOrderId });
    if (!found.ok)
      return { ...unknown(found.failure, `${why}; lookup by clientOid failed`), retryable: true };
    if (found.order === undefined) {
      return {
        outcome: 'unknown',
        reason: `${why}, but no order carries clientOid ${order.clientOrderId}`,
        retryable: false,
      };
    }
    const fills = found.order.filledAmount.isZero()
      ? []
      : await fillsOf(order.instrument, found.order.venueOrderId).catch(() => []);
    logger.info(
      { clientOid: order.clientOrderId, orderId: found.order.venueOrderId, why },
      'bitget: order adopted',
    );
    return { outcome: 'accepted', venueOrderId: found.order.venueOrderId, order: found.order, fills };
  };

  const fillsOf = (instrument: Instrument, venueOrderId: string) => fills({ instrument, venueOrderId });

  // ----------------------------------------------------------------------------------------------
  // The port
  // ----------------------------------------------------------------------------------------------

  /**
   * `options.validUntilMs` (Deribit valid_until) has no Bitget equivalent on place-order and is
   * ignored: a resubmission with the same clientOid cannot duplicate the order (40786 -> adopted).
   */
  async function place(order: OrderParams, _options?: PlaceOptions): Promise<PlaceResult> {
    if (order.instrument.venue !== 'bitget') {
      return {
        outcome: 'rejected',
        venueCode: 'WRONG_VENUE',
        message: `${order.instrument.venue} order sent to Bitget; not sent`,
      };
    }
    const mode = await ensureMode();
    if (mode === undefined) {
      return {
        outcome: 'unknown',
        reason: 'the account position mode is unknown (account query failed); not sent',
        retryable: true,
      };
    }
    const mapped = placeOrderRequest(order, mode, {
      productType,
      marginCoin,
      marginMode: options.defaultMarginMode ?? 'crossed',
    });
    if (!mapped.ok) return { outcome: 'rejected', venueCode: mapped.code, message: mapped.message };
    const body = PlaceOrderRequestSchema.parse(mapped.request);
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.placeOrder,
      group: 'place',
      body,
      data: OrderIdsSchema,
    });
    if (!outcome.ok) {
      const { failure } = outcome;
      if (failure.kind === 'venue' && failure.info.kind === 'duplicate') {
        return adopt(order, `Bitget ${failure.code} ${failure.msg}: the clientOid is taken`);
      }
      return refusalOrUnknown(failure, 'place-order');
    }
    const latency = latencyOf(outcome.requestTime);
    const { orderId } = outcome.data;
    if (orderId === undefined) {
      // One-way reduce-only orders that made Bitget cancel older ones come back without an orderId.
      const adopted = await adopt(order, 'place-order accepted without an orderId');
      return adopted.outcome === 'accepted' && latency ? { ...adopted, latency } : adopted;
    }
    remember(orderId, outcome.data.clientOid ?? order.clientOrderId);
    return {
      outcome: 'accepted',
      venueOrderId: orderId,
      order: undefined,
      fills: [],
      ...(latency && { latency }),
    };
  }

  async function amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult> {
    const instrument = ref.instrument;
    const newPrice = amendment.price ?? current.price;
    const body = ModifyOrderRequestSchema.parse({
      ...refOf(ref),
      symbol: instrument.symbol,
      productType: productTypeOf(instrument),
      marginCoin: instrument.settlementCurrency,
      ...(amendment.newClientOrderId !== undefined && { newClientOid: amendment.newClientOrderId }),
      // Bitget wants both: size and price changes are a cancel and a new order.
      newSize: (amendment.amount ?? current.amount).toString(),
      ...(newPrice !== undefined && { newPrice: newPrice.toString() }),
    });
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.modifyOrder,
      group: 'modify',
      body,
      data: OrderIdsSchema,
    });
    const newClientOid = amendment.newClientOrderId;
    const replacement = async () => {
      if (newClientOid === undefined) return undefined;
      const found = await detail(instrument, { clientOid: newClientOid });
      return found.ok ? found.order : undefined;
    };
    if (!outcome.ok) {
      const { failure } = outcome;
      // A retried modify meets its own replacement (40786 on newClientOid, or the old order gone):
      // if the replacement exists, the amend happened.
      const maybeDone =
        failure.kind === 'venue' &&
        (failure.info.kind === 'duplicate' || ['40768', '43001', '22001'].includes(failure.code));
      if (maybeDone) {
        const found = await replacement();
        if (found !== undefined) {
          return {
            outcome: 'accepted',
            venueOrderId: found.venueOrderId,
            clientOrderId: found.clientOrderId,
            order: found,
            fills: [],
          };
        }
        if (failure.info.kind === 'duplicate') return unknown(failure, 'modify-order');
      }
      return refusalOrUnknown(failure, 'modify-order');
    }
    const latency = latencyOf(outcome.requestTime);
    // The replacement's orderId comes asynchronously; look it up once, else its push will tell.
    const found = await replacement();
    return {
      outcome: 'accepted',
      venueOrderId: found?.venueOrderId,
      clientOrderId: newClientOid,
      order: found,
      fills: [],
      ...(latency && { latency }),
    };
  }

  async function cancel(ref: VenueOrderRef): Promise<CancelResult> {
    const instrument = ref.instrument;
    const body = CancelOrderRequestSchema.parse({
      symbol: instrument.symbol,
      productType: productTypeOf(instrument),
      marginCoin: instrument.settlementCurrency,
      ...refOf(ref),
    });
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.cancelOrder,
      group: 'cancel',
      body,
      data: OrderIdsSchema,
    });
    if (!outcome.ok) return refusalOrUnknown(outcome.failure, 'cancel-order');
    const latency = latencyOf(outcome.requestTime);
    return { outcome: 'accepted', order: undefined, ...(latency && { latency }) };
  }

  async function cancelAll(instrument: Instrument): Promise<number> {
    const open = await openOrders(instrument);
    let cancelled = 0;
    for (let i = 0; i < open.length; i += 50) {
      const chunk = open.slice(i, i + 50);
      const body = BatchCancelRequestSchema.parse({
        symbol: instrument.symbol,
        productType: productTypeOf(instrument),
        marginCoin: instrument.settlementCurrency,
        orderIdList: chunk.map((order) => ({ orderId: order.venueOrderId })),
      });
      const result = need(
        await rest.call({
          method: 'POST',
          path: PATH.batchCancel,
          group: 'batchCancel',
          body,
          data: BatchResultSchema,
        }),
        'batch-cancel-orders',
      );
      cancelled += result.successList.length;
    }
    return cancelled;
  }

  async function findByClientOrderId(
    instrument: Instrument,
    clientOrderId: string,
  ): Promise<VenueOrderSnapshot[]> {
    const found = await detail(instrument, { clientOid: clientOrderId });
    if (!found.ok) throw new BitgetRequestError(found.failure, 'order detail by clientOid');
    return found.order === undefined ? [] : [found.order];
  }

  async function getOrder(
    instrument: Instrument,
    venueOrderId: string,
  ): Promise<VenueOrderSnapshot | undefined> {
    const found = await detail(instrument, { orderId: venueOrderId });
    if (!found.ok) throw new BitgetRequestError(found.failure, 'order detail');
    return found.order;
  }

  async function listOrders(
    path: string,
    group: BitgetEndpointGroup,
    instrument: Instrument | undefined,
  ): Promise<VenueOrderSnapshot[]> {
    const orders: VenueOrderSnapshot[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const data = need(
        await rest.call({
          method: 'GET',
          path,
          group,
          query: {
            productType: instrument ? productTypeOf(instrument) : productType,
            symbol: instrument?.symbol,
            limit: String(PAGE),
            idLessThan: cursor,
          },
          data: OrderListSchema,
        }),
        path,
      );
      const receivedAt = new Date(now()).toISOString();
      for (const order of data.entrustedList) {
        remember(order.orderId, order.clientOid);
        orders.push(toSnapshot(order, { account, accountMode: modeNow(), receivedAt }));
      }
      if (data.entrustedList.length < PAGE || data.endId === undefined || data.endId === cursor) break;
      cursor = data.endId;
    }
    return orders;
  }

  function openOrders(instrument?: Instrument) {
    return listOrders(PATH.pending, 'pending', instrument);
  }

  async function fills(query: {
    instrument: Instrument;
    venueOrderId?: string;
    since?: string;
  }): Promise<VenueFill[]> {
    const { instrument } = query;
    const out = new Map<string, VenueFill>();
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const data = need(
        await rest.call({
          method: 'GET',
          path: PATH.fills,
          group: 'fills',
          query: {
            productType: productTypeOf(instrument),
            symbol: instrument.symbol,
            orderId: query.venueOrderId,
            startTime: query.since === undefined ? undefined : String(Date.parse(query.since)),
            limit: String(PAGE),
            idLessThan: cursor,
          },
          data: FillListSchema,
        }),
        'fills',
      );
      for (const fill of data.fillList) {
        out.set(
          fill.tradeId,
          toFill(fill, {
            account,
            accountMode: modeNow(),
            settlementCurrency: instrument.settlementCurrency,
            clientOidOf: (orderId) => clientOids.get(orderId),
          }),
        );
      }
      if (data.fillList.length < PAGE || data.endId === undefined || data.endId === cursor) break;
      cursor = data.endId;
    }
    // Bitget lists newest first; the port wants oldest first.
    return [...out.values()].sort(
      (a, b) => a.executedAt.localeCompare(b.executedAt) || compareIds(a.tradeId, b.tradeId),
    );
  }

  async function positions(): Promise<VenuePosition[]> {
    const data = need(
      await rest.call({
        method: 'GET',
        path: PATH.allPosition,
        group: 'allPosition',
        query: { productType, marginCoin },
        data: PositionListSchema,
      }),
      'all-position',
    );
    return data
      .filter((position) => !position.total.isZero())
      .map((position) => toPosition(position, { account, accountMode: modeNow() }));
  }

  async function positionsOf(instrument: Instrument): Promise<VenuePosition[]> {
    const data = need(
      await rest.call({
        method: 'GET',
        path: PATH.singlePosition,
        group: 'singlePosition',
        query: {
          symbol: instrument.symbol,
          productType: productTypeOf(instrument),
          marginCoin: instrument.settlementCurrency,
        },
        data: PositionListSchema,
      }),
      'single-position',
    );
    return data
      .filter((position) => !position.total.isZero())
      .map((position) => toPosition(position, { account, accountMode: modeNow() }));
  }

  async function instruments(): Promise<Instrument[]> {
    const data = need(
      await rest.call({
        method: 'GET',
        path: PATH.contracts,
        group: 'contracts',
        query: { productType },
        data: ContractListSchema,
        signed: false,
      }),
      'contracts',
    );
    const list = data.map((contract) => toInstrument(contract, productType));
    for (const instrument of list) instrumentCache.set(instrument.symbol, instrument);
    return list;
  }

  async function markPrice(instrument: Instrument): Promise<Decimal> {
    const data = need(
      await rest.call({
        method: 'GET',
        path: PATH.symbolPrice,
        group: 'symbolPrice',
        query: { symbol: instrument.symbol, productType: productTypeOf(instrument) },
        data: SymbolPriceListSchema,
        signed: false,
      }),
      'symbol-price',
    );
    const entry = data.find((item) => item.symbol === instrument.symbol) ?? data[0];
    if (entry === undefined) {
      throw new BitgetRequestError(
        { kind: 'protocol', message: `symbol-price: no price for ${instrument.symbol}`, sent: true },
        'mark price',
      );
    }
    return entry.markPrice;
  }

  async function setPositionMode(mode: PositionMode): Promise<PositionMode> {
    const body = SetPositionModeRequestSchema.parse({ productType, posMode: posModeOf(mode) });
    const data = need(
      await rest.call({
        method: 'POST',
        path: PATH.setPositionMode,
        group: 'setPositionMode',
        body,
        data: SetPositionModeReplySchema,
      }),
      'set-position-mode',
    );
    accountMode = positionModeOf(data.posMode);
    return accountMode;
  }

  async function closePositionsAtMarket(instrument?: Instrument, holdSide?: 'long' | 'short') {
    const body = ClosePositionsRequestSchema.parse({
      productType: instrument ? productTypeOf(instrument) : productType,
      ...(instrument && { symbol: instrument.symbol }),
      ...(holdSide && { holdSide }),
    });
    const result = need(
      await rest.call({
        method: 'POST',
        path: PATH.closePositions,
        group: 'closePositions',
        body,
        data: BatchResultSchema,
      }),
      'close-positions',
    );
    return {
      closed: result.successList.map((item) => ({ orderId: item.orderId, clientOid: item.clientOid })),
      failed: result.failureList.length,
    };
  }

  let connected = false;
  let closed = false;

  return {
    venue: 'bitget',
    account,
    // clientOid is unique per account (40786 on a duplicate); a modify replaces the order with a new
    // clientOid; orders carry marginMode.
    capabilities: { uniqueClientOrderIds: true, amendReplacesOrder: true, marginModePerOrder: true },
    state$: ws.state$ as Observable<VenueConnectionState>,
    reports$: reports$.asObservable(),
    async connect() {
      if (connected) return;
      if (options.syncClock !== false) await syncClock();
      await instruments();
      if (options.positionMode === undefined) await refreshPositionMode();
      await ws.start();
      connected = true;
    },
    async close() {
      if (closed) return;
      closed = true;
      await ws.close();
      subscriptions.unsubscribe();
      limiter.dispose();
      rest.close();
      reports$.complete();
    },
    instruments,
    markPrice,
    place,
    closePosition: place,
    amend,
    cancel,
    cancelAll,
    findByClientOrderId,
    getOrder,
    openOrders,
    fills,
    positions,
    positionsOf,
    positionMode: () => accountMode,
    refreshPositionMode,
    setPositionMode,
    closePositionsAtMarket,
    orderHistory: (instrument?: Instrument) => listOrders(PATH.history, 'history', instrument),
    clockOffsetMs: () => clockOffset,
  };
}

/** Numeric ids compared as numbers (Bitget ids are 19-digit integers), else as text. */
function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Options the service reads from configuration (zod, so credentials come in validated). */
export const BitgetCredentialsSchema = z
  .object({ apiKey: z.string().min(1), secretKey: z.string().min(1), passphrase: z.string().min(1) })
  .strict();
