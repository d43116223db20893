import { describe, expect, it } from 'vitest';
import {
  EnvelopeSchema,
  FillListSchema,
  OrderIdsSchema,
  OrderListSchema,
  PositionListSchema,
  RestOrderSchema,
  WsOrderSchema,
} from '../../../adapters/venues/bitget/wire.ts';
import { PlaceOrderRequestSchema } from '../../../adapters/venues/bitget/wire-requests.ts';
import { describeIssues } from '../../../adapters/venues/bitget/wire-scalars.ts';
import { WsEventSchema } from '../../../adapters/venues/bitget/wire-ws.ts';
import { parseVenueJson } from '../../../adapters/venues/venue-json.ts';
import { SEED_PLACE_ORDER_REQUEST, SEED_PLACE_ORDER_RESPONSE } from './fixtures/seed-003.ts';

const detail = {
  symbol: 'LTCUSDT',
  size: '0.1',
  orderId: '1',
  clientOid: 'c-1',
  baseVolume: '0.05',
  price: '60.5',
  priceAvg: '60.5',
  state: 'partially_filled',
  side: 'buy',
  force: 'gtc',
  orderType: 'limit',
  reduceOnly: 'NO',
  posMode: 'one_way_mode',
  tradeSide: 'buy_single',
  cTime: '1700000000000',
  uTime: '1700000000001',
  somethingNew: 'kept',
};

describe('Bitget wire schemas', () => {
  describe('the seed 003 examples', () => {
    it('round-trips the request example through the outgoing place-order schema', () => {
      const example = JSON.parse(SEED_PLACE_ORDER_REQUEST) as unknown;
      const parsed = PlaceOrderRequestSchema.parse(example);
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(example);
    });

    it('reads the response example: envelope, then orderId and clientOid', () => {
      const envelope = EnvelopeSchema.parse(parseVenueJson(SEED_PLACE_ORDER_RESPONSE));
      expect(envelope).toMatchObject({ code: '00000', msg: 'success', requestTime: '1695806875837' });
      expect(OrderIdsSchema.parse(envelope.data)).toEqual({
        orderId: '121211212122',
        clientOid: '121211212122',
      });
    });
  });

  describe('tolerates Bitget inconsistencies', () => {
    it('reads `state` (detail) and `status` (lists, pushes) alike', () => {
      expect(RestOrderSchema.parse(detail).status).toBe('partially_filled');
      const { state: _, ...rest } = detail;
      expect(RestOrderSchema.parse({ ...rest, status: 'live' }).status).toBe('live');
    });

    it('reads `clientOid` and the documented `clientOId` alike', () => {
      const { clientOid: _, ...rest } = detail;
      expect(RestOrderSchema.parse({ ...rest, clientOId: 'c-2' }).clientOid).toBe('c-2');
    });

    it('reads `canceled` and `cancelled` as the same status', () => {
      expect(RestOrderSchema.parse({ ...detail, state: 'canceled' }).status).toBe('canceled');
      expect(RestOrderSchema.parse({ ...detail, state: 'cancelled' }).status).toBe('canceled');
    });

    it('reads reduceOnly YES / yes / NO / no', () => {
      expect(RestOrderSchema.parse({ ...detail, reduceOnly: 'YES' }).reduceOnly).toBe(true);
      expect(RestOrderSchema.parse({ ...detail, reduceOnly: 'yes' }).reduceOnly).toBe(true);
      expect(RestOrderSchema.parse({ ...detail, reduceOnly: 'no' }).reduceOnly).toBe(false);
    });

    it('reads `entrustedList: null` and `fillList: null` as empty lists, and positions `[]`', () => {
      expect(OrderListSchema.parse({ entrustedList: null, endId: null }).entrustedList).toEqual([]);
      expect(FillListSchema.parse({ fillList: null, endId: null }).fillList).toEqual([]);
      expect(PositionListSchema.parse([])).toEqual([]);
      expect(PositionListSchema.parse(null)).toEqual([]);
    });

    it('reads requestTime as a number or a string', () => {
      expect(
        EnvelopeSchema.parse(
          parseVenueJson('{"code":"00000","msg":"success","requestTime":1695806875837,"data":null}'),
        ).requestTime,
      ).toBe('1695806875837');
      expect(
        EnvelopeSchema.parse({ code: '00000', msg: 'success', requestTime: '1695806875837', data: null })
          .requestTime,
      ).toBe('1695806875837');
    });

    it('reads the WebSocket login code as a number or a string', () => {
      expect(WsEventSchema.parse(parseVenueJson('{"event":"login","code":0,"msg":""}')).code).toBe('0');
      expect(WsEventSchema.parse({ event: 'login', code: '0', msg: '' }).code).toBe('0');
    });

    it('takes the cumulative filled size of a push from accBaseVolume, not the fill-sized baseVolume', () => {
      const push = {
        ...detail,
        status: 'partially_filled',
        accBaseVolume: '0.07',
        baseVolume: '0.02',
        instId: 'LTCUSDT',
      };
      const { symbol: _, state: __, ...rest } = push;
      expect(WsOrderSchema.parse(rest).filled?.toString()).toBe('0.07');
    });

    it('keeps unknown fields, and numbers as their exact text, in `raw`', () => {
      const parsed = RestOrderSchema.parse(
        parseVenueJson(JSON.stringify({ ...detail, price: 60.5 }).replace('60.5,', '60.50000000000000001,')),
      );
      expect(parsed.raw.somethingNew).toBe('kept');
      expect(parsed.raw.price).toBe('60.50000000000000001');
      expect(parsed.price?.toString()).toBe('60.50000000000000001');
    });
  });

  describe('refuses what it cannot read, naming the field', () => {
    it('a missing orderId', () => {
      const { orderId: _, ...rest } = detail;
      const result = RestOrderSchema.safeParse(rest);
      expect(result.success).toBe(false);
      if (!result.success) expect(describeIssues(result.error, 'detail')).toMatch(/^detail: orderId: /);
    });

    it('a missing status, whichever spelling', () => {
      const { state: _, ...rest } = detail;
      const result = RestOrderSchema.safeParse(rest);
      expect(result.success).toBe(false);
      if (!result.success)
        expect(describeIssues(result.error, 'detail')).toMatch(/state: missing required field/);
    });

    it('a size that is not a number', () => {
      const result = RestOrderSchema.safeParse({ ...detail, size: 'abc' });
      expect(result.success).toBe(false);
      if (!result.success) expect(describeIssues(result.error, 'detail')).toMatch(/size: not a number/);
    });
  });
});
