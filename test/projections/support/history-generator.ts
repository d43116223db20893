import type { EventToAppend, ExpectedRevision } from '../../../application/ports/event-store.ts';
import { Decimal as Dec, type Decimal } from '../../../domain/decimal.ts';
import { type Instrument, InstrumentSchema } from '../../../domain/instrument.ts';
import type { CommandMetadata, Source } from '../../../domain/metadata.ts';
import type { CancelReason, OrderCommand, OrderParams, OrderSide } from '../../../domain/order/contract.ts';
import { orderStreamId } from '../../../domain/order/contract.ts';
import { decide, evolve } from '../../../domain/order/decider.ts';
import { encodeOrderEvent } from '../../../domain/order/event-codec.ts';
import { exists, initialState, type Order, type OrderState } from '../../../domain/order/state.ts';
import { seededRandom as prng } from '../../../simulators/seeded-random.ts';

/**
 * A generator of realistic, seeded order histories for tests and benchmarks: orders on both
 * venues and many instruments, one-way and hedge mode, 1-5 fills each, amends, cancels,
 * rejections, expiries, unknown outcomes, stop orders that trigger, external orders, late fills
 * after a cancel, anomalies (overfills), duplicated venue reports (which `decide` collapses) and
 * duplicated appends (same event ids, which the store collapses).
 *
 * Every event comes out of the domain's `decide` and is encoded by `encodeOrderEvent`, so the
 * history is one the service could have written. Same seed, same history (ids included).
 *
 *   for (const append of generateHistory({ seed: 7, events: 10_000 })) await store.append(...)
 *   await appendHistory(store, generateHistory({ seed: 7, events: 10_000 }), { concurrency: 8 })
 */

export interface HistoryOptions {
  readonly seed: number;
  /** Stop once at least this many events have been produced. */
  readonly events: number;
  /** Orders working at once (interleaved in `$all`); bounded so consumers' caches stay small. */
  readonly maxOpenOrders?: number;
  /** Venue time of the first event (ISO-8601); the clock advances 1-40 ms per step. */
  readonly startAt?: string;
}

export interface GeneratedAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expectedRevision: ExpectedRevision;
  /** A retry of the previous append of this stream: the store must write nothing. */
  readonly duplicate: boolean;
}

const instrument = (input: Record<string, unknown>): Instrument => InstrumentSchema.parse(input);

const deribit = (
  symbol: string,
  settlement: 'linear' | 'inverse',
  base: string,
  quote: string,
  contractSize: string,
  tick: string,
  extra: Record<string, unknown> = {},
) =>
  instrument({
    venue: 'deribit',
    symbol,
    kind: 'perpetual',
    settlement,
    amountUnit: settlement === 'inverse' ? 'quote' : 'base',
    contractSize,
    tickSize: tick,
    minAmount: contractSize,
    amountStep: contractSize,
    baseCurrency: base,
    quoteCurrency: quote,
    settlementCurrency: settlement === 'inverse' ? base : quote,
    ...extra,
  });

const bitget = (symbol: string, base: string, step: string, tick: string) =>
  instrument({
    venue: 'bitget',
    symbol,
    kind: 'perpetual',
    settlement: 'linear',
    amountUnit: 'base',
    contractSize: '1',
    tickSize: tick,
    minAmount: step,
    amountStep: step,
    minNotional: '5',
    baseCurrency: base,
    quoteCurrency: 'USDT',
    settlementCurrency: 'USDT',
    bitgetProductType: 'USDT-FUTURES',
  });

interface Market {
  readonly instrument: Instrument;
  /** Mid price in ticks. */
  midTicks: number;
  /** Typical order size in amount steps. */
  readonly lotSteps: number;
}

