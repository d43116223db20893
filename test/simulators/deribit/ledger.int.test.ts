import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'lossless-json';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, parseDecimal } from '../../../domain/decimal.ts';
import { SimClock } from '../../../simulators/clock.ts';
import { datedFuture, defaultInstruments } from '../../../simulators/deribit/instruments.ts';
import type { LocalDeribit, LocalDeribitOptions } from '../../../simulators/deribit/server.ts';
import { seededRandom } from '../../../simulators/seeded-random.ts';
import { CLIENT, RawClient, startSim } from '../../venues/deribit/support.ts';

/**
 * The local Deribit's cash ledger over the raw protocol (JSON-RPC over HTTP, numbers read exactly;
 * and over the WebSocket): funding accrues into the session and settles at 08:00 UTC with the
 * documented sign, the daily settlements of a jump come one a day in order, a dated future is
 * delivered at its expiry, deposits and transfers are logged, pages follow `continuation`, the
 * log's changes add up to the balance to the last digit, and a restart keeps the log and
 * `user_seq`. Field names and meanings: the OpenAPI file's `transaction_log` and `settlement`.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-12-04 00:00 UTC: the first settlement is 8 hours later. */
const T0 = Date.UTC(2026, 11, 4, 0, 0, 0);
const SUB = { clientId: 'sub-client', clientSecret: 'sub-secret', account: 'sub' } as const;
const d = parseDecimal;
const cash = (value: Decimal) => value.toDecimalPlaces(8, Decimal.ROUND_HALF_UP);
/** What successive settlements book of amounts accrued: each rounded to 1e-8, the rest carried to the next. */
function booked(amounts: Decimal[]): string[] {
  let carried = d('0');
  return amounts.map((amount) => {
    const total = carried.plus(amount);
    carried = total.minus(cash(total));
    return cash(total).toString();
  });
}

type Who = { clientId: string; clientSecret: string };
type Log = Record<string, string | null | Record<string, unknown>> & {
  id: string;
  user_seq: string;
  type: string;
  timestamp: string;
  change: string;
  balance: string;
};

