import { describe, expect, it } from 'vitest';
import { DeribitError } from '../../../adapters/venues/deribit/errors.ts';
import { orderReplyOf } from '../../../adapters/venues/deribit/mapping.ts';
import { RpcResponseSchema } from '../../../adapters/venues/deribit/schemas.ts';
import { latencyOf } from '../../../adapters/venues/deribit/ws-rpc.ts';
import { parseVenueJson as parseWire } from '../../../adapters/venues/venue-json.ts';

/**
 * The seed examples (../shared/seeds) parse into the venue reports they stand for. The replies
 * are copied verbatim from the seeds: 000 (`private/sell`, older dialect), 002
 * (`private/close_position`, older dialect), 004 (`private/close_position` with its trades).
 */

const SEED_000 = `{
	"id": "114",
	"jsonrpc": "2.0",
	"usIn": 1597129591020,
	"usOut": 1597129591034,
	"usDiff": 14,
	"result": {
		"order": {
			"order_id": "39003634138222592"
		}
	}
}`;

const SEED_002 = `{
	"id": "223",
	"jsonrpc": "2.0",
	"usIn": 1597129965170,
	"usOut": 1597129965187,
	"usDiff": 17,
	"result": {
		"order": {
			"order_id": "39005203453841408"
		}
	}
}`;

const SEED_004 = `{
"jsonrpc": "2.0",
"id": 6130,
"result": {
"trades": [
{
"trade_seq": 1966068,
"trade_id": "ETH-2696097",
"timestamp": 1590486335742,
"tick_direction": 0,
"state": "filled",
"reduce_only": true,
"price": 202.8,
"post_only": false,
"order_type": "limit",
"order_id": "ETH-584864807",
"matching_id": null,
"mark_price": 202.79,
"liquidity": "T",
"instrument_name": "ETH-PERPETUAL",
"index_price": 202.86,
"fee_currency": "ETH",
"fee": 0.00007766,
"direction": "sell",
"amount": 21
}
],
"order": {
"web": false,
"time_in_force": "good_til_cancelled",
"replaced": false,
"reduce_only": true,
"price": 198.75,
"post_only": false,
"order_type": "limit",
"order_state": "filled",
"order_id": "ETH-584864807",
"max_show": 21,
"last_update_timestamp": 1590486335742,
"label": "",
"is_rebalance": false,
"is_liquidation": false,
"instrument_name": "ETH-PERPETUAL",
"filled_amount": 21,
"direction": "sell",
"creation_timestamp": 1590486335742,
"average_price": 202.8,
"api": true,
"amount": 21
}
}
}`;

function reply(text: string) {
  return RpcResponseSchema.parse(parseWire(text));
}

describe('seed 000: the older dialect of private/sell (string id, the order id alone)', () => {
  it('is an accepted order known by its id, without an order snapshot or fills', () => {
    // Given the seed's reply
    const envelope = reply(SEED_000);
    // When it is read as a place reply
    const result = orderReplyOf('acct', 'private/sell', envelope.result);
    // Then the order id is the venue's, nothing else is invented
    expect(envelope.id).toBe('114');
    expect(result).toEqual({ venueOrderId: '39003634138222592', order: undefined, fills: [] });
  });

  it("keeps usIn / usOut / usDiff as the reply's latency", () => {
    expect(latencyOf(reply(SEED_000))).toEqual({ usIn: 1597129591020, usOut: 1597129591034, usDiff: 14 });
  });
});

describe('seed 002: the older dialect of private/close_position', () => {
  it('is an accepted order known by its id', () => {
    const result = orderReplyOf('acct', 'private/close_position', reply(SEED_002).result);
    expect(result.venueOrderId).toBe('39005203453841408');
    expect(result.order).toBeUndefined();
    expect(latencyOf(reply(SEED_002))).toEqual({ usIn: 1597129965170, usOut: 1597129965187, usDiff: 17 });
  });
});

