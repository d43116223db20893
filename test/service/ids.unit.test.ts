import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { deterministicId, fillEventId, orderIdForKey } from '../../application/orders/ids.ts';

describe('deterministic ids', () => {
  it('are the UUID v5 of the parts joined by U+001F, as the uuid package computes them (ids already stored stay valid)', () => {
    const namespace = '6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f';
    const cases: string[][] = [
      ['order', 'k-1'],
      ['fill', 'deribit', 'main', 'BTC-123456'],
      ['report', 'RecordFill', JSON.stringify({ orderId: 'x', fill: { amount: '10', price: '60000.5' } })],
      ['event', 'cmd', '0'],
      [''],
      ['ünïcödé', '价格', 'emoji 🚀'],
      [`long-${'x'.repeat(5000)}`],
    ];
    for (const parts of cases) {
      expect(deterministicId(...parts)).toBe(uuidv5(parts.join('\u001f'), namespace));
    }
    expect(orderIdForKey('k-1')).toBe(uuidv5('order\u001fk-1', namespace));
    expect(fillEventId('bitget', 'main', 't-9')).toBe(
      uuidv5('fill\u001fbitget\u001fmain\u001ft-9', namespace),
    );
  });
});