/** Instruments of both venues, with a starting mid price and a typical size. */
export const GENERATED_INSTRUMENTS: readonly Instrument[] = [
  deribit('BTC-PERPETUAL', 'inverse', 'BTC', 'USD', '10', '0.5'),
  deribit('ETH-PERPETUAL', 'inverse', 'ETH', 'USD', '1', '0.05'),
  deribit('BTC-27MAR26', 'inverse', 'BTC', 'USD', '10', '2.5', {
    kind: 'future',
    expiry: '2026-03-27T08:00:00.000Z',
  }),
  deribit('BTC_USDC-PERPETUAL', 'linear', 'BTC', 'USDC', '0.001', '1'),
  deribit('ETH_USDC-PERPETUAL', 'linear', 'ETH', 'USDC', '0.001', '0.1'),
  deribit('SOL_USDC-PERPETUAL', 'linear', 'SOL', 'USDC', '0.1', '0.01'),
  bitget('BTCUSDT', 'BTC', '0.001', '0.1'),
  bitget('ETHUSDT', 'ETH', '0.01', '0.01'),
  bitget('SOLUSDT', 'SOL', '0.1', '0.001'),
  bitget('XRPUSDT', 'XRP', '1', '0.0001'),
  bitget('DOGEUSDT', 'DOGE', '10', '0.00001'),
];

const START_PRICES: Record<string, [price: number, lotSteps: number]> = {
  'BTC-PERPETUAL': [64000, 50],
  'ETH-PERPETUAL': [3200, 200],
  'BTC-27MAR26': [65000, 30],
  'BTC_USDC-PERPETUAL': [64000, 20],
  'ETH_USDC-PERPETUAL': [3200, 300],
  'SOL_USDC-PERPETUAL': [150, 40],
  BTCUSDT: [64000, 20],
  ETHUSDT: [3200, 30],
  SOLUSDT: [150, 40],
  XRPUSDT: [0.6, 200],
  DOGEUSDT: [0.15, 300],
};

/** Accounts: Deribit is always one-way; Bitget has a one-way and a hedge-mode account. */
const ACCOUNTS: Record<Instrument['venue'], readonly { account: string; hedge: boolean }[]> = {
  deribit: [
    { account: 'main', hedge: false },
    { account: 'sub-1', hedge: false },
  ],
  bitget: [
    { account: 'main', hedge: false },
    { account: 'hedge-1', hedge: true },
  ],
};

interface Working {
  readonly orderId: string;
  readonly streamId: string;
  readonly correlationId: string;
  state: OrderState;
  /** Next expected revision of the stream (`no_stream` before the first append). */
  revision: ExpectedRevision;
  /** Fill amounts still planned, in amount steps. */
  fills: number[];
  amended: boolean;
  cancelAfterFills: number;
  late: boolean;
  lastAppend: GeneratedAppend | undefined;
  lastReport: OrderCommand | undefined;
  venueSeq: number;
}

