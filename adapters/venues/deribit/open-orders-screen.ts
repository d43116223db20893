import { z } from 'zod';
import { listedAsRecorded, type RecordedResting } from '../../../domain/order/resting.ts';
import { TaskFailed, TaskThread, ThreadFailed } from '../task-thread.ts';
import { orderSnapshot } from './mapping.ts';
import { WireOrderSchema } from './schemas.ts';

/**
 * Deribit's list of open orders, compared with what the OMS recorded before it is read in full.
 * With thousands of orders resting, reading each one (its schema, its decimals) and comparing it
 * on the service's event loop took hundreds of milliseconds and as much again in garbage, every
 * reconciliation, while orders kept arriving. A worker thread reads and compares them and hands
 * back only the ids of those listed exactly as recorded and the elements of the others, which the
 * event loop reads in full as before (so what cannot be read is still reported there).
 */

export interface ScreenInput {
  readonly account: string;
  readonly elements: readonly unknown[];
  /** By venue order id. */
  readonly recorded: ReadonlyMap<string, RecordedResting>;
}

export interface Screened {
  /** The elements to read in full: listed otherwise than recorded, unknown, or unreadable. */
  kept: unknown[];
  /** Venue order ids of the orders listed exactly as recorded. */
  asRecorded: string[];
}

/** What the worker is handed (from the service's own thread; checked all the same). */
const ScreenInputSchema = z.object({
  account: z.string(),
  elements: z.array(z.unknown()),
  recorded: z.map(
    z.string(),
    z.object({
      status: z.enum(['open', 'partially_filled']),
      clientOrderId: z.string(),
      price: z.string().optional(),
      amount: z.string(),
      filled: z.string(),
    }),
  ),
});

/** The worker's task: `screenOpenOrders` of what it is handed. */
export const screenTask = (input: unknown): Screened => screenOpenOrders(ScreenInputSchema.parse(input));

const ScreenedSchema = z.object({ kept: z.array(z.unknown()), asRecorded: z.array(z.string()) });

/** The comparison itself (what the worker runs). */
export function screenOpenOrders({ account, elements, recorded }: ScreenInput): Screened {
  const kept: unknown[] = [];
  const asRecorded: string[] = [];
  for (const raw of elements) {
    const wire = WireOrderSchema.safeParse(raw);
    if (wire.success) {
      try {
        const listed = orderSnapshot(account, wire.data, raw);
        const ours = recorded.get(listed.venueOrderId);
        if (ours !== undefined && listedAsRecorded(ours, listed)) {
          asRecorded.push(listed.venueOrderId);
          continue;
        }
      } catch {
        // kept: the event loop reads it again and reports why it cannot
      }
    }
    kept.push(raw);
  }
  return { kept, asRecorded };
}

const WORKER = new URL('./open-orders-screen-worker.ts', import.meta.url);

/**
 * `screenOpenOrders` in a worker thread for lists of `offThreadFrom` orders or more (shorter ones
 * are read in full in place: a thread's round trip costs them more than it saves). Anything that
 * goes wrong there (the thread cannot start, dies, answers nonsense) leaves every element to be read
 * in full in place: slower, never wrong.
 */
export function createOpenOrdersScreen(
  offThreadFrom: number,
  workerModule: URL = WORKER,
): (input: ScreenInput) => Promise<Screened> {
  let thread: TaskThread | undefined;
  const readAll = (input: ScreenInput): Screened => ({ kept: [...input.elements], asRecorded: [] });
  return async (input) => {
    if (input.elements.length < offThreadFrom || input.recorded.size === 0 || thread?.broken)
      return readAll(input);
    thread ??= new TaskThread(workerModule, 'oms-deribit-open-orders');
    try {
      return ScreenedSchema.parse(await thread.run(input));
    } catch (error) {
      if (error instanceof ThreadFailed || error instanceof TaskFailed || error instanceof z.ZodError)
        return readAll(input);
      throw error;
    }
  };
}
