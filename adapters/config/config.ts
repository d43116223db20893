import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PreTradeLimitsSchema } from '../../domain/risk/pre-trade.ts';
import { ApiTokenSchema } from '../http/auth.ts';
import {
  BitgetConfigSchema,
  DeribitConfigSchema,
  redactedVenues,
  venueInput,
  venueVariable,
} from './venue-accounts.ts';

/**
 * The service's configuration: from the environment, optionally over a JSON file
 * (`OMS_CONFIG_FILE`), validated at start with messages that name the variable at fault.
 * Secrets (venue keys, the API token) are kept out of every log: see `redactedConfig`.
 *
 * Defaults give the embedded setup: the embedded store and read models under `.data/oms`, the
 * local Deribit and Bitget in the same process, the API on 127.0.0.1:8080.
 */

const url = z.string().url();

export const StoreConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('embedded'), dataDir: z.string().min(1).default('.data/oms') }).strict(),
  z.object({ kind: z.literal('postgres'), databaseUrl: url, schema: z.string().default('oms') }).strict(),
  z
    .object({
      kind: z.literal('eventstoredb'),
      connectionString: z
        .string()
        .regex(/^(esdb|kurrentdb)(\+discover)?:\/\//, 'an esdb:// connection string'),
    })
    .strict(),
]);
export type StoreConfig = z.output<typeof StoreConfigSchema>;

export {
  type BitgetAccountConfig,
  type BitgetConfig,
  BitgetConfigSchema,
  type DeribitAccountConfig,
  type DeribitConfig,
  DeribitConfigSchema,
} from './venue-accounts.ts';

export const ConfigSchema = z
  .object({
    store: StoreConfigSchema,
    /** Where the read models live: the embedded store's PGlite, the PostgreSQL store's database, or this URL. */
    readModels: z
      .object({
        databaseUrl: url.optional(),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .default('oms_read'),
        /**
         * Where the projection runner (and its read-model writes) runs: on the service's event loop
         * (`main`), or in a worker thread of its own (`worker`: PostgreSQL or EventStoreDB stores;
         * the embedded store belongs to one thread).
         */
        thread: z.enum(['main', 'worker']).default('main'),
      })
      .strict(),
    api: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65535).default(8080),
        /** The bearer token; generated at start (and kept in the data directory) when not given. */
        token: z.string().min(16, 'OMS_API_TOKEN must be at least 16 characters').optional(),
        /**
         * Named tokens with roles (`read_only`, `trader`, `operator`): `name:role:token` separated by
         * commas in OMS_API_TOKENS. The token's name is recorded as `by` on every command it sends.
         */
        tokens: z.array(ApiTokenSchema).optional(),
      })
      .strict(),
    venues: z.object({ deribit: DeribitConfigSchema, bitget: BitgetConfigSchema }).strict(),
    limits: PreTradeLimitsSchema,
    reconciliation: z
      .object({
        /** How often each venue account is reconciled besides every (re)connect; 0: never. */
        intervalMs: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
      })
      .strict()
      .default({ intervalMs: 60_000 }),
    ledger: z
      .object({
        /** How often the venues' cash logs are read besides start-up; 0: only at start-up and on demand. */
        intervalMs: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
      })
      .strict()
      .default({ intervalMs: 60_000 }),
    marks: z
      .object({
        /** How often the marks of the instruments held or traded are recorded; 0: only at each day's close. */
        intervalMs: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
        /** Where a day closes (a mark is recorded then), in whole hours from UTC. */
        utcOffsetHours: z.coerce.number().int().min(-12).max(14).default(0),
      })
      .strict()
      .default({ intervalMs: 3_600_000, utcOffsetHours: 0 }),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.store.kind === 'embedded' && c.readModels.thread === 'worker') {
      ctx.addIssue({
        code: 'custom',
        path: ['readModels', 'thread'],
        message:
          'the embedded store is opened by one thread only: OMS_PROJECTION_THREAD=worker needs OMS_STORE=postgres or eventstoredb',
      });
    }
    if (c.store.kind === 'eventstoredb' && !c.readModels.databaseUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['readModels', 'databaseUrl'],
        message:
          'with EventStoreDB, the read models need a PostgreSQL database: set READ_MODEL_DATABASE_URL (or DATABASE_URL)',
      });
    }
  });
export type Config = z.output<typeof ConfigSchema>;

/** Which environment variable sets which config path (for clear error messages). */
const ENV: Record<string, string> = {
  'store.kind': 'OMS_STORE',
  'store.dataDir': 'OMS_DATA_DIR',
  'store.databaseUrl': 'DATABASE_URL',
  'store.connectionString': 'EVENTSTORE_CONNECTION_STRING',
  'readModels.databaseUrl': 'READ_MODEL_DATABASE_URL',
  'readModels.thread': 'OMS_PROJECTION_THREAD',
  'api.host': 'OMS_API_HOST',
  'api.port': 'OMS_API_PORT',
  'api.token': 'OMS_API_TOKEN',
  'api.tokens': 'OMS_API_TOKENS',
  'limits.priceBand': 'OMS_PRICE_BAND',
  'limits.maxNotional': 'OMS_MAX_NOTIONAL',
  'limits.allowlist': 'OMS_ALLOWLIST',
  'log.level': 'OMS_LOG_LEVEL',
  'reconciliation.intervalMs': 'OMS_RECONCILE_INTERVAL_MS',
  'ledger.intervalMs': 'OMS_LEDGER_INTERVAL_MS',
  'marks.intervalMs': 'OMS_MARKS_INTERVAL_MS',
  'marks.utcOffsetHours': 'OMS_MARKS_UTC_OFFSET_HOURS',
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;

/** `deribit:BTC-PERPETUAL=1000,bitget:BTCUSDT=2` → a record. */
function maxAmounts(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [key = '', value = ''] = pair.split('=');
      return [key.trim(), value.trim()];
    }),
  );
}

