import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../http/client.ts';
import { connection, type Output, run } from './client-commands.ts';

/**
 * The back office's commands (through the service's HTTP API): the venues' cash movements, the
 * ledger's postings, the balances beside the venue's, daily statements, an ingestion on demand,
 * and CSV exports streamed page by page (constant memory; numbers exact, as the API writes them).
 */

const REPORTS = ['ledger', 'postings', 'statements', 'balances'] as const;
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

/** Writes every page of a paged report as CSV (one write per page, then it is let go); resolves to the rows. */
async function exportPages(
  page: (cursor: string | undefined) => Promise<{ rows: readonly object[]; nextCursor: string | null }>,
  sink: Sink,
  progress: (rows: number) => void,
): Promise<number> {
  let rows = 0;
  let cursor: string | undefined;
  let header = false;
  do {
    const next = await page(cursor);
    let chunk = '';
    for (const row of next.rows) {
      if (!header) chunk += csvLine(Object.keys(row));
      header = true;
      chunk += csvLine(Object.values(row));
    }
    if (chunk.length > 0) await sink.write(chunk);
    rows += next.rows.length;
    progress(rows);
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return rows;
}

/** Writes the report's rows as CSV; resolves to the number of rows. */
async function exportReport(
  api: ApiClient,
  report: Report,
  filter: Record<string, string | undefined>,
  sink: Sink,
  progress: (rows: number) => void,
): Promise<number> {
  const paged = { ...filter, from: timeOf(filter.from), to: timeOf(filter.to), limit: '1000' };
  if (report === 'ledger') {
    return exportPages(
      async (cursor) => {
        const page = await api.ledger({ ...paged, cursor });
        return { rows: page.movements, nextCursor: page.nextCursor };
      },
      sink,
      progress,
    );
  }
  if (report === 'postings') {
    return exportPages(
      async (cursor) => {
        const page = await api.postings({ ...paged, cursor });
        return { rows: page.postings, nextCursor: page.nextCursor };
      },
      sink,
      progress,
    );
  }
  const items =
    report === 'statements'
      ? await api.statements({ ...filter, from: dateOf(filter.from), to: dateOf(filter.to) })
      : await api.balances({ venue: filter.venue, account: filter.account, currency: filter.currency });
  const first = items[0];
  if (first !== undefined) await sink.write(csvLine(Object.keys(first)));
  for (const item of items) await sink.write(csvLine(Object.values(item)));
  progress(items.length);
  return items.length;
}

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
    program
      .command('postings')
      .description(
        'the double-entry ledger’s postings, newest first (one page), with the venue-cash balance',
      ),
  )
    .option('--ledger-account <accounts>', 'comma-separated ledger accounts, e.g. cash,fees')
    .option('--from <time>', 'venue time, included (ISO-8601 or YYYY-MM-DD)')
    .option('--to <time>', 'venue time, excluded (ISO-8601 or YYYY-MM-DD)')
    .option('--limit <n>', 'page size (max 1000)', '100')
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).postings({
          venue: o.venue,
          account: o.account,
          currency: o.currency,
          ledgerAccount: o.ledgerAccount,
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

  filters(program.command('statements').description('daily cash statements: opening, components, closing'))
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day, included (YYYY-MM-DD)')
    .option('--utc-offset <hours>', 'where a day starts, hours from UTC', '0')
    .action(async (o, command: Command) => {
      await run(output, () =>
        connection(command).statements({
          venue: o.venue,
          account: o.account,
          currency: o.currency,
          from: dateOf(o.from),
          to: dateOf(o.to),
          utcOffsetHours: o.utcOffset,
        }),
      );
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
        'export a report as CSV: ledger, postings, statements or balances (to --out, or to standard output)',
      ),
  )
    .option('--from <time>', 'from (ISO-8601 or YYYY-MM-DD)')
    .option('--to <time>', 'to (ledger: excluded; statements: the last day)')
    .option('--out <file>', 'write to this file (progress on the terminal)')
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
      const filter = { venue: o.venue, account: o.account, currency: o.currency, from: o.from, to: o.to };
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
