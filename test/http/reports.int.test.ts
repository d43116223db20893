import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLine } from '../../adapters/http/csv.ts';
import { ledgerRoutes } from '../../adapters/http/ledger-routes.ts';
import { createHttpServer } from '../../adapters/http/server.ts';
import type { FillsQuery } from '../../application/ports/report-queries.ts';
import { FillPageSchema, FundingPageSchema } from '../../application/ports/report-queries.ts';
import { ORDER_PROJECTION } from '../../projections/order-projection.ts';
import { createSqlReadModel } from '../../projections/queries/sql-read-model.ts';
import { ensureReadModels } from '../../projections/schema.ts';
import { openPglite, type Subject } from '../projections/support/subjects.ts';

// The back office's reports over HTTP: `GET /v1/fills` and `/v1/funding` in keyset pages, and every
// report as CSV (`Accept: text/csv`): the whole filtered range, streamed page by page, equal to the
// JSON pages' rows. Given rows written straight into the read-model tables (20 000 fills).

const TOKEN = 'reports-token-0123456789';
const FILLS = 20_000;
let s: Subject;
let app: FastifyInstance;
let base: string;
/** Pages of fills the API has read from the database (to see the CSV stream before the range ends). */
let fillPagesRead = 0;
/** While set, a read of fills past the first page waits for it (the rest of the range "still running"). */
let gate: Promise<void> | undefined;

const get = (path: string, accept?: string) =>
  fetch(new URL(path, base), {
    headers: { authorization: `Bearer ${TOKEN}`, ...(accept !== undefined && { accept }) },
  });