/** `name:role:token,...` as objects (validated by the schema, which names the variable on error). */
const namedTokens = (text: string): unknown[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const [name, role, ...rest] = item.split(':');
      return { name, role, token: rest.join(':') };
    });

/** The configuration from the environment (and `OMS_CONFIG_FILE`, which the environment overrides). */
export function loadConfig(env: Env = process.env): Config {
  let file: Record<string, unknown> = {};
  if (env.OMS_CONFIG_FILE) {
    try {
      file = JSON.parse(readFileSync(env.OMS_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError([`OMS_CONFIG_FILE ${env.OMS_CONFIG_FILE}: ${(error as Error).message}`]);
    }
  }
  const fromFile = (path: string): Record<string, unknown> => {
    let node: unknown = file;
    for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    return (node ?? {}) as Record<string, unknown>;
  };
  const problems: string[] = [];
  const storeKind = env.OMS_STORE ?? (fromFile('store').kind as string | undefined) ?? 'embedded';
  const input = {
    store: {
      ...fromFile('store'),
      ...defined({
        kind: storeKind,
        ...(storeKind === 'embedded' && { dataDir: env.OMS_DATA_DIR }),
        ...(storeKind === 'postgres' && { databaseUrl: env.DATABASE_URL }),
        ...(storeKind === 'eventstoredb' && { connectionString: env.EVENTSTORE_CONNECTION_STRING }),
      }),
    },
    readModels: {
      ...fromFile('readModels'),
      ...defined({
        databaseUrl:
          env.READ_MODEL_DATABASE_URL ?? (storeKind === 'eventstoredb' ? env.DATABASE_URL : undefined),
        thread: env.OMS_PROJECTION_THREAD,
      }),
    },
    api: {
      ...fromFile('api'),
      ...defined({
        host: env.OMS_API_HOST,
        port: env.OMS_API_PORT,
        token: env.OMS_API_TOKEN,
        tokens: env.OMS_API_TOKENS === undefined ? undefined : namedTokens(env.OMS_API_TOKENS),
      }),
    },
    venues: {
      deribit: venueInput('deribit', fromFile('venues.deribit'), env, problems),
      bitget: venueInput('bitget', fromFile('venues.bitget'), env, problems),
    },
    limits: {
      priceBand: '0.1',
      ...fromFile('limits'),
      ...defined({
        priceBand: env.OMS_PRICE_BAND,
        maxNotional: env.OMS_MAX_NOTIONAL,
        allowlist: env.OMS_ALLOWLIST ? env.OMS_ALLOWLIST.split(',').map((s) => s.trim()) : undefined,
        maxAmount: maxAmounts(env.OMS_MAX_AMOUNT),
      }),
    },
    reconciliation: {
      ...fromFile('reconciliation'),
      ...defined({ intervalMs: env.OMS_RECONCILE_INTERVAL_MS }),
    },
    ledger: {
      ...fromFile('ledger'),
      ...defined({ intervalMs: env.OMS_LEDGER_INTERVAL_MS }),
    },
    marks: {
      ...fromFile('marks'),
      ...defined({ intervalMs: env.OMS_MARKS_INTERVAL_MS, utcOffsetHours: env.OMS_MARKS_UTC_OFFSET_HOURS }),
    },
    log: { ...fromFile('log'), ...defined({ level: env.OMS_LOG_LEVEL }) },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const parts = issue.path.map(String);
        const path = parts.join('.');
        const variable =
          parts[0] === 'venues'
            ? venueVariable(parts.slice(1))
            : (ENV[path] ?? ENV[parts.slice(0, 2).join('.')]);
        return `${variable ? `${variable} (${path})` : path || 'config'}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

const REDACTED = '[redacted]';

/** The configuration fit for a log line or a terminal: no secret, no password in a URL. */
export function redactedConfig(config: Config): unknown {
  const hidePassword = (u: string | undefined) =>
    u ? u.replace(/\/\/([^:/@]+):[^@]*@/, `//$1:${REDACTED}@`) : u;
  return {
    ...config,
    store:
      config.store.kind === 'postgres'
        ? { ...config.store, databaseUrl: hidePassword(config.store.databaseUrl) }
        : config.store,
    readModels: { ...config.readModels, databaseUrl: hidePassword(config.readModels.databaseUrl) },
    api: {
      ...config.api,
      ...(config.api.token && { token: REDACTED }),
      ...(config.api.tokens && { tokens: config.api.tokens.map((t) => ({ ...t, token: REDACTED })) }),
    },
    venues: redactedVenues(config.venues),
  };
}

/** Logger paths pino must redact wherever they appear. */
export const LOG_REDACT_PATHS = [
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.clientId',
  '*.client_id',
  '*.clientSecret',
  '*.client_secret',
  '*.apiKey',
  '*.secretKey',
  '*.passphrase',
  '*.signature',
  '*.sign',
  'req.headers.authorization',
  'headers.authorization',
  'config.api.token',
  'config.api.tokens[*].token',
];
