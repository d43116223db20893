import { cpus } from 'node:os';

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
