import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactedConfig } from '../../adapters/config/config.ts';

/** Several accounts (sub-accounts) per venue, each with its own keys, from the file and the environment. */

const configFile = (content: unknown): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'oms-config-')), 'oms.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
};

describe('venue accounts in the configuration', () => {
  it('Given nothing about accounts, then each venue trades on one account named main, in the local mode', () => {
    const config = loadConfig({});
    expect(config.venues.deribit.accounts).toEqual([{ account: 'main', auth: 'client_signature' }]);
    expect(config.venues.bitget.accounts).toEqual([
      { account: 'main', positionMode: 'one_way', marginMode: 'crossed' },
    ]);
  });

  it('Given the single-account variables, then they are the first account, as before sub-accounts', () => {
    const config = loadConfig({
      DERIBIT_MODE: 'testnet',
      DERIBIT_ACCOUNT: 'desk',
      DERIBIT_CLIENT_ID: 'id-1',
      DERIBIT_CLIENT_SECRET: 'secret-1',
      DERIBIT_AUTH: 'client_credentials',
      BITGET_MODE: 'demo',
      BITGET_API_KEY: 'key-1',
      BITGET_SECRET_KEY: 'bsecret-1',
      BITGET_PASSPHRASE: 'pass-1',
      BITGET_POSITION_MODE: 'hedge',
    });
    expect(config.venues.deribit.accounts).toEqual([
      { account: 'desk', clientId: 'id-1', clientSecret: 'secret-1', auth: 'client_credentials' },
    ]);
    expect(config.venues.bitget.accounts).toEqual([
      {
        account: 'main',
        apiKey: 'key-1',
        secretKey: 'bsecret-1',
        passphrase: 'pass-1',
        positionMode: 'hedge',
        marginMode: 'crossed',
      },
    ]);
  });

  it('Given numbered variables (_2, _3), then they are the next accounts, each with its own keys and modes', () => {
    const config = loadConfig({
      DERIBIT_MODE: 'testnet',
      DERIBIT_CLIENT_ID: 'id-1',
      DERIBIT_CLIENT_SECRET: 'secret-1',
      DERIBIT_ACCOUNT_2: 'hedging',
      DERIBIT_CLIENT_ID_2: 'id-2',
      DERIBIT_CLIENT_SECRET_2: 'secret-2',
      DERIBIT_AUTH_2: 'client_credentials',
      BITGET_ACCOUNT_2: 'basis',
      BITGET_POSITION_MODE_2: 'hedge',
      BITGET_ACCOUNT_3: 'arb',
      BITGET_MARGIN_MODE_3: 'isolated',
    });
    expect(config.venues.deribit.accounts).toEqual([
      { account: 'main', clientId: 'id-1', clientSecret: 'secret-1', auth: 'client_signature' },
      { account: 'hedging', clientId: 'id-2', clientSecret: 'secret-2', auth: 'client_credentials' },
    ]);
    expect(config.venues.bitget.accounts.map((a) => [a.account, a.positionMode, a.marginMode])).toEqual([
      ['main', 'one_way', 'crossed'],
      ['basis', 'hedge', 'crossed'],
      ['arb', 'one_way', 'isolated'],
    ]);
  });

  it('Given accounts in the config file, then the environment overrides them field by field, account by account', () => {
    const file = configFile({
      venues: {
        deribit: {
          mode: 'testnet',
          accounts: [
            { account: 'main', clientId: 'file-id-1', clientSecret: 'file-secret-1' },
            { account: 'sub', clientId: 'file-id-2', clientSecret: 'file-secret-2' },
          ],
        },
      },
    });
    const config = loadConfig({ OMS_CONFIG_FILE: file, DERIBIT_CLIENT_SECRET_2: 'env-secret-2' });
    expect(config.venues.deribit.accounts).toEqual([
      { account: 'main', clientId: 'file-id-1', clientSecret: 'file-secret-1', auth: 'client_signature' },
      { account: 'sub', clientId: 'file-id-2', clientSecret: 'env-secret-2', auth: 'client_signature' },
    ]);
  });

  it('Given a config file with one account at the venue (the form before sub-accounts), then it is the first account', () => {
    const file = configFile({
      venues: { bitget: { account: 'old', apiKey: 'k', secretKey: 's', passphrase: 'p' } },
    });
    expect(loadConfig({ OMS_CONFIG_FILE: file }).venues.bitget.accounts).toEqual([
      {
        account: 'old',
        apiKey: 'k',
        secretKey: 's',
        passphrase: 'p',
        positionMode: 'one_way',
        marginMode: 'crossed',
      },
    ]);
  });

  it('Given the same account name twice, then the configuration is refused, naming the account and where', () => {
    expect(problemsOf({ DERIBIT_ACCOUNT: 'desk', DERIBIT_ACCOUNT_2: 'desk' })).toEqual([
      'DERIBIT_ACCOUNT_2 (venues.deribit.accounts.1.account): account "desk" is configured twice (accounts 1 and 2): each needs a name of its own',
    ]);
    const file = configFile({
      venues: { bitget: { accounts: [{ account: 'a' }, { account: 'b' }, { account: 'a' }] } },
    });
    expect(problemsOf({ OMS_CONFIG_FILE: file })).toEqual([
      'BITGET_ACCOUNT_3 (venues.bitget.accounts.2.account): account "a" is configured twice (accounts 1 and 3): each needs a name of its own',
    ]);
  });

  it('Given a second account without its keys on a real venue, then the configuration is refused naming its variable', () => {
    expect(
      problemsOf({
        BITGET_MODE: 'demo',
        BITGET_API_KEY: 'k',
        BITGET_SECRET_KEY: 's',
        BITGET_PASSPHRASE: 'p',
        BITGET_ACCOUNT_2: 'sub',
        BITGET_API_KEY_2: 'k2',
      }),
    ).toEqual([
      'BITGET_API_KEY_2 (venues.bitget.accounts.1.apiKey): Bitget demo needs an API key, a secret key and a passphrase for account sub',
    ]);
  });

  it('Given a numbered account without a name, a gap in the numbers, a _1 or a name with a slash, then each is refused by name', () => {
    expect(problemsOf({ DERIBIT_CLIENT_ID_2: 'id' })).toEqual([
      'DERIBIT_ACCOUNT_2 (venues.deribit.accounts.1.account): every account after the first needs a name',
    ]);
    expect(problemsOf({ BITGET_ACCOUNT_3: 'three' })).toEqual([
      'BITGET_ACCOUNT_3: accounts are numbered without gaps (BITGET_ACCOUNT_2 is missing)',
    ]);
    expect(problemsOf({ DERIBIT_ACCOUNT_1: 'one' })).toEqual([
      'DERIBIT_ACCOUNT_1: the first account is DERIBIT_ACCOUNT; numbered accounts start at _2',
    ]);
    expect(problemsOf({ DERIBIT_ACCOUNT: 'a/b' })[0]).toMatch(
      /^DERIBIT_ACCOUNT \(venues\.deribit\.accounts\.0\.account\): .*no `\/`/,
    );
  });

  it('Given several accounts with keys, then the printable configuration shows their names and no key of any', () => {
    const config = loadConfig({
      DERIBIT_MODE: 'testnet',
      DERIBIT_CLIENT_ID: 'deribit-id-one',
      DERIBIT_CLIENT_SECRET: 'deribit-secret-one',
      DERIBIT_ACCOUNT_2: 'sub',
      DERIBIT_CLIENT_ID_2: 'deribit-id-two',
      DERIBIT_CLIENT_SECRET_2: 'deribit-secret-two',
      BITGET_MODE: 'demo',
      BITGET_API_KEY: 'bitget-key-one',
      BITGET_SECRET_KEY: 'bitget-secret-one',
      BITGET_PASSPHRASE: 'bitget-pass-one',
      BITGET_ACCOUNT_2: 'sub',
      BITGET_API_KEY_2: 'bitget-key-two',
      BITGET_SECRET_KEY_2: 'bitget-secret-two',
      BITGET_PASSPHRASE_2: 'bitget-pass-two',
    });
    const printed = JSON.stringify(redactedConfig(config));
    for (const value of ['-one', '-two']) expect(printed).not.toContain(value);
    expect(printed).toContain('"account":"sub"');
    expect(printed.match(/\[redacted\]/g)).toHaveLength(10);
  });
});
