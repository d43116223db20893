import type { Logger } from 'pino';
import type { Instrument, Venue } from '../../domain/instrument.ts';
import type { MarketData } from '../venues/market-data.ts';
import type { VenueEntry, VenueRegistry } from '../venues/venue-registry.ts';
import { fail, ok, type ServiceResult, type VenueAccountSettings } from './service-result.ts';

/** The configured venue accounts, and the instruments they list, as the order service asks for them. */
export class VenueAccounts {
  readonly #accounts: readonly VenueAccountSettings[];
  readonly #registry: VenueRegistry;
  readonly #market: MarketData;
  readonly #logger: Logger;

  constructor(o: {
    accounts: readonly VenueAccountSettings[];
    registry: VenueRegistry;
    market: MarketData;
    logger: Logger;
  }) {
    this.#accounts = o.accounts;
    this.#registry = o.registry;
    this.#market = o.market;
    this.#logger = o.logger;
  }

  /** The account of a venue (the venue's first when none is named). */
  find(
    venue: Venue,
    account: string | undefined,
  ): ServiceResult<{ entry: VenueEntry; settings: VenueAccountSettings }> {
    const settings = this.#accounts.find(
      (a) => a.venue === venue && (account === undefined || a.account === account),
    );
    const entry = settings && this.#registry.get(settings.venue, settings.account);
    if (!settings || !entry) {
      return fail(
        'VENUE_NOT_CONFIGURED',
        `no ${venue} account${account ? ` ${account}` : ''} is configured`,
        {
          field: 'account',
        },
      );
    }
    return ok({ entry, settings });
  }

  /**
   * The configured venue account and its instrument; a venue that does not answer its listing is
   * unavailable, not an internal error.
   */
  async listed(
    venue: Venue,
    account: string | undefined,
    symbol: string,
  ): Promise<ServiceResult<{ entry: VenueEntry; settings: VenueAccountSettings; instrument: Instrument }>> {
    const found = this.find(venue, account);
    if (!found.ok) return found;
    const { entry, settings } = found.value;
    let instrument: Instrument | undefined;
    try {
      instrument = await this.#market.instrument(entry, symbol);
    } catch (error) {
      this.#logger.warn({ err: error, venue: entry.key }, 'the venue did not list its instruments');
      return fail('VENUE_UNAVAILABLE', `${entry.key} did not answer (instrument list); try again`);
    }
    if (!instrument)
      return fail('UNKNOWN_INSTRUMENT', `${venue} has no instrument ${symbol}`, { field: 'symbol' });
    return ok({ entry, settings, instrument });
  }
}
