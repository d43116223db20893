import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderRequestSchema } from '../../application/orders/requests.ts';
import { InstrumentStatementSchema } from '../../application/ports/instrument-queries.ts';
import { PositionRowSchema } from '../../application/ports/queries.ts';
import { parseDecimal } from '../../domain/decimal.ts';
import { type LocalBitget, startLocalBitget } from '../../simulators/bitget/server.ts';
import { SimClock } from '../../simulators/clock.ts';
import { type ServiceOnOneVenue, serveHttp, startServiceOnLocalBitget } from '../service/support.ts';
import { oms } from '../support/oms-cli.ts';
import { until } from '../support/until.ts';

// Marks on the local Bitget, on a clock moved forward: recorded at the hourly ticks and the day's
// close, once per instant; the positions show the latest mark and the unrealized PnL at it; the
// per-instrument statement of the day adds up, through the API and the CLI.

const credentials = { apiKey: 'marks-key', secretKey: 'marks-secret', passphrase: 'marks-pass' };
const HOUR = 3_600_000;
const TOKEN = 'marks-token';
let clock: SimClock;
let sim: LocalBitget;
let svc: ServiceOnOneVenue;

beforeAll(async () => {
  const start = Date.parse('2026-12-01T21:10:00.000Z');
  const began = Date.now();
  clock = new SimClock(() => start + (Date.now() - began));
  sim = await startLocalBitget({ credentials, clock });
  svc = await startServiceOnLocalBitget(sim, credentials, {
    service: { now: clock.now, marks: { intervalMs: HOUR, utcOffsetHours: 0 } },
  });
});

afterAll(async () => {
  await svc?.close();
  await sim?.close();
});

const buy = async (amount: string) => {
  const placed = await until('the venue to trade', async () => {
    const result = await svc.running.service.place(
      PlaceOrderRequestSchema.parse({
        venue: 'bitget',
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'market',
        amount,
        marginMode: 'crossed',
      }),
      { idempotencyKey: `marks-${amount}` },
    );
    return result.ok ? result.value : undefined;
  });
  await until('the buy to fill', async () => {
    const order = await svc.running.service.getOrder(placed.order.orderId);
    return order.ok && order.value.status === 'filled';
  });
  await svc.running.readModelCaughtUp();
};

describe('marks of a long on the local Bitget', () => {
  it('are recorded once per tick and at the day’s close, and value the position and its day exactly', async () => {
    // Given a long of 0.02 BTCUSDT opened at 21:10
    await buy('0.02');
    // When the clock passes 22:00 and the marks are recorded, twice (a retry)
    clock.advance(HOUR);
    const first = await svc.running.marks.recordNow();
    const retry = await svc.running.marks.recordNow();
    expect(first).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', at: '2026-12-01T22:00:00.000Z' })]);
    expect(retry).toEqual([{ venue: 'bitget', symbol: 'BTCUSDT' }]);
    // And the mark moves, and the clock passes midnight (the day's close)
    const closeMark = sim.markPrice('BTCUSDT').plus('123.4');
    sim.setMarkPrice('BTCUSDT', closeMark);
    clock.advance(2 * HOUR);
    await svc.running.marks.recordNow();
    await svc.running.readModelCaughtUp();

    // Then one mark per instant: the 22:00 tick and the close at midnight
    const marks = await svc.running.readModel.marks({ venue: 'bitget', limit: 100 });
    expect(marks.map((m) => [m.at, m.occasion])).toEqual([
      ['2026-12-01T22:00:00.000Z', 'interval'],
      ['2026-12-02T00:00:00.000Z', 'day_close'],
    ]);
    expect(marks[1]?.mark).toBe(closeMark.toString());

    // And the API's position shows that mark and the unrealized PnL at it, exactly
    const { app, base } = await serveHttp(svc.running, { token: TOKEN });
    try {
      const reply = await fetch(`${base}/v1/positions?venue=bitget`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const [position] = PositionRowSchema.array().parse(await reply.json());
      expect(position).toMatchObject({
        symbol: 'BTCUSDT',
        size: '0.02',
        mark: closeMark.toString(),
        fundingPnl: '0',
      });
      const expected = parseDecimal('0.02')
        .times(closeMark)
        .minus(parseDecimal(position?.entryCost ?? ''));
      expect(position?.unrealizedPnl).toBe(expected.toString());

      // And the day's statement by instrument adds up, through the API and the CLI
      const statements = InstrumentStatementSchema.array().parse(
        await (
          await fetch(`${base}/v1/statements/daily/instruments?venue=bitget&from=2026-12-01&to=2026-12-01`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          })
        ).json(),
      );
      expect(statements).toHaveLength(1);
      const [day] = statements;
      expect(day).toMatchObject({
        symbol: 'BTCUSDT',
        side: 'net',
        currency: 'USDT',
        openingSize: '0',
        closingSize: '0.02',
        openingMark: null,
        closingMark: closeMark.toString(),
        openingEquity: '0',
        closingUnrealized: expected.toString(),
        changes: 1,
      });
      const explained = parseDecimal(day?.trading ?? '')
        .plus(day?.funding ?? '')
        .minus(day?.fees ?? '')
        .plus(day?.unrealizedChange ?? '');
      expect(day?.closingEquity).toBe(explained.toString());

      const target = { url: base, token: TOKEN };
      const cli = await oms(
        target,
        'statements',
        '--by',
        'instrument',
        '--venue',
        'bitget',
        '--to',
        '2026-12-01',
      );
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.out)).toEqual(statements);
      const csv = await oms(target, 'export', 'statements', '--by', 'instrument', '--to', '2026-12-01');
      expect(csv.code).toBe(0);
      expect(csv.out.split('\r\n')[0]).toContain('openingMark,closingMark,trading,fees,funding,settlement');
      const wrong = await oms(target, 'statements', '--by', 'desk');
      expect(wrong.code).not.toBe(0);
      expect(`${wrong.out}${wrong.err}`).toContain('Allowed choices are account, instrument');
    } finally {
      await app.close();
    }
  }, 120_000);
});
