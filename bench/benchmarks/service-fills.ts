import { loadavg } from 'node:os';
import type { SqlPosition } from '../../adapters/event-store/sql/sql-position.ts';
import { ORDER_STREAM_PREFIX } from '../../domain/order/contract.ts';
import { type Baselines, openBaselines } from '../lib/baselines.ts';
import { type BenchContext, type Benchmark, onEachStore, ratesFromEnv } from '../lib/benchmark.ts';
import { measure, median, percentile } from '../lib/stats.ts';
import { type BenchService, type StoreKind, startBenchService } from '../service/service-fixture.ts';
import { startVenueThread, type VenueThread } from '../service/venue-thread.ts';

/**
 * B9 of ../shared/reference/benchmarks-and-faults.md: fill ingestion from a venue's WebSocket, on
 * PostgreSQL and PGlite, beside B4 (100-row INSERT batches) of the same run.
 *
 * Per slice: `orders` fresh resting buys (half BTC-PERPETUAL, half ETH-PERPETUAL) are placed
 * through the API, sized so that the slice fills them completely; then the local Deribit (in its
 * own thread) fills every resting order once per instrument per tick (`fillEach`), at the offered
 * rate for `seconds`: each order gets a fill every `orders / rate` seconds, pushed over the
 * WebSocket as Deribit does (the order update, then its trade). Measured per fill:
 * - store lag: the venue's trade time (`executedAt`, when it pushed) to the event's `created`;
 * - visible lag: the venue's trade time to the moment the projection's checkpoint passes the
 *   fill's event (sampled every 5 ms), i.e. the fill is in the fills and positions read models;
 * - achieved rate: fills / (first push to last fill visible);
 * - exactness: the slice's venue trade ids = the store's OrderFilled trade ids (none lost, none
 *   extra), one event and one read-model row per trade (no duplicate).
 */

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const INSTRUMENTS = [
  { symbol: 'BTC-PERPETUAL', unit: 10 },
  { symbol: 'ETH-PERPETUAL', unit: 1 },
] as const;

interface SliceResult {
  rate: number;
  generated: number;
  achieved: number;
  visibleLag: number[];
  storeLag: number[];
  lost: number;
  extra: number;
  duplicates: number;
  readModelRows: number;
}

