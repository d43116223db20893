import { concatMap, filter, Subject, Subscription } from 'rxjs';
import type { VenueReport } from '../../../application/ports/venue.ts';
import { createBitgetAccount } from './account.ts';
import { createBitgetCashLog } from './cash-log.ts';
import { createBitgetContext } from './context.ts';
import { type BitgetAdapter, type BitgetAdapterOptions, DEFAULT_WS } from './options.ts';
import { createBitgetOrders } from './orders.ts';
import { createBitgetPlans } from './plans.ts';
import { reportsOf } from './pushes.ts';
import { createBitgetQueries } from './queries.ts';
import { createPrivateWs } from './ws-client.ts';

export type { BitgetAdapter, BitgetAdapterOptions, BitgetWsOptions } from './options.ts';
export { BitgetCredentialsSchema } from './options.ts';
export { BitgetRequestError } from './outcomes.ts';

/**
 * The Bitget v2 USDT-M futures adapter: signed REST for orders and queries (`orders.ts`,
 * `queries.ts`, `account.ts`), the private WebSocket (`ws-client.ts`, on the venues' reconnecting
 * session) for `orders`, `fill` and `positions` pushes (`pushes.ts`) and `orders-algo` (plan orders,
 * `plans.ts`: the OMS's stop and take orders). See docs/venues/bitget.md.
 *
 * Outcomes are never guessed (`outcomes.ts`): a Bitget code that proves the request was not
 * carried out is a rejection; 429, 5xx, timeouts, transport failures and replies that do not
 * parse are unknown outcomes; 40786 (duplicate clientOid) means the order exists and is looked
 * up and adopted.
 */
export function createBitgetAdapter(options: BitgetAdapterOptions): BitgetAdapter {
  const context = createBitgetContext(options);
  const { account, logger, clock, limiter, rest } = context;
  const plans = createBitgetPlans(context);
  const queries = createBitgetQueries(context, plans);
  const accountMode = createBitgetAccount(context);
  const orders = createBitgetOrders(context, queries, accountMode, plans);
  const ws = createPrivateWs({
    wsUrl: options.wsUrl,
    credentials: options.credentials,
    instType: context.productType,
    channels: ['orders', 'fill', 'positions', 'orders-algo'],
    logger,
    timestamp: clock.timestamp,
    random: options.random ?? Math.random,
    ...DEFAULT_WS,
    ...options.ws,
  });

  const reports$ = new Subject<VenueReport>();
  const subscriptions = new Subscription();
  // In order, one push at a time: a plan that fired is tied to the order it created (a lookup)
  // before any later push of that order is handed over.
  subscriptions.add(
    ws.pushes$
      .pipe(
        concatMap(async (received) =>
          received.push.arg.channel === 'orders-algo'
            ? plans.reports(received.push.data, received.receivedAt)
            : Promise.all(reportsOf(context, received).map((report) => tiedToPlan(report))),
        ),
      )
      .subscribe((reports) => {
        for (const report of reports) reports$.next(report);
      }),
  );
  /** An order report with the plan that created the order, while plans are live on its symbol. */
  async function tiedToPlan(report: VenueReport): Promise<VenueReport> {
    if (report.kind !== 'order' || report.order.triggerOrderId !== undefined) return report;
    const triggerOrderId = await plans.linkOf(report.order.symbol, report.order.venueOrderId);
    return triggerOrderId === undefined ? report : { ...report, order: { ...report.order, triggerOrderId } };
  }
  subscriptions.add(
    context.unreadable$.subscribe((item) =>
      reports$.next({ kind: 'unreadable', item, receivedAt: new Date(context.now()).toISOString() }),
    ),
  );
  // After a reconnect the account may have changed mode: learn it again (the service reconciles).
  subscriptions.add(
    ws.state$.pipe(filter((state) => state.status === 'connected' && state.reconnects > 0)).subscribe(() => {
      if (options.positionMode !== undefined) return;
      accountMode
        .refreshPositionMode()
        .catch((error: unknown) =>
          logger.warn({ problem: String(error) }, 'bitget: position mode query after reconnect failed'),
        );
    }),
  );

  let connected = false;
  let closed = false;

  return {
    venue: 'bitget',
    account,
    // clientOid is unique per account (40786 on a duplicate); a modify replaces the order with a new
    // clientOid; orders carry marginMode.
    capabilities: { uniqueClientOrderIds: true, amendReplacesOrder: true, marginModePerOrder: true },
    state$: ws.state$,
    reports$: reports$.asObservable(),
    async connect() {
      if (connected) return;
      await clock.sync();
      await queries.instruments();
      if (options.positionMode === undefined) await accountMode.refreshPositionMode();
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
    instruments: queries.instruments,
    markPrice: queries.markPrice,
    referencePrices: queries.referencePrices,
    findByClientOrderId: queries.findByClientOrderId,
    getOrder: queries.getOrder,
    openOrders: queries.openOrders,
    orderHistory: queries.orderHistory,
    fills: queries.fills,
    positions: queries.positions,
    positionsOf: queries.positionsOf,
    ...orders,
    closePosition: orders.place,
    positionMode: context.mode,
    refreshPositionMode: accountMode.refreshPositionMode,
    setPositionMode: accountMode.setPositionMode,
    clockOffsetMs: clock.offsetMs,
    ...createBitgetCashLog(context),
  };
}
