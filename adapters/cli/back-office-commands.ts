import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { assertNever } from '../../domain/assert-never.ts';
import type { ApiClient } from '../http/client.ts';
import { connection, type Output, run } from './client-commands.ts';

/**
 * The back office's commands (through the service's HTTP API): the venues' cash movements, the
 * ledger's postings, the balances beside the venue's, daily statements, an ingestion on demand,
 * and CSV exports streamed page by page (constant memory; numbers exact, as the API writes them).
 */

/** The reports `oms export` downloads, and the API route of each. */
const REPORT_PATHS = {
  ledger: '/v1/ledger',
  statements: '/v1/statements/daily',
  balances: '/v1/balances',
  fills: '/v1/fills',
  funding: '/v1/funding',
  postings: '/v1/ledger/postings',
} as const;
type Report = keyof typeof REPORT_PATHS;
const REPORTS = Object.keys(REPORT_PATHS) as Report[];

/** A date (`YYYY-MM-DD`, midnight UTC) or an ISO-8601 time, as an ISO-8601 time. */
const timeOf = (value: string | undefined) =>
  value === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
/** A date or an ISO-8601 time, as its date. */
const dateOf = (value: string | undefined) => value?.slice(0, 10);

interface ExportFilter {
  venue?: string;
  account?: string;
  currency?: string;
  symbol?: string;
  from?: string;
  to?: string;
  /** Statements per account and currency (cash), or per account, instrument and currency (PnL). */
  by?: string;
}

/** `oms export statements --by instrument`: the per-instrument daily statements' route. */
const INSTRUMENT_STATEMENTS = '/v1/statements/daily/instruments';

/** The report's query: the filters its route takes, `--from`/`--to` as times or days. */
function reportQuery(report: Report, f: ExportFilter): Record<string, string | undefined> {
  const where = { venue: f.venue, account: f.account };
  switch (report) {
    case 'ledger':
      return { ...where, currency: f.currency, from: timeOf(f.from), to: timeOf(f.to) };
    case 'statements':
      return {
        ...where,
        currency: f.currency,
        ...(f.by === 'instrument' && { symbol: f.symbol }),
        from: dateOf(f.from),
        to: dateOf(f.to),
      };
    case 'balances':
      return { ...where, currency: f.currency };
    case 'fills':
      return { ...where, symbol: f.symbol, from: timeOf(f.from), to: timeOf(f.to) };
    case 'funding':
      return { ...where, currency: f.currency, symbol: f.symbol, from: timeOf(f.from), to: timeOf(f.to) };
    case 'postings':
      return { ...where, currency: f.currency, from: timeOf(f.from), to: timeOf(f.to) };
    default:
      return assertNever(report);
  }
}

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

/**
 * Counts CSV records as they stream (RFC 4180: a line break inside quotes ends no record), the
 * chunks cut anywhere.
 */
function recordCounter() {
  let quoted = false;
  let records = 0;
  return {
    add(text: string) {
      for (const c of text) {
        if (c === '"') quoted = !quoted;
        else if (c === '\n' && !quoted) records += 1;
      }
    },
    get rows() {
      return Math.max(records - 1, 0); // the header is not a row
    },
  };
}

/**
 * Downloads the report as the API writes it (`Accept: text/csv`: one CSV writer, the service's,
 * adapters/http/csv.ts) and writes it through as it arrives, waiting for the file to take each
 * chunk; resolves to the number of rows.
 */
async function exportReport(
  api: ApiClient,
  report: Report,
  filter: ExportFilter,
  sink: Sink,
  progress: (rows: number) => void,
): Promise<number> {
  const path =
    report === 'statements' && filter.by === 'instrument' ? INSTRUMENT_STATEMENTS : REPORT_PATHS[report];
  const body = await api.csv(path, reportQuery(report, filter));
  const decoder = new TextDecoder('utf-8');
  const counter = recordCounter();
  for await (const bytes of body) {
    const text = decoder.decode(bytes, { stream: true });
    counter.add(text);
    await sink.write(text);
    progress(counter.rows);
  }
  const rest = decoder.decode();
  if (rest.length > 0) await sink.write(rest);
  return counter.rows;
}

