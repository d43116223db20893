import { describe, expect, it } from 'vitest';
import { createVenueJsonParser, OFF_THREAD_CHARS } from '../../adapters/venues/json-parse-thread.ts';
import { parseVenueJson } from '../../adapters/venues/venue-json.ts';

/** A Deribit-like list reply long enough to be parsed off the event loop, numbers with many digits. */
const longReply = () =>
  `{"jsonrpc":"2.0","id":7,"result":[${Array.from(
    { length: 4000 },
    (_, i) => `{"order_id":"ETH-${i}","price":60000.123456789012345678,"amount":10,"label":"o-${i}"}`,
  ).join(',')}]}`;

describe('parsing long venue messages in a worker thread', () => {
  it('Given a long reply, When parsed off the event loop, Then the value is exactly what parsing in place gives (numbers as their text)', async () => {
    const text = longReply();
    expect(text.length).toBeGreaterThanOrEqual(OFF_THREAD_CHARS);
    const parse = createVenueJsonParser();
    const value = (await parse(text)) as { result: { price: string }[] };
    expect(value).toEqual(parseVenueJson(text));
    expect(value.result[3999]!.price).toBe('60000.123456789012345678');
  });

  it('Given a long text that is not JSON, Then it rejects with a SyntaxError, as parsing in place throws', async () => {
    const parse = createVenueJsonParser();
    await expect(parse(`${longReply()}]`)).rejects.toThrow(SyntaxError);
  });

  it('Given a worker that cannot start, When long replies come, Then they are parsed in place, nothing lost', async () => {
    const parse = createVenueJsonParser(new URL('./fixtures/failing-json-worker.ts', import.meta.url));
    const text = longReply();
    expect(await parse(text)).toEqual(parseVenueJson(text));
    // And the next one too (no new thread is tried)
    expect(await parse(text)).toEqual(parseVenueJson(text));
  });

  it('Given a worker that answers something else, When a long reply comes, Then it is parsed in place and nothing waits forever', async () => {
    const parse = createVenueJsonParser(new URL('./fixtures/garbage-json-worker.ts', import.meta.url));
    const text = longReply();
    expect(await parse(text)).toEqual(parseVenueJson(text));
  });
});
