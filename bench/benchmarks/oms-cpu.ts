import { PerformanceObserver } from 'node:perf_hooks';
import { type Baselines, openBaselines } from '../lib/baselines.ts';
import { type BenchContext, type Benchmark, onEachStore, postgresNote } from '../lib/benchmark.ts';
import { measure, roundsTable } from '../lib/stats.ts';
import type { PlaceLoadResult } from '../service/load-driver.ts';
import { type BenchService, type StoreKind, startBenchService } from '../service/service-fixture.ts';
import { startVenueThread, type VenueThread } from '../service/venue-thread.ts';

/**
 * The OMS's own CPU time per acknowledged order and per fill (issue 19). The local venues and the
 * HTTP client that places the orders run in a child process, so this process holds the service
 * alone and `process.cpuUsage()` (user + system, all its threads) is what the OMS spends. The
 * database server's CPU is not counted (another process), as it is not the OMS's.
 *
 * Each round:
 * 1. orders: `orders` resting BTC-PERPETUAL limit orders placed through `POST /v1/orders` (closed
 *    loop, 16 in flight), each recorded, sent, acknowledged, recorded again, replied to; the round
 *    ends when the read models hold every acknowledgement. CPU / orders.
 * 2. fills: the local Deribit fills each of those orders three times (`fillEach`, one push per
 *    call); the round ends when the fills read model holds every fill. CPU / fills.
 * 3. baseline: the same number of raw one-row INSERTs (B2 shape: 16 in flight) from this process,
 *    CPU / insert: what the driver alone costs per durable write, for the ratio.
 * Beside the CPU, the time the main thread spent in garbage collection (`gc` performance entries)
 * per order and per fill: steadier than the CPU on a noisy machine, and what fewer allocations show in.
 * Medians over the rounds. Warm-up rounds first, not reported: the same rounds, 4,000 orders and
 * their fills in all (at scale 1). V8 keeps optimizing the service's code for thousands of orders:
 * with one warm-up round of 500 the first measured rounds still paid for the optimizing compiler's
 * threads (counted in the process's CPU) and fell from 1.25 to 0.69 ms per order over rounds 1-4,
 * flat after that (BENCHMARKS.md, thirteenth session). A service runs warm; so is it measured.
 */

const fmt = (n: number) => n.toFixed(3);
const FILLS_PER_ORDER = 3;
const UNIT = 10;
const WARM_UP_ROUNDS = 4;

