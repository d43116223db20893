import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../adapters/http/client.ts';
import { testDatabase } from '../support/postgres.ts';
import { until } from '../support/until.ts';
import { type ServiceProcess, startServiceProcess } from './support/child.ts';
import { faultSeeds, rng, withSeed } from './support/random.ts';
import {
  type LocalVenues,
  startLocalVenues,
  venueOrdersByClientId,
  venueOrdersOf,
} from './support/venues.ts';
import { Workload } from './support/workload.ts';

/**
 * F1: kill -9 the service at a random point during command handling, restart it.
 *
 * The service runs as a real child process (`oms serve`) against the local Deribit and Bitget
 * running in this test process (custom mode), so the venues outlive it. A client issues places,
 * cancels and amends with idempotency keys; at a seeded random moment the child gets SIGKILL. It
 * is restarted on the same store, and every command whose reply never came is sent again with the
 * same key. After the last kill, everything settles and:
 * - every command acknowledged to the client is in the order's history (by its key);
 * - a place retried with its key always names the same order, and answers `replayed`;
 * - each client id (Deribit label, Bitget clientOid) is held by at most one venue order, and
 *   every order the OMS saw reach the venue is there exactly once.
 *
 * `F1_KILLS` kills per seed (CI: 5); the long variant is `F1_KILLS=100 npx vitest run test/faults/f1`.
 */
const KILLS = Number.parseInt(process.env.F1_KILLS ?? '', 10) || 5;
const PG_KILLS = Number.parseInt(process.env.F1_KILLS ?? '', 10) || 2;
const TOKEN = 'f1-api-token-0123456789abcdef';
const SETTLED = new Set(['open', 'filled', 'cancelled', 'rejected', 'expired', 'partially_filled']);

let venues: LocalVenues;
beforeAll(async () => {
  venues = await startLocalVenues();
});
afterAll(async () => venues?.close());

interface KillReport {
  /** Commands answered with an error, by code (a paused or unavailable venue, a closed order...). */
  refusals: Record<string, number>;
  anomalies: number;
  kills: number;
  commands: number;
  acked: number;
  retried: number;
  orders: number;
}

