import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cashMovementEvent } from '../../application/ledger/cash-ingester.ts';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { CashMovementDataSchema, cashStreamId } from '../../domain/ledger/contract.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { SimClock } from '../../simulators/clock.ts';
import { type ServiceOnOneVenue, serveHttp, startServiceOnLocalBitget } from '../service/support.ts';
import { oms } from '../support/oms-cli.ts';
import { until } from '../support/until.ts';

// The back office on the local Bitget: transfers, trades and funding at its funding times, on a
// clock moved forward a day; the OMS's ledger ingester records every bill once, our balance equals
// the venue's to the last digit, and a bill the OMS did not record is reported as a break.

const credentials = { apiKey: 'ledger-key', secretKey: 'ledger-secret', passphrase: 'ledger-pass' };
const HOUR = 3_600_000;
let clock: SimClock;
let sim: LocalBitget;
let svc: ServiceOnOneVenue;

beforeAll(async () => {
  // 07:00 UTC: the next funding time is an hour away
  const start = Date.parse('2026-12-01T07:00:00.000Z');
  const began = Date.now();
  clock = new SimClock(() => start + (Date.now() - began));
  sim = await startLocalBitget({ credentials, clock });
  svc = await startServiceOnLocalBitget(sim, credentials, {
    service: { now: clock.now, cashIngestion: { lagMs: 0, initialLookbackMs: 2 * HOUR } },
  });
});

afterAll(async () => {
  await svc?.close();
  await sim?.close();
});

const trade = async (side: 'buy' | 'sell', key: string) => {
  const placed = await until('the venue to trade', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side,
        type: 'market',
        amount: '0.01',
        marginMode: 'crossed',
      }),
      { idempotencyKey: key },
    );
    return result.ok ? result.value : undefined;
  });
  await until(`order ${key} to fill`, async () => {
    const order = await svc.running.service.getOrder(placed.order.orderId);
    return order.ok && order.value.status === 'filled';
  });
};

const balances = async () => {
  await svc.running.readModelCaughtUp();
  return svc.running.readModel.balances({ venue: 'bitget' });
};

describe('a day of trading and funding on the local Bitget', () => {
  it('records every bill once, and our USDT balance is the venue’s to the last digit', async () => {
    // Given a transfer in, a long opened before 08:00 and the mark above the index (longs pay)
    sim.transferIn(credentials.apiKey, '250.5');
    await trade('buy', 'ledger-open');
    sim.setIndexPrice('BTCUSDT', sim.markPrice('BTCUSDT').times('0.999'));
    // When the clock passes 08:00 and 16:00, and the long is closed after
    clock.advance(10 * HOUR);
    await trade('sell', 'ledger-close');
    clock.advance(1_000);
    const [result] = await svc.running.ledger.ingestNow();
    // Then every bill the venue lists is recorded, once (some by the run at start-up)
    const bills = sim.bills(credentials.apiKey);
    expect(result).toMatchObject({ venue: 'bitget', account: 'main', currency: 'USDT' });
    expect(result?.error).toBeUndefined();
    const stream = await svc.store.readStream(cashStreamId('bitget', 'main', 'USDT'));
    expect(stream.map((e) => CashMovementDataSchema.parse(e.data).venueEntryId).sort()).toEqual(
      bills.map((b) => String(b.billId)).sort(),
    );
    await svc.running.readModelCaughtUp();
    const kinds = new Set(
      (await svc.running.readModel.ledger({ venue: 'bitget', limit: 100 })).movements.map((m) => m.kind),
    );
    expect(kinds).toEqual(new Set(['transfer', 'trade', 'funding']));
    // And our balance is the venue's, to the last digit
    const [usdt] = await balances();
    const latest = bills.reduce((a, b) => (BigInt(String(a.billId)) > BigInt(String(b.billId)) ? a : b));
    expect(usdt).toMatchObject({
      currency: 'USDT',
      ours: parseDecimal(String(latest.balance)).toString(),
      difference: '0',
    });
    // When it runs again: nothing new
    expect((await svc.running.ledger.ingestNow())[0]?.recorded).toBe(0);
    // And the day's statement adds up, its funding paid by the long, its fees paid, the transfer in
    const [day] = await svc.running.readModel.dailyStatements({ venue: 'bitget', utcOffsetHours: 0 });
    if (day === undefined) throw new Error('no statement');
    const d = parseDecimal;
    const explained = d(day.opening)
      .plus(day.trading)
      .minus(day.fees)
      .plus(day.funding)
      .plus(day.settlement)
      .plus(day.transfers)
      .plus(day.other);
    expect(explained.toString()).toBe(day.closing);
    const transfersIn = bills
      .filter((b) => String(b.businessType).startsWith('trans_'))
      .reduce((sum, b) => sum.plus(String(b.amount)), d('0'));
    expect([day.day, day.closing, day.venueClosing, day.transfers]).toEqual([
      '2026-12-01',
      usdt?.ours,
      usdt?.theirs,
      transfersIn.toString(),
    ]);
    expect(d(day.funding).isNegative()).toBe(true);
    expect(d(day.fees).isPositive()).toBe(true);
  });

  it('reports a bill the OMS did not record as a break', async () => {
    // Given a long held over a funding time, and a funding bill recorded without the transfer
    // before it (as if the ingester had skipped that bill)
    await trade('buy', 'ledger-open-again');
    sim.transferIn(credentials.apiKey, '10');
    clock.advance(8 * HOUR);
    const stream = cashStreamId('bitget', 'main', 'USDT');
    const newest = await svc.store.readStream(stream, {
      direction: 'backwards',
      fromRevision: 'end',
      maxCount: 1,
    });
    const last = CashMovementDataSchema.parse(newest[0]?.data);
    const missed = await svc.adapter.cashMovements?.({
      currency: 'USDT',
      fromMs: Date.parse(last.at) + 1,
      toMs: clock.now(),
    });
    const recorded = (missed ?? []).filter((m) => m.kind !== 'transfer');
    await svc.store.append(
      stream,
      recorded.map((m) => cashMovementEvent(m, m.at)),
      { expectedRevision: 'any' },
    );
    // When the account is reconciled
    const [report] = await svc.running.reconciliation.reconcileNow({ venue: 'bitget' });
    // Then the cash balance is a break, with both figures
    expect(report?.openBreaks).toBeGreaterThan(0);
    const breaks = await svc.running.reconciliation.breaks('open');
    const cash = breaks.find((b) => b.kind === 'cash_balance_mismatch');
    expect(cash).toMatchObject({ subject: 'cash/USDT' });
    expect(
      parseDecimal(cash?.theirs ?? '0')
        .minus(parseDecimal(cash?.ours ?? '0'))
        .toString(),
    ).toBe('10');
  });
});

