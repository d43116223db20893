import { describe, expect, it } from 'vitest';
import { createBitgetContext } from '../../../adapters/venues/bitget/context.ts';
import { reportsOf } from '../../../adapters/venues/bitget/pushes.ts';
import type { UnreadableItem } from '../../../application/ports/venue.ts';
import { CREDENTIALS, memoryLogger } from './support.ts';

/** Bitget's `fill` channel carries arrays: one object nobody can read spoils none of the others. */

const FILL = {
  tradeId: '9',
  orderId: '7',
  symbol: 'BTCUSDT',
  side: 'buy',
  tradeSide: '',
  posMode: 'one_way_mode',
  price: '61000',
  baseVolume: '0.01',
  // Bitget's empty string for an absent value.
  profit: '',
  tradeScope: 'taker',
  feeDetail: [{ feeCoin: 'USDT', deduction: 'no', totalDeductionFee: '0', totalFee: '-0.122' }],
  cTime: '1700000000000',
};
const MALFORMED = { tradeId: '10', orderId: '7', symbol: 'BTCUSDT', price: 'lots' };

describe('given a fill push with a readable fill and a malformed one', () => {
  it('reports the readable fill and hands the other over as unreadable, with its text', () => {
    const context = createBitgetContext({
      account: 'main',
      restUrl: 'http://127.0.0.1:9',
      wsUrl: 'ws://127.0.0.1:9',
      credentials: CREDENTIALS,
      logger: memoryLogger().logger,
      positionMode: 'one_way',
    });
    const unreadable: UnreadableItem[] = [];
    context.unreadable$.subscribe((item) => unreadable.push(item));

    const reports = reportsOf(context, {
      push: {
        action: 'snapshot',
        arg: { instType: 'USDT-FUTURES', channel: 'fill', instId: 'default' },
        data: [FILL, MALFORMED],
      },
      receivedAt: '2026-01-01T00:00:00.000Z',
    } as never);

    expect(reports).toMatchObject([{ kind: 'fill', fill: { tradeId: '9', venueOrderId: '7' } }]);
    expect(unreadable).toMatchObject([
      { venue: 'bitget', account: 'main', what: 'fill', source: 'fill push' },
    ]);
    expect(JSON.parse(unreadable[0]?.raw ?? '')).toEqual(MALFORMED);
  });
});
