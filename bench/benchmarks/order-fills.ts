import pino from 'pino';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { openPostgresEventStore } from '../../adapters/event-store/postgres/postgres-event-store.ts';
import type { SqlEventStore } from '../../adapters/event-store/sql/sql-event-store.ts';
import { createOrderHandler } from '../../application/orders/order-handler.ts';
import type { OrderCommand } from '../../domain/order/contract.ts';
import { command, placeData, report } from '../../test/domain/fixtures.ts';
import { type Baselines, openBaselines } from '../lib/baselines.ts';
import { type BenchContext, type Benchmark, onEachStore, postgresNote } from '../lib/benchmark.ts';
import { roundsTable } from '../lib/stats.ts';

/**
 * Does an order's n-th fill cost what its first did? An order resting for hours on a busy
 * instrument can be filled in thousands of pieces; anything the service does per fill that grows
 * with the fills before it makes such an order quadratic. Each round places one order and records
 * `fills` venue fills on it through the order handler (one report, one append each, as ingestion
 * does under light load), then reports the CPU per fill of the first and the last slice of 500 and
 * their ratio (1.0: flat), beside the CPU of a raw one-row INSERT from the same process (what the
 * driver alone costs per durable write). Medians over the rounds.
 */

const SLICE = 500;
const fmt = (n: number) => n.toFixed(3);

interface Round {
  firstMs: number;
  lastMs: number;
  insertMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const asReport = (cmd: OrderCommand, commandId: string): OrderCommand =>
  ({ ...cmd, metadata: { ...cmd.metadata, commandId, source: 'venue' } }) as OrderCommand;

async function round(store: SqlEventStore, baselines: Baselines, fills: number, r: number): Promise<Round> {
  const handler = createOrderHandler({ store, logger: pino({ level: 'silent' }) });
  const orderId = `3f6c1c1e-8d1a-4e53-9a57-${(0x1c2b3d4e5f60 + r).toString(16).padStart(12, '0')}`;
  await handler.handle(command({ type: 'PlaceOrder', data: placeData({ orderId, amount: '10000000' }) }));
  await handler.handle(
    asReport(
      { ...report.accepted(`v-${r}`), data: { orderId, venueOrderId: `v-${r}` } } as OrderCommand,
      `a-${r}`,
    ),
  );
  const slices: number[] = [];
  let cpu = process.cpuUsage();
  for (let i = 1; i <= fills; i++) {
    const fill = report.fill(`t-${r}-${i}`, '10') as OrderCommand;
    const [result] = await handler.handleAll([
      asReport({ ...fill, data: { ...(fill.data as object), orderId } } as OrderCommand, `f-${r}-${i}`),
    ]);
    if (!result?.ok || result.kind !== 'applied') throw new Error(`fill ${i}: ${JSON.stringify(result)}`);
    if (i % SLICE === 0) {
      slices.push(cpuMs(cpu) / SLICE);
      cpu = process.cpuUsage();
    }
  }
  cpu = process.cpuUsage();
  for (let i = 0; i < SLICE; i++) await baselines.insertOne(i);
  return { firstMs: slices[0]!, lastMs: slices.at(-1)!, insertMs: cpuMs(cpu) / SLICE };
}

async function runTarget(
  kind: string,
  note: string,
  store: SqlEventStore,
  context: BenchContext,
  url?: string,
) {
  const baselines = await openBaselines(store, url);
  try {
    const fills = Math.max(2 * SLICE, Math.round((5000 * context.scale) / SLICE) * SLICE);
    const rounds: Round[] = [];
    for (let r = 0; r < context.rounds; r++) rounds.push(await round(store, baselines, fills, r));
    const { header, median: m, row } = roundsTable(rounds, fmt);
    context.log(`### ${kind} (${note}): ${context.rounds} rounds of ${fills} fills on one order`);
    context.log('');
    for (const line of header) context.log(line);
    context.log(row(`CPU per fill, fills 1-${SLICE} (ms)`, (x) => x.firstMs));
    context.log(row(`CPU per fill, fills ${fills - SLICE + 1}-${fills} (ms)`, (x) => x.lastMs));
    context.log(
      `| last slice / first slice | ${(m((x) => x.lastMs) / m((x) => x.firstMs)).toFixed(2)}x | ${rounds
        .map((x) => `${(x.lastMs / x.firstMs).toFixed(2)}x`)
        .join(', ')} |`,
    );
    context.log(
      `| CPU per raw one-row INSERT (ms); last-slice fill / INSERT | ${fmt(m((x) => x.insertMs))}; ${(
        m((x) => x.lastMs) / m((x) => x.insertMs)
      ).toFixed(1)}x | ${rounds.map((x) => fmt(x.insertMs)).join(', ')} |`,
    );
    context.log('');
  } finally {
    await baselines.close();
  }
}

export const benchmark: Benchmark = {
  name: 'order-fills',
  description:
    "the CPU of an order's fills through the order handler: the last of thousands on one order against the first",
  run: (context) =>
    onEachStore(context, 'bench_order_fills', 'ORDER_FILLS', {
      postgres: async (url, source) => {
        const store = await openPostgresEventStore({ connectionString: url });
        try {
          await runTarget('PostgreSQL', await postgresNote(source, store.sql), store, context, url);
        } finally {
          await store.close();
        }
      },
      pglite: async () => {
        const store = await openPgliteEventStore();
        try {
          await runTarget('PGlite', 'in memory', store, context);
        } finally {
          await store.close();
        }
      },
    }),
};
