import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import type { z } from 'zod';
import type {
  UnreadableItem,
  UnreadableWhat,
  VenueFill,
  VenueOrderSnapshot,
  VenuePosition,
} from '../../../application/ports/venue.ts';
import type { BitgetProductType, Instrument } from '../../../domain/instrument.ts';
import type { PositionMode } from '../../../domain/order/contract.ts';
import { readEach } from '../read-each.ts';
import { createVenueClock, type VenueClock } from './clock.ts';
import { PATH } from './endpoints.ts';
import { toFill, toPosition, toSnapshot } from './mapping.ts';
import type { BitgetAdapterOptions } from './options.ts';
import { need } from './outcomes.ts';
import { BITGET_RATE_LIMITS, createRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { createRestClient, type RestCall, type RestClient } from './rest-client.ts';
import { type ParsedFill, type ParsedOrder, type ParsedPosition, ServerTimeSchema } from './wire.ts';
import { describeIssues } from './wire-scalars.ts';

/**
 * What the parts of the Bitget adapter share: the account and its settings, the REST client with
 * its rate limiter, the venue clock, the account's position mode as last learned, and the
 * clientOids of the orders seen (the `fill` channel carries none). Venue objects become the port's
 * values here, with the account's position mode of the moment.
 */
export interface BitgetContext {
  readonly options: BitgetAdapterOptions;
  readonly account: string;
  readonly productType: BitgetProductType;
  readonly marginCoin: string;
  readonly logger: Logger;
  readonly now: () => number;
  readonly limiter: RateLimiter;
  readonly rest: RestClient;
  readonly clock: VenueClock;
  /**
   * A list (REST reply or push) read element by element: the readable elements mapped, each other
   * one logged and handed to `unreadable$` with its text (the adapter puts it on `reports$`).
   */
  readEach<S extends z.ZodType, T>(
    what: UnreadableWhat,
    source: string,
    elements: readonly unknown[],
    schema: S,
    map: (parsed: z.output<S>) => T[],
  ): T[];
  readonly unreadable$: Observable<UnreadableItem>;
  /** The account's position mode as last learned (configured or queried). */
  mode(): PositionMode | undefined;
  learnMode(mode: PositionMode): void;
  /** orderId -> clientOid, learned from replies and pushes: the `fill` channel carries no clientOid. */
  remember(orderId: string | undefined, clientOid: string | undefined): void;
  productTypeOf(instrument: Instrument): BitgetProductType;
  /** Makes a call; its data, or a BitgetRequestError. */
  dataOf<S extends z.ZodType>(call: RestCall<S>, what: string): Promise<z.output<S>>;
  /** An order as the port's snapshot; its clientOid is remembered for later fills. */
  snapshot(order: ParsedOrder, receivedAt?: string): VenueOrderSnapshot;
  fill(fill: ParsedFill, settlementCurrency: string): VenueFill;
  position(position: ParsedPosition): VenuePosition;
}

/** orderId -> clientOid entries kept, oldest dropped first. */
const CLIENT_OIDS_KEPT = 100_000;

export function createBitgetContext(options: BitgetAdapterOptions): BitgetContext {
  const { account } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ venue: 'bitget', account });
  let accountMode = options.positionMode;
  const clientOids = new Map<string, string>();
  const remember = (orderId: string | undefined, clientOid: string | undefined) => {
    if (orderId === undefined || clientOid === undefined) return;
    if (clientOids.size > CLIENT_OIDS_KEPT) clientOids.delete(clientOids.keys().next().value as string);
    clientOids.set(orderId, clientOid);
  };
  const modeNow = () => accountMode ?? 'one_way';

  const limiter = createRateLimiter({
    limits: { ...BITGET_RATE_LIMITS, ...options.rateLimits },
    windowMs: options.rateLimitWindowMs ?? 1000,
    marginMs: options.rateLimitMarginMs ?? 100,
    now,
  });
  const clock = createVenueClock({
    enabled: options.syncClock !== false,
    now,
    logger,
    serverTime: async () => {
      const outcome = await rest.call({
        method: 'GET',
        path: PATH.time,
        group: 'time',
        data: ServerTimeSchema,
        signed: false,
      });
      return outcome.ok ? outcome.data.serverTime : undefined;
    },
  });
  const rest = createRestClient({
    restUrl: options.restUrl,
    credentials: options.credentials,
    demo: options.demo ?? false,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 5_000,
    limiter,
    logger,
    timestamp: clock.timestamp,
  });
  const productType = options.productType ?? 'USDT-FUTURES';
  const unreadable = new Subject<UnreadableItem>();

  return {
    options,
    account,
    productType,
    marginCoin: options.marginCoin ?? 'USDT',
    logger,
    now,
    limiter,
    rest,
    clock,
    readEach(what, source, elements, schema, map) {
      const describe = (error: z.ZodError) => describeIssues(error, `${source} ${what}`);
      const options = { venue: 'bitget', account, what, source, describe } as const;
      const read = readEach(elements, schema, options, (parsed) => map(parsed));
      for (const item of read.unreadable) {
        logger.error({ problem: item.error }, `bitget: unreadable ${what} in ${source}`);
        unreadable.next(item);
      }
      return read.items;
    },
    unreadable$: unreadable.asObservable(),
    mode: () => accountMode,
    learnMode(mode) {
      if (mode !== accountMode) logger.info({ positionMode: mode }, 'bitget: account position mode');
      accountMode = mode;
    },
    remember,
    productTypeOf: (instrument) => instrument.bitgetProductType ?? productType,
    dataOf: async (call, what) => need(clock, await rest.call(call), what),
    snapshot(order, receivedAt = new Date(now()).toISOString()) {
      remember(order.orderId, order.clientOid);
      return toSnapshot(order, { account, accountMode: modeNow(), receivedAt });
    },
    fill: (fill, settlementCurrency) =>
      toFill(fill, {
        account,
        accountMode: modeNow(),
        settlementCurrency,
        clientOidOf: (orderId) => clientOids.get(orderId),
      }),
    position: (position) => toPosition(position, { account, accountMode: modeNow() }),
  };
}
