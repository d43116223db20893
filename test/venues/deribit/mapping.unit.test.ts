import { describe, expect, it } from 'vitest';
import {
  domainInstrument,
  orderEntryParams,
  orderSnapshot,
  venuePosition,
} from '../../../adapters/venues/deribit/mapping.ts';
import {
  WireInstrumentSchema,
  WireOrderSchema,
  WirePositionSchema,
} from '../../../adapters/venues/deribit/schemas.ts';
import { parseVenueJson as parseWire } from '../../../adapters/venues/venue-json.ts';
import { d, orderFor } from './support.ts';

function order(fields: Record<string, unknown>) {
  const raw = parseWire(
    JSON.stringify({
      order_id: 'BTC-1',
      order_state: 'open',
      order_type: 'limit',
      instrument_name: 'BTC-PERPETUAL',
      direction: 'buy',
      amount: 100,
      filled_amount: 0,
      price: 50000,
      average_price: 0,
      creation_timestamp: 1,
      last_update_timestamp: 2,
      label: 'o-1',
      time_in_force: 'good_til_cancelled',
      ...fields,
    }),
  );
  return orderSnapshot('acct', WireOrderSchema.parse(raw), raw);
}

describe('order states', () => {
  it('reads an open order with fills as partially filled (from the filled amount, not a label)', () => {
    expect(order({ filled_amount: 30 }).status).toBe('partially_filled');
    expect(order({}).status).toBe('open');
    expect(order({ order_state: 'untriggered', order_type: 'stop_limit' }).status).toBe('untriggered');
    expect(order({ order_state: 'filled', filled_amount: 100 }).status).toBe('filled');
  });

  it('gives the reason of a cancel in the domain words, and keeps the venue words', () => {
    expect(order({ order_state: 'cancelled', cancel_reason: 'user_request' })).toMatchObject({
      cancelReason: 'user_request',
      venueReason: 'user_request',
    });
    expect(order({ order_state: 'cancelled', cancel_reason: 'cancel_on_disconnect' }).cancelReason).toBe(
      'cancel_on_disconnect',
    );
    expect(order({ order_state: 'cancelled', cancel_reason: 'edit_post_only_reject' }).cancelReason).toBe(
      'post_only_reject',
    );
    expect(order({ order_state: 'cancelled', cancel_reason: 'autoliquidation' }).cancelReason).toBe(
      'liquidation',
    );
    expect(order({ order_state: 'cancelled', cancel_reason: 'mmp_trigger' }).cancelReason).toBe(
      'venue_other',
    );
  });

  it('reads the cancelled rest of an IOC, FOK or market order as its unfilled remainder', () => {
    expect(order({ order_state: 'cancelled', time_in_force: 'immediate_or_cancel' }).cancelReason).toBe(
      'unfilled_remainder',
    );
    expect(order({ order_state: 'cancelled', time_in_force: 'fill_or_kill' }).cancelReason).toBe(
      'unfilled_remainder',
    );
    expect(
      order({ order_state: 'cancelled', order_type: 'market', cancel_reason: 'user_request' }).cancelReason,
    ).toBe('unfilled_remainder');
  });

  it('drops the empty label and the protection price of market orders', () => {
    expect(order({ label: '' }).clientOrderId).toBeUndefined();
    expect(order({ order_type: 'market', price: 61000 }).price).toBeUndefined();
    expect(
      order({ order_type: 'stop_market', price: 'market_price', order_state: 'untriggered' }).price,
    ).toBeUndefined();
  });
});

describe('positions', () => {
  it('keeps the size signed: a short is negative even if a server sends it unsigned', () => {
    const raw = parseWire(
      '{"instrument_name":"BTC-PERPETUAL","kind":"future","direction":"sell","size":100,"average_price":50000,"realized_profit_loss":0.001}',
    );
    const position = venuePosition('acct', WirePositionSchema.parse(raw), raw);
    expect(position.size.toString()).toBe('-100');
    expect(position.averageEntry?.toString()).toBe('50000');
    expect(position.realizedPnl?.toString()).toBe('0.001');
    expect(position.side).toBe('net');
  });

  it('has no average entry when flat', () => {
    const raw = parseWire(
      '{"instrument_name":"X","kind":"future","direction":"zero","size":0,"average_price":0}',
    );
    expect(venuePosition('acct', WirePositionSchema.parse(raw), raw).averageEntry).toBeUndefined();
  });
});

