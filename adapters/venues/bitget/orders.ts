import type {
  AmendResult,
  CancelResult,
  PlaceOptions,
  PlaceResult,
  VenueOrderRef,
} from '../../../application/ports/venue.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import type { VenueLatency } from '../../../domain/metadata.ts';
import type { Amendment, OrderParams } from '../../../domain/order/contract.ts';
import { isTriggerType } from '../../../domain/order/transitions.ts';
import type { BitgetAccount } from './account.ts';
import type { BitgetContext } from './context.ts';
import { PATH } from './endpoints.ts';
import { placeOrderRequest } from './mapping.ts';
import { refusalOrUnknown, unknownOutcome } from './outcomes.ts';
import type { BitgetPlans } from './plans.ts';
import type { BitgetQueries } from './queries.ts';
import { BatchResultSchema, OrderIdsSchema } from './wire.ts';
import {
  BatchCancelRequestSchema,
  CancelOrderRequestSchema,
  ClosePositionsRequestSchema,
  ModifyOrderRequestSchema,
  PlaceOrderRequestSchema,
} from './wire-requests.ts';

/**
 * Bitget's order commands: place-order (also for closing orders), modify-order, cancel-order,
 * batch-cancel-orders, close-positions. 40786 (the clientOid is taken) means the order exists: it
 * is looked up and adopted as accepted, never rejected (F6).
 */
export interface BitgetOrders {
  place(order: OrderParams, options?: PlaceOptions): Promise<PlaceResult>;
  amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult>;
  cancel(ref: VenueOrderRef): Promise<CancelResult>;
  cancelAll(instrument: Instrument): Promise<number>;
  closePositionsAtMarket(
    instrument?: Instrument,
    holdSide?: 'long' | 'short',
  ): Promise<{ closed: { orderId: string | undefined; clientOid: string | undefined }[]; failed: number }>;
}

/** Bitget returns one server timestamp (ms); there is no in/out pair as on Deribit. */
function latencyOf(requestTime: string | undefined): VenueLatency | undefined {
  if (requestTime === undefined || !/^\d+$/.test(requestTime)) return undefined;
  const us = Number(requestTime) * 1000;
  return { usIn: us, usOut: us, usDiff: 0 };
}

/** The orderId of an order once known, or its clientOid. */
const refOf = (ref: VenueOrderRef) =>
  ref.venueOrderId !== undefined ? { orderId: ref.venueOrderId } : { clientOid: ref.clientOrderId };

/** A retried modify meets its own replacement: 40786 on newClientOid, or the old order gone. */
const REPLACED_CODES = ['40768', '43001', '22001'];

