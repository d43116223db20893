import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { VenueAccountSettings } from '../../application/orders/service-result.ts';
import type { VenueAdapter } from '../../application/ports/venue.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { type LocalDeribit, startLocalDeribit } from '../../simulators/deribit/server.ts';
import type { BitgetAccountConfig, Config, DeribitAccountConfig } from '../config/config.ts';
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

/** A configured venue account: its adapter and the account settings the service needs. */
export interface BuiltAccount {
  adapter: VenueAdapter;
  account: VenueAccountSettings;
}

/** A configured venue: one adapter per account, and the local simulator (serving every account) if any. */
export interface BuiltVenue {
  accounts: BuiltAccount[];
  simulator?: { entry: Simulators; close: () => Promise<void> };
}

/**
 * The key the local venues give an account: `oms-local-<account>` (`oms-local` for `main`, as
 * before sub-accounts, so a local venue's kept state still finds its account). Its secrets are
 * generated at every start.
 */
export const localKeyOf = (account: string): string =>
  account === 'main' ? 'oms-local' : `oms-local-${account}`;

export async function deribitVenue(config: Config, logger: Logger): Promise<BuiltVenue | undefined> {
  const d = config.venues.deribit;
  if (d.mode === 'off') return undefined;
  let urls: { wsUrl: string; httpUrl: string };
  let credentialsOf = (a: DeribitAccountConfig) => ({
    clientId: a.clientId ?? '',
    clientSecret: a.clientSecret ?? '',
  });
  let simulator: BuiltVenue['simulator'];
  if (d.mode === 'local') {
    const local = new Map(
      d.accounts.map((a) => [a.account, { clientId: localKeyOf(a.account), clientSecret: secret() }]),
    );
    credentialsOf = (a) => local.get(a.account) ?? { clientId: '', clientSecret: '' };
    const sim = await startLocalDeribit({
      credentials: d.accounts.map((a) => ({ ...credentialsOf(a), account: a.account })),
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
  const accounts = d.accounts.map((a) => ({
    adapter: createDeribitAdapter({
      account: a.account,
      ...urls,
      credentials: credentialsOf(a),
      auth: a.auth,
      logger: logger.child({ component: 'deribit' }),
    }),
    account: { venue: 'deribit' as const, account: a.account, positionMode: 'one_way' as const },
  }));
  return { accounts, ...(simulator && { simulator }) };
}

export async function bitgetVenue(config: Config, logger: Logger): Promise<BuiltVenue | undefined> {
  const b = config.venues.bitget;
  if (b.mode === 'off') return undefined;
  let urls: { restUrl: string; wsUrl: string };
  let credentialsOf = (a: BitgetAccountConfig) => ({
    apiKey: a.apiKey ?? '',
    secretKey: a.secretKey ?? '',
    passphrase: a.passphrase ?? '',
  });
  let simulator: BuiltVenue['simulator'];
  if (b.mode === 'local') {
    const local = new Map(
      b.accounts.map((a) => [
        a.account,
        { apiKey: localKeyOf(a.account), secretKey: secret(), passphrase: secret() },
      ]),
    );
    credentialsOf = (a) => local.get(a.account) ?? { apiKey: '', secretKey: '', passphrase: '' };
    const sim = await startLocalBitget({
      credentials: b.accounts.map(credentialsOf),
      stateFile: localVenueStateFile(config, 'bitget'),
      positionMode: b.positionMode,
      logger: logger.child({ component: 'local-bitget' }),
    });
    // An account whose mode is not the venue's default starts in its own.
    for (const a of b.accounts)
      if (a.positionMode !== b.positionMode) sim.setPositionMode(a.positionMode, credentialsOf(a).apiKey);
    simulator = { entry: { bitget: sim }, close: () => sim.close() };
    urls = { restUrl: sim.restUrl, wsUrl: sim.wsUrl };
  } else if (b.mode === 'custom') {
    urls = { restUrl: b.restUrl ?? '', wsUrl: b.wsUrl ?? '' };
  } else {
    urls = BITGET_URLS[b.mode];
  }
  const accounts = b.accounts.map((a) => ({
    adapter: createBitgetAdapter({
      account: a.account,
      ...urls,
      credentials: credentialsOf(a),
      demo: b.mode === 'demo',
      positionMode: a.positionMode,
      defaultMarginMode: a.marginMode,
      logger: logger.child({ component: 'bitget' }),
    }),
    account: {
      venue: 'bitget' as const,
      account: a.account,
      positionMode: a.positionMode,
      marginMode: a.marginMode,
    },
  }));
  return { accounts, ...(simulator && { simulator }) };
}
