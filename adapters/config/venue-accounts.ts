import { z } from 'zod';

/**
 * The venues' part of the configuration: per venue, its mode and URLs, and its accounts
 * (sub-accounts), each with its own keys and settings. Accounts are named by us: the name is the
 * `account` of every order, fill, ledger entry and report row, so it is unique per venue.
 *
 * In the config file: `venues.deribit.accounts: [{ account, clientId, clientSecret, auth? }]`
 * (or, as before, one account's fields directly under `venues.deribit`). In the environment:
 * the single-account variables (`DERIBIT_ACCOUNT`, `DERIBIT_CLIENT_ID`...) are the first account;
 * the same variables with `_2`, `_3`... are the next ones (`DERIBIT_ACCOUNT_2`, `DERIBIT_CLIENT_ID_2`).
 * The environment overrides the file field by field, account by account (by position).
 */

const secret = z.string().min(1);
const url = z.string().url();

/** Our name for a venue account: it appears in keys (`venue/account`), URLs and files. */
export const AccountNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, `_`, `.` or `-` (at most 64), no `/`');

type Issue = { path: (string | number)[]; message: string };

/** Names unique per venue, every account after the first named: issues at the account at fault. */
function accountIssues(accounts: readonly { account?: string | undefined }[]): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  accounts.forEach((a, i) => {
    if (a.account === undefined) {
      if (i > 0)
        issues.push({
          path: ['accounts', i, 'account'],
          message: 'every account after the first needs a name',
        });
      return;
    }
    const first = seen.get(a.account);
    if (first === undefined) seen.set(a.account, i);
    else
      issues.push({
        path: ['accounts', i, 'account'],
        message: `account "${a.account}" is configured twice (accounts ${first + 1} and ${i + 1}): each needs a name of its own`,
      });
  });
  return issues;
}

const REAL_DERIBIT = ['testnet', 'production', 'custom'];
const REAL_BITGET = ['demo', 'production', 'custom'];

export const DeribitAccountSchema = z
  .object({
    /** Our name for the account (the first one defaults to `main`). */
    account: AccountNameSchema.optional(),
    clientId: secret.optional(),
    clientSecret: secret.optional(),
    /** How this key authenticates (default: the venue's `auth`). */
    auth: z.enum(['client_credentials', 'client_signature']).optional(),
  })
  .strict();

export const DeribitConfigSchema = z
  .object({
    /** local: the local Deribit in this process; testnet / production: Deribit; custom: the URLs given. */
    mode: z.enum(['local', 'testnet', 'production', 'custom', 'off']).default('local'),
    wsUrl: url.optional(),
    httpUrl: url.optional(),
    /** How the accounts' keys authenticate unless an account says otherwise. */
    auth: z.enum(['client_credentials', 'client_signature']).default('client_signature'),
    /** The accounts (sub-accounts) traded on, each with its own key. */
    accounts: z.array(DeribitAccountSchema).min(1, 'at least one account').default([{}]),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const issue of accountIssues(c.accounts)) ctx.addIssue({ code: 'custom', ...issue });
    c.accounts.forEach((a, i) => {
      if (REAL_DERIBIT.includes(c.mode) && (!a.clientId || !a.clientSecret)) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'clientId'],
          message: `Deribit ${c.mode} needs a client id and a client secret for account ${a.account ?? 'main'}`,
        });
      }
    });
    if (c.mode === 'custom' && (!c.wsUrl || !c.httpUrl)) {
      ctx.addIssue({
        code: 'custom',
        path: ['wsUrl'],
        message: 'Deribit custom mode needs DERIBIT_WS_URL and DERIBIT_HTTP_URL',
      });
    }
  })
  .transform((c) => ({
    ...c,
    accounts: c.accounts.map((a, i) => ({
      ...a,
      account: a.account ?? (i === 0 ? 'main' : `account-${i + 1}`),
      auth: a.auth ?? c.auth,
    })),
  }));
export type DeribitConfig = z.output<typeof DeribitConfigSchema>;
export type DeribitAccountConfig = DeribitConfig['accounts'][number];

export const BitgetAccountSchema = z
  .object({
    /** Our name for the account (the first one defaults to `main`). */
    account: AccountNameSchema.optional(),
    apiKey: secret.optional(),
    secretKey: secret.optional(),
    passphrase: secret.optional(),
    /** This account's modes (default: the venue's). */
    positionMode: z.enum(['one_way', 'hedge']).optional(),
    marginMode: z.enum(['isolated', 'crossed']).optional(),
  })
  .strict();

