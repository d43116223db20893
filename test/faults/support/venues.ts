import type { Logger } from 'pino';
import { type BitgetAdapterOptions, createBitgetAdapter } from '../../../adapters/venues/bitget/adapter.ts';
import {
  createDeribitAdapter,
  type DeribitAdapterOptions,
} from '../../../adapters/venues/deribit/adapter.ts';
import type { VenueAdapter } from '../../../application/ports/venue.ts';
import { type LocalBitget, startLocalBitget } from '../../../simulators/bitget/server.ts';
import { type LocalDeribit, startLocalDeribit } from '../../../simulators/deribit/server.ts';

/** Venue credentials of a scenario (F13 gives sentinel values to look for). */
export interface VenueCredentials {
  deribit: { clientId: string; clientSecret: string };
  bitget: { apiKey: string; secretKey: string; passphrase: string };
}

export const DEFAULT_CREDENTIALS: VenueCredentials = {
  deribit: { clientId: 'fault-client', clientSecret: 'fault-client-secret' },
  bitget: { apiKey: 'fault-key', secretKey: 'fault-secret', passphrase: 'fault-passphrase' },
};

/** The local Deribit and Bitget, running in the test process (they outlive a killed service). */
export interface LocalVenues {
  deribit: LocalDeribit;
  bitget: LocalBitget;
  credentials: VenueCredentials;
  /** The environment that points `oms serve` at these venues (custom mode). */
  env(): Record<string, string>;
  /** Adapters for an in-process service. */
  adapters(
    logger: Logger,
    overrides?: { deribit?: Partial<DeribitAdapterOptions>; bitget?: Partial<BitgetAdapterOptions> },
  ): VenueAdapter[];
  close(): Promise<void>;
}

export async function startLocalVenues(
  options: { credentials?: VenueCredentials; seed?: number; logger?: Logger } = {},
): Promise<LocalVenues> {
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const deribit = await startLocalDeribit({
    credentials: [{ ...credentials.deribit, account: 'main' }],
    seed: options.seed ?? 1,
    minHeartbeatIntervalSec: 0.05,
    ...(options.logger && { logger: options.logger }),
  });
  const bitget = await startLocalBitget({
    credentials: credentials.bitget,
    seed: options.seed ?? 1,
    ...(options.logger && { logger: options.logger }),
  });
  return {
    deribit,
    bitget,
    credentials,
    env: () => ({
      DERIBIT_MODE: 'custom',
      DERIBIT_WS_URL: deribit.wsUrl,
      DERIBIT_HTTP_URL: deribit.httpUrl,
      DERIBIT_CLIENT_ID: credentials.deribit.clientId,
      DERIBIT_CLIENT_SECRET: credentials.deribit.clientSecret,
      BITGET_MODE: 'custom',
      BITGET_REST_URL: bitget.restUrl,
      BITGET_WS_URL: bitget.wsUrl,
      BITGET_API_KEY: credentials.bitget.apiKey,
      BITGET_SECRET_KEY: credentials.bitget.secretKey,
      BITGET_PASSPHRASE: credentials.bitget.passphrase,
      BITGET_POSITION_MODE: 'one_way',
    }),
    adapters: (logger, overrides = {}) => [
      createDeribitAdapter({
        account: 'main',
        wsUrl: deribit.wsUrl,
        httpUrl: deribit.httpUrl,
        credentials: credentials.deribit,
        auth: 'client_signature',
        logger: logger.child({ component: 'deribit' }),
        ...overrides.deribit,
      }),
      createBitgetAdapter({
        account: 'main',
        restUrl: bitget.restUrl,
        wsUrl: bitget.wsUrl,
        credentials: credentials.bitget,
        positionMode: 'one_way',
        defaultMarginMode: 'crossed',
        logger: logger.child({ component: 'bitget' }),
        ...overrides.bitget,
      }),
    ],
    async close() {
      await Promise.allSettled([deribit.close(), bitget.close()]);
    },
  };
}

/** The orders at the local venues by client id (Deribit label, Bitget clientOid). */
export function venueOrdersByClientId(venues: LocalVenues): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (id: string | undefined) => {
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  };
  for (const o of venues.deribit.orders()) add(o.label);
  for (const o of venues.bitget.orders()) add(o.clientOid as string | undefined);
  return counts;
}

/** The orders a local venue holds under a client id, with their state in OMS words and when each was created. */
export function venueOrdersOf(
  venues: LocalVenues,
  venue: 'deribit' | 'bitget',
  clientOrderId: string,
): { venueOrderId: string; status: string; filled: string; createdAt: string }[] {
  if (venue === 'deribit') {
    return venues.deribit
      .orders()
      .filter((o) => o.label === clientOrderId)
      .map((o) => ({
        venueOrderId: o.orderId,
        status: o.state,
        filled: o.filled.toString(),
        createdAt: new Date(o.createdAt).toISOString(),
      }));
  }
  const words: Record<string, string> = { live: 'open', canceled: 'cancelled' };
  return venues.bitget
    .orders()
    .filter((o) => o.clientOid === clientOrderId)
    .map((o) => ({
      venueOrderId: String(o.orderId),
      status: words[String(o.status)] ?? String(o.status),
      filled: String(o.baseVolume ?? '0'),
      createdAt: new Date(Number(o.cTime)).toISOString(),
    }));
}