async function placeOrders(service: BenchService, count: number, fillsPerOrder: number, tag: string) {
  const marks = new Map<string, { mark: number; tick: number }>();
  for (const { symbol } of INSTRUMENTS) {
    const info = (await service.http('GET', `/v1/instruments/deribit/${symbol}`)).body as {
      instrument: { tickSize: string };
      markPrice: string;
    };
    marks.set(symbol, { mark: Number(info.markPrice), tick: Number(info.instrument.tickSize) });
  }
  const orderIds: string[] = new Array(count);
  await measure(count, 16, async (i) => {
    const { symbol, unit } = INSTRUMENTS[i % INSTRUMENTS.length]!;
    const { mark, tick } = marks.get(symbol)!;
    const price = Math.round((mark * (0.95 - (i % 50) / 1000)) / tick) * tick;
    const reply = await service.http(
      'POST',
      '/v1/orders',
      {
        venue: 'deribit',
        symbol,
        side: 'buy',
        type: 'limit',
        amount: String(unit * fillsPerOrder),
        price: price.toFixed(2),
      },
      { 'idempotency-key': `b9-${tag}-${i}` },
    );
    const body = reply.body as { order?: { orderId: string; status: string } };
    const orderId = body.order?.orderId;
    // 202: the venue had not answered in time (a service still busy after an overloaded slice);
    // the OMS settles it, as a client would see by reading the order.
    if (reply.status === 202 && orderId !== undefined) {
      await waitFor(
        async () => {
          const read = await service.http('GET', `/v1/orders/${orderId}`);
          return (read.body as { status?: string }).status === 'open';
        },
        `order ${orderId} (202 on placing) to be open`,
        120_000,
      );
    } else if (reply.status !== 201 || body.order?.status !== 'open' || orderId === undefined) {
      throw new Error(`placing a B9 order: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    orderIds[i] = orderId;
  });
  return orderIds;
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`B9: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runSlice(
  service: BenchService,
  venues: VenueThread,
  rate: number,
  seconds: number,
  orders: number,
  tag: string,
): Promise<SliceResult> {
  const { running, store } = service;
  const codec = store.positions;
  const perOrder = Math.max(1, Math.round((rate * seconds) / orders));
  // An overloaded slice can leave the venue reconnecting (a client that falls behind its pushes
  // misses Deribit's heartbeats and is dropped) and reconciling: each slice starts on a trading venue.
  await waitFor(
    async () => running.registry.statuses().every((v) => v.trading),
    'the venue to trade again',
    300_000,
  );
  const orderIds = await placeOrders(service, orders, perOrder, tag);
  await running.readModelCaughtUp();
  const startCheckpoint = running.runner.status().checkpoint ?? '';
  const startTrade = (await venues.call('deribit.tradeCount', {})) as number;

  // The projection's checkpoint over time (it only moves forward).
  const samples: { at: number; position: SqlPosition }[] = [];
  let lastText = '';
  const sample = () => {
    const text = running.runner.status().checkpoint ?? '';
    if (text !== lastText && text !== '') {
      lastText = text;
      samples.push({ at: Date.now(), position: codec.parse(text) });
    }
  };
  const sampler = setInterval(sample, 5);

  // The venue: one fillEach per instrument per tick, on schedule (each call fills orders/2).
  // Every order gets exactly `perOrder` fills: it ends the slice filled.
  const perCall = orders / INSTRUMENTS.length;
  const totalCalls = perOrder * INSTRUMENTS.length;
  const calls: Promise<unknown>[] = [];
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(totalCalls, Math.floor(((performance.now() - started) / 1000) * (rate / perCall)));
      while (calls.length < due) {
        const { symbol, unit } = INSTRUMENTS[calls.length % INSTRUMENTS.length]!;
        calls.push(
          venues.call('deribit.fillEach', { instrument: symbol, amount: String(unit), side: 'buy' }),
        );
      }
      if (calls.length >= totalCalls) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const generated = (await Promise.all(calls)).reduce((n: number, c) => n + (c as number), 0);

  // Until every fill of the slice is in the read models.
  const fillsInReadModel = async () => {
    const { rows } = await store.sql.query<{ n: string }>(
      'select count(*)::text as n from oms_read.fills where order_id = any($1::uuid[])',
      [orderIds],
    );
    return Number(rows[0]?.n ?? 0);
  };
  await waitFor(
    async () => (await fillsInReadModel()) >= generated,
    `${generated} fills in the read models`,
    300_000,
  );
  sample();
  clearInterval(sampler);

  // The slice's fill events, from the store.
  const events: { tradeId: string; executedAt: number; created: number; position: SqlPosition }[] = [];
  let after = startCheckpoint === '' ? codec.start : codec.parse(startCheckpoint);
  for (;;) {
    const page = await store.readAll({
      after,
      maxCount: 5000,
      filter: { streamPrefixes: [ORDER_STREAM_PREFIX], eventTypes: ['OrderFilled'] },
    });
    for (const e of page.events) {
      const fill = (e.data as { fill: { tradeId: string; executedAt: string } }).fill;
      events.push({
        tradeId: fill.tradeId,
        executedAt: Date.parse(fill.executedAt),
        created: e.created.getTime(),
        position: e.position,
      });
    }
    after = page.lastScanned;
    if (page.isEnd) break;
  }
  const venueIds = new Set((await venues.call('deribit.tradeIdsFrom', { from: startTrade })) as string[]);
  const storeIds = new Set(events.map((e) => e.tradeId));
  const { rows } = await store.sql.query<{ n: string; d: string }>(
    'select count(*)::text as n, count(distinct trade_id)::text as d from oms_read.fills where order_id = any($1::uuid[])',
    [orderIds],
  );

  // When each fill became visible: the first checkpoint sample at or past its event.
  const visibleAt = (position: SqlPosition) => {
    let lo = 0;
    let hi = samples.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (codec.compare(samples[mid]!.position, position) >= 0) hi = mid;
      else lo = mid + 1;
    }
    return samples[lo]!.at;
  };
  const visibleLag = events.map((e) => visibleAt(e.position) - e.executedAt);
  const firstPush = Math.min(...events.map((e) => e.executedAt));
  const lastVisible = Math.max(...events.map((e) => visibleAt(e.position)));
  return {
    rate,
    generated,
    achieved: events.length / ((lastVisible - firstPush) / 1000),
    visibleLag,
    storeLag: events.map((e) => e.created - e.executedAt),
    lost: [...venueIds].filter((id) => !storeIds.has(id)).length,
    extra: [...storeIds].filter((id) => !venueIds.has(id)).length,
    duplicates: events.length - storeIds.size + (Number(rows[0]?.n ?? 0) - Number(rows[0]?.d ?? 0)),
    readModelRows: Number(rows[0]?.n ?? 0),
  };
}

interface RateRow {
  rate: number;
  achieved: number[];
  p50: number[];
  p99: number[];
  max: number[];
  storeP99: number[];
  generated: number;
  lost: number;
  extra: number;
  duplicates: number;
  b4: number[];
}

async function runTarget(
  kind: StoreKind,
  context: BenchContext,
  databaseUrl: string | undefined,
  rates: readonly number[],
  orders: number,
) {
  const venues = await startVenueThread();
  const service = await startBenchService({
    kind,
    ...(databaseUrl !== undefined && { databaseUrl }),
    venues,
    venuesEnabled: { deribit: true, bitget: false },
  });
  const baselines: Baselines = await openBaselines(service.store, databaseUrl);
  const rows: RateRow[] = rates.map((rate) => ({
    rate,
    achieved: [],
    p50: [],
    p99: [],
    max: [],
    storeP99: [],
    generated: 0,
    lost: 0,
    extra: 0,
    duplicates: 0,
    b4: [],
  }));
  const load: number[] = [];
  let positionsAgree = 'not checked';
  const reconnects = () =>
    service.running.registry.statuses().reduce((n, v) => n + v.connection.reconnects, 0);
  let dropped = 0;
  try {
    const seconds = Math.max(2, 10 * context.scale);
    const b4 = async () =>
      (
        await measure(
          Math.max(20, Math.round(100 * context.scale)),
          1,
          (i) => baselines.insertBatch(i, 100),
          100,
        )
      ).rate;
    // Warm-up (JIT, as in the oms-cpu benchmark), discarded: 5 s at the lowest rate.
    await runSlice(service, venues, Math.min(...rates), 5, orders, `warm-${kind}`);
    await b4();
    const reconnectsBefore = reconnects();
    for (let round = 1; round <= context.rounds; round++) {
      for (const row of rows) {
        load.push(loadavg()[0]!);
        const before = await b4();
        const r = await runSlice(service, venues, row.rate, seconds, orders, `${kind}-${round}-${row.rate}`);
        const after = await b4();
        row.b4.push((before + after) / 2);
        row.achieved.push(r.achieved);
        row.p50.push(percentile(r.visibleLag, 50));
        row.p99.push(percentile(r.visibleLag, 99));
        row.max.push(percentile(r.visibleLag, 100));
        row.storeP99.push(percentile(r.storeLag, 99));
        row.generated += r.generated;
        row.lost += r.lost;
        row.extra += r.extra;
        row.duplicates += r.duplicates;
        context.log(
          `  ${kind} round ${round} ${row.rate}/s: ${r.generated} fills on ${orders} orders, ${fmt(r.achieved)}/s, visible lag p50 ${fmt(
            percentile(r.visibleLag, 50),
          )} ms p99 ${fmt(percentile(r.visibleLag, 99))} ms max ${fmt(percentile(r.visibleLag, 100))} ms, store lag p99 ${fmt(
            percentile(r.storeLag, 99),
          )} ms; lost ${r.lost}, extra ${r.extra}, duplicates ${r.duplicates}; B4 ${fmt((before + after) / 2)} rows/s`,
        );
      }
      load.push(loadavg()[0]!);
    }
    dropped = reconnects() - reconnectsBefore;
    // Positions: the read models' against the venue's, per instrument.
    const venuePositions = (await venues.call('deribit.positions', {})) as {
      instrument_name: string;
      size: number | string;
    }[];
    const ours = (await service.http('GET', '/v1/positions?venue=deribit')).body as {
      symbol: string;
      size: string;
    }[];
    const differ = INSTRUMENTS.filter(({ symbol }) => {
      const v = Number(venuePositions.find((p) => p.instrument_name === symbol)?.size ?? 0);
      const o = Number(ours.find((p) => p.symbol === symbol)?.size ?? 0);
      return v !== o;
    });
    positionsAgree = differ.length === 0 ? 'yes' : `NO (${differ.map((d) => d.symbol).join(', ')})`;
  } finally {
    await baselines.close();
    await service.close();
    await venues.close();
  }
  return { kind, rows, load, positionsAgree, dropped };
}

const report = (
  r: Awaited<ReturnType<typeof runTarget>>,
  note: string,
  orders: number,
  context: BenchContext,
) => {
  context.log(
    `\n### ${r.kind} (${note}; ${orders} orders per slice; load average ${fmt(Math.min(...r.load))}–${fmt(Math.max(...r.load))})\n`,
  );
  context.log(
    '| offered | achieved | visible lag p50 / p99 / max ms | store lag p99 ms | lost / extra / dup | B4 rows/s | achieved ÷ B4 | target | met |',
  );
  context.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const row of r.rows) {
    const achieved = median(row.achieved);
    const p99 = median(row.p99);
    const target = row.rate === 5000;
    const exact = row.lost === 0 && row.extra === 0 && row.duplicates === 0;
    const met = target ? (achieved >= 0.97 * row.rate && p99 < 1000 && exact ? 'yes' : 'NO') : '';
    context.log(
      `| ${fmt(row.rate)}/s | ${fmt(achieved)}/s | ${fmt(median(row.p50))} / ${fmt(p99)} (${row.p99
        .map((x) => fmt(x))
        .join(
          ', ',
        )}) / ${fmt(Math.max(...row.max))} | ${fmt(median(row.storeP99))} | ${row.lost} / ${row.extra} / ${
        row.duplicates
      } of ${fmt(row.generated)} | ${fmt(median(row.b4))} | ${((achieved / median(row.b4)) * 100).toFixed(0)}% | ${
        target ? '≥ 5,000/s, p99 < 1 s, exact' : ''
      } | ${met} |`,
    );
  }
  context.log(
    `\nPositions in the read models equal the venue's: ${r.positionsAgree}. The venue dropped the connection ${r.dropped} time(s) during the measured rounds (behind its pushes, the client missed heartbeats); each slice waited for reconciliation to finish.`,
  );
};

export const benchmark: Benchmark = {
  name: 'service-fills',
  description:
    'B9: fill ingestion from the local Deribit’s WebSocket into the store and the read models, fixed rates, vs B4 100-row INSERT batches',
  run: async (context) => {
    const orders = Number(process.env.B9_ORDERS ?? 400);
    await onEachStore(context, 'bench-service-fills', 'B9', {
      postgres: async (url, source) => {
        const rates = ratesFromEnv('B9_PG_RATES', [1000, 2500, 5000]);
        report(await runTarget('PostgreSQL', context, url, rates, orders), source, orders, context);
      },
      pglite: async () => {
        const rates = ratesFromEnv('B9_PGLITE_RATES', [500, 1000, 2500]);
        report(
          await runTarget('PGlite', context, undefined, rates, orders),
          'on disk in a temp directory',
          orders,
          context,
        );
      },
    });
  },
};
