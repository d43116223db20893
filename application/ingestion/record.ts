import type { Source, VenueLatency } from '../../domain/metadata.ts';
import type { OrderCommand } from '../../domain/order/contract.ts';
import { decide } from '../../domain/order/decider.ts';
import type { OrderState } from '../../domain/order/state.ts';
import { deterministicId } from '../orders/ids.ts';
import type { HandleResult, OrderHandler } from '../orders/order-handler.ts';
import type { OrderCommandBody } from '../orders/report-commands.ts';

export interface ReportContext {
  source: Exclude<Source, 'client'>;
  /** Replaced by the order's own correlation id when the order exists. */
  correlationId: string;
  causationId?: string;
  venueTime?: string;
  latency?: VenueLatency;
  now: () => number;
}

/** Where reports come from, and what caused them when it is not the venue (a reconciliation run). */
export interface ReportOrigin {
  source: Exclude<Source, 'client'>;
  causationId?: string;
}

export const originOf = (given: ReportOrigin | ReportOrigin['source']): ReportOrigin =>
  typeof given === 'string' ? { source: given } : given;

const PROBE = {
  commandId: 'probe',
  correlationId: 'probe',
  recordedAt: '1970-01-01T00:00:00.000Z',
  source: 'venue',
} as const;

/**
 * Whether recording these reports would change the order as `state` has it: false when the decider
 * drops every one of them as already reflected (most pushed order updates: the acknowledgement of
 * an order already open, the update that comes with each fill). Spares building and handling
 * commands that would append nothing; a report the decider refuses counts as a change, so that
 * the handler gives the real answer.
 */
export function changesOrder(bodies: readonly OrderCommandBody[], state: OrderState): boolean {
  return bodies.some((body) => {
    const decision = decide({ ...body, metadata: PROBE } as OrderCommand, state);
    return !decision.ok || decision.events.length > 0;
  });
}

/** A report as a command on its order: the command id is derived from the report itself. */
export function reportCommand(body: OrderCommandBody, context: ReportContext): OrderCommand {
  return {
    ...body,
    metadata: {
      commandId: deterministicId('report', body.type, JSON.stringify(body.data)),
      correlationId: context.correlationId,
      ...(context.causationId !== undefined && { causationId: context.causationId }),
      recordedAt: new Date(context.now()).toISOString(),
      ...(context.venueTime !== undefined && { venueTime: context.venueTime }),
      source: context.source,
      ...(context.latency !== undefined && { venueLatency: context.latency }),
    },
  } as OrderCommand;
}

/**
 * Records what a venue said (or what reconciliation found) as commands on the order, decided one
 * after the other and appended together. Command ids are derived from the report itself, so the
 * same report recorded twice yields the same event ids; `decide` drops it anyway.
 */
export async function recordReports<P>(
  handler: OrderHandler<P>,
  bodies: readonly OrderCommandBody[],
  context: ReportContext,
): Promise<HandleResult<P>[]> {
  return handler.handleAll(bodies.map((body) => reportCommand(body, context)));
}
