/** Small statistics for benchmark reports. */

export const median = (values: readonly number[]): number => percentile(values, 50);

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
};

/**
 * A "measure | median | rounds" table over a benchmark's rounds: `header`, then `row(label, pick)`
 * for a measure (its median, then each round's value); `median(pick)` for rows of another shape.
 */
export function roundsTable<R>(rounds: readonly R[], format: (n: number) => string) {
  const medianOf = (pick: (round: R) => number) => median(rounds.map(pick));
  return {
    header: ['| measure | median | rounds |', '| --- | ---: | --- |'] as const,
    median: medianOf,
    row: (label: string, pick: (round: R) => number) =>
      `| ${label} | ${format(medianOf(pick))} | ${rounds.map((r) => format(pick(r))).join(', ')} |`,
  };
}

/** Throughput and latencies of one timed loop. */
export interface Sample {
  /** operations (or rows) per second */
  readonly rate: number;
  readonly seconds: number;
  readonly units: number;
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
  return { rate: (count * unitsPerOp) / seconds, seconds, units: count * unitsPerOp, latenciesMs };
};

/**
 * Measures two workloads in alternating slices (A B B A A B ...), so that a change in the machine's
 * load during the round hits both alike; returns each side's totals. Ops are numbered across slices.
 */
export const measureInterleaved = async (
  count: number,
  slices: number,
  concurrency: number,
  a: (i: number, worker: number) => Promise<unknown>,
  b: (i: number, worker: number) => Promise<unknown>,
  unitsPerOp = 1,
): Promise<[Sample, Sample]> => {
  const [sa, sb] = await measureRotated(count, slices, concurrency, [a, b], unitsPerOp);
  return [sa!, sb!];
};

/**
 * Measures several workloads in slices, the order turning each slice (A B C, B C A, C A B, ...; for
 * two, A B, B A), so that a change in the machine's load during the round hits each alike.
 */
export const measureRotated = async (
  count: number,
  slices: number,
  concurrency: number,
  ops: readonly ((i: number, worker: number) => Promise<unknown>)[],
  unitsPerOp = 1,
): Promise<Sample[]> => {
  const per = Math.max(1, Math.floor(count / slices));
  const totals = ops.map(() => ({ seconds: 0, units: 0, latenciesMs: [] as number[] }));
  for (let slice = 0; slice < slices; slice++) {
    for (let k = 0; k < ops.length; k++) {
      const side = (slice + k) % ops.length;
      const op = ops[side]!;
      const offset = slice * per;
      const sample = await measure(per, concurrency, (i, w) => op(offset + i, w), unitsPerOp);
      const t = totals[side]!;
      t.seconds += sample.seconds;
      t.units += sample.units;
      t.latenciesMs.push(...sample.latenciesMs);
    }
  }
  return totals.map((t) => ({ rate: t.units / t.seconds, ...t }));
};

/** One open-loop run: operations started on a fixed schedule, whatever the earlier ones are doing. */
export interface OpenLoopSample {
  /** offered rate (operations per second) */
  readonly offered: number;
  /** completed operations per second, first scheduled start to last completion */
  readonly achieved: number;
  readonly seconds: number;
  /** per-operation latencies in ms, from each operation's *scheduled* start (queueing included) */
  readonly latenciesMs: readonly number[];
  /** operations that threw (their latencies are not in `latenciesMs`) */
  readonly errors: number;
  readonly maxInFlight: number;
}

/**
 * Open loop: operation i is due at start + i / rate, and is started when due even if earlier ones
 * are still running (a closed loop would slow down with the system and hide the queueing).
 * Latency counts from the scheduled time, so a late start (a busy event loop) counts too.
 */
export const measureOpenLoop = async (
  rate: number,
  count: number,
  op: (i: number, scheduledAt: number) => Promise<unknown>,
): Promise<OpenLoopSample> => {
  const interval = 1000 / rate;
  const latenciesMs: number[] = [];
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let next = 0;
  let completed = 0;
  const start = performance.now() + 1;
  let end = start;
  await new Promise<void>((resolve) => {
    const finish = () => {
      inFlight -= 1;
      completed += 1;
      if (completed === count) {
        end = performance.now();
        resolve();
      }
    };
    const tick = () => {
      const now = performance.now();
      while (next < count && start + next * interval <= now) {
        const i = next++;
        const scheduledAt = start + i * interval;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        op(i, scheduledAt).then(
          () => {
            latenciesMs.push(performance.now() - scheduledAt);
            finish();
          },
          () => {
            errors += 1;
            finish();
          },
        );
      }
      if (next < count) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    if (count === 0) resolve();
    else setTimeout(tick, 1);
  });
  const seconds = (end - start) / 1000;
  return { offered: rate, achieved: count / seconds, seconds, latenciesMs, errors, maxInFlight };
};
