import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { VenueAccountSettings } from '../../application/orders/service-result.ts';
import type { VenueAdapter } from '../../application/ports/venue.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';
import type { Config } from '../config/config.ts';
import { createBitgetAdapter } from '../venues/bitget/adapter.ts';
import { createDeribitAdapter } from '../venues/deribit/adapter.ts';

/** The local simulators this start runs, by venue. */
export interface Simulators {
  deribit?: LocalDeribit;
  bitget?: LocalBitget;
}

const secret = () => randomBytes(24).toString('base64url');

const DERIBIT_URLS = {
  testnet: { wsUrl: 'wss://test.deribit.com/ws/api/v2', httpUrl: 'https://test.deribit.com' },
  production: { wsUrl: 'wss://www.deribit.com/ws/api/v2', httpUrl: 'https://www.deribit.com' },
};
const BITGET_URLS = {
  demo: { restUrl: 'https://api.bitget.com', wsUrl: 'wss://wspap.bitget.com/v2/ws/private' },
  production: { restUrl: 'https://api.bitget.com', wsUrl: 'wss://ws.bitget.com/v2/ws/private' },
};

/**
 * Where a local venue keeps its state, so that a restarted service finds it as it left it: next to
 * the embedded store's data directory (`<dataDir>-local-venues/`), else `.data/local-venues/`.
 */
export function localVenueStateFile(config: Config, venue: 'deribit' | 'bitget'): string {
  const dir =
    config.store.kind === 'embedded' ? `${config.store.dataDir}-local-venues` : join('.data', 'local-venues');
  return join(dir, `${venue}.jsonl`);
}

/** A configured venue: its adapter, the account settings the service needs, the local simulator if any. */
export interface BuiltVenue {
  adapter: VenueAdapter;
  account: VenueAccountSettings;
  simulator?: { entry: Simulators; close: () => Promise<void> };
}

export async function deribitVenue(config: Config, logger: Logger): Promise<BuiltVenue | undefined> {
  const d = config.venues.deribit;
  if (d.mode === 'off') return undefined;
  let urls: { wsUrl: string; httpUrl: string };
  let credentials = { clientId: d.clientId ?? '', clientSecret: d.clientSecret ?? '' };
  let simulator: BuiltVenue['simulator'];
  if (d.mode === 'local') {
    credentials = { clientId: 'oms-local', clientSecret: secret() };
    const sim = await startLocalDeribit({
      credentials: [{ ...credentials, account: d.account }],
      stateFile: localVenueStateFile(config, 'deribit'),
      logger: logger.child({ component: 'local-deribit' }),
    });
    simulator = { entry: { deribit: sim }, close: () => sim.close() };
    urls = { wsUrl: sim.wsUrl, httpUrl: sim.httpUrl };
  } else if (d.mode === 'custom') {
    urls = { wsUrl: d.wsUrl ?? '', httpUrl: d.httpUrl ?? '' };
  } else {
    urls = DERIBIT_URLS[d.mode];
  }
  const adapter = createDeribitAdapter({
    account: d.account,
    ...urls,
    credentials,
    auth: d.auth,
    logger: logger.child({ component: 'deribit' }),
  });
  return {
    adapter,
    account: { venue: 'deribit', account: d.account, positionMode: 'one_way' },
    ...(simulator && { simulator }),
  };
}

export async function bitgetVenue(config: Config, logger: Logger): Promise<BuiltVenue | undefined> {
  const b = config.venues.bitget;
  if (b.mode === 'off') return undefined;
  let urls: { restUrl: string; wsUrl: string };
  let credentials = { apiKey: b.apiKey ?? '', secretKey: b.secretKey ?? '', passphrase: b.passphrase ?? '' };
  let simulator: BuiltVenue['simulator'];
  if (b.mode === 'local') {
    credentials = { apiKey: 'oms-local', secretKey: secret(), passphrase: secret() };
    const sim = await startLocalBitget({
      credentials: { ...credentials },
      stateFile: localVenueStateFile(config, 'bitget'),
      positionMode: b.positionMode,
      logger: logger.child({ component: 'local-bitget' }),
    });
    simulator = { entry: { bitget: sim }, close: () => sim.close() };
    urls = { restUrl: sim.restUrl, wsUrl: sim.wsUrl };
  } else if (b.mode === 'custom') {
    urls = { restUrl: b.restUrl ?? '', wsUrl: b.wsUrl ?? '' };
  } else {
    urls = BITGET_URLS[b.mode];
  }
  const adapter = createBitgetAdapter({
    account: b.account,
    ...urls,
    credentials,
    demo: b.mode === 'demo',
    positionMode: b.positionMode,
    defaultMarginMode: b.marginMode,
    logger: logger.child({ component: 'bitget' }),
  });
  return {
    adapter,
    account: { venue: 'bitget', account: b.account, positionMode: b.positionMode, marginMode: b.marginMode },
    ...(simulator && { simulator }),
  };
}
