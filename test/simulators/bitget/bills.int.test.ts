import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Decimal, parseDecimal, sum, ZERO } from '../../../domain/decimal.ts';
import { fundingRate } from '../../../simulators/bitget/funding.ts';
import {
  type LocalBitget,
  type LocalBitgetOptions,
  startLocalBitget,
} from '../../../simulators/bitget/server.ts';
import { SimClock } from '../../../simulators/clock.ts';
import { seededRandom } from '../../../simulators/seeded-random.ts';
import {
  ALL_POSITION,
  CREDENTIALS,
  PLACE,
  placeBody,
  rawClient,
  waitFor,
} from '../../venues/bitget/support.ts';

/**
 * The local Bitget's cash ledger over raw signed HTTP: account bills (`GET /api/v2/mix/account/bill`)
 * for funding, fills and transfers, on a clock the tests move forward, and the accounts endpoints
 * consistent with them. Every amount is checked to the last digit.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 11, 4, 7, 0, 0); // an hour before the 08:00 funding
const BILL = '/api/v2/mix/account/bill';
const ACCOUNTS = '/api/v2/mix/account/accounts';
const HISTORY = '/api/v2/mix/market/history-fund-rate';
const OTHER = { apiKey: 'bills-other-key', secretKey: 'bills-other-secret', passphrase: 'bills-other-pass' };
type Credentials = typeof CREDENTIALS;

interface Bill {
  billId: string;
  symbol: string;
  amount: string;
  fee: string;
  feeByCoupon: string;
  businessType: string;
  coin: string;
  balance: string;
  cTime: string;
}

let clock: SimClock;
let local: LocalBitget;
const d = parseDecimal;

async function start(options: Partial<LocalBitgetOptions> = {}) {
  local = await startLocalBitget({
    credentials: [CREDENTIALS, OTHER],
    seed: 11,
    clock,
    behaviour: { rateLimits: false },
    ...options,
  });
}

beforeEach(async () => {
  // The venue's time flows from T0 and jumps when a test moves it.
  const started = Date.now();
  clock = new SimClock(() => T0 + (Date.now() - started));
  await start();
});
afterEach(async () => local.close());

/** Signed requests stamped with the venue's clock. */
function client(credentials: Credentials = CREDENTIALS) {
  const raw = rawClient(local.restUrl, credentials);
  return {
    get: (path: string, query: Record<string, unknown> = {}) =>
      raw.get(path, query, { timestamp: clock.now() }),
    post: (path: string, body: Record<string, unknown> = {}) =>
      raw.post(path, body, { timestamp: clock.now() }),
  };
}

function ok<T>(reply: { body: { code: string; msg: string; data: unknown } }): T {
  expect(reply.body, reply.body.msg).toMatchObject({ code: '00000' });
  return reply.body.data as T;
}

async function billPage(query: Record<string, unknown> = {}, credentials?: Credentials) {
  return ok<{ bills: Bill[]; endId: string | null }>(
    await client(credentials).get(BILL, { productType: 'USDT-FUTURES', ...query }),
  );
}

/** Every bill of the account, oldest first, paged as a client pages them. */
async function allBills(credentials?: Credentials, query: Record<string, unknown> = {}): Promise<Bill[]> {
  const all: Bill[] = [];
  let idLessThan: string | undefined;
  for (;;) {
    const page = await billPage({ limit: 100, ...query, ...(idLessThan && { idLessThan }) }, credentials);
    all.push(...page.bills);
    if (page.bills.length < 100 || page.endId === null) return all.reverse();
    idLessThan = page.endId;
  }
}

async function marketOrder(
  side: 'buy' | 'sell',
  size: string,
  extra: Record<string, unknown> = {},
  who?: Credentials,
) {
  return ok<{ orderId: string }>(
    await client(who).post(
      PLACE,
      placeBody({ orderType: 'market', price: undefined, force: undefined, side, size, ...extra }),
    ),
  );
}

async function account(credentials?: Credentials) {
  const [first] = ok<Record<string, string>[]>(
    await client(credentials).get(ACCOUNTS, { productType: 'USDT-FUTURES' }),
  );
  return first!;
}

