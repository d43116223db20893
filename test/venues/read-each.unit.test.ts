import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readEach, readEachPaced } from '../../adapters/venues/read-each.ts';
import { eventLoopPacer } from '../../application/support/pacer.ts';

const options = {
  venue: 'deribit',
  account: 'main',
  what: 'order',
  source: 'private/get_open_orders',
  describe: (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
} as const;
const schema = z.object({ order_id: z.string(), amount: z.string() });

describe('reading a venue list element by element', () => {
  const elements = [
    ...Array.from({ length: 300 }, (_, i) => ({ order_id: `ETH-${i}`, amount: '10' })),
    { order_id: 'ETH-bad', amount: 10 },
    { order_id: 'ETH-last', amount: '20' },
  ];

  it('Given a long list with one element that does not match, When read paced, Then every other element is read, in order, the bad one is kept with its text, and the event loop had turns meanwhile', async () => {
    // Given a pacer that gives a turn at every element
    let clock = 0;
    const pace = eventLoopPacer({ sliceMs: 1, now: () => clock++ });
    let turns = 0;
    const tick = setInterval(() => {
      turns += 1;
    }, 0);
    try {
      // When
      const read = await readEachPaced(elements, schema, options, (order) => [order.order_id], pace);
      // Then
      expect(read.items).toHaveLength(301);
      expect(read.items.at(0)).toBe('ETH-0');
      expect(read.items.at(-1)).toBe('ETH-last');
      expect(read.unreadable).toEqual([
        {
          venue: 'deribit',
          account: 'main',
          what: 'order',
          source: 'private/get_open_orders',
          raw: '{"order_id":"ETH-bad","amount":10}',
          error: 'amount: Invalid input: expected string, received number',
        },
      ]);
      expect(turns).toBeGreaterThan(0);
      // And it reads exactly what the unpaced reading reads
      expect(read).toEqual(readEach(elements, schema, options, (order) => [order.order_id]));
    } finally {
      clearInterval(tick);
    }
  });
});
