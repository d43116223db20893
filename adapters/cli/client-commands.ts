import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { type ApiClient, ApiError, createApiClient } from '../http/client.ts';

/**
 * CLI commands that talk to a running service through its HTTP API (the service owns the venue
 * connections). Where to find it: `--url` / OMS_URL (default http://127.0.0.1:8080) and
 * `--token` / OMS_API_TOKEN, else the token the embedded service keeps in its data directory.
 */

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** The process's exit status once the command is done (0 unless set). */
  exit(code: number): void;
}

export function connection(command: Command): ApiClient {
  const options = command.optsWithGlobals<{ url?: string; token?: string }>();
  const url = options.url ?? process.env.OMS_URL ?? 'http://127.0.0.1:8080';
  let token = options.token ?? process.env.OMS_API_TOKEN;
  if (!token) {
    const path = join(process.env.OMS_DATA_DIR ?? '.data/oms', 'api-token');
    try {
      token = readFileSync(path, 'utf8').trim();
    } catch {
      throw new InvalidArgumentError(
        `no API token: pass --token, set OMS_API_TOKEN, or run next to the data directory (${path})`,
      );
    }
  }
  return createApiClient({ baseUrl: url, token });
}

const decimal = (name: string) => (value: string) => {
  if (!/^\d+(\.\d+)?$/.test(value))
    throw new InvalidArgumentError(`${name} must be a decimal number like 0.1 (got ${value})`);
  return value;
};