/** The wallet balance the accounts endpoint implies: equity less the unrealized PnL. */
async function wallet(credentials?: Credentials): Promise<Decimal> {
  const a = await account(credentials);
  return d(a.accountEquity!).minus(d(a.unrealizedPL!));
}

async function positions(credentials?: Credentials) {
  return ok<Record<string, string>[]>(
    await client(credentials).get(ALL_POSITION, { productType: 'USDT-FUTURES', marginCoin: 'USDT' }),
  );
}

async function historyRates(symbol = 'BTCUSDT'): Promise<Map<number, string>> {
  const entries = ok<{ fundingRate: string; fundingTime: string }[]>(
    await client().get(HISTORY, { symbol, productType: 'USDT-FUTURES', pageSize: 100 }),
  );
  return new Map(entries.map((e) => [Number(e.fundingTime), e.fundingRate]));
}

/** Each bill's balance is the previous one's plus its amount and fee; the first starts from zero. */
function expectChained(bills: readonly Bill[]) {
  let balance = ZERO;
  for (const bill of bills) {
    balance = balance.plus(d(bill.amount)).plus(d(bill.fee));
    expect(bill.balance, `bill ${bill.billId} (${bill.businessType})`).toBe(balance.toString());
  }
}

const funding = (bills: readonly Bill[]) => bills.filter((b) => b.businessType === 'contract_settle_fee');