export const BitgetConfigSchema = z
  .object({
    /** local: the local Bitget in this process; demo: Bitget demo trading; production; custom: the URLs given. */
    mode: z.enum(['local', 'demo', 'production', 'custom', 'off']).default('local'),
    restUrl: url.optional(),
    wsUrl: url.optional(),
    positionMode: z.enum(['one_way', 'hedge']).default('one_way'),
    marginMode: z.enum(['isolated', 'crossed']).default('crossed'),
    /** The accounts (Bitget sub-accounts) traded on, each with its own API key. */
    accounts: z.array(BitgetAccountSchema).min(1, 'at least one account').default([{}]),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const issue of accountIssues(c.accounts)) ctx.addIssue({ code: 'custom', ...issue });
    c.accounts.forEach((a, i) => {
      if (REAL_BITGET.includes(c.mode) && (!a.apiKey || !a.secretKey || !a.passphrase)) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'apiKey'],
          message: `Bitget ${c.mode} needs an API key, a secret key and a passphrase for account ${a.account ?? 'main'}`,
        });
      }
    });
    if (c.mode === 'custom' && (!c.restUrl || !c.wsUrl)) {
      ctx.addIssue({
        code: 'custom',
        path: ['restUrl'],
        message: 'Bitget custom mode needs BITGET_REST_URL and BITGET_WS_URL',
      });
    }
  })
  .transform((c) => ({
    ...c,
    accounts: c.accounts.map((a, i) => ({
      ...a,
      account: a.account ?? (i === 0 ? 'main' : `account-${i + 1}`),
      positionMode: a.positionMode ?? c.positionMode,
      marginMode: a.marginMode ?? c.marginMode,
    })),
  }));
export type BitgetConfig = z.output<typeof BitgetConfigSchema>;
export type BitgetAccountConfig = BitgetConfig['accounts'][number];

// ------------------------------------------------------------------------------------------------
// From the environment and the file
// ------------------------------------------------------------------------------------------------

type Env = Record<string, string | undefined>;

/** Which variable sets which field, per venue: the venue's own, and each account's (`_2`, `_3`... after the first). */
const VARIABLES = {
  deribit: {
    venue: {
      mode: 'DERIBIT_MODE',
      wsUrl: 'DERIBIT_WS_URL',
      httpUrl: 'DERIBIT_HTTP_URL',
      auth: 'DERIBIT_AUTH',
    },
    account: {
      account: 'DERIBIT_ACCOUNT',
      clientId: 'DERIBIT_CLIENT_ID',
      clientSecret: 'DERIBIT_CLIENT_SECRET',
      auth: 'DERIBIT_AUTH',
    },
    /** Fields of the first account that were, before sub-accounts, the venue's own (a config file may still say so). */
    legacy: ['account', 'clientId', 'clientSecret'],
  },
  bitget: {
    venue: {
      mode: 'BITGET_MODE',
      restUrl: 'BITGET_REST_URL',
      wsUrl: 'BITGET_WS_URL',
      positionMode: 'BITGET_POSITION_MODE',
      marginMode: 'BITGET_MARGIN_MODE',
    },
    account: {
      account: 'BITGET_ACCOUNT',
      apiKey: 'BITGET_API_KEY',
      secretKey: 'BITGET_SECRET_KEY',
      passphrase: 'BITGET_PASSPHRASE',
      positionMode: 'BITGET_POSITION_MODE',
      marginMode: 'BITGET_MARGIN_MODE',
    },
    legacy: ['account', 'apiKey', 'secretKey', 'passphrase'],
  },
} as const;
type VenueName = keyof typeof VARIABLES;

/** The variable behind a config path under `venues` (`deribit.accounts.1.clientId` → `DERIBIT_CLIENT_ID_2`). */
export function venueVariable(path: readonly string[]): string | undefined {
  const [venue, field, index, accountField] = path;
  const vars = VARIABLES[venue as VenueName];
  if (vars === undefined) return undefined;
  if (field === 'accounts' && index !== undefined && accountField !== undefined) {
    const base = (vars.account as Record<string, string>)[accountField];
    return base && (index === '0' ? base : `${base}_${Number(index) + 1}`);
  }
  return (vars.venue as Record<string, string>)[field ?? ''];
}