export function* generateHistory(options: HistoryOptions): Generator<GeneratedAppend> {
  const random = prng(options.seed);
  const maxOpen = options.maxOpenOrders ?? 200;
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;

  const markets: Market[] = GENERATED_INSTRUMENTS.map((inst) => {
    const [price, lotSteps] = START_PRICES[inst.symbol]!;
    return {
      instrument: inst,
      midTicks: Math.round(price / Number(inst.tickSize.toString())),
      lotSteps,
    };
  });

  let clock = Date.parse(options.startAt ?? '2026-01-05T00:00:00.000Z');
  let produced = 0;
  let orderSeq = 0;
  let tradeSeq = 0;
  const working: Working[] = [];

  const metadata = (order: Working, source: Source, venue: boolean): CommandMetadata => ({
    commandId: uuid(),
    correlationId: order.correlationId,
    ...(source !== 'client' && { causationId: order.correlationId }),
    ...(chance(0.5) &&
      source === 'client' && { idempotencyKey: `idem-${order.orderId.slice(0, 8)}-${hex(6)}` }),
    recordedAt: new Date(clock).toISOString(),
    ...(venue && { venueTime: new Date(clock - int(1, 20)).toISOString() }),
    source,
  });

  const priceOf = (market: Market, ticks: number): Decimal =>
    market.instrument.tickSize.times(Math.max(1, ticks));

  /** Runs a command through the domain; returns the append it leads to, if any. */
  const run = (order: Working, command: OrderCommand): GeneratedAppend | undefined => {
    const decision = decide(command, order.state);
    if (!decision.ok) return undefined;
    if (decision.events.length === 0) return undefined; // a duplicate report: nothing to record
    const events: EventToAppend[] = decision.events.map((event) => {
      const encoded = encodeOrderEvent(event, command.metadata);
      return { id: uuid(), type: encoded.type, data: encoded.data, metadata: encoded.metadata };
    });
    for (const event of decision.events) order.state = evolve(order.state, event);
    const append: GeneratedAppend = {
      streamId: order.streamId,
      events,
      expectedRevision: order.revision,
      duplicate: false,
    };
    order.revision =
      order.revision === 'no_stream'
        ? BigInt(events.length - 1)
        : (order.revision as bigint) + BigInt(events.length);
    order.lastAppend = append;
    if (command.type.startsWith('Record')) order.lastReport = command;
    return append;
  };

  const newOrder = (): [Working, OrderCommand] => {
    const market = pick(markets);
    market.midTicks = Math.max(10, market.midTicks + int(-3, 3));
    const inst = market.instrument;
    const { account, hedge } = pick(ACCOUNTS[inst.venue]);
    const orderId = uuid();
    orderSeq += 1;
    const side: OrderSide = chance(0.5) ? 'buy' : 'sell';
    const trigger = inst.venue === 'deribit' && chance(0.04);
    const market_ = !trigger && chance(0.12);
    const type = trigger ? 'stop_limit' : market_ ? 'market' : 'limit';
    const nFills = int(1, 5);
    const steps = Math.max(nFills, int(1, market.lotSteps * 2));
    const parts: number[] = [];
    let left = steps;
    for (let i = nFills; i > 1; i--) {
      const part = int(1, left - (i - 1));
      parts.push(part);
      left -= part;
    }
    parts.push(left);
    const amount = inst.amountStep.times(steps);
    const offset = side === 'buy' ? -int(0, 20) : int(0, 20);
    const price = priceOf(market, market.midTicks + offset);
    const tradeSide = hedge ? (chance(0.6) ? 'open' : 'close') : undefined;
    const params: Omit<OrderParams, 'intent'> = {
      orderId,
      account,
      instrument: inst,
      clientOrderId: `oms-${orderSeq.toString(36)}-${hex(6)}`,
      side,
      type,
      amount,
      timeInForce: market_ ? 'ioc' : 'gtc',
      ...(type !== 'market' && { price }),
      ...(trigger && {
        trigger: { price: priceOf(market, market.midTicks - offset), reference: 'mark_price' as const },
      }),
      reduceOnly: !hedge && chance(0.08),
      postOnly: type === 'limit' && chance(0.2),
      rejectPostOnly: false,
      positionMode: hedge ? 'hedge' : 'one_way',
      ...(tradeSide && { tradeSide }),
      ...(inst.venue === 'bitget' && {
        marginMode: chance(0.7) ? ('crossed' as const) : ('isolated' as const),
      }),
    };
    const order: Working = {
      orderId,
      streamId: orderStreamId(orderId),
      correlationId: uuid(),
      state: initialState,
      revision: 'no_stream',
      fills: parts,
      amended: false,
      cancelAfterFills: chance(0.25) ? int(0, nFills - 1) : -1,
      late: chance(0.04),
      lastAppend: undefined,
      lastReport: undefined,
      venueSeq: 0,
    };
    // Some orders are found at the venue (placed from its web UI): external orders.
    if (chance(0.03)) {
      const { timeInForce, ...rest } = params;
      return [
        order,
        {
          type: 'RecordExternalOrder',
          data: {
            order: { ...rest, timeInForce, clientOrderId: '' },
            venueOrderId: `${inst.venue === 'deribit' ? 'ETH' : ''}${hex(12)}`,
          },
          metadata: metadata(order, 'reconciliation', true),
        },
      ];
    }
    return [
      order,
      {
        type: 'PlaceOrder',
        data: params,
        metadata: metadata(order, 'client', false),
      } as OrderCommand,
    ];
  };

  const fillCommand = (order: Working, o: Order, steps: number): OrderCommand => {
    const inst = o.order.instrument;
    const market = markets.find((m) => m.instrument.symbol === inst.symbol)!;
    const amount = inst.amountStep.times(steps);
    const price = o.order.price ?? priceOf(market, market.midTicks + int(-2, 2));
    const maker = o.order.type === 'limit' && chance(0.7);
    const rate = maker ? new Dec('-0.0001') : new Dec('0.0005');
    const fee =
      inst.settlement === 'inverse'
        ? amount.div(price).times(rate).toDecimalPlaces(8)
        : amount.times(price).times(rate).toDecimalPlaces(8);
    tradeSeq += 1;
    return {
      type: 'RecordFill',
      data: {
        orderId: order.orderId,
        fill: {
          tradeId: `${inst.venue === 'deribit' ? 'ETH-' : ''}${tradeSeq}${hex(4)}`,
          ...(o.venueOrderId !== undefined && { venueOrderId: o.venueOrderId }),
          price,
          amount,
          fee,
          feeCurrency: inst.settlement === 'inverse' ? inst.baseCurrency : inst.quoteCurrency,
          liquidity: maker ? 'maker' : 'taker',
          executedAt: new Date(clock - int(1, 30)).toISOString(),
        },
      },
      metadata: metadata(order, 'venue', true),
    };
  };

  const report = (order: Working, type: string, data: Record<string, unknown>, source: Source = 'venue') =>
    ({
      type,
      data: { orderId: order.orderId, ...data },
      metadata: metadata(order, source, source === 'venue'),
    }) as unknown as OrderCommand;

  /** The next command for a working order, or undefined when it is done. */
  const next = (order: Working): OrderCommand | undefined => {
    const o = order.state;
    if (!exists(o)) return undefined;
    const venueOrderId = () => `${o.order.instrument.venue === 'deribit' ? 'ETH-' : ''}${hex(10)}`;
    const nextFill = () => {
      const steps = order.fills.shift();
      if (steps === undefined) return undefined;
      return fillCommand(order, o, steps);
    };
    // A duplicated venue report (WebSocket + REST backfill): decide collapses it.
    if (order.lastReport !== undefined && chance(0.04)) return order.lastReport;
    switch (o.status) {
      case 'pending_new':
        if (chance(0.04))
          return report(order, 'RecordOrderRejected', { venueCode: '10009', message: 'not_enough_funds' });
        if (chance(0.03))
          return report(order, 'RecordOutcomeUnknown', { request: 'place', reason: 'timeout' }, 'system');
        if (chance(0.03) && o.order.type !== 'stop_limit')
          return nextFill() ?? report(order, 'RecordOrderAccepted', { venueOrderId: venueOrderId() });
        return report(order, 'RecordOrderAccepted', { venueOrderId: venueOrderId() });
      case 'unknown':
        if (chance(0.1))
          return report(
            order,
            'RecordOrderRejected',
            { message: 'order not found at the venue' },
            'reconciliation',
          );
        return report(order, 'RecordOrderAccepted', { venueOrderId: venueOrderId() }, 'reconciliation');
      case 'untriggered':
        if (chance(0.1)) return report(order, 'CancelOrder', {}, 'client');
        return report(order, 'RecordOrderTriggered', {});
      case 'open':
      case 'partially_filled': {
        const filledFills = order.fills.length;
        if (order.cancelAfterFills >= 0 && filledFills <= order.cancelAfterFills + 0) {
          order.cancelAfterFills = -1;
          if (o.order.timeInForce === 'ioc')
            return report(order, 'RecordOrderCancelled', { reason: 'unfilled_remainder' });
          return report(order, 'CancelOrder', {}, 'client');
        }
        if (!order.amended && o.order.type === 'limit' && chance(0.12)) {
          order.amended = true;
          const market = markets.find((m) => m.instrument.symbol === o.order.instrument.symbol)!;
          const bitgetVenue = o.order.instrument.venue === 'bitget';
          if (bitgetVenue && !o.filled.isZero()) return nextFill();
          return report(
            order,
            'AmendOrder',
            {
              amendment: {
                price: priceOf(market, market.midTicks + (o.order.side === 'buy' ? -int(0, 5) : int(0, 5))),
                ...(bitgetVenue && { newClientOrderId: `${o.order.clientOrderId.slice(0, 40)}-a` }),
              },
            },
            'client',
          );
        }
        if (chance(0.01)) {
          // An overfill: the venue reports more than the order's amount (becomes an anomaly).
          const left = o.order.amount.minus(o.filled).div(o.order.instrument.amountStep).toNumber();
          return fillCommand(order, o, left + 1);
        }
        if (chance(0.005))
          return report(order, 'RecordOrderCancelled', { reason: 'cancel_on_disconnect' as CancelReason });
        // Deribit good-til-day orders expire at the end of the day.
        if (chance(0.004)) return report(order, 'RecordOrderExpired', {});
        return nextFill() ?? report(order, 'CancelOrder', {}, 'client');
      }
      case 'pending_amend': {
        if (chance(0.1) && o.filled.isZero() && o.order.instrument.venue === 'deribit') {
          const f = nextFill();
          if (f) return f;
        }
        if (chance(0.25))
          return report(order, 'RecordAmendRejected', { venueCode: '11044', message: 'not_open_order' });
        const amendment = o.pendingAmendment;
        return report(order, 'RecordAmendAccepted', {
          ...(amendment?.price !== undefined && { price: amendment.price }),
          ...(amendment?.newClientOrderId !== undefined && {
            clientOrderId: amendment.newClientOrderId,
            venueOrderId: venueOrderId(),
          }),
        });
      }
      case 'pending_cancel': {
        if (chance(0.1)) {
          const f = nextFill();
          if (f) return f;
        }
        if (chance(0.08))
          return report(order, 'RecordCancelRejected', { venueCode: '11044', message: 'not_open_order' });
        return report(order, 'RecordOrderCancelled', { reason: 'user_request' });
      }
      case 'cancelled':
      case 'expired':
        // A late fill: the trade happened before the cancel at the venue, its report came late.
        if (order.late) {
          order.late = false;
          return nextFill();
        }
        return undefined;
      case 'filled':
      case 'rejected':
        return undefined;
      default:
        return undefined;
    }
  };

  while (produced < options.events) {
    clock += int(1, 40);
    const open = working.length < maxOpen && (working.length === 0 || chance(0.3));
    let order: Working;
    let command: OrderCommand | undefined;
    let index = -1;
    if (open) {
      [order, command] = newOrder();
      working.push(order);
      index = working.length - 1;
    } else {
      index = Math.floor(random() * working.length);
      order = working[index]!;
      // A retried append (the response was lost): same ids, same expected revision.
      if (order.lastAppend !== undefined && chance(0.02)) {
        yield { ...order.lastAppend, duplicate: true };
        continue;
      }
      command = next(order);
    }
    if (command === undefined) {
      working[index] = working[working.length - 1]!;
      working.pop();
      continue;
    }
    const append = run(order, command);
    if (append === undefined) continue;
    produced += append.events.length;
    yield append;
  }
}

