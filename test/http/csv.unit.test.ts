import { describe, expect, it } from 'vitest';
import { csvChunks, csvField, negotiateReport } from '../../adapters/http/csv.ts';

// The one CSV writer of the reports (RFC 4180) and the choice between JSON and CSV (RFC 9110).

describe('a CSV field', () => {
  it.each([
    ['0.000000059', '0.000000059'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    [null, ''],
    [12, '12'],
    [{ USDT: '0.1', BTC: '-0.0001' }, '"{""USDT"":""0.1"",""BTC"":""-0.0001""}"'],
  ])('given %j, then it is written %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });
});

describe('a CSV of pages', () => {
  it('given two pages, then a header row, then each row in the header’s order, CRLF-terminated', async () => {
    async function* pages() {
      yield [{ b: '1', a: 'x' }];
      yield [];
      yield [{ a: 'y,z', b: null }];
    }
    let text = '';
    for await (const chunk of csvChunks(['a', 'b'], pages())) text += chunk;
    expect(text).toBe('a,b\r\nx,1\r\n"y,z",\r\n');
  });
});

describe('the format a report is sent in', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['text/*', 'csv'],
    ['text/csv, */*', 'csv'],
    ['application/json;q=0.5, text/csv', 'csv'],
    ['text/csv;q=0.2, application/*;q=0.9', 'json'],
    ['TEXT/CSV; charset=utf-8', 'csv'],
    ['application/xml', undefined],
    ['text/csv;q=0, application/xml', undefined],
  ])('given Accept %j, then %s', (accept, format) => {
    expect(negotiateReport(accept)).toBe(format);
  });
});