describe('instruments', () => {
  const instrument = (fields: Record<string, unknown>) =>
    domainInstrument(
      WireInstrumentSchema.parse(
        parseWire(
          JSON.stringify({
            instrument_name: 'BTC-PERPETUAL',
            kind: 'future',
            instrument_type: 'reversed',
            settlement_period: 'perpetual',
            base_currency: 'BTC',
            quote_currency: 'USD',
            settlement_currency: 'BTC',
            tick_size: 0.5,
            contract_size: 10,
            min_trade_amount: 10,
            expiration_timestamp: 32503708800000,
            is_active: true,
            ...fields,
          }),
        ),
      ),
    );

  it('reads BTC-PERPETUAL as an inverse perpetual counted in USD, 10 a contract', () => {
    expect(instrument({})).toMatchObject({
      kind: 'perpetual',
      settlement: 'inverse',
      amountUnit: 'quote',
      quoteCurrency: 'USD',
      settlementCurrency: 'BTC',
    });
    expect(instrument({})).not.toHaveProperty('expiry');
    expect(instrument({})?.amountStep.toString()).toBe('10');
  });

  it('reads a USDC perpetual as linear, counted in the coin', () => {
    const linear = instrument({
      instrument_name: 'ETH_USDC-PERPETUAL',
      instrument_type: 'linear',
      base_currency: 'ETH',
      quote_currency: 'USDC',
      settlement_currency: 'USDC',
      contract_size: 0.001,
      min_trade_amount: 0.001,
      tick_size: 0.1,
    });
    expect(linear).toMatchObject({ settlement: 'linear', amountUnit: 'base', settlementCurrency: 'USDC' });
    expect(linear?.contractSize.toString()).toBe('0.001');
  });

  it('reads an option as linear in the coin, with its strike, type and expiry', () => {
    const option = instrument({
      instrument_name: 'BTC-26MAR27-70000-C',
      kind: 'option',
      settlement_period: 'month',
      quote_currency: 'BTC',
      contract_size: 1,
      min_trade_amount: 0.1,
      tick_size: 0.0005,
      strike: 70000,
      option_type: 'call',
      expiration_timestamp: 1806048000000,
    });
    expect(option).toMatchObject({
      kind: 'option',
      settlement: 'linear',
      amountUnit: 'base',
      quoteCurrency: 'BTC',
      settlementCurrency: 'BTC',
      expiry: '2027-03-26T08:00:00.000Z',
    });
    expect(option?.amountStep.toString()).toBe('0.1');
    expect(option?.option?.strike.toString()).toBe('70000');
  });

  it('leaves combos out', () => {
    expect(instrument({ kind: 'future_combo' })).toBeUndefined();
  });
});

describe('order entry parameters', () => {
  it('always sends post_only, and the label, time in force and exact amounts', () => {
    const btc = instrument();
    const params = orderEntryParams(
      orderFor(btc, {
        side: 'buy',
        type: 'limit',
        amount: d('100'),
        price: d('60000.5'),
        clientOrderId: 'o-9',
      }),
    );
    expect(params).toMatchObject({
      instrument_name: 'BTC-PERPETUAL',
      type: 'limit',
      label: 'o-9',
      time_in_force: 'good_til_cancelled',
      post_only: false,
      reduce_only: false,
    });
    expect(String(params.amount)).toBe('100');
    expect(String(params.price)).toBe('60000.5');
    expect(params).not.toHaveProperty('reject_post_only');
  });

  function instrument() {
    const parsed = domainInstrument(
      WireInstrumentSchema.parse(
        parseWire(
          '{"instrument_name":"BTC-PERPETUAL","kind":"future","instrument_type":"reversed","settlement_period":"perpetual","base_currency":"BTC","quote_currency":"USD","settlement_currency":"BTC","tick_size":0.5,"contract_size":10,"min_trade_amount":10,"expiration_timestamp":32503708800000,"is_active":true}',
        ),
      ),
    );
    if (parsed === undefined) throw new Error('no instrument');
    return parsed;
  }
});
