import { type ApiClient, ApiError } from '../../../adapters/http/client.ts';
import { clientOrderIdFor } from '../../../application/orders/client-order-id.ts';
import { orderIdForKey } from '../../../application/orders/ids.ts';
import type { Rng } from './random.ts';
import type { LocalVenues } from './venues.ts';

/**
 * A client issuing commands to the API, each with an idempotency key, and remembering what it was
 * told: the reply (acknowledged or refused) or nothing (the service died, the connection broke).
 * Commands whose reply never came are retried later with the same key and the same body.
 */

export type CommandKind = 'place' | 'cancel' | 'amend';

export interface ClientCommand {
  kind: CommandKind;
  key: string;
  orderId: string;
  /** Place: the order; amend: the amendment. */
  body: Record<string, unknown> | undefined;
  /** acked: a 2xx reply; refused: a 4xx/5xx reply with an error body; unanswered: no reply. */
  outcome: 'in_flight' | 'acked' | 'refused' | 'unanswered';
  /** Every reply's order id (a place retried must always name the same order). */
  replies: { status: number; orderId: string; replayed: boolean }[];
  refusal?: { status: number; code: string; message: string };
}

export interface ClientOrder {
  orderId: string;
  clientOrderId: string;
  venue: 'deribit' | 'bitget';
  placeKey: string;
  /** The client knows the order exists (its place was acknowledged). */
  acked: boolean;
  /** A command on it is in flight or unanswered: the client waits before sending another. */
  busy: boolean;
  finished: boolean;
}

export class Workload {
  readonly commands: ClientCommand[] = [];
  readonly orders = new Map<string, ClientOrder>();
  readonly #rng: Rng;
  readonly #venues: LocalVenues;
  readonly #prefix: string;
  #n = 0;

  constructor(rng: Rng, venues: LocalVenues, prefix: string) {
    this.#rng = rng;
    this.#venues = venues;
    this.#prefix = prefix;
  }

  /** Issues one seeded command (place, cancel or amend) and waits for its reply or its failure. */
  async step(api: ApiClient): Promise<void> {
    const r = this.#rng;
    const candidates = [...this.orders.values()].filter((o) => o.acked && !o.busy && !o.finished);
    const roll = r.next();
    if (candidates.length > 0 && roll < 0.2) return this.#cancel(api, r.pick(candidates));
    if (candidates.length > 0 && roll < 0.4) return this.#amend(api, r.pick(candidates));
    return this.#place(api);
  }

  /** Commands whose reply never came. */
  unanswered(): ClientCommand[] {
    return this.commands.filter((c) => c.outcome === 'unanswered' || c.outcome === 'in_flight');
  }

  /** Sends an unanswered command again, with its key and body. */
  async retry(api: ApiClient, command: ClientCommand): Promise<void> {
    await this.#send(api, command);
  }

  #key(kind: CommandKind): string {
    this.#n += 1;
    return `${this.#prefix}-${kind}-${this.#n}`;
  }

  async #place(api: ApiClient): Promise<void> {
    const r = this.#rng;
    const venue = r.pick(['deribit', 'bitget'] as const);
    const side = r.pick(['buy', 'sell'] as const);
    const market = r.chance(0.25);
    const key = this.#key('place');
    const orderId = orderIdForKey(key);
    const body: Record<string, unknown> =
      venue === 'deribit'
        ? {
            venue,
            symbol: 'BTC-PERPETUAL',
            side,
            type: market ? 'market' : 'limit',
            amount: String(10 * r.int(1, 5)),
            ...(!market && { price: this.#restingPrice('deribit', side, r.int(1, 5)) }),
          }
        : {
            venue,
            symbol: 'BTCUSDT',
            side,
            type: market ? 'market' : 'limit',
            amount: (0.001 * r.int(1, 5)).toFixed(3),
            ...(!market && { price: this.#restingPrice('bitget', side, r.int(1, 5)) }),
          };
    const order: ClientOrder = {
      orderId,
      clientOrderId: clientOrderIdFor(orderId),
      venue,
      placeKey: key,
      acked: false,
      busy: true,
      finished: market,
    };
    this.orders.set(orderId, order);
    await this.#send(api, { kind: 'place', key, orderId, body, outcome: 'in_flight', replies: [] });
  }

  async #cancel(api: ApiClient, order: ClientOrder): Promise<void> {
    order.busy = true;
    order.finished = true;
    const key = this.#key('cancel');
    await this.#send(api, {
      kind: 'cancel',
      key,
      orderId: order.orderId,
      body: undefined,
      outcome: 'in_flight',
      replies: [],
    });
  }

  async #amend(api: ApiClient, order: ClientOrder): Promise<void> {
    order.busy = true;
    const key = this.#key('amend');
    const view = await api.order(order.orderId).catch(() => undefined);
    if (view?.status !== 'open' || view.price === null) {
      order.busy = false;
      if (view && view.status !== 'open') order.finished = true;
      return;
    }
    const side = view.side as 'buy' | 'sell';
    const body = { price: this.#restingPrice(order.venue, side, this.#rng.int(1, 6)) };
    await this.#send(api, {
      kind: 'amend',
      key,
      orderId: order.orderId,
      body,
      outcome: 'in_flight',
      replies: [],
    });
  }

  /** A limit price `pct` percent away from the mark on the passive side (rests, within the band). */
  #restingPrice(venue: 'deribit' | 'bitget', side: 'buy' | 'sell', pct: number): string {
    const mark =
      venue === 'deribit'
        ? Number(this.#venues.deribit.markPrice('BTC-PERPETUAL').toString())
        : Number(this.#venues.bitget.markPrice('BTCUSDT').toString());
    const factor = side === 'buy' ? 1 - pct / 100 : 1 + pct / 100;
    return String(Math.round(mark * factor));
  }

  async #send(api: ApiClient, command: ClientCommand): Promise<void> {
    if (!this.commands.includes(command)) this.commands.push(command);
    command.outcome = 'in_flight';
    const order = this.orders.get(command.orderId);
    try {
      const reply =
        command.kind === 'place'
          ? await api.place(command.body ?? {}, command.key)
          : command.kind === 'cancel'
            ? await api.cancel(command.orderId, command.key)
            : await api.amend(command.orderId, command.body ?? {}, command.key);
      command.replies.push({ status: reply.status, orderId: reply.order.orderId, replayed: reply.replayed });
      command.outcome = 'acked';
      if (order) {
        if (command.kind === 'place') order.acked = true;
        order.busy = false;
      }
    } catch (error) {
      if (error instanceof ApiError) {
        command.outcome = 'refused';
        command.refusal = { status: error.status, code: error.code, message: error.message };
        if (order) {
          order.busy = false;
          if (command.kind === 'place') order.finished = true;
        }
      } else {
        command.outcome = 'unanswered';
      }
    }
  }
}