/** A JSON-RPC call over HTTP (Basic authorization); numbers come back as their exact text. */
async function rpc<T = Record<string, unknown>>(
  sim: LocalDeribit,
  method: string,
  params: Record<string, unknown> = {},
  who: Who = CLIENT,
): Promise<T> {
  const basic = Buffer.from(`${who.clientId}:${who.clientSecret}`).toString('base64');
  const response = await fetch(`${sim.httpUrl}/api/v2/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${basic}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = parse(await response.text(), null, (digits) => digits) as {
    result?: T;
    error?: { code: string; message: string };
  };
  if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
  return body.result as T;
}

/** Every entry of a currency's log (all pages), oldest first. */
async function wholeLog(sim: LocalDeribit, currency: string, who: Who = CLIENT): Promise<Log[]> {
  const logs: Log[] = [];
  let continuation: string | null = null;
  do {
    const page: { logs: Log[]; continuation: string | null } = await rpc(
      sim,
      'private/get_transaction_log',
      {
        currency,
        start_timestamp: 0,
        end_timestamp: T0 + 400 * DAY,
        count: 250,
        ...(continuation !== null && { continuation }),
      },
      who,
    );
    logs.push(...page.logs);
    continuation = page.continuation;
  } while (continuation !== null);
  return logs.reverse();
}

const market = (
  sim: LocalDeribit,
  side: 'buy' | 'sell',
  instrument: string,
  amount: string,
  who: Who = CLIENT,
) =>
  rpc<{ trades: { price: string; fee: string }[] }>(
    sim,
    `private/${side}`,
    { instrument_name: instrument, amount, type: 'market' },
    who,
  );

type Figures = Record<'balance' | 'equity' | 'session_rpl' | 'session_upl', string>;
type Position = Record<
  'size' | 'realized_funding' | 'realized_profit_loss' | 'floating_profit_loss' | 'average_price',
  string
>;

const position = (sim: LocalDeribit, instrument: string, who: Who = CLIENT) =>
  rpc<Position>(sim, 'private/get_position', { instrument_name: instrument }, who);

const summary = (sim: LocalDeribit, currency: string, who: Who = CLIENT) =>
  rpc<Figures>(sim, 'private/get_account_summary', { currency }, who);

/** The 8-hour rate of a mark over an index (dampened ±0.025%, capped ±0.5%), computed here. */
function rate8h(mark: Decimal, index: Decimal): Decimal {
  const premium = mark.minus(index).div(index);
  const dampened = Decimal.max(d('0.00025'), premium).plus(Decimal.min(d('-0.00025'), premium));
  return Decimal.min(d('0.005'), Decimal.max(d('-0.005'), dampened));
}

const running: LocalDeribit[] = [];
async function start(options: LocalDeribitOptions = {}): Promise<{ sim: LocalDeribit; clock: SimClock }> {
  const clock = options.clock ?? new SimClock(() => T0);
  const sim = await startSim({ credentials: [CLIENT, SUB], enforceRateLimits: false, clock, ...options });
  running.push(sim);
  return { sim, clock };
}
afterEach(async () => {
  for (const sim of running.splice(0)) await sim.close();
});

describe('perpetual funding and the daily settlement', () => {
  it('Given an index 0.2% under the mark, a long pays and a short receives funding, into the session, then into cash at 08:00 (inverse)', async () => {
    // Given an index under BTC-PERPETUAL's mark, a long of 1000 USD and, on another account, a short
    const { sim, clock } = await start();
    sim.setIndexPrice('btc_usd', '59880');
    const rate = rate8h(d('60000'), d('59880'));
    const bought = await market(sim, 'buy', 'BTC-PERPETUAL', '1000');
    const sold = await market(sim, 'sell', 'BTC-PERPETUAL', '1000', SUB);
    const eightHours = d('1000').div('59880').times(rate);

    // When four hours pass, Then half of it accrued into the session's realized PnL, not the cash
    clock.advance(4 * HOUR);
    const halfway = await position(sim, 'BTC-PERPETUAL');
    expect(d(halfway.realized_funding).toDecimalPlaces(20).toString()).toBe(
      eightHours.div(2).neg().toDecimalPlaces(20).toString(),
    );
    const before = await summary(sim, 'BTC');
    expect(d(before.session_rpl).eq(d(halfway.realized_profit_loss))).toBe(true);
    expect(d(before.equity).toString()).toBe(
      d(before.balance).plus(before.session_rpl).plus(before.session_upl).toString(),
    );

    // When 08:00 UTC passes
    clock.advance(4 * HOUR);

    // Then one settlement entry each: the funding (interest_pl) with the long paying, the short receiving
    const [longSettled] = (await wholeLog(sim, 'BTC')).filter((l) => l.type === 'settlement');
    const [shortSettled] = (await wholeLog(sim, 'BTC', SUB)).filter((l) => l.type === 'settlement');
    expect(longSettled).toMatchObject({
      instrument_name: 'BTC-PERPETUAL',
      timestamp: String(T0 + 8 * HOUR),
      side: 'long',
      position: '1000',
      mark_price: '60000',
      index_price: '59880',
      settlement_price: '60000',
      interest_pl: cash(eightHours.neg()).toString(),
    });
    expect(shortSettled).toMatchObject({ side: 'short', interest_pl: cash(eightHours).toString() });
    expect(d(String(longSettled?.interest_pl)).isNegative()).toBe(true);
    // And the change is the session: funding plus the unrealized PnL from the trade's price to the mark
    const buyPrice = d(bought.trades[0]!.price);
    const upl = d('1000').times(d('1').div(buyPrice).minus(d('1').div('60000')));
    expect(longSettled?.change).toBe(cash(eightHours.neg()).plus(cash(upl)).toString());
    expect(d(String(longSettled?.session_upl)).eq(upl)).toBe(true);
    const sellPrice = d(sold.trades[0]!.price);
    const shortUpl = d('1000')
      .times(d('1').div(sellPrice).minus(d('1').div('60000')))
      .neg();
    expect(shortSettled?.change).toBe(cash(eightHours).plus(cash(shortUpl)).toString());

    // And the settlement history says the same
    const history = await rpc<{ settlements: Record<string, string>[]; continuation: string | null }>(
      sim,
      'private/get_settlement_history_by_instrument',
      { instrument_name: 'BTC-PERPETUAL' },
    );
    expect(history.settlements).toEqual([
      {
        type: 'settlement',
        timestamp: String(T0 + 8 * HOUR),
        instrument_name: 'BTC-PERPETUAL',
        position: '1000',
        mark_price: '60000',
        index_price: '59880',
        session_profit_loss: longSettled?.change,
        profit_loss: cash(upl).toString(),
        funding: cash(eightHours.neg()).toString(),
      },
    ]);
    expect(history.continuation).toBeNull();
    // And the position starts a new session from the settlement price; its average price stays
    const after = await position(sim, 'BTC-PERPETUAL');
    expect(after).toMatchObject({
      settlement_price: '60000',
      floating_profit_loss: '0',
      average_price: String(buyPrice),
    });
    expect(d(after.realized_profit_loss).abs().lt('0.00000001')).toBe(true);
    const summed = await summary(sim, 'BTC');
    expect(summed.balance).toBe(longSettled?.balance);
  });

  it('Given a linear perpetual, funding is size × index × rate in the quote currency (USDC)', async () => {
    // Given eth_usd 0.2% under ETH_USDC-PERPETUAL's mark and a long of 1 ETH
    const { sim, clock } = await start();
    sim.setIndexPrice('eth_usd', '2994');
    await market(sim, 'buy', 'ETH_USDC-PERPETUAL', '1');
    // When 08:00 passes
    clock.advance(8 * HOUR);
    // Then the long paid 1 × 2994 × rate USDC
    const [settled] = (await wholeLog(sim, 'USDC')).filter((l) => l.type === 'settlement');
    const paid = d('2994').times(rate8h(d('3000'), d('2994')));
    expect(settled).toMatchObject({
      instrument_name: 'ETH_USDC-PERPETUAL',
      interest_pl: cash(paid.neg()).toString(),
    });
    expect(settled?.interest_pl).toBe('-5.2515');
  });

  it('Given a jump of three days, three settlements come in order, one a day at 08:00, each a day of funding', async () => {
    // Given a long under a constant positive rate
    const { sim, clock } = await start();
    sim.setIndexPrice('btc_usd', '59880');
    await market(sim, 'buy', 'BTC-PERPETUAL', '1000');
    // When the clock jumps three days at once
    clock.advance(3 * DAY);
    // Then three settlements, at 08:00 of each day, in user_seq order
    const settlements = (await wholeLog(sim, 'BTC')).filter((l) => l.type === 'settlement');
    expect(settlements.map((l) => Number(l.timestamp))).toEqual(
      [0, 1, 2].map((n) => T0 + n * DAY + 8 * HOUR),
    );
    const seqs = settlements.map((l) => Number(l.user_seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // And 8 hours of funding in the first, 24 in the others
    const eightHours = d('1000')
      .div('59880')
      .times(rate8h(d('60000'), d('59880')));
    expect(settlements.map((l) => l.interest_pl)).toEqual(
      booked([eightHours.neg(), eightHours.times(3).neg(), eightHours.times(3).neg()]),
    );
    // And the settlement history pages through them newest first with its continuation string
    type History = { settlements: { timestamp: string }[]; continuation: string | null };
    const first = await rpc<History>(sim, 'private/get_settlement_history_by_currency', {
      currency: 'BTC',
      count: 2,
    });
    expect(typeof first.continuation).toBe('string');
    const rest = await rpc<History>(sim, 'private/get_settlement_history_by_currency', {
      currency: 'BTC',
      count: 2,
      continuation: first.continuation,
    });
    expect(rest.continuation).toBeNull();
    expect([...first.settlements, ...rest.settlements].map((h) => Number(h.timestamp))).toEqual(
      [2, 1, 0].map((n) => T0 + n * DAY + 8 * HOUR),
    );
    await expect(
      rpc(sim, 'private/get_settlement_history_by_currency', { currency: 'BTC', continuation: 'nonsense' }),
    ).rejects.toThrow('-32602');
    // And nothing is processed twice when the venue looks again
    sim.catchUp();
    expect((await wholeLog(sim, 'BTC')).filter((l) => l.type === 'settlement')).toHaveLength(3);
  });

  it('Given settleUnrealizedPnl false, only the realized session (and funding) moves into cash', async () => {
    const { sim, clock } = await start({ settleUnrealizedPnl: false });
    await market(sim, 'buy', 'BTC-PERPETUAL', '1000');
    sim.setMarkPrice('BTC-PERPETUAL', '61000');
    clock.advance(8 * HOUR);
    const [settled] = (await wholeLog(sim, 'BTC')).filter((l) => l.type === 'settlement');
    expect(settled?.change).toBe('0');
    expect(d((await position(sim, 'BTC-PERPETUAL')).floating_profit_loss).isPositive()).toBe(true);
  });
});

describe('a dated future at its expiry', () => {
  it('Given a long in a future expiring at 08:00, it is delivered at the index: closed without a trade, logged, no longer listed', async () => {
    // Given a future expiring today at 08:00, a long of 100 USD in it and a resting order
    const expiring = datedFuture(T0 + 8 * HOUR);
    const { sim, clock } = await start({ instruments: [...defaultInstruments(), expiring] });
    expect(expiring.name).toBe('BTC-4DEC26');
    const bought = await market(sim, 'buy', expiring.name, '100');
    const resting = await rpc<{ order: { order_id: string } }>(sim, 'private/buy', {
      instrument_name: expiring.name,
      amount: '10',
      type: 'limit',
      price: '55000',
    });
    sim.setIndexPrice('btc_usd', '61000');

    // When 08:00 passes
    clock.advance(8 * HOUR);

    // Then a delivery entry closes the position at the index: its change is the session's PnL
    const delivered = (await wholeLog(sim, 'BTC')).filter((l) => l.type === 'delivery');
    const price = d(bought.trades[0]!.price);
    const pnl = d('100').times(d('1').div(price).minus(d('1').div('61000')));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      instrument_name: expiring.name,
      side: 'close sell',
      position: '0',
      amount: '100',
      price: '61000',
      settlement_price: '61000',
      change: cash(pnl).toString(),
    });
    // And the settlement history has a delivery record
    const history = await rpc<{ settlements: Record<string, string>[] }>(
      sim,
      'private/get_settlement_history_by_currency',
      { currency: 'BTC', type: 'delivery' },
    );
    expect(history.settlements).toMatchObject([
      {
        type: 'delivery',
        instrument_name: expiring.name,
        position: '100',
        index_price: '61000',
        profit_loss: cash(pnl).toString(),
      },
    ]);
    // And the position is flat, the resting order cancelled by the settlement, the instrument expired
    expect((await position(sim, expiring.name)).size).toBe('0');
    const order = await rpc<Record<string, string>>(sim, 'private/get_order_state', {
      order_id: resting.order.order_id,
    });
    expect(order).toMatchObject({ order_state: 'cancelled', cancel_reason: 'settlement' });
    const active = await rpc<{ instrument_name: string }[]>(sim, 'public/get_instruments', {
      currency: 'BTC',
    });
    expect(active.map((i) => i.instrument_name)).not.toContain(expiring.name);
    const expired = await rpc<Record<string, unknown>[]>(sim, 'public/get_instruments', {
      currency: 'BTC',
      expired: true,
    });
    expect(expired).toMatchObject([{ instrument_name: expiring.name, is_active: false, state: 'delivered' }]);
    // And it takes no more orders (book_closed)
    await expect(market(sim, 'buy', expiring.name, '10')).rejects.toThrow('10012 book_closed');
  });
});

describe('deposits, withdrawals and transfers', () => {
  it('Given a deposit, a transfer to the sub-account and a withdrawal, each is logged and the balances move', async () => {
    const { sim } = await start();
    // When cash comes, goes to the sub-account and leaves
    sim.deposit(CLIENT.clientId, 'BTC', '1.5');
    sim.transfer(CLIENT.clientId, 'sub', 'BTC', '0.5');
    sim.withdraw(undefined, 'BTC', '0.25');
    // Then the main account's log has them, after the opening deposit, with their info
    const main = await wholeLog(sim, 'BTC');
    expect(main.map((l) => [l.type, l.change, l.balance])).toEqual([
      ['deposit', '10', '10'],
      ['deposit', '1.5', '11.5'],
      ['transfer', '-0.5', '11'],
      ['withdrawal', '-0.25', '10.75'],
    ]);
    expect(main[2]).toMatchObject({
      side: '-',
      instrument_name: null,
      info: { transfer_type: 'subaccount', other_user: 'sub' },
    });
    // And the sub-account received the transfer
    const sub = await wholeLog(sim, 'BTC', SUB);
    expect(sub.at(-1)).toMatchObject({ type: 'transfer', change: '0.5', balance: '10.5' });
    expect((await summary(sim, 'BTC', SUB)).balance).toBe('10.5');
    expect((await summary(sim, 'BTC')).balance).toBe('10.75');
    // And a withdrawal beyond the available funds is refused
    expect(() => sim.withdraw(undefined, 'BTC', '11')).toThrow(/can withdraw/);
    // And `query` finds the transfer alone
    const found = await rpc<{ logs: Log[] }>(sim, 'private/get_transaction_log', {
      currency: 'BTC',
      start_timestamp: 0,
      end_timestamp: T0 + DAY,
      query: 'transfer',
    });
    expect(found.logs.map((l) => l.type)).toEqual(['transfer']);
  });
});

describe('paging', () => {
  it('Given 12 entries, pages of 5 follow continuation newest first, each entry once; the last page says null', async () => {
    const { sim, clock } = await start();
    for (let i = 0; i < 11; i++) {
      await market(sim, i % 2 === 0 ? 'buy' : 'sell', 'BTC-PERPETUAL', '10');
      clock.advance(60_000);
    }
    const pages: Log[][] = [];
    let continuation: string | null = null;
    do {
      const page: { logs: Log[]; continuation: string | null } = await rpc(
        sim,
        'private/get_transaction_log',
        {
          currency: 'BTC',
          start_timestamp: T0,
          end_timestamp: T0 + DAY,
          count: 5,
          ...(continuation !== null && { continuation }),
        },
      );
      pages.push(page.logs);
      continuation = page.continuation;
    } while (continuation !== null);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    const seqs = pages.flat().map((l) => Number(l.user_seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(12);
    // And a page size over 250 is refused
    await expect(
      rpc(sim, 'private/get_transaction_log', {
        currency: 'BTC',
        start_timestamp: 0,
        end_timestamp: T0,
        count: 251,
      }),
    ).rejects.toThrow('-32602');
  });

  it('serves the log over the WebSocket too, in the documented shape', async () => {
    const { sim } = await start({ tokenExpiresInSec: 30 * 86_400 });
    const client = await RawClient.open(sim.wsUrl);
    try {
      await client.auth();
      const reply = await client.call('private/get_transaction_log', {
        currency: 'BTC',
        start_timestamp: T0 - 1,
        end_timestamp: T0 + 1,
      });
      expect(reply.result).toMatchObject({
        logs: [
          {
            type: 'deposit',
            currency: 'BTC',
            change: 10,
            balance: 10,
            user_seq: 1,
            username: CLIENT.clientId,
          },
        ],
        continuation: null,
      });
    } finally {
      client.close();
    }
  });
});

describe('the invariant', () => {
  it('Given four days of trading, funding, marks and transfers, every log chains its balances and sums to the balance change, to the last digit', async () => {
    // Given a random but seeded session over four days, two accounts, three instruments
    const { sim, clock } = await start({
      instruments: [...defaultInstruments(), datedFuture(T0 + 2 * DAY + 8 * HOUR)],
    });
    const random = seededRandom(42);
    const who = [CLIENT, SUB];
    const instruments: [string, string][] = [
      ['BTC-PERPETUAL', '10'],
      ['ETH_USDC-PERPETUAL', '0.01'],
      ['BTC-6DEC26', '10'],
      ['ETH-PERPETUAL', '1'],
    ];
    const marks: Record<string, number> = {
      'BTC-PERPETUAL': 60000,
      'ETH-PERPETUAL': 3000,
      'BTC-6DEC26': 60000,
    };
    const checkpoints: number[] = [];
    await market(sim, 'buy', 'BTC-6DEC26', '100');
    for (let step = 0; step < 48; step++) {
      const [instrument, lot] = instruments[Math.floor(random() * instruments.length)]!;
      const account = who[Math.floor(random() * 2)]!;
      const side = random() < 0.5 ? 'buy' : 'sell';
      const lots = 1 + Math.floor(random() * 5);
      if (!(instrument === 'BTC-6DEC26' && clock.now() >= T0 + 2 * DAY + 8 * HOUR))
        await market(sim, side, instrument, d(lot).times(lots).toString(), account);
      const moved = Object.keys(marks)[Math.floor(random() * 3)]!;
      marks[moved] = Math.round(marks[moved]! * (0.99 + random() * 0.02) * 2) / 2;
      if (moved === 'BTC-6DEC26') marks[moved] = Math.round(marks[moved]! / 2.5) * 2.5;
      sim.setMarkPrice(moved, String(marks[moved]));
      if (step % 7 === 0) sim.setIndexPrice('btc_usd', String(Math.round(marks['BTC-PERPETUAL']! * 0.998)));
      if (step % 11 === 0) sim.transfer(CLIENT.clientId, 'sub', 'BTC', '0.01');
      checkpoints.push(clock.now());
      clock.advance(2 * HOUR + Math.floor(random() * 30 * 60_000));
    }

    for (const account of who)
      for (const currency of ['BTC', 'ETH', 'USDC']) {
        const logs = await wholeLog(sim, currency, account);
        // Then the balances chain: each is the previous one plus its change
        let balance = d('0');
        for (const log of logs) {
          balance = balance.plus(log.change);
          expect(log.balance).toBe(balance.toString());
        }
        // And the sum of the changes is the balance the account summary reports
        const reported = await summary(sim, currency, account);
        expect(reported.balance).toBe(balance.toString());
        expect(
          d(reported.equity).eq(d(reported.balance).plus(reported.session_rpl).plus(reported.session_upl)),
        ).toBe(true);
        // And between any two instants, the changes in between are the balance change
        const balanceAt = (t: number) =>
          logs.filter((l) => Number(l.timestamp) <= t).reduce((_, l) => d(l.balance), d('0'));
        for (let i = 0; i + 10 < checkpoints.length; i += 10) {
          const [from, to] = [checkpoints[i]!, checkpoints[i + 10]!];
          const changes = logs
            .filter((l) => Number(l.timestamp) > from && Number(l.timestamp) <= to)
            .reduce((total, l) => total.plus(l.change), d('0'));
          expect(changes.toString()).toBe(balanceAt(to).minus(balanceAt(from)).toString());
        }
        // And user_seq never repeats
        expect(new Set(logs.map((l) => l.user_seq)).size).toBe(logs.length);
      }
    // And it did settle, deliver and trade
    const types = new Set(
      [...(await wholeLog(sim, 'BTC')), ...(await wholeLog(sim, 'BTC', SUB))].map((l) => l.type),
    );
    expect([...types].sort()).toEqual(['delivery', 'deposit', 'settlement', 'trade', 'transfer']);
  });
});

describe('across restarts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deribit-ledger-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('Given a stateFile, a restart keeps the log and goes on with the next user_seq; what fell due while down settles once', async () => {
    // Given a venue with a long, a settlement behind it, then stopped
    const stateFile = join(dir, 'deribit.jsonl');
    const first = await start({ stateFile });
    first.sim.setIndexPrice('btc_usd', '59880');
    await market(first.sim, 'buy', 'BTC-PERPETUAL', '1000');
    first.clock.advance(9 * HOUR);
    const before = await wholeLog(first.sim, 'BTC');
    await first.sim.close();

    // When it starts again two days later
    const later = new SimClock(() => T0 + 2 * DAY + 9 * HOUR);
    const second = await start({ stateFile, clock: later });
    await market(second.sim, 'buy', 'BTC-PERPETUAL', '10');

    // Then the log is as it was, the two missed settlements came once each, the user_seq goes on
    const after = await wholeLog(second.sim, 'BTC');
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added.map((l) => l.type)).toEqual(['settlement', 'settlement', 'trade']);
    expect(added.map((l) => Number(l.timestamp)).slice(0, 2)).toEqual([
      T0 + DAY + 8 * HOUR,
      T0 + 2 * DAY + 8 * HOUR,
    ]);
    const seqs = after.map((l) => Number(l.user_seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(added.map((l) => Number(l.user_seq))).toEqual(
      [1, 2, 3].map((n) => Number(before.at(-1)?.user_seq) + n),
    );
    // And the index price set before the restart still sets the funding
    const eightHours = d('1000')
      .div('59880')
      .times(rate8h(d('60000'), d('59880')))
      .neg();
    expect(added.slice(0, 2).map((l) => l.interest_pl)).toEqual(
      booked([eightHours, eightHours.times(3), eightHours.times(3)]).slice(1),
    );
    await second.sim.close();

    // When it restarts once more at the same time, Then nothing is settled again
    const third = await start({ stateFile, clock: later });
    expect(await wholeLog(third.sim, 'BTC')).toEqual(after);
  });
});
