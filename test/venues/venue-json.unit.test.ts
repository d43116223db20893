import fc from 'fast-check';
import { parse as losslessParse } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseVenueJson } from '../../adapters/venues/venue-json.ts';

/** The reference: a JSON parser that hands every number over as its text. */
const reference = (text: string): unknown => losslessParse(text, null, (numberText: string) => numberText);

const outcome = (parse: (text: string) => unknown, text: string) => {
  try {
    return { ok: true as const, value: parse(text) };
  } catch (error) {
    return { ok: false as const, error: (error as Error).message };
  }
};

/** Number texts by JSON's grammar, long ones included (more digits than a double holds). */
const digits = (min: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: 30 });
const numberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(
      fc.constant('0'),
      fc.tuple(fc.constantFrom(...'123456789'), digits(0)).map(([a, b]) => a + b),
    ),
    fc.option(digits(1)),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1))),
  )
  .map(
    ([negative, int, fraction, exponent]) =>
      `${negative ? '-' : ''}${int}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`,
  );

/** Strings with what trips a tokenizer: quotes, backslashes, escapes, digits, unicode. */
const stringText = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('"', '\\', '1', '-', '.', 'e', ':', ',', '[', '{', '\n', 'é'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
  })
  .map((s) => JSON.stringify(s));

const { json } = fc.letrec<{ json: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('json'), { maxLength: 5 }).map((items) => `[${items.join(', ')}]`),
    fc
      .uniqueArray(fc.tuple(stringText, tie('json')), { maxLength: 5, selector: ([key]) => JSON.parse(key) })
      .map((entries) => `{ ${entries.map(([k, v]) => `${k}:${v}`).join(',')} }`),
  ),
}));

describe('parseVenueJson: venue JSON with every number kept as its text', () => {
  it('reads what the venues send, numbers as their exact text', () => {
    // Given a Deribit push with prices, a fee smaller than a double prints plainly, and a long id
    const text =
      '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.trades.any.any.raw","data":[{"price":60000.10,"fee":0.00000001,"amount":30.0,"trade_seq":123456789012345678901,"label":"a\\"1,2"}]}}';
    // Then every number is its text, and strings are untouched
    expect(parseVenueJson(text)).toEqual({
      jsonrpc: '2.0',
      method: 'subscription',
      params: {
        channel: 'user.trades.any.any.raw',
        data: [
          {
            price: '60000.10',
            fee: '0.00000001',
            amount: '30.0',
            trade_seq: '123456789012345678901',
            label: 'a"1,2',
          },
        ],
      },
    });
  });

  it('takes the last of a key given twice in one object, as JSON.parse does (lossless-json refused the text)', () => {
    // Venues never send one (RFC 8259: names should be unique); the property below leaves them out.
    expect(parseVenueJson('{"a":1,"a":2}')).toEqual({ a: '2' });
  });

  it('refuses malformed numbers as a JSON parser does', () => {
    for (const text of ['[01]', '[1.]', '[.5]', '[1.2.3]', '[-]', '[1e]', '[+1]', '{"a":1-2}', '["a"1]']) {
      expect(() => parseVenueJson(text), text).toThrow();
    }
  });

  it('gives what a number-keeping JSON parser gives, on any JSON (property)', () => {
    fc.assert(
      fc.property(json, (text) => {
        expect(parseVenueJson(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  it('fails where that parser fails: JSON with one character inserted or removed (property)', () => {
    const broken = fc
      .tuple(json, fc.nat(), fc.constantFrom('', '"', '\\', '1', '-', '.', 'e', ',', ':', ']', '}', '0'))
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return insert === ''
          ? text.slice(0, i) + text.slice(i + 1)
          : text.slice(0, i) + insert + text.slice(i);
      });
    fc.assert(
      fc.property(broken, (text) => {
        const ours = outcome(parseVenueJson, text);
        const theirs = outcome(reference, text);
        // A character that makes two keys of one object equal: JSON.parse takes the last (above).
        fc.pre(theirs.ok || !/Duplicate key/.test(theirs.error));
        expect(ours.ok, text).toBe(theirs.ok);
        if (ours.ok && theirs.ok) expect(ours.value).toEqual(theirs.value);
      }),
      { numRuns: 2000 },
    );
  });
});
