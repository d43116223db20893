import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ApiClient } from '../http/client.ts';
import { connection, type Output, run } from './client-commands.ts';

/**
 * The back office's commands (through the service's HTTP API): the venues' cash movements, the
 * balances beside the venue's, daily statements, an ingestion on demand, and CSV exports streamed
 * page by page (constant memory; numbers exact, as the API writes them).
 */

const REPORTS = ['ledger', 'statements', 'balances'] as const;
type Report = (typeof REPORTS)[number];

/** A date (`YYYY-MM-DD`, midnight UTC) or an ISO-8601 time, as an ISO-8601 time. */
const timeOf = (value: string | undefined) =>
  value === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
/** A date or an ISO-8601 time, as its date. */
const dateOf = (value: string | undefined) => value?.slice(0, 10);

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\r\n`;

interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

function sinkFor(path: string | undefined, output: Output): Sink {
  if (path === undefined) {
    return { write: async (text) => output.out(text), close: async () => {} };
  }
  const stream = createWriteStream(path, { flags: 'w' });
  return {
    async write(text) {
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async close() {
      stream.end();
      await once(stream, 'finish');
    },
  };
}

/** Writes the report's rows as CSV; resolves to the number of rows. */
async function exportReport(
  api: ApiClient,
  report: Report,
  filter: Record<string, string | undefined>,
  sink: Sink,
  progress: (rows: number) => void,
): Promise<number> {
  if (report === 'ledger') {
    const { by: _by, ...ledgerFilter } = filter;
    let rows = 0;
    let cursor: string | undefined;
    let header = false;
    do {
      const page = await api.ledger({
        ...ledgerFilter,
        from: timeOf(filter.from),
        to: timeOf(filter.to),
        limit: '1000',
        cursor,
      });
      // One write per page: a page's lines in one string, then it is let go.
      let chunk = '';
      for (const movement of page.movements) {
        if (!header) chunk += csvLine(Object.keys(movement));
        header = true;
        chunk += csvLine(Object.values(movement));
      }
      if (chunk.length > 0) await sink.write(chunk);
      rows += page.movements.length;
      progress(rows);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return rows;
  }
  const items: readonly Record<string, unknown>[] =
    report === 'statements'
      ? await statementsBy(api, filter.by, { ...filter, from: dateOf(filter.from), to: dateOf(filter.to) })
      : await api.balances({ venue: filter.venue, account: filter.account, currency: filter.currency });
  const first = items[0];
  if (first !== undefined) await sink.write(csvLine(Object.keys(first)));
  for (const item of items) await sink.write(csvLine(Object.values(item)));
  progress(items.length);
  return items.length;
}

const BY = ['account', 'instrument'] as const;

/** Daily statements per account and currency (cash), or per account, instrument and currency (PnL). */
function statementsBy(api: ApiClient, by: string | undefined, query: Record<string, string | undefined>) {
  const { by: _by, ...rest } = query;
  if (by === undefined || by === 'account') return api.statements(rest);
  if (by === 'instrument') return api.instrumentStatements(rest);
  throw new InvalidArgumentError(`--by must be one of ${BY.join(', ')} (got ${by})`);
}

const byOption = (description: string) =>
  new Option('--by <what>', description).choices(BY).default('account');

export function registerBackOfficeCommands(program: Command, output: Output): void {
  const filters = (command: Command) =>
    command
      .option('--venue <venue>', 'only this venue')
      .option('--account <account>', 'only this account')
      .option('--currency <currency>', 'only this currency');

  filters(program.command('ledger').description('the venues’ cash movements, newest first (one page)'))
    .option('--kind <kinds>', 'comma-separated kinds, e.g. funding,settlement')
    .option('--from <time>', 'venue time, included (ISO-8601 or YYYY-MM-DD)')
    .option('--to <time>', 'venue time, excluded (ISO-8601 or YYYY-MM-DD)')
    .option('--limit <n>', 'page size (max 1000)', '100')
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).ledger({
          venue: o.venue,
          account: o.account,
          currency: o.currency,
          kind: o.kind,
          from: timeOf(o.from),
          to: timeOf(o.to),
          limit: o.limit,
          cursor: o.cursor,
        }),
      );
    });

  filters(
    program.command('balances').description('our cash balance per account and currency, beside the venue’s'),
  ).action(async (o, command: Command) => {
    await run(output, () =>
      connection(command).balances({ venue: o.venue, account: o.account, currency: o.currency }),
    );
  });

  filters(
    program
      .command('statements')
      .description(
        'daily statements: cash per account and currency (--by account), or PnL per account, instrument and currency with marks, unrealized change and equity (--by instrument)',
      ),
  )
    .addOption(byOption('account (cash statements) or instrument (position statements)'))
    .option('--symbol <symbol>', 'only this instrument (--by instrument)')
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day, included (YYYY-MM-DD)')
    .option('--utc-offset <hours>', 'where a day starts, hours from UTC', '0')
    .action(async (o, command: Command) => {
      await run(output, () =>
        statementsBy(connection(command), o.by, {
          venue: o.venue,
          account: o.account,
          currency: o.currency,
          ...(o.symbol !== undefined && { symbol: o.symbol }),
          from: dateOf(o.from),
          to: dateOf(o.to),
          utcOffsetHours: o.utcOffset,
        }),
      );
    });

  program
    .command('marks-record')
    .description('record the mark prices due now (instruments held or traded)')
    .action(async (_o, command: Command) => {
      await run(output, () => connection(command).recordMarks());
    });

  program
    .command('ledger-ingest')
    .description('read the venues’ cash logs now and record what is new')
    .action(async (_o, command: Command) => {
      await run(output, () => connection(command).ingestLedger());
    });

  filters(
    program
      .command('export <report>')
      .description(
        'export a report as CSV: ledger, statements or balances (to --out, or to standard output)',
      ),
  )
    .option('--from <time>', 'from (ISO-8601 or YYYY-MM-DD)')
    .option('--to <time>', 'to (ledger: excluded; statements: the last day)')
    .option('--out <file>', 'write to this file (progress on the terminal)')
    .addOption(byOption('statements: account (cash) or instrument (positions)'))
    .action(async (report: string, o, command: Command) => {
      if (!(REPORTS as readonly string[]).includes(report)) {
        throw new InvalidArgumentError(`report must be one of ${REPORTS.join(', ')} (got ${report})`);
      }
      const sink = sinkFor(o.out, output);
      const started = Date.now();
      const progress = (rows: number) => {
        if (o.out === undefined) return;
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        output.err(
          `\r${report}: ${rows.toLocaleString('en-US')} rows (${Math.round(rows / seconds).toLocaleString('en-US')}/s)`,
        );
      };
      const filter = {
        venue: o.venue,
        account: o.account,
        currency: o.currency,
        from: o.from,
        to: o.to,
        by: o.by,
      };
      await run(output, async () => {
        try {
          const rows = await exportReport(connection(command), report as Report, filter, sink, progress);
          if (o.out !== undefined) output.err('\n');
          return o.out === undefined ? undefined : { report, rows, file: o.out };
        } finally {
          await sink.close();
        }
      });
    });
}