const BY = ['account', 'instrument'] as const;

/** Daily statements per account and currency (cash), or per account, instrument and currency (PnL). */
function statementsBy(api: ApiClient, by: string | undefined, query: Record<string, string | undefined>) {
  const { by: _by, ...rest } = query;
  if (by === undefined || by === 'account') return api.statements(rest);
  if (by === 'instrument') return api.instrumentStatements(rest);
  throw new InvalidArgumentError(`--by must be one of ${BY.join(', ')} (got ${by})`);
}

/** The filters and the page a list command asks for (`filters` and `paged` options). */
const pageQuery = (o: Record<string, string | undefined>) => ({
  venue: o.venue,
  account: o.account,
  currency: o.currency,
  from: timeOf(o.from),
  to: timeOf(o.to),
  limit: o.limit,
  cursor: o.cursor,
});

const byOption = (description: string) =>
  new Option('--by <what>', description).choices(BY).default('account');

export function registerBackOfficeCommands(program: Command, output: Output): void {
  const filters = (command: Command) =>
    command
      .option('--venue <venue>', 'only this venue')
      .option('--account <account>', 'only this account')
      .option('--currency <currency>', 'only this currency');
  /** A keyset page of a list (`ledger`, `postings`). */
  const paged = (command: Command) =>
    command
      .option('--from <time>', 'venue time, included (ISO-8601 or YYYY-MM-DD)')
      .option('--to <time>', 'venue time, excluded (ISO-8601 or YYYY-MM-DD)')
      .option('--limit <n>', 'page size (max 1000)', '100')
      .option('--cursor <cursor>', 'the nextCursor of the previous page');

  paged(filters(program.command('ledger').description('the venues’ cash movements, newest first (one page)')))
    .option('--kind <kinds>', 'comma-separated kinds, e.g. funding,settlement')
    .action(async (o, command: Command) => {
      await run(output, () => connection(command).ledger({ ...pageQuery(o), kind: o.kind }));
    });

  paged(
    filters(
      program
        .command('postings')
        .description(
          'the double-entry ledger’s postings, newest first (one page), with the venue-cash balance',
        ),
    ),
  )
    .option('--ledger-account <accounts>', 'comma-separated ledger accounts, e.g. cash,fees')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).postings({ ...pageQuery(o), ledgerAccount: o.ledgerAccount }),
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
        `export a report as CSV, streamed: ${REPORTS.join(', ')} (to --out, or to standard output)`,
      ),
  )
    .option('--symbol <symbol>', 'only this instrument (fills, funding, statements --by instrument)')
    .option('--from <time>', 'from (ISO-8601 or YYYY-MM-DD)')
    .option('--to <time>', 'to (excluded; statements: the last day, included)')
    .option('--out <file>', 'write to this file (progress on the terminal)')
    .addOption(byOption('statements: account (cash) or instrument (positions)'))
    .action(async (report: string, o, command: Command) => {
      if (!(REPORTS as readonly string[]).includes(report)) {
        throw new InvalidArgumentError(`report must be one of ${REPORTS.join(', ')} (got ${report})`);
      }
      const sink = sinkFor(o.out, output);
      const started = Date.now();
      let shown = 0;
      // Progress on the terminal, at most four times a second, and once at the end.
      const progress = (rows: number, final = false) => {
        const now = Date.now();
        if (o.out === undefined || (!final && now - shown < 250)) return;
        shown = now;
        const seconds = Math.max((now - started) / 1000, 0.001);
        output.err(
          `\r${report}: ${rows.toLocaleString('en-US')} rows (${Math.round(rows / seconds).toLocaleString('en-US')}/s)`,
        );
      };
      const filter: ExportFilter = {
        venue: o.venue,
        account: o.account,
        currency: o.currency,
        symbol: o.symbol,
        from: o.from,
        to: o.to,
        by: o.by,
      };
      await run(output, async () => {
        try {
          const rows = await exportReport(connection(command), report as Report, filter, sink, progress);
          progress(rows, true);
          if (o.out !== undefined) output.err('\n');
          return o.out === undefined ? undefined : { report, rows, file: o.out };
        } finally {
          await sink.close();
        }
      });
    });
}