describe('funding at each funding time', () => {
  it('at 08:00 the long pays and the short receives rate × size × mark: one bill each, fee 0, balance after', async () => {
    // Given a long 0.01 BTC (one account) and a short 0.01 BTC (another), the mark at 60000
    await marketOrder('buy', '0.01');
    await marketOrder('sell', '0.01', {}, OTHER);
    expect((await positions())[0]).toMatchObject({ totalFee: '', deductedFee: '0.36' });
    const before = await wallet();

    // When the clock reaches 08:00
    clock.advanceTo(Date.UTC(2026, 11, 4, 8, 0, 0));

    // Then the long paid 0.0001 × 0.01 × 60000 = 0.06 and the short received it
    const [long] = funding(await allBills());
    expect(long).toEqual({
      billId: expect.stringMatching(/^\d{19}$/),
      symbol: 'BTCUSDT',
      amount: '-0.06',
      fee: '0',
      feeByCoupon: '',
      businessType: 'contract_settle_fee',
      coin: 'USDT',
      balance: before.minus('0.06').toString(),
      cTime: String(Date.UTC(2026, 11, 4, 8, 0, 0)),
    });
    const [short] = funding(await allBills(OTHER));
    expect([short?.amount, short?.cTime]).toEqual(['0.06', long?.cTime]);
    expect(await wallet()).toEqual(before.minus('0.06'));
    // The positions accumulate it in totalFee; their trading fees stay in deductedFee
    expect((await positions())[0]).toMatchObject({ totalFee: '-0.06', deductedFee: '0.36' });
    expect((await positions(OTHER))[0]).toMatchObject({ totalFee: '0.06' });
    expect((await historyRates()).get(Date.UTC(2026, 11, 4, 8, 0, 0))).toBe('0.0001');
  });

  it('in hedge mode each leg pays or receives on its own; with the index above the mark the rate is negative and the long receives', async () => {
    // Given a hedge account long 0.02 and short 0.01, and the index above the mark
    local.setPositionMode('hedge');
    await marketOrder('buy', '0.02', { tradeSide: 'open' });
    await marketOrder('sell', '0.01', { tradeSide: 'open' });
    local.setIndexPrice('BTCUSDT', '60120');
    const rate = fundingRate(d('60000'), d('60120'));
    expect(rate.isNegative()).toBe(true);

    // When 08:00 passes
    clock.advance(2 * HOUR);

    // Then one bill per leg: the long receives |rate| × 0.02 × 60000, the short pays |rate| × 0.01 × 60000
    const bills = funding(await allBills());
    expect(bills.map((b) => b.amount)).toEqual([
      rate.times('0.02').times('60000').neg().toString(),
      rate.times('0.01').times('60000').toString(),
    ]);
    expect(d(bills[0]!.amount).isPositive()).toBe(true);
    expect((await historyRates()).get(Date.UTC(2026, 11, 4, 8, 0, 0))).toBe(rate.toString());
  });

  it('a 3-day jump gives nine funding bills, in order, one at each funding time, at the rate of its period', async () => {
    // Given a long 0.01 and an index under the mark (rate above the interest)
    await marketOrder('buy', '0.01');
    local.setIndexPrice('BTCUSDT', '59940');
    const rate = fundingRate(d('60000'), d('59940'));
    expect(rate.toString()).toBe('0.000501');

    // When the clock jumps 3 days
    clock.advance(3 * DAY);

    // Then nine bills at 08:00, 16:00, 00:00... in the order of their ids, each rate × 0.01 × 60000
    const bills = funding(await allBills());
    const times = Array.from({ length: 9 }, (_, i) => Date.UTC(2026, 11, 4, 8, 0, 0) + i * 8 * HOUR);
    expect(bills.map((b) => Number(b.cTime))).toEqual(times);
    const history = await historyRates();
    for (const [i, bill] of bills.entries()) {
      expect(history.get(times[i]!)).toBe(rate.toString());
      expect(bill.amount).toBe(rate.times('0.01').times('60000').neg().toString());
    }
    expectChained(await allBills());
  });

  it('charges each period at the rate in force at its funding time and the mark of that moment', async () => {
    // Given a long 0.01; the rate and the mark change between funding times
    await marketOrder('buy', '0.01');
    local.setIndexPrice('BTCUSDT', '59950'); // 07:00 day 1
    clock.advance(12 * HOUR); // 08:00 charged; now 19:00 (16:00 charged too)
    local.setMarkPrice('BTCUSDT', '60500');
    local.setIndexPrice('BTCUSDT', '60600');
    clock.advance(14 * HOUR); // 00:00 and 08:00 day 2

    // Then each bill is −rate(t) × 0.01 × mark(t), with history-fund-rate's rate for its time
    const history = await historyRates();
    const expected = [
      [Date.UTC(2026, 11, 4, 8), fundingRate(d('60000'), d('59950')), '60000'],
      [Date.UTC(2026, 11, 4, 16), fundingRate(d('60000'), d('59950')), '60000'],
      [Date.UTC(2026, 11, 5, 0), fundingRate(d('60500'), d('60600')), '60500'],
      [Date.UTC(2026, 11, 5, 8), fundingRate(d('60500'), d('60600')), '60500'],
    ] as const;
    expect(funding(await allBills()).map((b) => [Number(b.cTime), b.amount])).toEqual(
      expected.map(([at, rate, mark]) => [at, rate.times('0.01').times(mark).neg().toString()]),
    );
    for (const [at, rate] of expected) expect(history.get(at)).toBe(rate.toString());
    // Positions not held at a funding time pay nothing: the short account has no funding bill
    expect(funding(await allBills(OTHER))).toEqual([]);
  });

  it('charges no position twice and none that was opened after the funding time', async () => {
    clock.advance(HOUR + 1); // 08:00:00.001, nothing held at 08:00
    await marketOrder('buy', '0.01');
    clock.advance(1000);
    expect(funding(await allBills())).toEqual([]);
    clock.advance(8 * HOUR); // 16:00
    clock.advance(1);
    expect(funding(await allBills()).map((b) => b.cTime)).toEqual([String(Date.UTC(2026, 11, 4, 16))]);
  });
});