const nonEmpty = (o: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string
  >;

/** The account numbers (2, 3...) the environment names for a venue; a `_0` or `_1` is an error. */
function numberedAccounts(env: Env, venue: VenueName, problems: string[]): number[] {
  const bases = Object.values(VARIABLES[venue].account);
  const found = new Set<number>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const base = bases.find((b) => name.startsWith(`${b}_`) && /^\d+$/.test(name.slice(b.length + 1)));
    if (base === undefined) continue;
    const n = Number(name.slice(base.length + 1));
    if (n < 2) problems.push(`${name}: the first account is ${base}; numbered accounts start at _2`);
    else found.add(n);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * A venue's configuration input: the file's (its legacy one-account fields moved into the first
 * account), then the environment's over it. Problems it cannot leave to the schema go to `problems`.
 */
export function venueInput(
  venue: VenueName,
  file: Record<string, unknown>,
  env: Env,
  problems: string[],
): Record<string, unknown> {
  const vars = VARIABLES[venue];
  const { accounts: fileAccounts, ...rest } = file;
  const legacy = Object.fromEntries(
    Object.entries(rest).filter(([k]) => (vars.legacy as readonly string[]).includes(k)),
  );
  const venueFields = Object.fromEntries(
    Object.entries(rest).filter(([k]) => !(vars.legacy as readonly string[]).includes(k)),
  );
  let accounts: unknown[] | undefined;
  if (fileAccounts !== undefined && !Array.isArray(fileAccounts)) {
    problems.push(`venues.${venue}.accounts: a list of accounts`);
  } else if (fileAccounts !== undefined && Object.keys(legacy).length > 0) {
    problems.push(
      `venues.${venue}: give the accounts in venues.${venue}.accounts, not also ${Object.keys(legacy).join(', ')} beside it`,
    );
  } else {
    accounts = fileAccounts ? [...fileAccounts] : Object.keys(legacy).length > 0 ? [legacy] : undefined;
  }
  const fromEnv = (suffix: string) =>
    nonEmpty(
      Object.fromEntries(
        Object.entries(vars.account).map(([field, base]) => [field, env[`${base}${suffix}`]]),
      ),
    );
  const venueEnv = nonEmpty(Object.fromEntries(Object.entries(vars.venue).map(([f, v]) => [f, env[v]])));
  // The venue-wide variables (modes, auth) set the venue's defaults, not the first account's.
  const firstEnv = Object.fromEntries(
    Object.entries(fromEnv('')).filter(([field]) => !(field in vars.venue)),
  );
  const overrides: [number, Record<string, string>][] = [
    [0, firstEnv],
    ...numberedAccounts(env, venue, problems).map((n): [number, Record<string, string>] => [
      n - 1,
      fromEnv(`_${n}`),
    ]),
  ];
  for (const [index, values] of overrides) {
    if (Object.keys(values).length === 0) continue;
    accounts ??= [];
    // A numbered account alone: the first is the default one (`main`).
    if (accounts.length === 0 && index > 0) accounts.push({});
    const base = accounts[index];
    if (base === undefined && index > accounts.length) {
      problems.push(
        `${vars.account.account}_${index + 1}: accounts are numbered without gaps (${vars.account.account}_${index} is missing)`,
      );
    }
    accounts[index] = { ...(base as Record<string, unknown> | undefined), ...values };
  }
  return { ...venueFields, ...venueEnv, ...(accounts && { accounts: Array.from(accounts, (a) => a ?? {}) }) };
}

// ------------------------------------------------------------------------------------------------
// Redaction
// ------------------------------------------------------------------------------------------------

const REDACTED = '[redacted]';
const hide = <T extends Record<string, unknown>>(o: T, keys: readonly (keyof T)[]): T => ({
  ...o,
  ...Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, REDACTED])),
});

/**
 * The venues fit for a log line or a terminal: every account's keys redacted. The API key ids too:
 * with the secret they are the credential, and nobody needs them in a log.
 */
export function redactedVenues(venues: { deribit: DeribitConfig; bitget: BitgetConfig }): unknown {
  return {
    deribit: {
      ...venues.deribit,
      accounts: venues.deribit.accounts.map((a) => hide(a, ['clientId', 'clientSecret'])),
    },
    bitget: {
      ...venues.bitget,
      accounts: venues.bitget.accounts.map((a) => hide(a, ['apiKey', 'secretKey', 'passphrase'])),
    },
  };
}