interface Round {
  orderCpuMs: number;
  fillCpuMs: number;
  orderGcMs: number;
  fillGcMs: number;
  insertCpuMs: number;
  ordersPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  fills: number;
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** The main thread's time in garbage collection so far (ms), from `gc` performance entries. */
function gcClock(): { ms(): number; stop(): void } {
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) total += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return { ms: () => total, stop: () => observer.disconnect() };
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`oms-cpu: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function round(
  service: BenchService,
  venues: VenueThread,
  baselines: Baselines,
  orders: number,
  tag: string,
  gc: { ms(): number },
): Promise<Round> {
  const info = (await service.http('GET', '/v1/instruments/deribit/BTC-PERPETUAL')).body as {
    instrument: { tickSize: string };
    markPrice: string;
  };
  await service.running.readModelCaughtUp();

  let gcStart = gc.ms();
  let cpu = process.cpuUsage();
  const placed = (await venues.call('load.place', {
    url: service.url,
    token: service.token,
    count: orders,
    inFlight: 16,
    tag,
    symbol: 'BTC-PERPETUAL',
    amount: String(UNIT * FILLS_PER_ORDER),
    mark: info.markPrice,
    tick: info.instrument.tickSize,
  })) as PlaceLoadResult;
  await service.running.readModelCaughtUp();
  const orderCpu = cpuMsSince(cpu);
  const orderGc = gc.ms() - gcStart;
  const errors = Object.values(placed.errors).reduce((n, c) => n + c, 0);
  if (errors > 0) throw new Error(`oms-cpu: placements failed: ${JSON.stringify(placed.errors)}`);

  const fillsOf = async () => {
    const { rows } = await service.store.sql.query<{ n: string }>(
      'select count(*)::text as n from oms_read.fills where order_id = any($1::uuid[])',
      [placed.orderIds],
    );
    return Number(rows[0]?.n ?? 0);
  };
  gcStart = gc.ms();
  cpu = process.cpuUsage();
  let generated = 0;
  for (let k = 0; k < FILLS_PER_ORDER; k++) {
    generated += (await venues.call('deribit.fillEach', {
      instrument: 'BTC-PERPETUAL',
      amount: String(UNIT),
    })) as number;
  }
  await waitFor(async () => (await fillsOf()) >= generated, `${generated} fills in the read models`);
  await service.running.readModelCaughtUp();
  const fillCpu = cpuMsSince(cpu);
  const fillGc = gc.ms() - gcStart;

  cpu = process.cpuUsage();
  await measure(orders, baselines.connections, (i) => baselines.insertOne(i));
  const insertCpu = cpuMsSince(cpu);

  return {
    orderCpuMs: orderCpu / orders,
    fillCpuMs: fillCpu / generated,
    orderGcMs: orderGc / orders,
    fillGcMs: fillGc / generated,
    insertCpuMs: insertCpu / orders,
    ordersPerSecond: orders / placed.seconds,
    p50: placed.p50,
    p99: placed.p99,
    errors,
    fills: generated,
  };
}

async function runTarget(kind: StoreKind, context: BenchContext, databaseUrl?: string, source?: string) {
  const venues = await startVenueThread('process');
  const service = await startBenchService({
    kind,
    ...(databaseUrl !== undefined && { databaseUrl }),
    venues,
    venuesEnabled: { deribit: true, bitget: false },
  });
  const baselines = await openBaselines(service.store, databaseUrl);
  const gc = gcClock();
  try {
    const note =
      source !== undefined ? await postgresNote(source, service.store.sql) : 'PGlite on disk (temp dir)';
    const orders = Math.max(100, Math.round(1000 * context.scale));
    for (let w = 0; w < WARM_UP_ROUNDS; w++) {
      await round(service, venues, baselines, orders, `cpu-${kind}-warm-${w}`, gc);
    }
    const rounds: Round[] = [];
    for (let r = 0; r < context.rounds; r++) {
      rounds.push(await round(service, venues, baselines, orders, `cpu-${kind}-${r}`, gc));
    }
    const { header, median: m, row } = roundsTable(rounds, fmt);
    context.log(
      `### ${kind} (${note}): ${context.rounds} rounds of ${orders} orders, ${FILLS_PER_ORDER} fills each`,
    );
    context.log('');
    for (const line of header) context.log(line);
    context.log(row('OMS CPU per acknowledged order (ms)', (r) => r.orderCpuMs));
    context.log(row('OMS CPU per fill (ms)', (r) => r.fillCpuMs));
    context.log(
      `| main thread in GC per order / per fill (ms) | ${fmt(m((r) => r.orderGcMs))} / ${fmt(m((r) => r.fillGcMs))} | ${rounds
        .map((r) => `${fmt(r.orderGcMs)} / ${fmt(r.fillGcMs)}`)
        .join(', ')} |`,
    );
    context.log(row('driver CPU per raw one-row INSERT (ms)', (r) => r.insertCpuMs));
    context.log(
      `| order CPU / INSERT CPU | ${(m((r) => r.orderCpuMs) / m((r) => r.insertCpuMs)).toFixed(1)}x | ${rounds
        .map((r) => `${(r.orderCpuMs / r.insertCpuMs).toFixed(1)}x`)
        .join(', ')} |`,
    );
    context.log(
      `| closed loop, 16 in flight: orders/s, p50 / p99 ms | ${Math.round(m((r) => r.ordersPerSecond))}, ${m((r) => r.p50).toFixed(1)} / ${m((r) => r.p99).toFixed(1)} | ${rounds
        .map((r) => Math.round(r.ordersPerSecond))
        .join(', ')} |`,
    );
    context.log('');
  } finally {
    gc.stop();
    await baselines.close();
    await service.close();
    await venues.close();
  }
}

export const benchmark: Benchmark = {
  name: 'oms-cpu',
  description:
    "the OMS's own CPU time per acknowledged order and per fill (venues and client in another process), beside a raw INSERT's",
  run: (context) =>
    onEachStore(context, 'bench_oms_cpu', 'OMS_CPU', {
      postgres: (url, source) => runTarget('PostgreSQL', context, url, source),
      pglite: () => runTarget('PGlite', context),
    }),
};
