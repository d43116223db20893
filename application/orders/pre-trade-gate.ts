import type { Instrument } from '../../domain/instrument.ts';
import type { OrderParams } from '../../domain/order/contract.ts';
import type { Order } from '../../domain/order/state.ts';
import { emptyPosition, type Position, type PositionSide } from '../../domain/position/position.ts';
import { checkPreTrade, type PreTradeLimits } from '../../domain/risk/pre-trade.ts';
import type { ServiceReadModel } from '../ports/read-models.ts';
import type { MarketData } from '../venues/market-data.ts';
import type { VenueRegistry } from '../venues/venue-registry.ts';
import type { VenueAccountSettings } from './service-result.ts';

export interface PreTradeGateOptions {
  registry: VenueRegistry;
  market: MarketData;
  readModel: ServiceReadModel;
  /** Waits until the read models include everything recorded so far. */
  readModelCaughtUp: () => Promise<void>;
  limits: PreTradeLimits;
  accounts: readonly VenueAccountSettings[];
  killSwitchEngaged: () => boolean;
}

/**
 * Gathers what the domain's pre-trade check needs (the mark price, the position a reducing order
 * would reduce, the kill switch) and runs it.
 */
export class PreTradeGate {
  readonly #o: PreTradeGateOptions;

  constructor(options: PreTradeGateOptions) {
    this.#o = options;
  }

  /**
   * The first limit the order breaks, if any. `current`: the order exists and `order` is its amended
   * terms (every limit applies to them; the reduce-only check was made at placement).
   */
  async check(order: OrderParams, current: Order | undefined) {
    const entry = this.#o.registry.get(order.instrument.venue, order.account);
    const settings = this.#o.accounts.find(
      (a) => a.venue === order.instrument.venue && a.account === order.account,
    );
    // Every order needs them (the notional limit always applies): a limit order is checked against
    // the venue's own price limits, a market order's notional against the mark; without an answer
    // from the venue, its limits are left to the venue.
    const prices = entry ? await this.#o.market.referencePrices(entry, order.instrument) : undefined;
    const reducing = order.reduceOnly || order.tradeSide === 'close' || order.intent === 'close_position';
    let position: Position | undefined;
    if (reducing && settings && current === undefined) {
      const side: PositionSide =
        order.positionMode === 'hedge' ? (order.side === 'sell' ? 'long' : 'short') : 'net';
      position = await this.position(settings, order.instrument, side);
    }
    return checkPreTrade(order, this.#o.limits, {
      killSwitchEngaged: this.#o.killSwitchEngaged(),
      markPrice: prices?.mark,
      ...(prices && { venuePrices: prices }),
      position: current ? undefined : position,
      ...(current && { amending: true }),
    });
  }

  /** The OMS's position (from the read models, brought up to date first). */
  async position(
    settings: VenueAccountSettings,
    instrument: Instrument,
    side: PositionSide,
  ): Promise<Position | undefined> {
    await this.#o.readModelCaughtUp();
    const rows = await this.#o.readModel.positionSizes(settings.venue, settings.account);
    const row = rows.find((r) => r.symbol === instrument.symbol && r.side === side);
    if (!row) return undefined;
    const key = { venue: settings.venue, account: settings.account, symbol: instrument.symbol, side };
    return { ...emptyPosition(key, instrument), size: row.size };
  }
}