beforeAll(async () => {
  s = await openPglite();
  await ensureReadModels(s.db, s.base, ORDER_PROJECTION);
  const t = s.base;
  // Given 20 000 fills on two venues, three to a second (ties broken by their position in $all),
  // one with a venue order id that needs quoting in CSV
  await s.db.exec(`
    insert into ${t}.fills (venue, account, trade_id, order_id, order_revision, venue_order_id, instrument,
      side, position_side, price, amount, fee, fee_currency, liquidity, executed_at, recorded_at,
      global_position, realized_pnl, pnl_currency, position_size_after)
    select case when i % 4 = 0 then 'deribit' else 'bitget' end, 'main', 't-' || i,
      ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 2, case when i = 7 then 'v,"7"' else 'v-' || i end,
      case when i % 4 = 0 then 'BTC-PERPETUAL' else 'BTCUSDT' end, case when i % 2 = 0 then 'buy' else 'sell' end,
      'net', 60000 + i * 0.5, 0.001, 0.00012, 'USDT', 'taker',
      timestamptz '2026-12-01T00:00:00Z' + (i / 3) * interval '1 second',
      timestamptz '2026-12-01T00:00:00Z' + (i / 3) * interval '1 second' + interval '5 milliseconds',
      lpad(i::text, 20, '0'), i * 0.000000001, 'USDT', (i % 11) * 0.001
    from generate_series(1, ${FILLS}) as i;
    insert into ${t}.cash_movements (venue, account, currency, venue_entry_id, venue_type, kind, change,
      funding, our_balance, symbol, at, global_position)
    values
      ('bitget', 'main', 'USDT', 'b-1', 'trans_from_exchange', 'deposit', 1000, null, 1000, null,
       '2026-12-01T00:00:00Z', 'c1'),
      ('bitget', 'main', 'USDT', 'b-2', 'contract_settle_fee', 'funding', -0.0123, -0.0123, 999.9877, 'BTCUSDT',
       '2026-12-01T08:00:00Z', 'c2'),
      ('bitget', 'main', 'USDT', 'b-3', 'contract_settle_fee', 'funding', 0.5, 0.5, 1000.4877, 'BTCUSDT',
       '2026-12-01T16:00:00Z', 'c3'),
      ('deribit', 'main', 'BTC', 'd-1', 'settlement', 'settlement', 0.0002, 0.00015, 0.0002, 'BTC-PERPETUAL',
       '2026-12-01T08:00:00Z', 'c4');
    insert into ${t}.position_history (venue, account, instrument, side, global_position, recorded_at,
      changed_at, cause, settlement, size, entry_cost, realized_pnl, settlement_pnl, funding_pnl, pnl_currency, fees,
      fills_count)
    values
      ('bitget', 'main', 'BTCUSDT', 'net', 'p1', '2026-12-01T07:00:00Z', '2026-12-01T07:00:00Z', 'fill',
       'linear', 0.01, 600, 0, 0, 0, 'USDT', '{}', 1),
      ('bitget', 'main', 'BTCUSDT', 'net', 'p2', '2026-12-01T12:00:00Z', '2026-12-01T12:00:00Z', 'fill',
       'linear', -0.02, 1200, 1, 0, 0, 'USDT', '{}', 2);`);
  const queries = createSqlReadModel({ db: s.db, schema: s.base });
  const counted = {
    ...queries,
    fills: async (query: FillsQuery) => {
      if (query.cursor !== undefined && gate !== undefined) await gate;
      const page = await queries.fills(query);
      fillPagesRead += 1;
      return page;
    },
  };
  app = createHttpServer({
    routes: ledgerRoutes(counted, undefined),
    token: TOKEN,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    version: 'test',
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await s?.close();
});

/** Every JSON page of a keyset list, from the first. */
async function allPages<T>(path: string, rowsOf: (page: unknown) => { rows: T[]; next: string | null }) {
  const rows: T[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
    const page = rowsOf(await (await get(url)).json());
    rows.push(...page.rows);
    cursor = page.next;
  } while (cursor !== null);
  return rows;
}

describe('GET /v1/fills', () => {
  it('given a venue, an instrument and a time range, then pages of those fills, newest first, each with its PnL', async () => {
    // When the first page of Bitget's fills in a ten-second window is asked for
    const reply = await get(
      '/v1/fills?venue=bitget&symbol=BTCUSDT&from=2026-12-01T00:00:10Z&to=2026-12-01T00:00:20Z&limit=5',
    );
    const page = FillPageSchema.parse(await reply.json());
    // Then five fills of that venue and window, newest first, with a cursor to the next page
    expect(page.fills).toHaveLength(5);
    expect(page.fills.every((f) => f.venue === 'bitget' && f.symbol === 'BTCUSDT')).toBe(true);
    expect(page.fills[0]).toMatchObject({ tradeId: 't-59', executedAt: '2026-12-01T00:00:19.000Z' });
    expect(page.fills[0]).toMatchObject({
      realizedPnl: '0.000000059',
      pnlCurrency: 'USDT',
      price: '60029.5',
    });
    expect(page.nextCursor).not.toBeNull();
    // And the whole window, page by page, holds each of its fills once
    const all = await allPages(
      '/v1/fills?venue=bitget&symbol=BTCUSDT&from=2026-12-01T00:00:10Z&to=2026-12-01T00:00:20Z',
      (p) => {
        const parsed = FillPageSchema.parse(p);
        return { rows: parsed.fills, next: parsed.nextCursor };
      },
    );
    expect(all.map((f) => f.tradeId).sort()).toEqual(
      Array.from({ length: 30 }, (_, k) => 30 + k)
        .filter((i) => i % 4 !== 0)
        .map((i) => `t-${i}`)
        .sort(),
    );
    // And an order's fills by its id
    const byOrder = FillPageSchema.parse(
      await (await get('/v1/fills?orderId=00000000-0000-4000-8000-000000000007')).json(),
    );
    expect(byOrder.fills.map((f) => f.venueOrderId)).toEqual(['v,"7"']);
  });
});

describe('GET /v1/funding', () => {
  it('given funding bills and a Deribit settlement’s funding, then each payment with the position at its time', async () => {
    const page = FundingPageSchema.parse(await (await get('/v1/funding')).json());
    // (newest first; at the same time, by their position in $all)
    expect(page.payments).toEqual([
      expect.objectContaining({ venue: 'bitget', fundingAt: '2026-12-01T16:00:00.000Z', amount: '0.5' }),
      expect.objectContaining({
        venue: 'deribit',
        amount: '0.00015',
        positionSize: null,
        venueType: 'settlement',
      }),
      expect.objectContaining({
        venue: 'bitget',
        amount: '-0.0123',
        positionSize: '0.01',
        symbol: 'BTCUSDT',
      }),
    ]);
    // (the long of 0.01 at 08:00 had become a short of 0.02 by 16:00)
    expect(page.payments[0]?.positionSize).toBe('-0.02');
    // And the Bitget payments of the afternoon only
    const afternoon = FundingPageSchema.parse(
      await (await get('/v1/funding?venue=bitget&from=2026-12-01T12:00:00Z&to=2026-12-02T00:00:00Z')).json(),
    );
    expect(afternoon.payments.map((p) => p.venueEntryId)).toEqual(['b-3']);
  });
});

describe('the reports as CSV (Accept: text/csv)', () => {
  it('given 20 000 fills, then the CSV is every JSON page’s row, streamed before the last page is read', async () => {
    // When the fills are asked for as CSV, while the reads past the first page are held back
    fillPagesRead = 0;
    let release = () => {};
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reply = await get('/v1/fills', 'text/csv');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(reply.headers.get('content-disposition')).toBe('attachment; filename="fills.csv"');
    const reader = reply.body!.getReader();
    const first = await reader.read();
    // Then the header and the first page arrive while the rest of the range is still being read
    // (nothing waits for the whole result)
    expect(first.done).toBe(false);
    expect(fillPagesRead).toBe(1);
    const chunks = [Buffer.from(first.value!)];
    expect(chunks[0]!.toString('utf8')).toMatch(/^venue,account,symbol,tradeId,/);
    gate = undefined;
    release();
    for (let next = await reader.read(); !next.done; next = await reader.read())
      chunks.push(Buffer.from(next.value));
    expect(fillPagesRead).toBe(FILLS / 1000);
    // And it is the JSON pages' rows, field for field, after a header of their names
    const csv = Buffer.concat(chunks).toString('utf8');
    const json = await allPages('/v1/fills', (p) => {
      const parsed = FillPageSchema.parse(p);
      return { rows: parsed.fills, next: parsed.nextCursor };
    });
    expect(json).toHaveLength(FILLS);
    const columns = Object.keys(json[0]!);
    expect(csv).toBe(
      csvLine(columns) + json.map((row) => csvLine(columns.map((c) => row[c as keyof typeof row]))).join(''),
    );
    // (RFC 4180: the field with a comma and quotes is quoted, its quotes doubled)
    expect(csv).toContain(',"v,""7""",');
  }, 60_000);

  it.each([
    ['/v1/ledger?venue=bitget', 'ledger.csv', 'venue,account,currency,venueEntryId,', 3],
    ['/v1/funding', 'funding.csv', 'venue,account,symbol,currency,fundingAt,amount,positionSize,', 3],
    [
      '/v1/balances',
      'balances.csv',
      'venue,account,currency,ours,theirs,difference,ledger,movements,asOf',
      2,
    ],
    ['/v1/statements/daily', 'statements-daily.csv', 'venue,account,currency,day,opening,', 2],
    [
      '/v1/positions/history?asOf=2026-12-01T13:00:00Z',
      'positions-history.csv',
      'venue,account,symbol,side,',
      1,
    ],
  ])('GET %s as CSV: a header and the rows JSON gives, as %s', async (path, filename, header, rows) => {
    const reply = await get(path, 'text/csv;q=1, application/json;q=0.5');
    expect(reply.headers.get('content-disposition')).toBe(`attachment; filename="${filename}"`);
    const lines = (await reply.text()).split('\r\n');
    expect(lines[0]?.startsWith(header)).toBe(true);
    expect(lines.slice(1, -1)).toHaveLength(rows);
    expect(lines.at(-1)).toBe('');
    const json = (await (await get(path)).json()) as Record<string, unknown>;
    const rowsOf = Array.isArray(json) ? json : ((json.movements ?? json.payments) as unknown[]);
    const columns = lines[0]!.split(',');
    expect(lines.slice(1, -1).join('\r\n')).toBe(
      rowsOf
        .map((r) => csvLine(columns.map((c) => (r as Record<string, unknown>)[c])).trimEnd())
        .join('\r\n'),
    );
  });

  it('an Accept type the reports do not offer is a 406 with the usual error body', async () => {
    const reply = await get('/v1/fills', 'application/xml');
    expect(reply.status).toBe(406);
    expect(await reply.json()).toMatchObject({
      code: 'NOT_ACCEPTABLE',
      details: { issues: [{ path: 'header.Accept' }] },
    });
    // while a wildcard, or no Accept at all, is JSON
    expect((await get('/v1/fills?limit=1', '*/*')).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('a cursor the API never returned is a 400 naming query.cursor, as CSV too', async () => {
    for (const path of ['/v1/fills?cursor=not-ours', '/v1/funding?cursor=not-ours']) {
      for (const accept of ['application/json', 'text/csv']) {
        const reply = await get(path, accept);
        expect(reply.status).toBe(400);
        expect(await reply.json()).toMatchObject({ details: { issues: [{ path: 'query.cursor' }] } });
      }
    }
  });
});
