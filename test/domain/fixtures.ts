import { expect } from 'vitest';
import { type Instrument, InstrumentSchema } from '../../domain/instrument.ts';
import {
  type OrderCommand,
  type OrderCommandInput,
  OrderCommandSchema,
  type OrderEvent,
  OrderEventSchema,
} from '../../domain/order/contract.ts';
import { type Decision, decide, fold } from '../../domain/order/decider.ts';
import type { OrderErrorCode } from '../../domain/order/errors.ts';
import { exists, type OrderState } from '../../domain/order/state.ts';

// Instruments as the venues define them (see the local simulators for the full tables).
export const BTC_PERPETUAL: Instrument = InstrumentSchema.parse({
  venue: 'deribit',
  symbol: 'BTC-PERPETUAL',
  kind: 'perpetual',
  settlement: 'inverse',
  amountUnit: 'quote',
  contractSize: '10',
  tickSize: '0.5',
  minAmount: '10',
  amountStep: '10',
  baseCurrency: 'BTC',
  quoteCurrency: 'USD',
  settlementCurrency: 'BTC',
});

export const ETH_USDC_PERPETUAL: Instrument = InstrumentSchema.parse({
  venue: 'deribit',
  symbol: 'ETH_USDC-PERPETUAL',
  kind: 'perpetual',
  settlement: 'linear',
  amountUnit: 'base',
  contractSize: '0.001',
  tickSize: '0.1',
  minAmount: '0.001',
  amountStep: '0.001',
  baseCurrency: 'ETH',
  quoteCurrency: 'USDC',
  settlementCurrency: 'USDC',
});

export const BITGET_BTCUSDT: Instrument = InstrumentSchema.parse({
  venue: 'bitget',
  symbol: 'BTCUSDT',
  kind: 'perpetual',
  settlement: 'linear',
  amountUnit: 'base',
  contractSize: '1',
  tickSize: '0.1',
  minAmount: '0.001',
  amountStep: '0.001',
  minNotional: '5',
  baseCurrency: 'BTC',
  quoteCurrency: 'USDT',
  settlementCurrency: 'USDT',
  bitgetProductType: 'USDT-FUTURES',
});

export const ORDER_ID = '0b6f8a52-9c1e-4a59-8f44-3f1b2a8c9d10';

const metadata = {
  commandId: 'cmd-1',
  correlationId: 'corr-1',
  recordedAt: '2026-11-21T12:00:00.000Z',
  source: 'client' as const,
};

type Body = OrderCommandInput extends infer C ? (C extends unknown ? Omit<C, 'metadata'> : never) : never;

/** A command from its type and data, with metadata filled in, validated by the command schema. */
export function command(body: Body): OrderCommand {
  return OrderCommandSchema.parse({ ...body, metadata });
}

/** An event from plain JSON-like input, validated by the event schema. */
export function event(input: unknown): OrderEvent {
  return OrderEventSchema.parse(input);
}

/** The order parameters of a plain BTC-PERPETUAL limit buy of 100 USD at 60000, overridable. */
export function orderParams(overrides: Record<string, unknown> = {}) {
  return {
    orderId: ORDER_ID,
    account: 'main',
    instrument: BTC_PERPETUAL,
    clientOrderId: 'oms-1',
    side: 'buy',
    type: 'limit',
    timeInForce: 'gtc',
    price: '60000',
    amount: '100',
    reduceOnly: false,
    postOnly: false,
    rejectPostOnly: false,
    positionMode: 'one_way',
    intent: 'order',
    ...overrides,
  };
}

/** The data of a PlaceOrder command: the order parameters without the intent, overridable. */
export function placeData(overrides: Record<string, unknown> = {}) {
  const { intent: _intent, ...data } = orderParams(overrides);
  return data as never;
}

export const ev = {
  requested: (overrides: Record<string, unknown> = {}) =>
    event({ type: 'OrderRequested', data: { orderId: ORDER_ID, order: orderParams(overrides) } }),
  accepted: (venueOrderId = 'v-1', extra: Record<string, unknown> = {}) =>
    event({ type: 'OrderAccepted', data: { orderId: ORDER_ID, venueOrderId, ...extra } }),
  rejected: () =>
    event({
      type: 'OrderRejected',
      data: { orderId: ORDER_ID, venueCode: '10009', message: 'not_enough_funds' },
    }),
  unknown: (request: 'place' | 'amend' | 'cancel' = 'place') =>
    event({ type: 'OrderOutcomeUnknown', data: { orderId: ORDER_ID, request, reason: 'timeout' } }),
  filled: (tradeId: string, amount: string, price = '60000') =>
    event({
      type: 'OrderFilled',
      data: {
        orderId: ORDER_ID,
        fill: {
          tradeId,
          price,
          amount,
          fee: '0.0000001',
          feeCurrency: 'BTC',
          liquidity: 'maker',
          executedAt: '2026-11-21T12:00:01.000Z',
        },
      },
    }),
  cancelRequested: () => event({ type: 'OrderCancelRequested', data: { orderId: ORDER_ID } }),
  cancelled: (reason = 'user_request') =>
    event({ type: 'OrderCancelled', data: { orderId: ORDER_ID, reason } }),
  cancelRejected: () =>
    event({
      type: 'OrderCancelRejected',
      data: { orderId: ORDER_ID, venueCode: '11044', message: 'not_open_order' },
    }),
  amendRequested: (amendment: Record<string, unknown> = { price: '61000' }) =>
    event({ type: 'OrderAmendRequested', data: { orderId: ORDER_ID, amendment } }),
  amendAccepted: (terms: Record<string, unknown> = { price: '61000' }) =>
    event({ type: 'OrderAmendAccepted', data: { orderId: ORDER_ID, ...terms } }),
  amendRejected: () =>
    event({
      type: 'OrderAmendRejected',
      data: { orderId: ORDER_ID, venueCode: '11044', message: 'not_open_order' },
    }),
  expired: () => event({ type: 'OrderExpired', data: { orderId: ORDER_ID } }),
  triggered: () => event({ type: 'OrderTriggered', data: { orderId: ORDER_ID } }),
};

