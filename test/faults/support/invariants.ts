import type { LoadedOrder } from '../../../application/orders/order-handler.ts';
import { evolve } from '../../../domain/order/decider.ts';
import { exists, initialState, type OrderState } from '../../../domain/order/state.ts';
import { isTerminal, type TransitionEvent, targetOf } from '../../../domain/order/transitions.ts';

/**
 * Folds an order's recorded events one by one and returns what breaks the order invariants:
 * a status change that is not a row of the transition table, a closed order live again, the
 * filled amount going down or above the amount, a trade counted twice.
 */
export function orderViolations<P>(loaded: LoadedOrder<P>): string[] {
  const problems: string[] = [];
  let state: OrderState = initialState;
  const trades = new Set<string>();
  for (const { event } of loaded.events) {
    const before = state;
    state = evolve(state, event);
    const where = `${event.type} at ${before.status}`;
    if (event.type === 'OrderFilled') {
      if (trades.has(event.data.fill.tradeId))
        problems.push(`${where}: trade ${event.data.fill.tradeId} twice`);
      trades.add(event.data.fill.tradeId);
    }
    if (event.type !== 'OrderAnomalyDetected' && before.status !== state.status) {
      if (targetOf(before.status, event.type as TransitionEvent) === undefined)
        problems.push(`${where} -> ${state.status}: not a row of the transition table`);
    }
    if (isTerminal(before.status) && !isTerminal(state.status))
      problems.push(`${where}: closed order live again`);
    if (exists(before) && exists(state)) {
      if (state.filled.lt(before.filled)) problems.push(`${where}: filled went down`);
      if (state.filled.gt(state.order.amount))
        problems.push(`${where}: filled ${state.filled} > amount ${state.order.amount}`);
    }
  }
  return problems;
}