export function createBitgetOrders(
  context: BitgetContext,
  queries: BitgetQueries,
  account: BitgetAccount,
  plans: BitgetPlans,
): BitgetOrders {
  const { rest, clock, logger, dataOf, productType, marginCoin, productTypeOf } = context;
  /** Where an order request names its instrument. */
  const instrumentOf = (instrument: Instrument) => ({
    symbol: instrument.symbol,
    productType: productTypeOf(instrument),
    marginCoin: instrument.settlementCurrency,
  });

  /** The order behind a clientOid the venue says is taken: adopted as accepted (F6). */
  async function adopt(order: OrderParams, why: string): Promise<PlaceResult> {
    const found = await queries.detail(order.instrument, { clientOid: order.clientOrderId });
    if (!found.ok) {
      return { ...unknownOutcome(found.failure, `${why}; lookup by clientOid failed`), retryable: true };
    }
    if (found.order === undefined) {
      return {
        outcome: 'unknown',
        reason: `${why}, but no order carries clientOid ${order.clientOrderId}`,
        retryable: false,
      };
    }
    const { venueOrderId } = found.order;
    const fills = found.order.filledAmount.isZero()
      ? []
      : await queries.fills({ instrument: order.instrument, venueOrderId }).catch(() => []);
    logger.info({ clientOid: order.clientOrderId, orderId: venueOrderId, why }, 'bitget: order adopted');
    return { outcome: 'accepted', venueOrderId, order: found.order, fills };
  }

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
    const mode = await account.ensureMode();
    if (mode === undefined) {
      return {
        outcome: 'unknown',
        reason: 'the account position mode is unknown (account query failed); not sent',
        retryable: true,
      };
    }
    // Stop and take orders are Bitget plan orders (place-plan-order).
    if (isTriggerType(order.type)) return plans.place(order, mode);
    const mapped = placeOrderRequest(order, mode, {
      productType,
      marginCoin,
      marginMode: context.options.defaultMarginMode ?? 'crossed',
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
      return refusalOrUnknown(clock, failure, 'place-order');
    }
    const latency = latencyOf(outcome.requestTime);
    const { orderId } = outcome.data;
    if (orderId === undefined) {
      // One-way reduce-only orders that made Bitget cancel older ones come back without an orderId.
      const adopted = await adopt(order, 'place-order accepted without an orderId');
      return adopted.outcome === 'accepted' && latency ? { ...adopted, latency } : adopted;
    }
    context.remember(orderId, outcome.data.clientOid ?? order.clientOrderId);
    return {
      outcome: 'accepted',
      venueOrderId: orderId,
      order: undefined,
      fills: [],
      ...(latency && { latency }),
    };
  }

  async function amend(ref: VenueOrderRef, current: OrderParams, amendment: Amendment): Promise<AmendResult> {
    if (ref.untriggered) return plans.amend(ref, current, amendment);
    const newPrice = amendment.price ?? current.price;
    const newClientOid = amendment.newClientOrderId;
    const body = ModifyOrderRequestSchema.parse({
      ...refOf(ref),
      ...instrumentOf(ref.instrument),
      ...(newClientOid !== undefined && { newClientOid }),
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
    const replacement = async () => {
      if (newClientOid === undefined) return undefined;
      const found = await queries.detail(ref.instrument, { clientOid: newClientOid });
      return found.ok ? found.order : undefined;
    };
    if (!outcome.ok) {
      const { failure } = outcome;
      // If the replacement exists, the amend happened.
      const maybeDone =
        failure.kind === 'venue' &&
        (failure.info.kind === 'duplicate' || REPLACED_CODES.includes(failure.code));
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
        if (failure.info.kind === 'duplicate') return unknownOutcome(failure, 'modify-order');
      }
      return refusalOrUnknown(clock, failure, 'modify-order');
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
    if (ref.untriggered) return plans.cancel(ref);
    const body = CancelOrderRequestSchema.parse({ ...instrumentOf(ref.instrument), ...refOf(ref) });
    const outcome = await rest.call({
      method: 'POST',
      path: PATH.cancelOrder,
      group: 'cancel',
      body,
      data: OrderIdsSchema,
    });
    if (!outcome.ok) return refusalOrUnknown(clock, outcome.failure, 'cancel-order');
    const latency = latencyOf(outcome.requestTime);
    return { outcome: 'accepted', order: undefined, ...(latency && { latency }) };
  }

  async function cancelAll(instrument: Instrument): Promise<number> {
    const listed = await queries.openOrders(instrument);
    // Live plans are cancelled through the plan endpoint, one by one; the orders in batches.
    const open = listed.filter((order) => order.status !== 'untriggered');
    let cancelled = 0;
    for (const plan of listed.filter((order) => order.status === 'untriggered')) {
      const ref = {
        instrument,
        clientOrderId: plan.clientOrderId ?? '',
        venueOrderId: plan.venueOrderId,
        positionMode: plan.positionMode,
        untriggered: true,
      };
      if ((await plans.cancel(ref)).outcome === 'accepted') cancelled++;
    }
    for (let i = 0; i < open.length; i += 50) {
      const body = BatchCancelRequestSchema.parse({
        ...instrumentOf(instrument),
        orderIdList: open.slice(i, i + 50).map((order) => ({ orderId: order.venueOrderId })),
      });
      const result = await dataOf(
        { method: 'POST', path: PATH.batchCancel, group: 'batchCancel', body, data: BatchResultSchema },
        'batch-cancel-orders',
      );
      cancelled += result.successList.length;
    }
    return cancelled;
  }

  async function closePositionsAtMarket(instrument?: Instrument, holdSide?: 'long' | 'short') {
    const body = ClosePositionsRequestSchema.parse({
      productType: instrument ? productTypeOf(instrument) : productType,
      ...(instrument && { symbol: instrument.symbol }),
      ...(holdSide && { holdSide }),
    });
    const result = await dataOf(
      { method: 'POST', path: PATH.closePositions, group: 'closePositions', body, data: BatchResultSchema },
      'close-positions',
    );
    return {
      closed: result.successList.map((item) => ({ orderId: item.orderId, clientOid: item.clientOid })),
      failed: result.failureList.length,
    };
  }

  return { place, amend, cancel, cancelAll, closePositionsAtMarket };
}
