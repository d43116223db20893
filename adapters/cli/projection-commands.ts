import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EventStore } from '../../application/ports/event-store.ts';
import { exists } from '../../domain/order/state.ts';
import { averageEntry } from '../../domain/position/position.ts';
import type { ReadModelDb } from '../../projections/db/read-model-db.ts';
import { ORDER_PROJECTION } from '../../projections/order-projection.ts';
import { REBUILD_BATCH_SIZE, type RebuildProgress, rebuildReadModels } from '../../projections/rebuild.ts';
import { parseAsOf, replayOrder, replayPositions } from '../../projections/replay.ts';
import { listProjections, type ProjectionRow } from '../../projections/schema.ts';
import { verifyReadModels } from '../../projections/verify.ts';
import { createLogger } from '../composition/logger.ts';
import type { openStore } from '../composition/root.ts';
import { type Config, loadConfig } from '../config/config.ts';

/**
 * The projection commands of `oms`: rebuild, verify, replay (as of a time or a position) and
 * projections status / retry. They open the store and the read-model database from the
 * configuration (OMS_STORE, OMS_DATA_DIR, DATABASE_URL, EVENTSTORE_CONNECTION_STRING,
 * READ_MODEL_DATABASE_URL), do their work and close them.
 *
 * Embedded store: its data directory is locked by a running service, so run these with the
 * service stopped (the service can run rebuild/verify in-process through `projections/`).
 */

interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface ProjectionCommandDeps {
  readonly loadConfig: () => Config;
  readonly openStore: typeof openStore;
  readonly createLogger: (config: Config) => Logger;
  /** Whether stderr is a terminal (progress redrawn in place) or a log (a line every few seconds). */
  readonly interactive: boolean;
  /** Sets the exit status (1: differences found, a failed projection, nothing to replay). */
  readonly setExitCode: (code: number) => void;
}

