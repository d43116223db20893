/** Small statistics for benchmark reports. */

export const median = (values: readonly number[]): number => percentile(values, 50);

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
};

/** Throughput and latencies of one timed loop. */
export interface Sample {
  /** operations (or rows) per second */
  readonly rate: number;
  /** per-operation latencies in ms */
  readonly latenciesMs: readonly number[];
}

/**
 * Runs `op(i, worker)` for i in [0, count) with `concurrency` workers in flight (closed loop);
 * `unitsPerOp` scales the rate (e.g. rows per batch).
 */
export const measure = async (
  count: number,
  concurrency: number,
  op: (i: number, worker: number) => Promise<unknown>,
  unitsPerOp = 1,
): Promise<Sample> => {
  const latenciesMs: number[] = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t = performance.now();
        await op(i, worker);
        latenciesMs[i] = performance.now() - t;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rate: (count * unitsPerOp) / seconds, latenciesMs };
};