/** The venue report (as a command) that records each event above. */
export const report = {
  accepted: (venueOrderId = 'v-1', extra: Record<string, unknown> = {}) =>
    command({ type: 'RecordOrderAccepted', data: { orderId: ORDER_ID, venueOrderId, ...extra } }),
  rejected: () =>
    command({
      type: 'RecordOrderRejected',
      data: { orderId: ORDER_ID, venueCode: '10009', message: 'not_enough_funds' },
    }),
  unknown: (request: 'place' | 'amend' | 'cancel' = 'place') =>
    command({ type: 'RecordOutcomeUnknown', data: { orderId: ORDER_ID, request, reason: 'timeout' } }),
  fill: (tradeId: string, amount: string, price = '60000') =>
    command({
      type: 'RecordFill',
      data: {
        orderId: ORDER_ID,
        fill: {
          tradeId,
          price,
          amount,
          fee: '0.0000001',
          feeCurrency: 'BTC',
          liquidity: 'maker',
          executedAt: '2026-11-21T12:00:01.000Z',
        },
      },
    }),
  cancelled: (reason: 'user_request' | 'unfilled_remainder' | 'cancel_on_disconnect' = 'user_request') =>
    command({ type: 'RecordOrderCancelled', data: { orderId: ORDER_ID, reason } }),
  cancelRejected: () =>
    command({
      type: 'RecordCancelRejected',
      data: { orderId: ORDER_ID, venueCode: '11044', message: 'not_open_order' },
    }),
  amendAccepted: (terms: Record<string, unknown> = { price: '61000' }) =>
    command({ type: 'RecordAmendAccepted', data: { orderId: ORDER_ID, ...terms } }),
  amendRejected: () =>
    command({
      type: 'RecordAmendRejected',
      data: { orderId: ORDER_ID, venueCode: '11044', message: 'not_open_order' },
    }),
  expired: () => command({ type: 'RecordOrderExpired', data: { orderId: ORDER_ID } }),
  triggered: () => command({ type: 'RecordOrderTriggered', data: { orderId: ORDER_ID } }),
};

export const client = {
  cancel: () => command({ type: 'CancelOrder', data: { orderId: ORDER_ID } }),
  amend: (amendment: Record<string, unknown> = { price: '61000' }) =>
    command({ type: 'AmendOrder', data: { orderId: ORDER_ID, amendment } }),
};

/** Given/When/Then for the order decider. */
export function given(...history: OrderEvent[]) {
  const state = fold(history);
  return {
    state,
    when(cmd: OrderCommand) {
      const decision = decide(cmd, state);
      const after = (): OrderState => (decision.ok ? fold(decision.events, state) : state);
      return {
        decision,
        thenEvents(...expected: OrderEvent[]) {
          expect(decision).toEqual({ ok: true, events: expected });
          return after();
        },
        thenStatus(status: string) {
          expect(decision.ok, JSON.stringify(decision)).toBe(true);
          expect(eventTypes(decision)).not.toContain('OrderAnomalyDetected');
          const next = after();
          expect(next.status).toBe(status);
          return next;
        },
        thenNothing() {
          expect(decision).toEqual({ ok: true, events: [] });
        },
        thenAnomaly(kind: 'overfill' | 'illegal_transition' | 'inconsistent_report') {
          expect(eventTypes(decision)).toEqual(['OrderAnomalyDetected']);
          const anomaly = (decision as { events: OrderEvent[] }).events[0];
          expect(anomaly?.type === 'OrderAnomalyDetected' && anomaly.data.kind).toBe(kind);
          const next = after();
          expect(next.status).toBe(state.status);
          if (exists(next) && exists(state)) expect(next.filled.eq(state.filled)).toBe(true);
          return next;
        },
        thenError(code: OrderErrorCode, field?: string) {
          expect(decision.ok).toBe(false);
          if (!decision.ok) {
            expect(decision.error.code).toBe(code);
            if (field !== undefined) expect(decision.error.field).toBe(field);
          }
        },
      };
    },
  };
}

function eventTypes(decision: Decision): string[] {
  return decision.ok ? decision.events.map((e) => e.type) : [];
}