describe('the clock', () => {
  it('30 days run at once: every funding time of every contract is charged, in order, and the bills stay queryable by window', async () => {
    await marketOrder('buy', '0.01');
    await marketOrder('sell', '0.1', { symbol: 'ETHUSDT' });
    const started = Date.now();
    clock.advance(30 * DAY);
    const bills = funding(await allBills());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(bills).toHaveLength(180); // 90 funding times × 2 contracts
    expect(bills.map((b) => Number(b.cTime))).toEqual(
      [...bills.map((b) => Number(b.cTime))].sort((a, b) => a - b),
    );
    expect(new Set(bills.filter((b) => b.symbol === 'ETHUSDT').map((b) => b.amount))).toEqual(
      new Set(['0.03']),
    );
    expectChained(await allBills());
    const lastDay = await allBills(CREDENTIALS, { startTime: clock.now() - DAY, endTime: clock.now() });
    expect(funding(lastDay)).toHaveLength(6);
  });

  it('with a plain now(), the venue still looks at the time every second: a funding time passes without a request', async () => {
    // Given a venue on a clock the test sets, keeping its state in a file, and a long
    await local.close();
    const dir = mkdtempSync(join(tmpdir(), 'bitget-timer-'));
    const stateFile = join(dir, 'bitget.jsonl');
    let time = Date.UTC(2026, 11, 4, 7, 59, 59);
    clock = new SimClock(() => time);
    local = await startLocalBitget({ credentials: CREDENTIALS, now: () => time, stateFile });
    try {
      await marketOrder('buy', '0.01');
      // When 08:00 passes, and nobody asks anything
      time = Date.UTC(2026, 11, 4, 8, 0, 1);
      // Then within a second the venue has charged the long: its funding bill is in the journal
      const line = await waitFor('the funding bill in the journal', () =>
        readFileSync(`${stateFile}.journal`, 'utf8')
          .split('\n')
          .find((text) => text.includes('"contract_settle_fee"')),
      );
      expect(line).toContain(`"cTime":${Date.UTC(2026, 11, 4, 8)}`);
      expect(funding(await allBills()).map((b) => [b.amount, b.cTime])).toEqual([
        ['-0.06', String(Date.UTC(2026, 11, 4, 8))],
      ]);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fills as bills', () => {
  it('one-way: a buy opens (amount 0, fee −taker fee), a sell closes with its realized PnL', async () => {
    const start = await wallet();
    // When a market buy 0.01 fills at 60000, the mark moves to 61000, and a market sell 0.01 fills at the bid 60999.9
    await marketOrder('buy', '0.01');
    local.setMarkPrice('BTCUSDT', '61000');
    await marketOrder('sell', '0.01');

    // Then two bills: buy (fee 0.01 × 60000 × 0.0006) and sell (PnL (60999.9 − 60000) × 0.01, fee 0.01 × 60999.9 × 0.0006)
    const [open, close] = (await allBills()).slice(-2);
    expect(open).toMatchObject({ businessType: 'buy', symbol: 'BTCUSDT', amount: '0', fee: '-0.36' });
    expect(close).toMatchObject({ businessType: 'sell', amount: '9.999', fee: '-0.3659994' });
    expect(close?.balance).toBe(start.minus('0.36').plus('9.999').minus('0.3659994').toString());
    expect(await wallet()).toEqual(d(close!.balance));
    // The fills say the same
    expect(
      local.trades().map((t) => [t.profit, (t.feeDetail as { totalFee: string }[])[0]?.totalFee]),
    ).toEqual([
      ['0', '-0.36'],
      ['9.999', '-0.3659994'],
    ]);
  });

  it('hedge: open_long, open_short, close_long with its PnL, close_short; a maker fill pays the maker fee', async () => {
    local.setPositionMode('hedge');
    await marketOrder('buy', '0.02', { tradeSide: 'open' }); // long at 60000
    await marketOrder('sell', '0.01', { tradeSide: 'open' }); // short at 59999.9
    // A resting close of the long at 60100 fills as maker when the mark moves through it
    ok(
      await client().post(
        PLACE,
        placeBody({ side: 'buy', tradeSide: 'close', size: '0.02', price: '60100' }),
      ),
    );
    local.setMarkPrice('BTCUSDT', '60100');
    await marketOrder('sell', '0.01', { tradeSide: 'close' }); // buys back the short at 60100

    const bills = (await allBills()).slice(-4);
    expect(bills.map((b) => [b.businessType, b.amount, b.fee])).toEqual([
      ['open_long', '0', '-0.72'],
      ['open_short', '0', '-0.3599994'], // 0.01 × 59999.9 × 0.0006
      ['close_long', '2', '-0.2404'], // (60100 − 60000) × 0.02, maker 0.02 × 60100 × 0.0002
      ['close_short', '-1.001', '-0.3606'], // (59999.9 − 60100) × 0.01, taker 0.01 × 60100 × 0.0006
    ]);
    expectChained(await allBills());
  });
});

describe('transfers', () => {
  it('moves the balance in and out with trans_from_exchange / trans_to_exchange bills; refuses more than the available balance', async () => {
    // The initial balance came in as a transfer: the bills add up from zero
    expect(await allBills()).toEqual([
      expect.objectContaining({
        businessType: 'trans_from_exchange',
        amount: '1000000',
        balance: '1000000',
        symbol: '',
      }),
    ]);
    // When 500.5 comes in and 200 goes out
    expect(local.transferIn(CREDENTIALS.apiKey, '500.5')).toMatchObject({
      businessType: 'trans_from_exchange',
      amount: '500.5',
      fee: '0',
      balance: '1000500.5',
    });
    local.transferOut(CREDENTIALS.apiKey, '200');
    // Then the bills and the account say so
    expect((await allBills()).map((b) => [b.businessType, b.amount, b.balance])).toEqual([
      ['trans_from_exchange', '1000000', '1000000'],
      ['trans_from_exchange', '500.5', '1000500.5'],
      ['trans_to_exchange', '-200', '1000300.5'],
    ]);
    expect(await account()).toMatchObject({
      available: '1000300.5',
      accountEquity: '1000300.5',
      maxTransferOut: '1000300.5',
    });

    // With a position open (margin 0.5 × 60000 / 20 = 1500), only the available balance can leave
    await marketOrder('buy', '0.5');
    const available = d((await account()).available!);
    expect(available.toString()).toBe(d('1000300.5').minus('18').minus('1500').toString()); // fee 0.5 × 60000 × 0.0006
    expect(() => local.transferOut(CREDENTIALS.apiKey, available.plus('0.01'))).toThrow(
      /Insufficient balance/,
    );
    local.transferOut(CREDENTIALS.apiKey, available);
    expect((await account()).available).toBe('0');
    expectChained(await allBills());
  });
});

describe('GET /api/v2/mix/account/bill', () => {
  it('pages newest first by idLessThan = endId, 20 by default, at most 100', async () => {
    for (let i = 1; i <= 24; i++) local.transferIn(CREDENTIALS.apiKey, String(i));
    const first = await billPage({ limit: 10 });
    const second = await billPage({ limit: 10, idLessThan: first.endId });
    const third = await billPage({ limit: 10, idLessThan: second.endId });
    const ids = [...first.bills, ...second.bills, ...third.bills].map((b) => b.billId);
    expect(first.bills.map((b) => b.amount)).toEqual([
      '24',
      '23',
      '22',
      '21',
      '20',
      '19',
      '18',
      '17',
      '16',
      '15',
    ]);
    expect(first.endId).toBe(first.bills.at(-1)?.billId);
    expect(third.bills).toHaveLength(5); // 25 bills: the opening transfer and 24
    expect(new Set(ids).size).toBe(25);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect((await billPage()).bills).toHaveLength(20);
    expect((await billPage({ limit: 500 })).bills).toHaveLength(25);
    expect(await billPage({ idLessThan: third.endId })).toEqual({ bills: [], endId: null });
  });

  it('filters by time window, symbol, coin, businessType and onlyFunding; other product types have no bills', async () => {
    await marketOrder('buy', '0.01');
    clock.advance(2 * HOUR); // 08:00 funding
    local.transferIn(CREDENTIALS.apiKey, '5');
    const fundingTime = Date.UTC(2026, 11, 4, 8);
    const types = async (query: Record<string, unknown>) =>
      (await billPage(query)).bills.map((b) => b.businessType);
    expect(await types({ startTime: fundingTime, endTime: fundingTime })).toEqual(['contract_settle_fee']);
    expect(await types({ endTime: fundingTime - 1 })).toEqual(['buy', 'trans_from_exchange']);
    expect(await types({ symbol: 'BTCUSDT' })).toEqual(['contract_settle_fee', 'buy']);
    expect(await types({ businessType: 'trans_from_exchange', coin: 'USDT' })).toEqual([
      'trans_from_exchange',
      'trans_from_exchange',
    ]);
    expect(await types({ onlyFunding: 'yes', symbol: 'ETHUSDT' })).toEqual([]);
    expect(await types({ coin: 'BTC' })).toEqual([]);
    expect(await billPage({ productType: 'COIN-FUTURES' })).toEqual({ bills: [], endId: null });
  });

  it('refuses what the document does not allow: a window over 30 days, an unknown businessType or parameter, no productType', async () => {
    const refusal = async (query: Record<string, unknown>) => {
      const reply = await client().get(BILL, query);
      return [reply.status, reply.body.code, reply.body.msg];
    };
    const now = clock.now();
    expect(await refusal({ productType: 'USDT-FUTURES', startTime: now - 31 * DAY, endTime: now })).toEqual([
      400,
      '40017',
      expect.stringMatching(/30 days/),
    ]);
    expect(await refusal({ productType: 'USDT-FUTURES', businessType: 'funding' })).toEqual([
      400,
      '40017',
      expect.any(String),
    ]);
    expect(await refusal({ productType: 'USDT-FUTURES', pageSize: '10' })).toEqual([
      400,
      '40034',
      'Parameter pageSize does not exist',
    ]);
    expect(await refusal({})).toEqual([400, '40019', 'Parameter productType cannot be empty']);
    // ccxt's fetchFundingHistory sends marginCoin (not in the document): taken
    expect(await billPage({ marginCoin: 'USDT', businessType: 'contract_settle_fee' })).toEqual({
      bills: [],
      endId: null,
    });
  });

  it('is limited to 10 requests a second per account', async () => {
    await local.close();
    await start({ behaviour: { rateLimits: true } });
    const codes: string[] = [];
    for (let i = 0; i < 11; i++)
      codes.push((await client().get(BILL, { productType: 'USDT-FUTURES' })).body.code);
    expect(codes.slice(0, 10).every((code) => code === '00000')).toBe(true);
    expect(codes[10]).toBe('429');
  });
});

describe('the ledger adds up', () => {
  it('over days of trading, funding and transfers: each balance chains, and the bills between two instants sum to the wallet change', async () => {
    // Given five days of random trading (seeded) on two contracts, with funding and transfers
    const random = seededRandom(7);
    const marks = { BTCUSDT: 60000, ETHUSDT: 3000 };
    const instants: { at: number; wallet: Decimal }[] = [{ at: clock.now(), wallet: await wallet() }];
    clock.advance(1);
    for (let step = 0; step < 40; step++) {
      clock.advance(Math.floor(random() * 4 * HOUR));
      const symbol = random() < 0.6 ? 'BTCUSDT' : 'ETHUSDT';
      marks[symbol] = Math.round(marks[symbol] * (1 + (random() - 0.5) * 0.02) * 10) / 10;
      local.setMarkPrice(symbol, String(marks[symbol]));
      if (random() < 0.3)
        local.setIndexPrice(
          symbol,
          String(Math.round(marks[symbol] * (1 + (random() - 0.5) * 0.004) * 10) / 10),
        );
      const size =
        symbol === 'BTCUSDT'
          ? String((1 + Math.floor(random() * 30)) / 1000)
          : String((1 + Math.floor(random() * 50)) / 100);
      await marketOrder(random() < 0.5 ? 'buy' : 'sell', size, { symbol });
      if (random() < 0.15) local.transferIn(CREDENTIALS.apiKey, String(Math.round(random() * 10000) / 100));
      if (step % 10 === 9) {
        clock.advance(1);
        instants.push({ at: clock.now(), wallet: await wallet() });
        clock.advance(1);
      }
    }

    // Then every bill's balance is the previous one's + amount + fee
    const bills = await allBills();
    expectChained(bills);
    expect(funding(bills).length).toBeGreaterThan(5);
    // The last balance is the wallet the accounts endpoint implies
    expect(bills.at(-1)?.balance).toBe((await wallet()).toString());
    // Between any two instants, the sum of amount + fee is the wallet change, to the last digit
    for (const [i, from] of instants.entries()) {
      for (const to of instants.slice(i + 1)) {
        const between = await allBills(CREDENTIALS, { startTime: from.at + 1, endTime: to.at });
        const moved = sum(between.map((b) => d(b.amount).plus(d(b.fee))));
        expect(moved.toString()).toBe(to.wallet.minus(from.wallet).toString());
      }
    }
  });

  it('accountEquity is the wallet balance plus the unrealized PnL, in accounts and account', async () => {
    await marketOrder('buy', '0.1');
    local.setMarkPrice('BTCUSDT', '60500');
    const [position] = await positions();
    const last = (await allBills()).at(-1)!;
    const accounts = await account();
    expect(position?.unrealizedPL).toBe('50'); // (60500 − 60000) × 0.1
    expect(accounts).toMatchObject({
      unrealizedPL: '50',
      crossedUnrealizedPL: '50',
      isolatedUnrealizedPL: '0',
      accountEquity: d(last.balance).plus('50').toString(),
      usdtEquity: d(last.balance).plus('50').toString(),
      available: d(last.balance).minus('300').toString(), // margin 0.1 × 60000 / 20
    });
    const single = ok<Record<string, string>>(
      await client().get('/api/v2/mix/account/account', {
        symbol: 'BTCUSDT',
        productType: 'USDT-FUTURES',
        marginCoin: 'USDT',
      }),
    );
    expect(single).toMatchObject({
      accountEquity: accounts.accountEquity,
      unrealizedPL: '50',
      available: accounts.available,
    });
  });
});

describe('across a restart', () => {
  it('keeps the bills and their ids, never issues an id twice, and charges the funding times that passed while it was down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitget-bills-'));
    try {
      const stateFile = join(dir, 'bitget.jsonl');
      await local.close();
      await start({ stateFile });
      // Given a long through the 08:00 funding at a rate other than the interest
      await marketOrder('buy', '0.01');
      local.setIndexPrice('BTCUSDT', '59900');
      const rate = fundingRate(d('60000'), d('59900'));
      expect(rate.toString()).not.toBe('0.0001');
      clock.advance(2 * HOUR);
      const before = await allBills();
      // and the index moved afterwards (the rate in force now differs from the one charged)
      local.setIndexPrice('BTCUSDT', '60000');

      // A venue killed now (its files as they are, no checkpoint) would come back with the same bills
      const killed = join(dir, 'killed.jsonl');
      copyFileSync(stateFile, killed);
      copyFileSync(`${stateFile}.journal`, `${killed}.journal`);
      const running = local;
      await start({ stateFile: killed });
      expect(await allBills()).toEqual(before);
      await local.close();
      local = running;

      // When the venue stops, 16 hours pass (16:00 and 00:00), and it starts again from its state file
      await local.close();
      clock.advance(16 * HOUR);
      await start({ stateFile });

      // Then the bills are kept with their ids, the two funding times passed are charged once each, at the rate in force
      const after = await allBills();
      expect(after.slice(0, before.length)).toEqual(before);
      expect(funding(after).map((b) => [Number(b.cTime), b.amount])).toEqual([
        [Date.UTC(2026, 11, 4, 8), rate.times('0.01').times('60000').neg().toString()],
        [Date.UTC(2026, 11, 4, 16), '-0.06'],
        [Date.UTC(2026, 11, 5, 0), '-0.06'],
      ]);
      expect(new Set(after.map((b) => b.billId)).size).toBe(after.length);
      expectChained(after);
      expect(after.at(-1)?.balance).toBe((await wallet()).toString());
      // history-fund-rate keeps the rate charged at 08:00
      expect((await historyRates()).get(Date.UTC(2026, 11, 4, 8))).toBe(rate.toString());
      // New ids come after every id issued before the restart
      await marketOrder('sell', '0.01');
      const [newest] = (await billPage({ limit: 1 })).bills;
      expect(newest?.businessType).toBe('sell');
      expect(after.every((b) => b.billId < newest!.billId)).toBe(true);
      // A second restart charges nothing again
      await local.close();
      await start({ stateFile });
      expect(funding(await allBills())).toHaveLength(3);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