/** Runs an API call, printing JSON on success and a clear line on failure (exit code 1, or 2 when unreachable). */
export async function run(output: Output, work: () => Promise<unknown>): Promise<void> {
  try {
    const result = await work();
    // A command that wrote its own output (a CSV export to standard output) returns nothing.
    if (result !== undefined) output.out(`${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    if (error instanceof ApiError) {
      output.err(`error ${error.status} ${error.code}: ${error.message.replace(`${error.code}: `, '')}\n`);
      if (Object.keys(error.details).length > 0) output.err(`${JSON.stringify(error.details, null, 2)}\n`);
      output.exit(1);
      return;
    }
    if (error instanceof TypeError && /fetch failed/.test(error.message)) {
      output.err('error: the service is not reachable (start it with `npm start`, or pass --url)\n');
      output.exit(2);
      return;
    }
    if (error instanceof z.ZodError) {
      output.err(`error: unexpected reply from the service: ${error.issues[0]?.message ?? ''}\n`);
      output.exit(1);
      return;
    }
    throw error;
  }
}

export function registerClientCommands(program: Command, output: Output): void {
  program
    .command('place')
    .description('place an order through the running service')
    .requiredOption('--venue <venue>', 'deribit or bitget')
    .requiredOption('--symbol <symbol>', 'e.g. BTC-PERPETUAL or BTCUSDT')
    .requiredOption('--side <side>', 'buy or sell')
    .option('--type <type>', 'limit, market, stop_limit, ...', 'limit')
    .option(
      '--amount <amount>',
      'in the instrument’s amount unit (USD for Deribit inverse contracts)',
      decimal('amount'),
    )
    .option('--contracts <contracts>', 'in contracts, instead of --amount', decimal('contracts'))
    .option('--price <price>', 'limit price', decimal('price'))
    .option(
      '--trigger-price <price>',
      'stop/take orders: the price that fires them',
      decimal('trigger price'),
    )
    .option('--trigger <reference>', 'stop/take orders: mark_price, index_price or last_price', 'mark_price')
    .option('--tif <timeInForce>', 'gtc, ioc, fok, good_til_day')
    .option('--reduce-only', 'only reduce a position')
    .option('--post-only', 'never take liquidity')
    .option('--account <account>', 'venue account (default: the configured one)')
    .option('--position-mode <mode>', 'Bitget: one_way or hedge (default: configured)')
    .option('--trade-side <side>', 'Bitget hedge mode: open or close')
    .option('--margin-mode <mode>', 'Bitget: isolated or crossed')
    .option('--idempotency-key <key>', 'a retry with the same key returns the first result')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).place(
          {
            venue: o.venue,
            symbol: o.symbol,
            side: o.side,
            type: o.type,
            ...(o.amount && { amount: o.amount }),
            ...(o.contracts && { contracts: o.contracts }),
            ...(o.price && { price: o.price }),
            ...(o.triggerPrice && { trigger: { price: o.triggerPrice, reference: o.trigger } }),
            ...(o.tif && { timeInForce: o.tif }),
            ...(o.reduceOnly && { reduceOnly: true }),
            ...(o.postOnly && { postOnly: true }),
            ...(o.account && { account: o.account }),
            ...(o.positionMode && { positionMode: o.positionMode }),
            ...(o.tradeSide && { tradeSide: o.tradeSide }),
            ...(o.marginMode && { marginMode: o.marginMode }),
          },
          o.idempotencyKey,
        ),
      );
    });

  program
    .command('amend <orderId>')
    .description('amend an order’s price, amount or trigger price')
    .option('--price <price>', 'new price', decimal('price'))
    .option('--amount <amount>', 'new amount', decimal('amount'))
    .option('--trigger-price <price>', 'new trigger price', decimal('trigger price'))
    .option('--idempotency-key <key>', 'a retry with the same key returns the first result')
    .action(async (orderId: string, o, command: Command) => {
      await run(output, () =>
        connection(command).amend(
          orderId,
          {
            ...(o.price && { price: o.price }),
            ...(o.amount && { amount: o.amount }),
            ...(o.triggerPrice && { triggerPrice: o.triggerPrice }),
          },
          o.idempotencyKey,
        ),
      );
    });

  program
    .command('cancel <orderId>')
    .description('cancel an order')
    .option('--idempotency-key <key>', 'a retry with the same key returns the first result')
    .action(async (orderId: string, o, command: Command) => {
      await run(output, () => connection(command).cancel(orderId, o.idempotencyKey));
    });

  program
    .command('cancel-all')
    .description('cancel every live order (of a venue, account or instrument)')
    .option('--venue <venue>', 'only this venue')
    .option('--account <account>', 'only this account')
    .option('--symbol <symbol>', 'only this instrument')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).cancelAll({
          ...(o.venue && { venue: o.venue }),
          ...(o.account && { account: o.account }),
          ...(o.symbol && { symbol: o.symbol }),
        }),
      );
    });

  program
    .command('close')
    .description('close a position (reduce-only, or tradeSide close in hedge mode)')
    .requiredOption('--venue <venue>', 'deribit or bitget')
    .requiredOption('--symbol <symbol>', 'instrument')
    .option('--type <type>', 'market or limit', 'market')
    .option('--price <price>', 'limit price', decimal('price'))
    .option('--side <side>', 'hedge mode: the leg to close (long or short)')
    .option('--account <account>', 'venue account')
    .option('--idempotency-key <key>', 'a retry with the same key returns the first result')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).closePosition(
          {
            venue: o.venue,
            symbol: o.symbol,
            type: o.type,
            ...(o.price && { price: o.price }),
            ...(o.side && { side: o.side }),
            ...(o.account && { account: o.account }),
          },
          o.idempotencyKey,
        ),
      );
    });

  program
    .command('order <orderId>')
    .description('show an order as it stands')
    .action(async (orderId: string, _o, command: Command) => {
      await run(output, () => connection(command).order(orderId));
    });

  program
    .command('history <orderId>')
    .description('an order’s timeline: every event, when, why and from where')
    .action(async (orderId: string, _o, command: Command) => {
      await run(output, () => connection(command).history(orderId));
    });

  program
    .command('orders')
    .description('list orders (newest first)')
    .option('--venue <venue>', 'only this venue')
    .option('--account <account>', 'only this account')
    .option('--symbol <symbol>', 'only this instrument')
    .option('--status <statuses>', 'comma-separated statuses, e.g. open,partially_filled')
    .option('--since <time>', 'created at or after (ISO-8601)')
    .option('--limit <n>', 'page size (max 1000)', '50')
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).orders({
          venue: o.venue,
          account: o.account,
          symbol: o.symbol,
          status: o.status,
          since: o.since,
          limit: o.limit,
          cursor: o.cursor,
        }),
      );
    });

  program
    .command('positions')
    .description('positions: size, average entry, realized PnL, fees')
    .option('--venue <venue>', 'only this venue')
    .option('--account <account>', 'only this account')
    .option('--symbol <symbol>', 'only this instrument')
    .option('--include-flat', 'include closed positions')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).positions({
          venue: o.venue,
          account: o.account,
          symbol: o.symbol,
          ...(o.includeFlat && { includeFlat: 'true' }),
        }),
      );
    });

  program
    .command('health')
    .description('venue connectivity and trading status, projection lag, kill switch')
    .action(async (_o, command: Command) => {
      await run(output, () => connection(command).health());
    });

  program
    .command('kill-switch <state>')
    .description('engage (on) or release (off) the kill switch')
    .requiredOption('--reason <reason>', 'why (kept in the audit trail)')
    .option('--cancel-all', 'also cancel every live order (with on)')
    .action(async (state: string, o, command: Command) => {
      if (state !== 'on' && state !== 'off') throw new InvalidArgumentError('state is on or off');
      await run(output, () =>
        connection(command).killSwitch({
          engaged: state === 'on',
          reason: o.reason,
          ...(o.cancelAll && { cancelAll: true }),
        }),
      );
    });

  program
    .command('reconcile')
    .description('reconcile the venue accounts now (open orders, fills, positions); prints each report')
    .option('--venue <venue>', 'only this venue')
    .option('--account <account>', 'only this account')
    .action(async (o, command: Command) => {
      await run(output, () => connection(command).reconcile({ venue: o.venue, account: o.account }));
    });

  program
    .command('breaks')
    .description('reconciliation breaks: what the OMS could not explain, both sides’ figures')
    .option('--status <status>', 'open or resolved (default: both)')
    .action(async (o, command: Command) => {
      if (o.status !== undefined && o.status !== 'open' && o.status !== 'resolved') {
        throw new InvalidArgumentError('--status is open or resolved');
      }
      await run(output, () => connection(command).breaks(o.status));
    });

  program
    .command('resolve <id>')
    .description(
      'resolve an open break by its id; or, with --as, close an order the venue no longer has (cancelled or lost) and resolve its breaks (recorded with your token’s name and the reason)',
    )
    .requiredOption('--reason <reason>', 'why (kept in the audit trail)')
    .option('--as <fate>', 'the order’s fate: cancelled or lost (the id is then an order id)')
    .action(async (id: string, o, command: Command) => {
      if (o.as !== undefined && o.as !== 'cancelled' && o.as !== 'lost') {
        throw new InvalidArgumentError('--as is cancelled or lost');
      }
      await run(output, () =>
        o.as === undefined
          ? connection(command).resolveBreak(id, o.reason)
          : connection(command).resolveOrder(id, o.as, o.reason),
      );
    });
}