describe('our ledger against the venue’s transaction log', () => {
  it('reports a venue trade entry off by one unit and a fill the venue’s log does not list as breaks, which an operator can resolve', async () => {
    // Given two trades, then a transfer, whose bills are recorded with the first trade's amount off
    // by one unit of its last digit and the second trade's left out (the transfer after it means
    // the log covers its time)
    const recordedUntil = async () => {
      const stream = cashStreamId('bitget', 'main', 'USDT');
      const newest = await svc.store.readStream(stream, {
        direction: 'backwards',
        fromRevision: 'end',
        maxCount: 1,
      });
      return CashMovementDataSchema.parse(newest[0]?.data).at;
    };
    const since = await recordedUntil();
    clock.advance(1_000);
    await trade('buy', 'ledger-altered');
    clock.advance(1_000);
    await trade('sell', 'ledger-missed');
    clock.advance(1_000);
    sim.transferIn(credentials.apiKey, '1');
    clock.advance(1_000);
    const bills =
      (await svc.adapter.cashMovements?.({
        currency: 'USDT',
        fromMs: Date.parse(since) + 1,
        toMs: clock.now(),
      })) ?? [];
    const [altered, missed] = bills.filter((m) => m.kind === 'trade');
    if (altered === undefined || missed === undefined) throw new Error('expected the bills of two trades');
    const unit = parseDecimal('1').div(parseDecimal('10').pow(altered.change.decimalPlaces()));
    const recorded = bills
      .filter((m) => m !== missed)
      .map((m) => (m === altered ? { ...m, change: m.change.plus(unit) } : m));
    await svc.store.append(
      cashStreamId('bitget', 'main', 'USDT'),
      recorded.map((m) => cashMovementEvent(m, m.at)),
      { expectedRevision: 'any' },
    );
    // When the account is reconciled
    await svc.running.reconciliation.reconcileNow({ venue: 'bitget' });
    // Then the altered entry is a ledger_entry_mismatch, one unit apart, and the missed fill a break of its own
    const open = await svc.running.reconciliation.breaks('open');
    const mismatch = open.find((b) => b.kind === 'ledger_entry_mismatch');
    expect(mismatch).toMatchObject({ subject: `USDT/BTCUSDT@${altered.at}`, symbol: 'BTCUSDT' });
    expect(
      parseDecimal(mismatch?.theirs ?? '0')
        .minus(parseDecimal(mismatch?.ours ?? '0'))
        .toString(),
    ).toBe(unit.toString());
    const fills = await svc.running.readModel.listOrders({ limit: 100 });
    const missing = open.filter((b) => b.kind === 'fill_missing_from_venue_log');
    expect(missing).toHaveLength(1);
    expect(fills.orders.map((o) => o.orderId)).toContain(missing[0]?.orderId);
    expect(open.filter((b) => b.kind === 'venue_trade_not_in_ledger')).toEqual([]);
    // And the breaks are listed and resolved like the others
    const resolved = await svc.running.reconciliation.resolveBreak(
      mismatch?.breakId ?? '',
      'the venue corrected the bill',
      'ops',
    );
    expect(resolved).toMatchObject({ status: 'resolved', kind: 'ledger_entry_mismatch' });
  });
});