describe('seed 004: private/close_position filled at once, with its trade', () => {
  const result = orderReplyOf('acct', 'private/close_position', reply(SEED_004).result);

  it('reports the order: filled, a reduce-only sell of 21 USD at an average of 202.8', () => {
    expect(result.venueOrderId).toBe('ETH-584864807');
    expect(result.order).toMatchObject({
      venue: 'deribit',
      account: 'acct',
      symbol: 'ETH-PERPETUAL',
      venueOrderId: 'ETH-584864807',
      clientOrderId: undefined,
      side: 'sell',
      type: 'limit',
      status: 'filled',
      reduceOnly: true,
      postOnly: false,
      replaced: false,
      positionMode: 'one_way',
      cancelReason: undefined,
      createdAt: '2020-05-26T09:45:35.742Z',
      updatedAt: '2020-05-26T09:45:35.742Z',
    });
    expect(result.order?.amount.toString()).toBe('21');
    expect(result.order?.filledAmount.toString()).toBe('21');
    expect(result.order?.price?.toString()).toBe('198.75');
    expect(result.order?.averagePrice?.toString()).toBe('202.8');
  });

  it('reports the trade as a taker fill, fee exact to the satoshi', () => {
    expect(result.fills).toHaveLength(1);
    const [fill] = result.fills;
    expect(fill).toMatchObject({
      tradeId: 'ETH-2696097',
      venueOrderId: 'ETH-584864807',
      symbol: 'ETH-PERPETUAL',
      side: 'sell',
      feeCurrency: 'ETH',
      liquidity: 'taker',
      executedAt: '2020-05-26T09:45:35.742Z',
      clientOrderId: undefined,
    });
    expect(fill?.price.toString()).toBe('202.8');
    expect(fill?.amount.toString()).toBe('21');
    expect(fill?.fee.toString()).toBe('0.00007766');
  });

  it('keeps the raw payload with the numbers as sent, unknown fields included', () => {
    expect(result.order?.raw).toMatchObject({ max_show: '21', price: '198.75', is_rebalance: false });
    expect(result.fills[0]?.raw).toMatchObject({
      fee: '0.00007766',
      mark_price: '202.79',
      matching_id: null,
    });
  });
});

describe('the older dialect with a full order: amounts and prices as strings, a numeric id', () => {
  it('parses into the same snapshot as the current dialect', () => {
    const text = `{"jsonrpc":"2.0","id":7,"result":{"order":{"order_id":39003634138222592,"order_state":"open",
      "order_type":"limit","instrument_name":"BTC-PERPETUAL","direction":"buy","amount":"100","filled_amount":"0",
      "price":"9000.5","average_price":"0","creation_timestamp":"1597129591020","last_update_timestamp":1597129591020,
      "label":"o-1","post_only":"false","reduce_only":false},"trades":[]}}`;
    const result = orderReplyOf('acct', 'private/buy', reply(text).result);
    expect(result.venueOrderId).toBe('39003634138222592');
    expect(result.order).toMatchObject({
      status: 'open',
      clientOrderId: 'o-1',
      postOnly: false,
      averagePrice: undefined,
    });
    expect(result.order?.price?.toString()).toBe('9000.5');
    expect(result.order?.amount.toString()).toBe('100');
  });
});

describe('a reply that misses a field the OMS relies on', () => {
  it('is a protocol error that names the field', () => {
    // Given an order without its state
    const text = SEED_004.replace('"order_state": "filled",', '');
    // When it is read, Then the error says which field is missing
    let caught: unknown;
    try {
      orderReplyOf('acct', 'private/close_position', reply(text).result);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DeribitError);
    expect((caught as DeribitError).code).toBe('DERIBIT_PROTOCOL_ERROR');
    expect((caught as DeribitError).message).toContain('order.order_state: missing required field');
  });

  it('names a trade field too', () => {
    const text = SEED_004.replace('"fee_currency": "ETH",', '');
    expect(() => orderReplyOf('acct', 'private/close_position', reply(text).result)).toThrow(
      /trades\.0\.fee_currency: missing required field/,
    );
  });

  it('refuses a price that is not a number', () => {
    const text = SEED_004.replace('"price": 202.8,', '"price": "twenty",');
    expect(() => orderReplyOf('acct', 'private/close_position', reply(text).result)).toThrow(
      /trades\.0\.price/,
    );
  });
});

describe('numbers are read exactly', () => {
  it('keeps digits a float would lose, and exponents as plain decimals', () => {
    const text = SEED_004.replace('"fee": 0.00007766', '"fee": 1e-8').replace(
      '"price": 202.8,\n"post_only"',
      '"price": 60000.123456789012345678901,\n"post_only"',
    );
    const [fill] = orderReplyOf('acct', 'private/close_position', reply(text).result).fills;
    expect(fill?.fee.toString()).toBe('0.00000001');
    expect(fill?.price.toString()).toBe('60000.123456789012345678901');
  });
});