async function killAndRestart(
  seed: number,
  kills: number,
  storeEnv: Record<string, string>,
): Promise<KillReport> {
  const r = rng(seed);
  const env = { ...venues.env(), ...storeEnv, OMS_API_PORT: '0', OMS_API_TOKEN: TOKEN };
  const work = new Workload(r, venues, `f1-${seed}`);
  let retried = 0;
  let service: ServiceProcess | undefined;
  const before = new Set(venueOrdersByClientId(venues).keys());
  /** What the killed services logged as warnings and errors (shown when a check fails). */
  const errorLines: string[] = [];
  /** Every service started, with when (shown when an order is doubled). */
  const started: { at: string; process: ServiceProcess; killedAt?: string }[] = [];
  const errorsOf = (p: ServiceProcess) =>
    p
      .stdout()
      .split('\n')
      .filter((line) => /"level":(40|50|60)/.test(line))
      .map((line) => line.slice(0, 800));

  const retryUnanswered = async (api: ApiClient) => {
    for (const command of work.unanswered()) {
      retried += 1;
      await work.retry(api, command);
      if (command.outcome !== 'acked' && command.outcome !== 'refused')
        throw new Error(`retry of ${command.key} got no answer from a running service`);
    }
  };

  try {
    for (let kill = 0; kill < kills; kill++) {
      service = await startServiceProcess(env);
      started.push({ at: new Date().toISOString(), process: service });
      await retryUnanswered(service.api);
      // A client with a few commands in flight; the kill lands at a seeded moment among them.
      const killAfterMs = r.int(50, 1_500);
      const concurrency = r.int(1, 4);
      let dead = false;
      const current = service;
      const workers = Array.from({ length: concurrency }, async () => {
        while (!dead) await work.step(current.api);
      });
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      await current.kill9();
      started.at(-1)!.killedAt = new Date().toISOString();
      errorLines.push(...errorsOf(current));
      dead = true;
      await Promise.all(workers);
    }

    // The last start: retry what is still unanswered, then let every order settle.
    service = await startServiceProcess(env);
    started.push({ at: new Date().toISOString(), process: service });
    const api = service.api;
    await retryUnanswered(api);
    expect(work.unanswered()).toEqual([]);

    const placeKeys = work.commands.filter((c) => c.kind === 'place' && c.outcome === 'acked');
    await until(
      'every order to settle at the venue',
      async () => {
        for (const c of placeKeys) {
          const view = await api.order(c.orderId);
          if (!SETTLED.has(view.status) || view.unresolved !== null) return false;
        }
        return true;
      },
      120_000,
      200,
    ).catch(async (error: Error) => {
      const stuck: string[] = [];
      for (const c of placeKeys) {
        const view = await api.order(c.orderId);
        if (SETTLED.has(view.status) && view.unresolved === null) continue;
        const history = (await api.history(c.orderId)).map((e) => `${e.type}/${e.source}@${e.recordedAt}`);
        stuck.push(
          `${c.orderId} ${view.venue} ${view.status} unresolved=${view.unresolved}: ${history.join(', ')}`,
        );
      }
      error.message += `\n${stuck.length} orders not settled:\n${stuck.slice(0, 8).join('\n')}`;
      error.message += `\nerrors logged:\n${[...errorLines, ...(service ? errorsOf(service) : [])].slice(-15).join('\n')}`;
      throw error;
    });

    // Every acknowledged command is recorded, under its key.
    for (const c of work.commands.filter((c) => c.outcome === 'acked')) {
      const history = await api.history(c.orderId);
      expect(
        history.some((e) => e.idempotencyKey === c.key),
        `${c.kind} ${c.key} was acknowledged but is not in the history of ${c.orderId}`,
      ).toBe(true);
    }
    // No reply was a server failure.
    const failures = work.commands.filter((c) => (c.refusal?.status ?? 0) === 500);
    expect(
      failures.map((c) => ({ key: c.key, ...c.refusal })),
      `errors logged:\n${[...errorLines, ...errorsOf(service)].slice(0, 10).join('\n')}`,
    ).toEqual([]);

    // A place retried with its key names one order, again and again.
    for (const c of placeKeys) {
      expect(new Set(c.replies.map((reply) => reply.orderId))).toEqual(new Set([c.orderId]));
      const again = await api.place(c.body ?? {}, c.key);
      expect(again.replayed).toBe(true);
      expect(again.order.orderId).toBe(c.orderId);
    }

    // The venue holds exactly one order per client id: no duplicates, none missing.
    const atVenue = venueOrdersByClientId(venues);
    const duplicates = [...atVenue.entries()].filter(([, n]) => n > 1);
    if (duplicates.length > 0) {
      const told: string[] = [];
      for (const [clientOrderId] of duplicates) {
        const order = [...work.orders.values()].find((o) => o.clientOrderId === clientOrderId);
        const atEach = (['deribit', 'bitget'] as const).flatMap((venue) =>
          venueOrdersOf(venues, venue, clientOrderId).map(
            (o) => `${venue} ${o.venueOrderId} ${o.status} created ${o.createdAt}`,
          ),
        );
        const history = order
          ? (await api.history(order.orderId)).map((e) => `${e.recordedAt} ${e.type}/${e.source}`)
          : [];
        const commands = work.commands
          .filter((c) => c.orderId === order?.orderId)
          .map((c) => `${c.kind} ${c.key} ${c.outcome}`);
        told.push(`${clientOrderId} (order ${order?.orderId}):\n  ${atEach.join('\n  ')}`);
        told.push(`  history: ${history.join(' | ')}\n  commands: ${commands.join(' | ')}`);
        for (const [i, s] of started.entries()) {
          const lines = s.process
            .stdout()
            .split('\n')
            .filter((line) => order && (line.includes(order.orderId) || line.includes(clientOrderId)));
          told.push(`  service ${i} up ${s.at} killed ${s.killedAt ?? '-'}:\n    ${lines.join('\n    ')}`);
        }
      }
      told.push(`errors logged:\n${[...errorLines, ...errorsOf(service)].slice(-20).join('\n')}`);
      expect(duplicates, told.join('\n')).toEqual([]);
    }
    for (const c of placeKeys) {
      const view = await api.order(c.orderId);
      const reachedVenue = view.venueOrderId !== null;
      expect(
        atVenue.get(view.clientOrderId) ?? 0,
        `order ${c.orderId} (${view.status}, venue id ${view.venueOrderId})`,
      ).toBe(reachedVenue ? 1 : 0);
    }
    const ours = new Set(
      work.commands.filter((c) => c.kind === 'place').map((c) => work.orders.get(c.orderId)?.clientOrderId),
    );
    const strangers = [...atVenue.keys()].filter(
      (id) => !before.has(id) && !ours.has(id.replace(/-r\d+$/, '')),
    );
    expect(strangers).toEqual([]);

    // Reports the venue sent that an order refused (recorded as anomalies for an operator)
    const anomalies: string[] = [];
    for (const c of placeKeys) {
      for (const e of await api.history(c.orderId)) {
        if (e.type === 'OrderAnomalyDetected') anomalies.push(JSON.stringify(e.data));
      }
    }
    if (anomalies.length > 0) console.info(`F1 seed ${seed}: anomalies recorded:\n${anomalies.join('\n')}`);

    const refusals: Record<string, number> = {};
    for (const c of work.commands) {
      if (c.refusal) refusals[c.refusal.code] = (refusals[c.refusal.code] ?? 0) + 1;
    }
    return {
      refusals,
      anomalies: anomalies.length,
      kills,
      commands: work.commands.length,
      acked: work.commands.filter((c) => c.outcome === 'acked').length,
      retried,
      orders: placeKeys.length,
    };
  } finally {
    await service?.stop();
  }
}

describe('F1: kill -9 the service while a client issues commands, restart, retry', () => {
  it.each(faultSeeds(1, 100))(
    'embedded store: nothing acknowledged is lost, no order is doubled (seed %i)',
    async (seed) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'oms-f1-'));
      try {
        const report = await withSeed('F1', seed, () =>
          killAndRestart(seed, KILLS, { OMS_STORE: 'embedded', OMS_DATA_DIR: dataDir }),
        );
        console.info(`F1 embedded seed ${seed}: ${JSON.stringify(report)}`);
        expect(report.kills).toBe(KILLS);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    KILLS * 60_000 + 120_000,
  );
});

const pg = process.env.DATABASE_URL ? await testDatabase('f1') : undefined;
describe.skipIf(!pg?.available)('F1 on PostgreSQL', () => {
  afterAll(async () => {
    if (pg?.available) await pg.drop();
  });
  it.each(faultSeeds(1, 200))(
    'PostgreSQL store: nothing acknowledged is lost, no order is doubled (seed %i)',
    async (seed) => {
      if (!pg?.available) return;
      const report = await withSeed('F1/postgres', seed, () =>
        killAndRestart(seed, PG_KILLS, { OMS_STORE: 'postgres', DATABASE_URL: pg.url }),
      );
      console.info(`F1 postgres seed ${seed}: ${JSON.stringify(report)}`);
      expect(report.kills).toBe(PG_KILLS);
    },
    PG_KILLS * 60_000 + 120_000,
  );
});