describe('the back office from the CLI, through the API', () => {
  it('exports the ledger as CSV (numbers exact) and prints the balances and the statements', async () => {
    const token = 'back-office-token';
    const { app, base } = await serveHttp(svc.running, { token });
    const dir = await mkdtemp(join(tmpdir(), 'oms-export-'));
    try {
      const target = { url: base, token };
      // When the ledger is exported to a file
      const file = join(dir, 'ledger.csv');
      const exported = await oms(target, 'export', 'ledger', '--venue', 'bitget', '--out', file);
      expect(exported.code).toBe(0);
      // Then it has a header and one line per movement recorded, each change as the venue wrote it
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\r\n');
      const recorded = await svc.store.readStream(cashStreamId('bitget', 'main', 'USDT'));
      expect(lines).toHaveLength(recorded.length + 1);
      expect(lines[0]?.split(',').slice(0, 8)).toEqual([
        'venue',
        'account',
        'currency',
        'venueEntryId',
        'venueSeq',
        'venueType',
        'kind',
        'change',
      ]);
      const changes = new Set(lines.slice(1).map((line) => line.split(',')[7]));
      for (const e of recorded)
        expect(changes).toContain(CashMovementDataSchema.parse(e.data).change.toString());
      expect(exported.err).toContain(`ledger: ${recorded.length} rows`);
      // And the balances and the statements print as JSON
      const balances = JSON.parse((await oms(target, 'balances', '--venue', 'bitget')).out);
      expect(balances[0]).toMatchObject({ venue: 'bitget', currency: 'USDT' });
      const statements = JSON.parse(
        (await oms(target, 'statements', '--venue', 'bitget', '--from', '2026-12-01')).out,
      );
      expect(statements.length).toBeGreaterThan(0);
      // And the ledger's postings print as JSON, and export as CSV, every entry summing to zero
      const postings = JSON.parse(
        (await oms(target, 'postings', '--venue', 'bitget', '--ledger-account', 'cash')).out,
      );
      expect(postings.postings[0]).toMatchObject({ venue: 'bitget', ledgerAccount: 'cash' });
      const postingsCsv = (await oms(target, 'export', 'postings', '--venue', 'bitget')).out
        .trimEnd()
        .split('\r\n');
      const header = postingsCsv[0]?.split(',') ?? [];
      expect(header).toEqual(
        expect.arrayContaining(['entryId', 'ledgerAccount', 'amount', 'cause', 'cashBalance']),
      );
      const totals = new Map<string, ReturnType<typeof parseDecimal>>();
      for (const line of postingsCsv.slice(1)) {
        const cells = line.split(',');
        const entry = `${cells[header.indexOf('currency')]}/${cells[header.indexOf('entryId')]}`;
        totals.set(
          entry,
          (totals.get(entry) ?? parseDecimal('0')).plus(cells[header.indexOf('amount')] ?? '0'),
        );
      }
      expect(totals.size).toBeGreaterThan(0);
      expect([...totals.values()].every((t) => t.isZero())).toBe(true);
      // And a CSV of the statements goes to standard output when no file is given
      const csv = await oms(target, 'export', 'statements', '--venue', 'bitget');
      expect(csv.out.split('\r\n')[0]).toBe(
        'venue,account,currency,day,opening,trading,fees,funding,settlement,transfers,other,closing,venueClosing,movements',
      );
      // And the fills, each with the PnL it realized: the close realized what the venue paid for it
      const fillsFile = join(dir, 'fills.csv');
      const fills = await oms(target, 'export', 'fills', '--venue', 'bitget', '--out', fillsFile);
      expect(fills.code).toBe(0);
      const [fillsHeader, ...rows] = (await readFile(fillsFile, 'utf8')).trimEnd().split('\r\n');
      const columns = fillsHeader?.split(',') ?? [];
      const field = (row: string, name: string) => row.split(',')[columns.indexOf(name)];
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(fills.err).toContain(`fills: ${rows.length} rows`);
      const realized = rows.map((row) => parseDecimal(field(row, 'realizedPnl') ?? ''));
      // (the venue's own bills: the spec above left one trade's bill out of what the OMS recorded)
      const venueBills =
        (await svc.adapter.cashMovements?.({ currency: 'USDT', fromMs: 0, toMs: clock.now() })) ?? [];
      const closes = venueBills.filter((m) => m.kind === 'trade' && m.pnl !== undefined && !m.pnl.isZero());
      expect(realized.reduce((a, b) => a.plus(b)).toString()).toBe(
        closes.reduce((a, m) => a.plus(m.pnl ?? 0), parseDecimal('0')).toString(),
      );
      // And the funding payments, one per funding bill
      const funding = await oms(target, 'export', 'funding', '--venue', 'bitget');
      const fundingLines = funding.out.trimEnd().split('\r\n');
      expect(fundingLines[0]).toBe(
        'venue,account,symbol,currency,fundingAt,amount,positionSize,venueEntryId,venueType',
      );
      const bills = recorded
        .map((e) => CashMovementDataSchema.parse(e.data))
        .filter((m) => m.kind === 'funding');
      expect(
        fundingLines
          .slice(1)
          .map((line) => line.split(',')[5])
          .sort(),
      ).toEqual(bills.map((m) => m.change.toString()).sort());
      expect(bills.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
    // (nine CLI runs, each a process of its own)
  }, 120_000);
});