const defaultDeps: ProjectionCommandDeps = {
  loadConfig: () => loadConfig(),
  openStore: async (...args) => (await import('../composition/root.ts')).openStore(...args),
  createLogger: (config) =>
    createLogger({ ...config, log: { level: config.log.level === 'info' ? 'warn' : config.log.level } }),
  interactive: process.stderr.isTTY === true,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

const positiveInt = (name: string) => (value: string) => {
  const parsed = z.coerce.number().int().positive().safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return parsed.data;
};

const UuidSchema = z.uuid();

const duration = (seconds: number) => {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`;
};

/** Stringifies decimals (their toJSON), bigints and sets for display. */
const toJson = (value: unknown) =>
  JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Set ? [...v] : v),
    2,
  );

const withStorage = async <T>(
  deps: ProjectionCommandDeps,
  work: (s: { store: EventStore<unknown>; db: ReadModelDb; schema: string; logger: Logger }) => Promise<T>,
): Promise<T> => {
  const config = deps.loadConfig();
  const logger = deps.createLogger(config);
  const opened = await deps.openStore(config);
  try {
    return await work({
      store: opened.store,
      db: opened.readModelDb,
      schema: config.readModels.schema,
      logger,
    });
  } finally {
    await opened.close();
  }
};

const statusLine = (row: ProjectionRow) => {
  const base = `${row.name}  ${row.status}  generation ${row.generation}  checkpoint ${row.position || '(start)'}  updated ${row.updated_at.toISOString()}`;
  if (row.status !== 'failed') return base;
  return `${base}\n  failed at position ${row.failed_position ?? '?'}, event ${row.failed_event_id ?? '?'} (stream ${
    row.failed_stream_id ?? '?'
  }) at ${row.failed_at?.toISOString() ?? '?'}\n  error: ${row.error ?? '?'}\n  after fixing the cause: oms projections retry ${row.name}`;
};

export function registerProjectionCommands(
  program: Command,
  output: Output,
  deps: ProjectionCommandDeps = defaultDeps,
): void {
  program
    .command('rebuild')
    .description(
      'rebuild the read models from the start of $all into a new generation, then switch readers to it (blue/green)',
    )
    .option('--batch-size <n>', 'events per transaction', positiveInt('--batch-size'), REBUILD_BATCH_SIZE)
    .action(async (options: { batchSize: number }) => {
      await withStorage(deps, async ({ store, db, schema, logger }) => {
        let lastPrint = 0;
        const progress = (p: RebuildProgress) => {
          const now = performance.now();
          const final = p.phase !== 'building' && p.phase !== 'catching_up';
          if (!final && now - lastPrint < (deps.interactive ? 200 : 5000)) return;
          lastPrint = now;
          const line = `rebuild: ${p.phase}  ${p.events.toLocaleString('en-US')} events  ${Math.round(
            p.eventsPerSecond,
          ).toLocaleString('en-US')} events/s  position ${p.position || '(start)'}${
            p.etaSeconds !== undefined ? `  ETA ${duration(p.etaSeconds)}` : ''
          }`;
          output.err(deps.interactive ? `\r\x1b[2K${line}` : `${line}\n`);
        };
        const result = await rebuildReadModels({
          store,
          db,
          logger,
          schema,
          batchSize: options.batchSize,
          onProgress: progress,
        });
        if (deps.interactive) output.err('\n');
        output.out(
          `rebuilt ${result.events.toLocaleString('en-US')} events into generation ${result.generation} in ${result.seconds.toFixed(
            1,
          )} s; readers now see it (checkpoint ${result.position || '(start)'})\n`,
        );
      });
    });

  program
    .command('verify')
    .description(
      'rebuild the read models into a scratch schema and compare them row by row with the live ones; exit status 1 on any difference',
    )
    .option('--max-differences <n>', 'stop listing after this many', positiveInt('--max-differences'), 100)
    .option('--json', 'print the result as JSON')
    .action(async (options: { maxDifferences: number; json?: boolean }) => {
      const result = await withStorage(deps, ({ store, db, schema, logger }) =>
        verifyReadModels({
          store,
          db,
          logger,
          schema,
          maxDifferences: options.maxDifferences,
          ...(deps.interactive && {
            onProgress: (events: number) =>
              output.err(`\r\x1b[2Kverify: rebuilt ${events.toLocaleString('en-US')} events`),
          }),
        }),
      );
      if (deps.interactive) output.err('\n');
      if (options.json) output.out(`${toJson(result)}\n`);
      else {
        const rows = Object.entries(result.rows)
          .map(([table, n]) => `${table} ${n}`)
          .join(', ');
        output.out(`compared at checkpoint ${result.position || '(start)'}: ${rows}\n`);
        for (const d of result.differences) {
          output.out(
            `DIFF ${d.table} ${JSON.stringify(d.key)} ${d.column}: live ${JSON.stringify(d.live)} rebuilt ${JSON.stringify(d.rebuilt)}\n`,
          );
        }
        output.out(
          result.differences.length === 0
            ? 'verify: the live read models equal a rebuild\n'
            : `verify: ${result.differences.length}${result.truncated ? '+' : ''} difference(s)\n`,
        );
      }
      if (result.differences.length > 0) deps.setExitCode(1);
    });

  program
    .command('replay')
    .description(
      'the state of an order, or all positions, as of a time or a global position, computed from the events',
    )
    .addOption(new Option('--order <orderId>', 'replay this order').conflicts('positions'))
    .option('--positions', 'replay all positions')
    .requiredOption(
      '--as-of <time|position>',
      'ISO-8601 time with a zone (events recorded at or before it) or a position as the store prints it (inclusive)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  oms replay --order 0b6f8a52-9c1e-4a59-8f44-3f1b2a8c9d10 --as-of 2026-01-05T12:00:00Z\n  oms replay --positions --as-of 00000000000000005847-00000000000000005000',
    )
    .action(async (options: { order?: string; positions?: boolean; asOf: string; json?: boolean }) => {
      if (options.order === undefined && !options.positions) {
        throw new InvalidArgumentError('give --order <orderId> or --positions');
      }
      if (options.order !== undefined && !UuidSchema.safeParse(options.order).success) {
        throw new InvalidArgumentError(
          `--order takes an order id (a UUID): ${JSON.stringify(options.order)}`,
        );
      }
      await withStorage(deps, async ({ store }) => {
        const asOf = parseAsOf(options.asOf, store);
        if (options.order !== undefined) {
          const replay = await replayOrder(store, options.order, asOf);
          if (!exists(replay.state)) {
            output.out(`order ${options.order}: no event at or before ${options.asOf}\n`);
            deps.setExitCode(1);
            return;
          }
          const { tradeIds, ...state } = replay.state;
          const view = {
            ...state,
            tradeIds: [...tradeIds],
            events: replay.events,
            lastRevision: replay.lastRevision,
            lastPosition: replay.lastPosition,
          };
          output.out(`${toJson(view)}\n`);
          return;
        }
        const replay = await replayPositions(store, asOf);
        const rows = replay.positions.map((p) => ({
          venue: p.key.venue,
          account: p.key.account,
          instrument: p.key.symbol,
          side: p.key.side,
          size: p.size.toString(),
          averageEntry: averageEntry(p)?.toString() ?? null,
          realizedPnl: p.realizedPnl.toString(),
          pnlCurrency: p.pnlCurrency,
          fees: Object.fromEntries(Object.entries(p.fees).map(([c, v]) => [c, v.toString()])),
          lastFillAt: p.lastFillAt ?? null,
        }));
        if (options.json) {
          output.out(`${toJson({ asOf: options.asOf, events: replay.events, positions: rows })}\n`);
          return;
        }
        output.out(`positions as of ${options.asOf} (${replay.events} events):\n`);
        for (const r of rows) {
          output.out(
            `${r.venue} ${r.account} ${r.instrument} ${r.side}: size ${r.size}, entry ${r.averageEntry ?? '-'}, realized ${r.realizedPnl} ${r.pnlCurrency}, fees ${JSON.stringify(r.fees)}\n`,
          );
        }
      });
    });

  const projections = program
    .command('projections')
    .description('the projections that maintain the read models');
  projections
    .command('status')
    .description(
      'checkpoint, generation and status of each projection; a failed one shows its failing event and error',
    )
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await withStorage(deps, ({ db, schema }) => listProjections(db, schema));
      if (options.json) output.out(`${toJson(rows)}\n`);
      else if (rows.length === 0) output.out('no projection has run yet\n');
      else for (const row of rows) output.out(`${statusLine(row)}\n`);
      if (rows.some((r) => r.status === 'failed')) deps.setExitCode(1);
    });
  projections
    .command('retry')
    .argument('[name]', 'the projection', ORDER_PROJECTION)
    .description(
      'clear a failed projection so that it starts again from its checkpoint (after the cause is fixed; it retries the failing event, it does not skip it)',
    )
    .action(async (name: string) => {
      const cleared = await withStorage(deps, async ({ db, schema }) => {
        const result = await db.query(
          `update ${schema}.projections set status = 'running', error = null, failed_position = null,
             failed_event_id = null, failed_stream_id = null, failed_at = null, updated_at = now()
           where name = $1 and status = 'failed'`,
          [name],
        );
        return result.rowCount;
      });
      output.out(
        cleared === 1
          ? `${name}: cleared; it resumes from its checkpoint\n`
          : `${name}: not failed, nothing to do\n`,
      );
    });
}
