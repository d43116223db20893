import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../../domain/decimal.ts';
import {
  RpcRequest,
  readWireRequest,
  writeWire,
  writeWireInSlices,
} from '../../../simulators/deribit/json-rpc.ts';

/** JSON-RPC as the local Deribit reads and writes it (digest A1): no number ever becomes a float. */

describe('reading a request', () => {
  it('keeps every parameter number as its text, digit for digit', () => {
    // Given a request with numbers a float would round
    const text =
      '{"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"amount":0.10000000000000000001,"price":1e-8,"nested":[{"n":12345678901234567890}]}}';
    // When the local Deribit reads it
    const request = RpcRequest.parse(readWireRequest(text));
    // Then the params hold the numbers' text
    expect(request.params).toEqual({
      amount: '0.10000000000000000001',
      price: '1e-8',
      nested: [{ n: '12345678901234567890' }],
    });
  });

  it('echoes the id in the type it was sent: a number stays a number (exactly), a string a string', () => {
    const numeric = RpcRequest.parse(
      readWireRequest('{"jsonrpc":"2.0","id":12345678901234567890,"method":"public/test"}'),
    );
    expect(writeWire({ id: numeric.id })).toBe('{"id":12345678901234567890}');
    const textual = RpcRequest.parse(readWireRequest('{"jsonrpc":"2.0","id":"7","method":"public/test"}'));
    expect(writeWire({ id: textual.id })).toBe('{"id":"7"}');
  });

  it('refuses what JSON-RPC as Deribit speaks it does not allow: no id, a batch, positional params', () => {
    const refused = [
      '{"jsonrpc":"2.0","method":"public/test","params":{}}',
      '[{"jsonrpc":"2.0","id":1,"method":"public/test"}]',
      '{"jsonrpc":"2.0","id":1,"method":"public/test","params":[1,2]}',
      '{"jsonrpc":"1.0","id":1,"method":"public/test"}',
    ];
    for (const text of refused) expect(RpcRequest.safeParse(readWireRequest(text)).success).toBe(false);
    expect(() => readWireRequest('{not json')).toThrow();
  });

  it('gives named params an empty default and ignores members JSON-RPC does not define', () => {
    const request = RpcRequest.parse(
      readWireRequest('{"jsonrpc":"2.0","id":1,"method":"public/test","x":1}'),
    );
    expect(request).toEqual({ jsonrpc: '2.0', id: expect.anything(), method: 'public/test', params: {} });
  });
});

describe('writing a reply', () => {
  it('writes decimals as bare JSON numbers with their exact digits', () => {
    expect(writeWire({ price: parseDecimal('60000.50'), amount: parseDecimal('0.1'), label: 'a' })).toBe(
      '{"price":60000.5,"amount":0.1,"label":"a"}',
    );
  });

  it('writes a client’s strings as they were, even ones holding NULs, quotes and backslashes', () => {
    // Given a label sent with characters JSON must escape, and decimals beside it
    const label = 'a\u0000b"c\\d\u0000e:1';
    const reply = {
      label,
      price: parseDecimal('-0.0001'),
      nested: [{ big: parseDecimal('1000000000000000000000000000000') }],
    };
    // When it is written, Then the text reads back to the same label and the numbers are bare
    const text = writeWire(reply);
    expect(JSON.parse(text)).toEqual({ label, price: -0.0001, nested: [{ big: 1e30 }] });
    expect(text).toContain('"price":-0.0001');
    expect(text).toContain('"big":1000000000000000000000000000000');
  });

  it('writes a long list in slices to exactly the text it writes at once, an id holding "result":[] included', async () => {
    // Given a reply of 2,501 orders (decimals, labels with characters JSON escapes), under a string id
    const result = Array.from({ length: 2_501 }, (_, i) => ({
      order_id: `ETH-${i}`,
      price: parseDecimal(`60000.${i}`),
      label: `l"${i}\u0000`,
    }));
    const reply = { jsonrpc: '2.0', id: 'x"result":[]', result, usIn: 1, usOut: 2, usDiff: 1 };
    // When written in slices of 1,000, Then the text is byte for byte the one written at once
    expect(await writeWireInSlices(reply, 1_000)).toBe(writeWire(reply));
    expect(await writeWireInSlices({ ...reply, result: [] })).toBe(writeWire({ ...reply, result: [] }));
  });
});