/** What an event store needs to take a generated history (the port's `append`). */
export interface Appender {
  append(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<unknown>;
}

/**
 * Appends a generated history. With `concurrency` > 1, streams are spread over that many workers
 * (each stream always on the same one, so its appends keep their order).
 */
export const appendHistory = async (
  store: Appender,
  history: Iterable<GeneratedAppend>,
  options: { concurrency?: number } = {},
): Promise<{ appends: number; events: number; duplicates: number }> => {
  const concurrency = options.concurrency ?? 1;
  let appends = 0;
  let events = 0;
  let duplicates = 0;
  const lanes: Promise<void>[] = Array.from({ length: concurrency }, () => Promise.resolve());
  const hash = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    return Math.abs(h) % concurrency;
  };
  let pending = 0;
  for (const append of history) {
    appends += 1;
    if (append.duplicate) duplicates += 1;
    else events += append.events.length;
    const lane = hash(append.streamId);
    pending += 1;
    lanes[lane] = lanes[lane]!.then(async () => {
      await store.append(append.streamId, append.events, { expectedRevision: append.expectedRevision });
      pending -= 1;
    });
    // Keep the queues short so memory stays bounded for long histories.
    if (pending > concurrency * 64) await Promise.all(lanes);
  }
  await Promise.all(lanes);
  return { appends, events, duplicates };
};
