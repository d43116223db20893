import { cpus } from 'node:os';
import { testDatabase } from '../../test/support/postgres.ts';

/**
 * A benchmark: one file in bench/benchmarks/ exporting `benchmark`. `npm run bench` runs them all,
 * `npm run bench -- <name>` one. Each measures its own baseline in the same run and reports ratios:
 * this machine is shared and noisy, absolute numbers mean little from one run to the next.
 */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<void>;
}

export interface BenchContext {
  /** Rounds per measurement (medians are reported); `--rounds N`, default 5. */
  readonly rounds: number;
  /** Scales operation counts; `--scale 0.2` for a quick smoke run. */
  readonly scale: number;
  readonly log: (line: string) => void;
}

export const machine = (): string =>
  `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), node ${process.version}`;

/** A comma-separated list of rates from the environment variable `name`, else `fallback`. */
export const ratesFromEnv = (name: string, fallback: readonly number[]): number[] => {
  const text = process.env[name];
  return text ? text.split(',').map(Number) : [...fallback];
};

/** Anything that runs a query: a `pg` pool or client. */
interface Queryable {
  query<R>(text: string): Promise<{ rows: R[] }>;
}

/**
 * Where a PostgreSQL run was measured, for the report: the database's source and its durability
 * settings (a throwaway cluster runs with `fsync=off`, the machine's server with `fsync=on`).
 */
export const postgresNote = async (source: string, sql: Queryable): Promise<string> => {
  const { rows } = await sql.query<{ sc: string; fsync: string }>(
    "select current_setting('synchronous_commit') as sc, current_setting('fsync') as fsync",
  );
  return `${source}; synchronous_commit=${rows[0]?.sc}, fsync=${rows[0]?.fsync}`;
};

/** What a benchmark runs on each store: PostgreSQL (a fresh database) and then the embedded PGlite. */
export interface OnEachStore {
  /** `url` of a fresh database, dropped afterwards; `source` says where it runs (for the report). */
  postgres(url: string, source: string): Promise<void>;
  pglite(): Promise<void>;
}

/**
 * Runs a benchmark on PostgreSQL (when one is reachable: `DATABASE_URL`, local binaries or a
 * container engine; else says why it is skipped) and then on PGlite, unless `<prefix>_SKIP_PGLITE=1`.
 */
export const onEachStore = async (
  context: BenchContext,
  label: string,
  envPrefix: string,
  run: OnEachStore,
): Promise<void> => {
  const db = await testDatabase(label);
  if (db.available) {
    try {
      await run.postgres(db.url, db.source);
    } finally {
      await db.drop();
    }
  } else {
    context.log(`PostgreSQL skipped: ${db.reason}`);
  }
  if (process.env[`${envPrefix}_SKIP_PGLITE`] !== '1') await run.pglite();
};
