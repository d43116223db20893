import { Readable } from 'node:stream';

/**
 * The one CSV writer (RFC 4180) of the API's reports, which `oms export` downloads: a header row of
 * the JSON rows' field names, then one record per row, CRLF line ends. Numbers stay the exact
 * decimal strings the JSON has; a null is an empty field; an object (a position's fees per
 * currency) is its JSON text.
 */

/** One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\r\n`;

/** The header, then each page's rows as one chunk (a page is let go once written). */
export async function* csvChunks(
  columns: readonly string[],
  pages: AsyncIterable<readonly Record<string, unknown>[]>,
): AsyncGenerator<string> {
  yield csvLine(columns);
  for await (const page of pages) {
    let chunk = '';
    for (const row of page) chunk += csvLine(columns.map((c) => row[c]));
    if (chunk.length > 0) yield chunk;
  }
}

/**
 * The CSV as a byte stream that reads the next page only when the consumer has taken the last
 * (back-pressure): at most about one page is held in memory, whatever the range.
 */
export function csvStream(
  columns: readonly string[],
  pages: AsyncIterable<readonly Record<string, unknown>[]>,
): Readable {
  return Readable.from(csvChunks(columns, pages), { objectMode: false, highWaterMark: 64 * 1024 });
}

/** The response formats a report route offers. */
export type ReportFormat = 'json' | 'csv';

const OFFERED: readonly [ReportFormat, string][] = [
  ['json', 'application/json'],
  ['csv', 'text/csv'],
];

/**
 * Content negotiation (RFC 9110 §12.5.1) between JSON and CSV: each offered type's quality is that
 * of the most specific range matching it; the best quality wins, then the more specific match,
 * then JSON. Undefined when the client accepts neither (a 406).
 */
export function negotiateReport(accept: string | undefined): ReportFormat | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = accept.split(',').map(mediaRange);
  let best: { format: ReportFormat; quality: number; specificity: number } | undefined;
  for (const [format, type] of OFFERED) {
    const match = bestRange(ranges, type);
    if (match === undefined || match.quality <= 0) continue;
    const better =
      best === undefined ||
      match.quality > best.quality ||
      (match.quality === best.quality && match.specificity > best.specificity);
    if (better) best = { format, ...match };
  }
  return best?.format;
}

/** One range of an Accept header: its type (lower case) and quality (`q`, 1 by default). */
function mediaRange(part: string): { range: string; quality: number } {
  const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
  const q = params.find((p) => p.startsWith('q='));
  const quality = q === undefined ? 1 : Number(q.slice(2));
  return { range, quality: Number.isFinite(quality) ? quality : 0 };
}

/** The most specific range matching a type (exact, then `type/*`, then `*\/*`), if any. */
function bestRange(ranges: readonly { range: string; quality: number }[], type: string) {
  const [major] = type.split('/');
  let match: { quality: number; specificity: number } | undefined;
  for (const { range, quality } of ranges) {
    const specificity = range === type ? 3 : range === `${major}/*` ? 2 : range === '*/*' ? 1 : 0;
    if (specificity > (match?.specificity ?? 0)) match = { quality, specificity };
  }
  return match;
}

/** A safe `Content-Disposition` for a report's file. */
export const attachment = (filename: string): string =>
  `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`;

/**
 * What a report route serves as CSV (`Accept: text/csv`): the whole filtered range, page by page.
 * `Q`: what the route's query schema parses to (unknown once the route's types are erased).
 */
export interface CsvReport<Q = unknown> {
  /** The file name offered in `Content-Disposition`. */
  readonly filename: string;
  /** The fields, in order: the JSON rows' names. */
  readonly columns: readonly string[];
  /** The rows of the query (as the route's schema parsed it), a page at a time, as the stream asks. */
  readonly pages: (query: Q) => AsyncIterable<readonly Record<string, unknown>[]>;
}

/** Rows read per page when a report streams as CSV (the API's largest page). */
export const CSV_PAGE_ROWS = 1000;

/** Every keyset page of a query from its cursor on (the range's end: no `nextCursor`). */
export async function* keysetPages<Q extends { cursor?: string | undefined; limit: number }, P>(
  read: (query: Q) => Promise<P & { nextCursor: string | null }>,
  rowsOf: (page: P) => readonly Record<string, unknown>[],
  query: Q,
): AsyncGenerator<readonly Record<string, unknown>[]> {
  let cursor = query.cursor;
  do {
    const page = await read({ ...query, limit: CSV_PAGE_ROWS, cursor });
    yield rowsOf(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** The field names of a zod object schema of rows, in order. */
export const columnsOf = (schema: { shape: Record<string, unknown> }): string[] => Object.keys(schema.shape);
