import { seededRandom } from '../../../simulators/seeded-random.ts';

/**
 * Seeds for the fault scenarios. Every scenario runs once per seed; a failure names its seed so it
 * can be replayed alone: `FAULT_SEEDS=1234 npx vitest run test/faults/f5`.
 *
 * - `FAULT_SEEDS=1,2,3`: exactly these seeds;
 * - `FAULT_RUNS=50`: this many seeds (the long variant); otherwise each file's CI default.
 */
export function faultSeeds(ciRuns: number, base = 1000): number[] {
  const fixed = process.env.FAULT_SEEDS;
  if (fixed) return fixed.split(',').map((s) => Number.parseInt(s.trim(), 10));
  const runs = Number.parseInt(process.env.FAULT_RUNS ?? '', 10) || ciRuns;
  return Array.from({ length: runs }, (_, i) => base + i);
}

export interface Rng {
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  const next = seededRandom(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

/** Runs a scenario, prefixing any failure with its seed (how to replay it). */
export async function withSeed<T>(name: string, seed: number, scenario: () => Promise<T>): Promise<T> {
  try {
    return await scenario();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    e.message = `[${name} seed ${seed}: replay with FAULT_SEEDS=${seed}] ${e.message}`;
    throw e;
  }
}
